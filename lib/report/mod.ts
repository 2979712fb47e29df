/**
 * Reports: vega-lite chart specs, the single-file HTML page and the
 * Markdown, CSV and HdrHistogram-log exports, all pure functions of result
 * documents (the command line does the I/O).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderHtmlReport } from "./mod.ts";
 * assert.match(renderHtmlReport([]), /<html/);
 * ```
 *
 * @module
 */

export { type ChartSection, reportCharts, type VegaLiteSpec } from "./charts.ts";
export { type HtmlReportOptions, renderHtmlReport } from "./page.ts";
export {
  comparisonMarkdown,
  type ComparisonMarkdownOptions,
  escapeMarkdown,
  formatRatio,
  manifestLine,
  type MarkdownManifest,
  type MarkdownOptions,
  type MarkdownResult,
  markdownSummary,
  thresholdsMarkdown,
} from "./markdown.ts";
export { CSV_FIELDS, csvField, type CsvSummaryRow, summaryCsv } from "./csv.ts";
export { HLOG_FORMAT_VERSION, type HlogFile, hlogFiles, type HlogInput, hlogTag } from "./hlog.ts";
