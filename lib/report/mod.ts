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
export { type ChartSection, reportCharts, type ReportChartsOptions } from "./charts.ts";
export { chartHasData, type VegaLiteSpec } from "./vega_lite_spec.ts";
export { type ChartDocument, chartDocuments, documentLabels } from "./chart_documents.ts";
export {
  type CurveSeries,
  latencyPercentileChart,
  percentileCurveSpec,
} from "./chart_latency_percentiles.ts";
export {
  eventLayers,
  latencyOverTimeChart,
  type TimelineEvent,
  timelineEvents,
} from "./chart_latency_over_time.ts";
export {
  BINS_PER_DECADE,
  latencyHistogramChart,
  type LogBin,
  logBins,
} from "./chart_latency_histogram.ts";
export { stageBreakdownChart, STAGES } from "./chart_stage_breakdown.ts";
export {
  lockThreadHistograms,
  lockThreadTotals,
  lockTimesChart,
  type ThreadLockHistograms,
} from "./chart_lock_times.ts";
export { CONTEXT_STATES, contextUtilisationChart } from "./chart_context_utilisation.ts";
export { jitterProbeChart } from "./chart_jitter_probes.ts";
export { throughputOverTimeChart } from "./chart_throughput_over_time.ts";
export { sweepChart, type SweepMetric, sweptOption } from "./chart_sweep.ts";
