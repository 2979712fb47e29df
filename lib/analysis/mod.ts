/**
 * Pure analysis of measurements: statistics (median, percentiles),
 * micro-benchmark verdicts, and the analysis of lab result documents:
 * histogram statistics per repetition and pooled, jitter, seeded bootstrap
 * intervals of ratios between placements or against a baseline, noise
 * thresholds and verdicts in words, comparisons, and the threshold grammar
 * with its evaluation. No `Deno.*`, no Workers, no file system.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateTargets, median } from "./mod.ts";
 * const medians = new Map([["a", median([3, 1, 2])], ["b", 4]]);
 * const [v] = evaluateTargets(
 *   [{ label: "a >= 2x faster than b", measured: "a", baseline: "b", criterion: { kind: "speedup", min: 2 } }],
 *   medians,
 * );
 * assert.equal(v.ok, true);
 * ```
 *
 * @module
 */

export { median, percentile, percentiles } from "./statistics.ts";
export { type Criterion, evaluateTargets, type Target, type Verdict } from "./verdict.ts";
export {
  type AnalysedResult,
  analyseResult,
  type DeviceAnalysis,
  type PlacementAnalysis,
  type PointAnalysis,
  pointKey,
} from "./analyse.ts";
export {
  type BootstrapOptions,
  bootstrapRatios,
  pointMetrics,
  type RatioInterval,
  type RepetitionSample,
} from "./bootstrap.ts";
export {
  type CompareOptions,
  comparePlacements,
  compareResults,
  type ComparisonRow,
  type ResultComparison,
} from "./compare.ts";
export {
  decodeHistogram,
  type HistogramStats,
  histogramStats,
  mergeHistograms,
  type RepetitionStats,
  repetitionStats,
} from "./histogram_stats.ts";
export type {
  ContextReportInput,
  DeviceReportInput,
  HistogramReportInput,
  LockReportInput,
  LockThreadInput,
  MachineReportInput,
  ManifestInput,
  NoiseFloorInput,
  NoiseSampleInput,
  ResultInput,
  RunInput,
  StagesInput,
  SummaryRowInput,
  VcpuReportInput,
} from "./input.ts";
export {
  intervalP99Spread,
  type IntervalRowInput,
  intervalRows,
  type IntervalSpread,
  jitterOf,
  type JitterStats,
  probeLateness,
} from "./jitter.ts";
export {
  isMetricName,
  type MetricInfo,
  metricInfo,
  type MetricName,
  METRICS,
  type MetricValues,
} from "./metrics.ts";
export { deriveSeed, SeededRandom } from "./random.ts";
export {
  type ChangeVerdict,
  changeVerdict,
  DEFAULT_NOISE_THRESHOLD,
  noiseThreshold,
} from "./significance.ts";
export {
  evaluateThresholds,
  formatValue,
  type ThresholdOptions,
  type ThresholdOutcome,
} from "./threshold_eval.ts";
export {
  type Comparison,
  parseThreshold,
  type Reference,
  type Side,
  type Threshold,
  ThresholdSyntaxError,
} from "./threshold_parse.ts";
