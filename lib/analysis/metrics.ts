/**
 * The metrics analysis reports per placement and device, their units and
 * which direction is better: the names thresholds and comparisons use.
 * Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isMetricName, METRICS, metricInfo } from "./metrics.ts";
 * assert.equal(METRICS.length, 10);
 * assert.ok(isMetricName("p99.9"));
 * assert.deepEqual(metricInfo("iops"), { unit: "1/s", higherIsBetter: true });
 * ```
 *
 * @module
 */

/** Every metric name, in report order. */
export const METRICS = [
  "p50",
  "p90",
  "p99",
  "p99.9",
  "p99.99",
  "max",
  "mean",
  "iops",
  "jitter",
  "bqlWaitShare",
] as const;

/**
 * A metric: latency percentiles, max and mean (ns, of the total latency
 * pooled over repetitions), `iops` (completions per second, mean over
 * repetitions), `jitter` (p99 - p50, ns) and `bqlWaitShare` (the share of
 * run time vCPUs waited for the BQL, 0..1, mean over repetitions).
 */
export type MetricName = typeof METRICS[number];

/** A value of every metric. */
export type MetricValues = Record<MetricName, number>;

/** The unit and the better direction of a metric. */
export interface MetricInfo {
  /** `ns` for latencies, `1/s` for throughput, `share` for a fraction 0..1. */
  unit: "ns" | "1/s" | "share";
  /** Whether a higher value is better (throughput) or worse (latency, BQL wait). */
  higherIsBetter: boolean;
}

/**
 * Whether `name` is a metric name (exact spelling, case-sensitive).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isMetricName } from "./metrics.ts";
 * assert.equal(isMetricName("p99"), true);
 * assert.equal(isMetricName("P99"), false);
 * ```
 */
export function isMetricName(name: string): name is MetricName {
  return (METRICS as readonly string[]).includes(name);
}

/**
 * Unit and better direction of `metric`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metricInfo } from "./metrics.ts";
 * assert.equal(metricInfo("p99").higherIsBetter, false);
 * assert.equal(metricInfo("bqlWaitShare").unit, "share");
 * ```
 */
export function metricInfo(metric: MetricName): MetricInfo {
  switch (metric) {
    case "iops":
      return { unit: "1/s", higherIsBetter: true };
    case "bqlWaitShare":
      return { unit: "share", higherIsBetter: false };
    default:
      return { unit: "ns", higherIsBetter: false };
  }
}
