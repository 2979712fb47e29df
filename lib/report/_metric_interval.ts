// The bootstrap interval of one metric of one sample (not a ratio), from
// lib/analysis `bootstrapRatios`: the ratio to a constant sample whose every
// metric is 1 (one request of 1 ns, one completion in one second, a BQL
// wait share of 1, no intervals to redraw) is the metric itself, replicate
// by replicate, so its interval is the metric's percentile-bootstrap
// interval with the same resampling (repetitions, then requests and
// intervals within each) as every comparison of the report. Jitter
// (p99 - p50) is 0 for the constant and has no interval here. Private to
// lib/report.

import type { RatioInterval, RepetitionSample } from "../analysis/bootstrap.ts";
import { bootstrapRatios } from "../analysis/bootstrap.ts";
import type { MetricName } from "../analysis/metrics.ts";
import { HistogramSnapshot } from "../measure/histogram.ts";

/** Metrics whose interval {@link metricIntervals} gives. */
export type IntervalMetric = Exclude<MetricName, "jitter">;

function unitSample(): RepetitionSample[] {
  const latency = new HistogramSnapshot();
  latency.recordValue(1);
  return [{ latency, completions: 1, durationNs: 1e9, intervals: [], bqlWaitShare: 1 }];
}

const cache = new WeakMap<
  readonly RepetitionSample[],
  Map<string, Record<MetricName, RatioInterval>>
>();

/**
 * The bootstrap interval of every metric of `sample` (seeded: the same
 * sample and seed give the same intervals); cached per sample array.
 */
export function metricIntervals(
  sample: readonly RepetitionSample[],
  seed: number,
  resamples = 1000,
  confidence = 0.95,
): Record<IntervalMetric, RatioInterval> {
  const key = `${seed}/${resamples}/${confidence}`;
  let bySeed = cache.get(sample);
  if (bySeed === undefined) {
    bySeed = new Map();
    cache.set(sample, bySeed);
  }
  let out = bySeed.get(key);
  if (out === undefined) {
    out = bootstrapRatios(sample, unitSample(), { seed, resamples, confidence });
    bySeed.set(key, out);
  }
  return out;
}
