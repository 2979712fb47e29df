/**
 * Statistics of latency histograms decoded from a result document:
 * percentiles (HdrHistogram's rule, as lib/measure computes them), mean
 * and standard deviation, per repetition and pooled (the exact merge of
 * the repetitions' counts). Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { encodeHdr } from "../measure/hdr_export.ts";
 * import { repetitionStats } from "./histogram_stats.ts";
 * const rep = (ns: number) => {
 *   const s = new HistogramSnapshot();
 *   s.recordValue(ns, 100);
 *   return { hdr: encodeHdr(s), count: 100 };
 * };
 * const { perRepetition, pooled } = repetitionStats([rep(100), rep(200)]);
 * assert.deepEqual(perRepetition.map((s) => s.p50), [100, 200]);
 * assert.equal(pooled.count, 200);
 * assert.equal(pooled.mean, 150);
 * assert.equal(pooled.stddev, 50);
 * ```
 *
 * @module
 */

import { decodeHdr } from "../measure/hdr_export.ts";
import {
  highestValueAtIndex,
  HistogramSnapshot,
  type HistogramSummary,
  valueFromIndex,
} from "../measure/histogram.ts";
import type { HistogramReportInput } from "./input.ts";

/**
 * Summary statistics of one histogram, all in ns except `count`: lib/measure's
 * {@link HistogramSummary} (count, min, p50 .. p99.99, max, mean) and the
 * standard deviation.
 */
export interface HistogramStats extends HistogramSummary {
  /** Population standard deviation of the counts' representative values (0 when empty). */
  stddev: number;
}

/**
 * Decodes a histogram of a result document into a snapshot; an empty
 * `hdr` (`""`, as an empty report carries) gives an empty snapshot.
 *
 * @throws {Error} if `hdr` is not a V2 compressed HdrHistogram.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeHistogram } from "./histogram_stats.ts";
 * assert.equal(decodeHistogram({ hdr: "", count: 0 }).totalCount, 0);
 * ```
 */
export function decodeHistogram(report: HistogramReportInput | string): HistogramSnapshot {
  const hdr = typeof report === "string" ? report : report.hdr;
  return hdr === "" ? new HistogramSnapshot() : decodeHdr(hdr);
}

/**
 * Merges histograms into a new snapshot (exact: counts add). No input is
 * changed. An empty list gives an empty snapshot.
 *
 * @throws {RangeError} if the histograms differ in digits or highest value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { mergeHistograms } from "./histogram_stats.ts";
 * const a = new HistogramSnapshot();
 * a.recordValue(10, 2);
 * const m = mergeHistograms([a, a]);
 * assert.equal(m.totalCount, 4);
 * assert.equal(a.totalCount, 2);
 * ```
 */
export function mergeHistograms(histograms: readonly HistogramSnapshot[]): HistogramSnapshot {
  const first = histograms[0];
  const merged = new HistogramSnapshot(
    first === undefined ? {} : { digits: first.digits, highestNs: first.highestNs },
  );
  for (const h of histograms) merged.add(h);
  return merged;
}

/**
 * Count, min, max, percentiles, mean and standard deviation of `h`. The
 * percentiles are lib/measure's (`valueAtPercentile`: the highest value of
 * the count where the running total reaches the share), so they equal the
 * summary the lab stored; mean and deviation use each count's middle value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { histogramStats } from "./histogram_stats.ts";
 * const h = new HistogramSnapshot();
 * for (let v = 1; v <= 100; v++) h.recordValue(v);
 * const s = histogramStats(h);
 * assert.deepEqual([s.count, s.min, s.p50, s.p99, s.max, s.mean], [100, 1, 50, 99, 100, 50.5]);
 * ```
 */
export function histogramStats(h: HistogramSnapshot): HistogramStats {
  const summary = h.summary();
  return { ...summary, stddev: stddevOf(h, summary.count, summary.mean) };
}

/**
 * Population standard deviation of the counts' representative (middle)
 * values, the ones `HistogramSnapshot.mean` averages; `n` and `mean` are
 * that snapshot's count and mean.
 */
function stddevOf(h: HistogramSnapshot, n: number, mean: number): number {
  if (n === 0) return 0;
  let sumSq = 0;
  for (let i = 0; i < h.length; i++) {
    const c = h.counts[i];
    if (c === 0) continue;
    const lo = valueFromIndex(h.halfMagnitude, i);
    const hi = highestValueAtIndex(h.halfMagnitude, i);
    const mid = lo + Math.floor((hi - lo + 1) / 2);
    sumSq += c * mid * mid;
  }
  return Math.sqrt(Math.max(sumSq / n - mean * mean, 0));
}

/** Statistics per repetition and pooled over all of them. */
export interface RepetitionStats {
  /** One entry per repetition, in input order. */
  perRepetition: HistogramStats[];
  /** Of the merged histogram of every repetition. */
  pooled: HistogramStats;
  /** The merged histogram. */
  merged: HistogramSnapshot;
}

/**
 * Decodes one histogram per repetition and returns the statistics of each
 * and of their merge (pooled: every record of every repetition counts once).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { repetitionStats } from "./histogram_stats.ts";
 * const none = repetitionStats([]);
 * assert.equal(none.pooled.count, 0);
 * assert.deepEqual(none.perRepetition, []);
 * ```
 */
export function repetitionStats(
  reports: readonly (HistogramReportInput | HistogramSnapshot)[],
): RepetitionStats {
  const snaps = reports.map((r) => r instanceof HistogramSnapshot ? r : decodeHistogram(r));
  const merged = mergeHistograms(snaps);
  return { perRepetition: snaps.map(histogramStats), pooled: histogramStats(merged), merged };
}
