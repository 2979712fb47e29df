/**
 * Jitter: how far a latency distribution's tail sits from its middle
 * (p99 - p50, p99.9 / p50, interquartile range), how much the per-interval
 * p99 moves across a run (from the time series), and the lateness of every
 * context's jitter-probe timer. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { jitterOf } from "./jitter.ts";
 * const h = new HistogramSnapshot();
 * for (let v = 1; v <= 100; v++) h.recordValue(v * 2); // exact below 256 ns
 * const j = jitterOf(h);
 * assert.equal(j.p99MinusP50Ns, 198 - 100);
 * assert.equal(j.iqrNs, 150 - 50);
 * assert.equal(j.p999OverP50, 2);
 * ```
 *
 * @module
 */

import type { HistogramSnapshot } from "../measure/histogram.ts";
import type { IntervalRow } from "../measure/time_series.ts";
import { type HistogramStats, repetitionStats } from "./histogram_stats.ts";
import type { MachineReportInput } from "./input.ts";
import { median } from "./statistics.ts";

/** Spread of one latency distribution, ns unless said otherwise. */
export interface JitterStats {
  /** p99 - p50. */
  p99MinusP50Ns: number;
  /** p99.9 / p50 (a ratio; 0 when p50 is 0). */
  p999OverP50: number;
  /** Interquartile range: p75 - p25. */
  iqrNs: number;
}

/**
 * The spread of `h` (percentiles by lib/measure's rule).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { jitterOf } from "./jitter.ts";
 * assert.deepEqual(jitterOf(new HistogramSnapshot()), { p99MinusP50Ns: 0, p999OverP50: 0, iqrNs: 0 });
 * ```
 */
export function jitterOf(h: HistogramSnapshot): JitterStats {
  const p50 = h.valueAtPercentile(50);
  return {
    p99MinusP50Ns: h.valueAtPercentile(99) - p50,
    p999OverP50: p50 === 0 ? 0 : h.valueAtPercentile(99.9) / p50,
    iqrNs: h.valueAtPercentile(75) - h.valueAtPercentile(25),
  };
}

/**
 * What analysis reads of one lib/measure `TimeSeries` row ({@linkcode IntervalRow}):
 * the device, the interval's bounds (ns), its completions, and its p50, p99
 * and max latency (ns). The row's `clamped` count is not read.
 */
export type IntervalRowInput = Pick<
  IntervalRow,
  "device" | "startNs" | "endNs" | "completions" | "p50" | "p99" | "max"
>;

function isRow(r: unknown): r is IntervalRowInput {
  if (typeof r !== "object" || r === null) return false;
  const o = r as Record<string, unknown>;
  return typeof o.device === "string" &&
    ["startNs", "endNs", "completions", "p50", "p99", "max"].every((k) => typeof o[k] === "number");
}

/**
 * The time-series rows of `device` (every device when omitted), in order;
 * entries that are not interval rows (a newer row format, an event) are
 * skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intervalRows } from "./jitter.ts";
 * const row = { device: "d", startNs: 0, endNs: 1, completions: 1, p50: 5, p99: 9, max: 9 };
 * assert.deepEqual(intervalRows([row, { atNs: 3, name: "moved" }], "d"), [row]);
 * ```
 */
export function intervalRows(rows: readonly unknown[], device?: string): IntervalRowInput[] {
  return rows.filter((r): r is IntervalRowInput =>
    isRow(r) && (device === undefined || r.device === device)
  );
}

/** How the per-interval p99 of one device moves across a run. */
export interface IntervalSpread {
  /** Intervals with completions (the others have no p99). */
  intervals: number;
  /** Smallest interval p99, ns. */
  minNs: number;
  /** Median interval p99, ns. */
  medianNs: number;
  /** Largest interval p99, ns. */
  maxNs: number;
  /** Population standard deviation of the interval p99s, ns. */
  stddevNs: number;
  /** max / median (1 for a steady run; 0 without intervals). */
  maxOverMedian: number;
}

/**
 * The spread of the per-interval p99 of `device` over the rows of one or
 * more runs (intervals without completions are left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intervalP99Spread } from "./jitter.ts";
 * const row = (p99: number) => ({ device: "d", startNs: 0, endNs: 1, completions: 5, p50: 1, p99, max: p99 });
 * const s = intervalP99Spread([row(10), row(20), row(60)], "d");
 * assert.deepEqual([s.intervals, s.minNs, s.medianNs, s.maxNs, s.maxOverMedian], [3, 10, 20, 60, 3]);
 * ```
 */
export function intervalP99Spread(rows: readonly unknown[], device: string): IntervalSpread {
  const p99s = intervalRows(rows, device).filter((r) => r.completions > 0).map((r) => r.p99);
  if (p99s.length === 0) {
    return { intervals: 0, minNs: 0, medianNs: 0, maxNs: 0, stddevNs: 0, maxOverMedian: 0 };
  }
  const mean = p99s.reduce((s, x) => s + x, 0) / p99s.length;
  const variance = p99s.reduce((s, x) => s + (x - mean) ** 2, 0) / p99s.length;
  const med = median(p99s);
  const max = Math.max(...p99s);
  return {
    intervals: p99s.length,
    minNs: Math.min(...p99s),
    medianNs: med,
    maxNs: max,
    stddevNs: Math.sqrt(variance),
    maxOverMedian: med === 0 ? 0 : max / med,
  };
}

/**
 * The jitter-probe lateness of every context, pooled over the given runs
 * (repetitions of one placement): per context the statistics of the merged
 * probe histograms. A context missing from some runs pools the runs it is in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeLateness } from "./jitter.ts";
 * assert.deepEqual(probeLateness([]), {});
 * ```
 */
export function probeLateness(
  reports: readonly Pick<MachineReportInput, "contexts">[],
): Record<string, HistogramStats> {
  const names = [...new Set(reports.flatMap((r) => Object.keys(r.contexts)))].sort();
  return Object.fromEntries(names.map((c) => [
    c,
    repetitionStats(reports.flatMap((r) => r.contexts[c] ? [r.contexts[c].jitter] : [])).pooled,
  ]));
}
