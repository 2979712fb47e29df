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

// The input types of the public functions (lib/analysis's view of a result document).
export type {
  ContextReportInput,
  DeviceReportInput,
  HistogramReportInput,
  MachineReportInput,
  ManifestInput,
  NoiseFloorInput,
  NoiseSampleInput,
  ResultInput,
  RunInput,
  SummaryRowInput,
} from "../analysis/mod.ts";
export { type ChartSection, reportCharts, type VegaLiteSpec } from "./charts.ts";
export {
  type HtmlReportOptions,
  renderHtmlReport,
  type ReportDocumentInput,
  type ReportManifestInput,
} from "./page.ts";
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
