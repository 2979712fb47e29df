/**
 * Whether a ratio with its confidence interval is a real change: the noise
 * threshold (a relative change too small to call, default 2 %, never below
 * the noise floor the result measured) and the verdict in words. Pure; any
 * thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changeVerdict } from "./significance.ts";
 * const slower = { ratio: 1.2, low: 1.1, high: 1.3, confidence: 0.95 };
 * assert.equal(changeVerdict("p99", slower, 0.02), "worse");
 * assert.equal(changeVerdict("iops", slower, 0.02), "better");
 * ```
 *
 * @module
 */

import type { RatioInterval } from "./bootstrap.ts";
import type { NoiseFloorInput } from "./input.ts";
import { metricInfo, type MetricName } from "./metrics.ts";

/** The default noise threshold: a change below 2 % is not called. */
export const DEFAULT_NOISE_THRESHOLD = 0.02;

/** A verdict in words. */
export type ChangeVerdict = "better" | "worse" | "no significant difference";

/**
 * The noise threshold of one metric compared between two values `a` and
 * `b` (a relative change, 0.02 = 2 %): the larger of `minimum` (default
 * {@link DEFAULT_NOISE_THRESHOLD}) and, for a latency metric, the noise
 * floor relative to the smaller of the two values. The noise floor of a
 * latency is the idle jitter-probe lateness the lab measured before the run
 * (`manifest.noiseFloor.idleJitter`): its p50 for p50, p90 and mean, its
 * p99 for the tail metrics (p99 and beyond, max, jitter), because any
 * latency measured with a timer carries that much timing noise. Throughput
 * and bqlWaitShare use `minimum` alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noiseThreshold } from "./significance.ts";
 * const floor = { idleJitter: { p50Ns: 1_000, p99Ns: 5_000 } };
 * assert.equal(noiseThreshold("p50", 100_000, 110_000, floor), 0.02);
 * assert.equal(noiseThreshold("p99", 100_000, 110_000, floor), 0.05);
 * assert.equal(noiseThreshold("iops", 10, 11, floor), 0.02);
 * assert.equal(noiseThreshold("p99", 100_000, 110_000, null, 0.1), 0.1);
 * ```
 */
export function noiseThreshold(
  metric: MetricName,
  a: number,
  b: number,
  noiseFloor: NoiseFloorInput | null,
  minimum: number = DEFAULT_NOISE_THRESHOLD,
): number {
  if (!(minimum >= 0)) {
    throw new RangeError(`a noise threshold must be a share >= 0 (0.02 = 2 %), got ${minimum}`);
  }
  if (noiseFloor === null || metricInfo(metric).unit !== "ns") return minimum;
  const typical = metric === "p50" || metric === "p90" || metric === "mean";
  const floorNs = typical ? noiseFloor.idleJitter.p50Ns : noiseFloor.idleJitter.p99Ns;
  const base = Math.min(a, b);
  if (!(base > 0)) return minimum;
  return Math.max(minimum, floorNs / base);
}

/**
 * The verdict on a ratio (measured / reference) of `metric`: a change is
 * called only when its interval excludes 1 and its point estimate is beyond
 * the threshold (above 1 + threshold, or below 1 / (1 + threshold)); its
 * direction is then "worse" or "better" by the metric's better direction
 * (higher is better for iops only). Otherwise "no significant difference".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changeVerdict } from "./significance.ts";
 * const small = { ratio: 1.01, low: 1.005, high: 1.015, confidence: 0.95 };
 * assert.equal(changeVerdict("p50", small, 0.02), "no significant difference");
 * const wide = { ratio: 0.7, low: 0.4, high: 1.1, confidence: 0.95 };
 * assert.equal(changeVerdict("p50", wide, 0.02), "no significant difference");
 * ```
 */
export function changeVerdict(
  metric: MetricName,
  interval: Pick<RatioInterval, "ratio" | "low" | "high">,
  threshold: number,
): ChangeVerdict {
  const { ratio, low, high } = interval;
  let higher: boolean;
  if (low > 1 && ratio > 1 + threshold) higher = true;
  else if (high < 1 && ratio < 1 / (1 + threshold)) higher = false;
  else return "no significant difference";
  return higher === metricInfo(metric).higherIsBetter ? "better" : "worse";
}
