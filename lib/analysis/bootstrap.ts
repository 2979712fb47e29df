/**
 * Bootstrap confidence intervals of the ratio of every metric between two
 * samples (two placements, or a result and its baseline), seeded so that
 * the same input and seed give the same interval.
 *
 * A sample is a list of repetitions. One bootstrap replicate of a sample
 * draws its repetitions with replacement (the run-to-run variation: drift,
 * another process, another core), then, within each drawn repetition,
 * redraws its requests from its latency histogram (a multinomial draw of
 * the repetition's count over its buckets) and its time-series intervals
 * with replacement (throughput). The redrawn repetitions' histograms are
 * merged and every latency metric is computed from the merge, exactly as
 * the point estimate is: so p99, p99.9 and max are bootstrapped as tails,
 * from how many tail requests each replicate happens to hold, not through
 * a mean. The ratio a / b of each replicate gives the distribution whose
 * central `confidence` share is the interval (the percentile interval).
 * Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { bootstrapRatios, type RepetitionSample } from "./bootstrap.ts";
 * const rep = (ns: number): RepetitionSample => {
 *   const latency = new HistogramSnapshot();
 *   for (let i = 1; i <= 200; i++) latency.recordValue(ns + i);
 *   return { latency, completions: 200, durationNs: 1e9, intervals: [], bqlWaitShare: 0 };
 * };
 * const r = bootstrapRatios([rep(1000), rep(1000)], [rep(500), rep(500)], { seed: 1, resamples: 200 });
 * assert.ok(r.p50.ratio > 1.7 && r.p50.low > 1.7 && r.p50.high < 1.95);
 * assert.equal(r.iops.ratio, 1);
 * assert.deepEqual(bootstrapRatios([rep(1000)], [rep(500)], { seed: 1, resamples: 200 }).p99,
 *   bootstrapRatios([rep(1000)], [rep(500)], { seed: 1, resamples: 200 }).p99);
 * ```
 *
 * @module
 */

import {
  highestValueAtIndex,
  type HistogramSnapshot,
  valueFromIndex,
} from "../measure/histogram.ts";
import { type MetricName, METRICS, type MetricValues } from "./metrics.ts";
import { SeededRandom } from "./random.ts";
import { percentiles } from "./statistics.ts";

/** One repetition of one placement and device: what the bootstrap redraws. */
export interface RepetitionSample {
  /** Total latency of every completed request. */
  latency: HistogramSnapshot;
  /** Requests completed in the measured time. */
  completions: number;
  /** Measured time, ns. */
  durationNs: number;
  /** Time-series intervals (completions and length, ns); empty when the run has none. */
  intervals: readonly { completions: number; durationNs: number }[];
  /** BQL wait share of the run, 0..1. */
  bqlWaitShare: number;
}

/** Options of {@link bootstrapRatios}. */
export interface BootstrapOptions {
  /** Seed of the resampling (default 1). */
  seed?: number;
  /** Bootstrap replicates (default 1000; at least 20). */
  resamples?: number;
  /** Confidence level of the interval, in (0, 1) (default 0.95). */
  confidence?: number;
}

/** The ratio a / b of one metric with its bootstrap interval. */
export interface RatioInterval {
  /** Point estimate: metric(a) / metric(b) (1 when both are 0, Infinity when only b is). */
  ratio: number;
  /** Lower end of the interval. */
  low: number;
  /** Upper end of the interval. */
  high: number;
  /** Confidence level of the interval. */
  confidence: number;
}

/** Requests per non-empty count up to which a replicate draws request by request. */
const FLAT_PER_COUNT = 20;

const PERCENTILES = [50, 90, 99, 99.9, 99.99] as const;
const PERCENTILE_METRICS = ["p50", "p90", "p99", "p99.9", "p99.99"] as const;

/** A sample laid out for resampling: the union of its repetitions' non-empty counts. */
interface Prepared {
  /** Highest value of each union position's count. */
  highs: Float64Array;
  /** Representative (middle) value of each union position's count. */
  mids: Float64Array;
  /** Largest recorded value of the whole sample. */
  max: number;
  reps: {
    /** Union position of each non-empty count of the repetition. */
    at: Int32Array;
    counts: Float64Array;
    /**
     * One union position per request when the repetition has few requests
     * per count (a draw per request is then cheaper than a binomial per
     * count); `null` otherwise.
     */
    flat: Int32Array | null;
    total: number;
    iops: number;
    intervalCompletions: Float64Array;
    intervalNs: Float64Array;
    bql: number;
  }[];
}

function prepare(sample: readonly RepetitionSample[]): Prepared {
  const used = new Set<number>();
  let max = 0;
  for (const r of sample) {
    const c = r.latency.counts;
    for (let i = 0; i < c.length; i++) if (c[i] !== 0) used.add(i);
    if (r.latency.totalCount > 0) max = Math.max(max, r.latency.max);
  }
  const index = [...used].sort((x, y) => x - y);
  const position = new Map(index.map((i, k) => [i, k]));
  const half = sample[0].latency.halfMagnitude;
  const highs = Float64Array.from(index, (i) => highestValueAtIndex(half, i));
  const mids = Float64Array.from(index, (i) => {
    const lo = valueFromIndex(half, i);
    return lo + Math.floor((highestValueAtIndex(half, i) - lo + 1) / 2);
  });
  const reps = sample.map((r) => {
    if (r.latency.halfMagnitude !== half) {
      throw new RangeError(
        `the repetitions of a sample must share one histogram geometry: expected ` +
          `${sample[0].latency.digits} digits, found ${r.latency.digits}`,
      );
    }
    const at: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < r.latency.counts.length; i++) {
      if (r.latency.counts[i] !== 0) {
        at.push(position.get(i)!);
        counts.push(r.latency.counts[i]);
      }
    }
    const total = counts.reduce((s, x) => s + x, 0);
    let flat: Int32Array | null = null;
    if (total <= FLAT_PER_COUNT * counts.length) {
      flat = new Int32Array(total);
      let k = 0;
      for (let j = 0; j < at.length; j++) flat.fill(at[j], k, k += counts[j]);
    }
    return {
      at: Int32Array.from(at),
      counts: Float64Array.from(counts),
      flat,
      total,
      iops: r.durationNs > 0 ? (r.completions * 1e9) / r.durationNs : 0,
      intervalCompletions: Float64Array.from(r.intervals, (x) => x.completions),
      intervalNs: Float64Array.from(r.intervals, (x) => x.durationNs),
      bql: r.bqlWaitShare,
    };
  });
  return { highs, mids, max, reps };
}

/** Every latency metric of merged counts (union positions), by lib/measure's percentile rule. */
function latencyMetrics(p: Prepared, counts: Float64Array, out: MetricValues): void {
  let total = 0;
  let sum = 0;
  let last = -1;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    if (c === 0) continue;
    total += c;
    sum += c * p.mids[k];
    last = k;
  }
  if (total === 0) {
    for (const m of PERCENTILE_METRICS) out[m] = 0;
    out.max = 0;
    out.mean = 0;
    out.jitter = 0;
    return;
  }
  let run = 0;
  let k = 0;
  for (let j = 0; j < PERCENTILES.length; j++) {
    const fp = (PERCENTILES[j] / 100) * total;
    const ulp = 2 ** (Math.floor(Math.log2(fp)) - 52);
    const want = Math.max(Math.ceil(fp - ulp), 1);
    while (run + counts[k] < want) run += counts[k++];
    out[PERCENTILE_METRICS[j]] = p.highs[k];
  }
  out.max = last === p.highs.length - 1 ? Math.min(p.max, p.highs[last]) : p.highs[last];
  out.mean = sum / total;
  out.jitter = out.p99 - out.p50;
}

function emptyMetrics(): MetricValues {
  return Object.fromEntries(METRICS.map((m) => [m, 0])) as MetricValues;
}

/**
 * Every metric of a sample: latency metrics of the merged histogram of its
 * repetitions (percentiles as lib/measure computes them), iops and
 * bqlWaitShare as means over the repetitions.
 *
 * @throws {RangeError} if the sample is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { pointMetrics } from "./bootstrap.ts";
 * const latency = new HistogramSnapshot();
 * for (let v = 1; v <= 100; v++) latency.recordValue(v);
 * const m = pointMetrics([{ latency, completions: 100, durationNs: 1e8, intervals: [], bqlWaitShare: 0.5 }]);
 * assert.deepEqual([m.p50, m.p99, m.max, m.iops, m.jitter, m.bqlWaitShare], [50, 99, 100, 1000, 49, 0.5]);
 * ```
 */
export function pointMetrics(sample: readonly RepetitionSample[]): MetricValues {
  checkSample(sample, "sample");
  return preparedMetrics(prepare(sample));
}

function preparedMetrics(p: Prepared): MetricValues {
  const counts = new Float64Array(p.highs.length);
  for (const r of p.reps) for (let j = 0; j < r.at.length; j++) counts[r.at[j]] += r.counts[j];
  const out = emptyMetrics();
  latencyMetrics(p, counts, out);
  out.iops = p.reps.reduce((s, r) => s + r.iops, 0) / p.reps.length;
  out.bqlWaitShare = p.reps.reduce((s, r) => s + r.bql, 0) / p.reps.length;
  return out;
}

function checkSample(sample: readonly RepetitionSample[], what: string): void {
  if (sample.length === 0) {
    throw new RangeError(
      `a bootstrap needs at least one repetition in ${what}, found none (every run failed?)`,
    );
  }
}

/** One replicate of a sample: redraw repetitions, then requests and intervals within each. */
function replicate(p: Prepared, rng: SeededRandom, counts: Float64Array, out: MetricValues): void {
  counts.fill(0);
  let iops = 0;
  let bql = 0;
  const n = p.reps.length;
  for (let d = 0; d < n; d++) {
    const r = p.reps[rng.int(n)];
    if (r.flat !== null) {
      const f = r.flat;
      for (let j = 0; j < f.length; j++) counts[f[rng.int(f.length)]]++;
    } else {
      // A multinomial draw as a chain of binomials: count j gets its share of what is left.
      let left = r.total;
      let leftWeight = r.total;
      for (let j = 0; j < r.at.length && left > 0; j++) {
        const c = r.counts[j];
        const x = j === r.at.length - 1 ? left : rng.binomial(left, c / leftWeight);
        counts[r.at[j]] += x;
        left -= x;
        leftWeight -= c;
      }
    }
    const m = r.intervalNs.length;
    if (m === 0) {
      iops += r.iops;
    } else {
      let c = 0;
      let t = 0;
      for (let j = 0; j < m; j++) {
        const k = rng.int(m);
        c += r.intervalCompletions[k];
        t += r.intervalNs[k];
      }
      iops += t > 0 ? (c * 1e9) / t : 0;
    }
    bql += r.bql;
  }
  latencyMetrics(p, counts, out);
  out.iops = iops / n;
  out.bqlWaitShare = bql / n;
}

function ratioOf(a: number, b: number): number {
  if (b === 0) return a === 0 ? 1 : Infinity;
  return a / b;
}

/**
 * The ratio a / b of every metric with a bootstrap percentile interval at
 * `confidence` (see the module doc for the resampling). Deterministic:
 * the same samples, seed and options give the same intervals.
 *
 * @throws {RangeError} if a sample is empty, or an option is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { bootstrapRatios } from "./bootstrap.ts";
 * const latency = new HistogramSnapshot();
 * for (let v = 1; v <= 100; v++) latency.recordValue(v * 100);
 * const rep = { latency, completions: 100, durationNs: 1e9, intervals: [], bqlWaitShare: 0 };
 * const self = bootstrapRatios([rep, rep], [rep, rep], { seed: 3, resamples: 100 });
 * assert.equal(self.p99.ratio, 1);
 * assert.ok(self.p99.low <= 1 && self.p99.high >= 1);
 * ```
 */
export function bootstrapRatios(
  a: readonly RepetitionSample[],
  b: readonly RepetitionSample[],
  options: BootstrapOptions = {},
): Record<MetricName, RatioInterval> {
  const resamples = options.resamples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 20) {
    throw new RangeError(`resamples must be an integer of at least 20, got ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  }
  checkSample(a, "the first sample");
  checkSample(b, "the second sample");
  const pa = prepare(a);
  const pb = prepare(b);
  const pointA = preparedMetrics(pa);
  const pointB = preparedMetrics(pb);
  const rng = new SeededRandom(options.seed ?? 1);
  const ca = new Float64Array(pa.highs.length);
  const cb = new Float64Array(pb.highs.length);
  const ma = emptyMetrics();
  const mb = emptyMetrics();
  const draws = Object.fromEntries(METRICS.map((m) => [m, new Array<number>(resamples)])) as Record<
    MetricName,
    number[]
  >;
  for (let i = 0; i < resamples; i++) {
    replicate(pa, rng, ca, ma);
    replicate(pb, rng, cb, mb);
    for (const m of METRICS) draws[m][i] = ratioOf(ma[m], mb[m]);
  }
  const tail = (100 * (1 - confidence)) / 2;
  return Object.fromEntries(METRICS.map((m) => {
    const [low, high] = percentiles(draws[m], [tail, 100 - tail]);
    return [m, { ratio: ratioOf(pointA[m], pointB[m]), low, high, confidence }];
  })) as Record<MetricName, RatioInterval>;
}
