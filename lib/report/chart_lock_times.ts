/**
 * Lock wait and hold times (the BQL, each AioContext lock) per thread and
 * placement, summed or pooled over the repetitions: the median and the
 * range up to p99 where the lab recorded histograms, and the mean from
 * the totals (time / acquisitions) always. Per-thread histograms are read
 * where the lab records them (`byThread`; see lib/analysis
 * `LockReportInput` for the shapes read); without them the lock's whole
 * histograms stand for all its threads, and without those the per-thread
 * means are shown alone. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { lockTimesChart } from "./chart_lock_times.ts";
 * const spec = lockTimesChart(chartDocuments([]));
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 *
 * @module
 */

import { histogramStats } from "../analysis/histogram_stats.ts";
import type { HistogramReportInput, LockReportInput, LockThreadInput } from "../analysis/input.ts";
import {
  asHistogram,
  baseSpec,
  finish,
  isRecord,
  mergeReports,
  placementsOf,
  round,
  rowsHeight,
  runsOf,
  seriesName,
  seriesNaming,
  symlogScale,
  symlogTicks,
  US,
} from "./_chart_common.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/** One thread's wait and hold histograms of one lock. */
export interface ThreadLockHistograms {
  /** Thread name. */
  thread: string;
  /** Wait histogram, or null. */
  wait: HistogramReportInput | null;
  /** Hold histogram, or null. */
  hold: HistogramReportInput | null;
}

/**
 * The per-thread histograms of `lock`, from `byThread` (a record by thread
 * or a list with `thread` fields) or else from histograms in `perThread`;
 * null when the lock has none (only totals per thread).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lockThreadHistograms } from "./chart_lock_times.ts";
 * const lock = {
 *   acquisitions: 1, contended: 0, waitTotalNs: 0, holdTotalNs: 5, wait: null, hold: null,
 *   byThread: { t: { acquisitions: 1, contended: 0, waitTotalNs: 0, holdTotalNs: 5, wait: null, hold: null } },
 * };
 * assert.equal(lockThreadHistograms(lock), null);
 * const h = { hdr: "", count: 0 };
 * assert.deepEqual(lockThreadHistograms({ ...lock, byThread: { t: { wait: h, hold: h } } }), [
 *   { thread: "t", wait: h, hold: h },
 * ]);
 * ```
 */
export function lockThreadHistograms(lock: LockReportInput): ThreadLockHistograms[] | null {
  const entries: ThreadLockHistograms[] = [];
  for (const [thread, v] of threadEntries(lock)) {
    const wait = asHistogram(v.wait);
    const hold = asHistogram(v.hold);
    if (wait !== null || hold !== null) entries.push({ thread, wait, hold });
  }
  return entries.length === 0 ? null : entries;
}

/** The threads of `lock` with their records: `byThread` (record or list), else `perThread`. */
function threadEntries(lock: LockReportInput): [string, Record<string, unknown>][] {
  const fromList = (xs: readonly unknown[]) =>
    xs.flatMap((v): [string, Record<string, unknown>][] =>
      isRecord(v) && typeof v.thread === "string" ? [[v.thread, v]] : []
    );
  const b = lock.byThread;
  const by = Array.isArray(b)
    ? fromList(b)
    : isRecord(b)
    ? Object.entries(b).flatMap(([t, v]): [string, Record<string, unknown>][] =>
      isRecord(v) ? [[t, v]] : []
    )
    : [];
  const per = fromList(lock.perThread ?? []);
  const withHistograms = (xs: [string, Record<string, unknown>][]) =>
    xs.some(([, v]) => asHistogram(v.wait) !== null || asHistogram(v.hold) !== null);
  if (by.length > 0 && (withHistograms(by) || !withHistograms(per))) return by;
  return per.length > 0 ? per : by;
}

/**
 * The totals of every thread of `lock` (`byThread`, or the older
 * `perThread`); fields that are not numbers count 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lockThreadTotals } from "./chart_lock_times.ts";
 * const t = { acquisitions: 2, contended: 1, waitTotalNs: 10, holdTotalNs: 40, wait: null, hold: null };
 * const lock = { acquisitions: 2, contended: 1, waitTotalNs: 10, holdTotalNs: 40, wait: null, hold: null };
 * assert.deepEqual(lockThreadTotals({ ...lock, byThread: { vcpu0: t } }), [
 *   { thread: "vcpu0", acquisitions: 2, contended: 1, waitTotalNs: 10, holdTotalNs: 40 },
 * ]);
 * assert.deepEqual(lockThreadTotals({ ...lock, perThread: [{ thread: "vcpu0", ...t }] }), [
 *   { thread: "vcpu0", acquisitions: 2, contended: 1, waitTotalNs: 10, holdTotalNs: 40 },
 * ]);
 * ```
 */
export function lockThreadTotals(lock: LockReportInput): LockThreadInput[] {
  const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : 0);
  return threadEntries(lock).map(([thread, v]) => ({
    thread,
    acquisitions: num(v.acquisitions),
    contended: num(v.contended),
    waitTotalNs: num(v.waitTotalNs),
    holdTotalNs: num(v.holdTotalNs),
  }));
}

interface Acc {
  row: string;
  lock: string;
  thread: string;
  acquisitions: number;
  contended: number;
  waitTotalNs: number;
  holdTotalNs: number;
  wait: (HistogramReportInput | null)[];
  hold: (HistogramReportInput | null)[];
  histograms: "per thread" | "whole lock" | "none";
}

/** The four totals a lock or thread report carries. */
type Totals = Pick<Acc, "acquisitions" | "contended" | "waitTotalNs" | "holdTotalNs">;

/** Adds `t`'s totals into `a`. */
function addTotals(a: Totals, t: Totals): void {
  a.acquisitions += t.acquisitions;
  a.contended += t.contended;
  a.waitTotalNs += t.waitTotalNs;
  a.holdTotalNs += t.holdTotalNs;
}

const KINDS = ["wait", "hold"] as const;
const KIND_COLOURS = ["#D55E00", "#0072B2"];
const STATS = ["median", "mean"] as const;

/**
 * Wait and hold time of every lock per thread and placement: one row per
 * placement, lock and thread; wait and hold each a bar from median to p99
 * (where histograms exist) with a dot at the median and a diamond at the
 * mean.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { lockTimesChart } from "./chart_lock_times.ts";
 * assert.equal(lockTimesChart(chartDocuments([])).width, "container");
 * ```
 */
export function lockTimesChart(docs: readonly ChartDocument[]): VegaLiteSpec {
  const naming = seriesNaming(docs);
  const accs: Acc[] = [];
  for (const { doc, point, placement } of placementsOf(docs)) {
    const series = seriesName(naming, doc, point, placement.placement);
    const runs = runsOf(doc, point, placement.placement);
    const lockNames = [...new Set(runs.flatMap((r) => Object.keys(r.report.locks ?? {})))];
    for (const lockName of lockNames) {
      const locks = runs.flatMap((r) => r.report.locks?.[lockName] ?? []);
      if (locks.every((l) => l.acquisitions === 0)) continue;
      const perThread = locks.map(lockThreadHistograms);
      const threads = [
        ...new Set(locks.flatMap((l) => lockThreadTotals(l).map((t) => t.thread))),
        ...perThread.flatMap((p) => p?.map((t) => t.thread) ?? []),
      ].filter((t, i, all) => all.indexOf(t) === i);
      const mine = new Map<string, Acc>();
      const accOf = (thread: string, histograms: Acc["histograms"]) => {
        let a = mine.get(thread);
        if (a === undefined) {
          a = {
            row: `${series} · ${lockName} · ${thread}`,
            lock: lockName,
            thread,
            acquisitions: 0,
            contended: 0,
            waitTotalNs: 0,
            holdTotalNs: 0,
            wait: [],
            hold: [],
            histograms,
          };
          mine.set(thread, a);
        }
        return a;
      };
      if (perThread.some((p) => p !== null)) {
        for (const [i, l] of locks.entries()) {
          for (const t of lockThreadTotals(l)) {
            addTotals(accOf(t.thread, "per thread"), t);
          }
          for (const h of perThread[i] ?? []) {
            const a = accOf(h.thread, "per thread");
            a.wait.push(h.wait);
            a.hold.push(h.hold);
          }
        }
      } else if (locks.some((l) => l.wait !== null || l.hold !== null)) {
        const a = accOf(threads.length === 1 ? threads[0] : "all threads", "whole lock");
        for (const l of locks) {
          addTotals(a, l);
          a.wait.push(l.wait);
          a.hold.push(l.hold);
        }
      } else {
        for (const l of locks) {
          for (const t of lockThreadTotals(l)) {
            addTotals(accOf(t.thread, "none"), t);
          }
        }
      }
      for (const thread of threads) {
        const a = mine.get(thread);
        if (a !== undefined && a.acquisitions > 0) accs.push(a);
      }
      for (const a of mine.values()) {
        if (!threads.includes(a.thread) && a.acquisitions > 0) accs.push(a);
      }
    }
  }
  const rows = accs.map((a) => a.row);
  const values: Record<string, unknown>[] = [];
  for (const a of accs) {
    for (const kind of KINDS) {
      const merged = mergeReports(kind === "wait" ? a.wait : a.hold);
      const s = merged === null ? null : histogramStats(merged);
      const meanUs = round(
        ((kind === "wait" ? a.waitTotalNs : a.holdTotalNs) / a.acquisitions) * US,
      );
      const base = {
        row: a.row,
        lock: a.lock,
        thread: a.thread,
        kind,
        acquisitions: a.acquisitions,
        contendedShare: round((100 * a.contended) / a.acquisitions),
        histograms: a.histograms,
        recorded: s?.count ?? 0,
        p50Us: s === null ? null : round(s.p50 * US),
        p99Us: s === null ? null : round(s.p99 * US),
        meanUs,
      };
      if (s !== null) values.push({ ...base, stat: "median", valueUs: base.p50Us });
      values.push({ ...base, stat: "mean", valueUs: meanUs });
    }
  }
  const maxUs = Math.max(
    0,
    ...values.map((v) => Math.max(v.valueUs as number, (v.p99Us as number) ?? 0)),
  );
  const x = {
    field: "valueUs",
    type: "quantitative",
    title: "µs per acquisition (bar: median to p99)",
    scale: symlogScale(values.length > 0),
    axis: { grid: true, values: symlogTicks(maxUs) },
  };
  const color = {
    field: "kind",
    type: "nominal",
    title: "time",
    scale: { domain: [...KINDS], range: KIND_COLOURS },
    sort: [...KINDS],
  };
  const tooltip = [
    { field: "row", type: "nominal", title: "placement · lock · thread" },
    { field: "kind", type: "nominal", title: "time" },
    { field: "p50Us", type: "quantitative", title: "median (µs)", format: ".4~g" },
    { field: "p99Us", type: "quantitative", title: "p99 (µs)", format: ".4~g" },
    { field: "meanUs", type: "quantitative", title: "mean (µs)", format: ".4~g" },
    { field: "acquisitions", type: "quantitative", title: "acquisitions" },
    { field: "contendedShare", type: "quantitative", title: "contended (%)", format: ".3~g" },
    { field: "recorded", type: "quantitative", title: "in the histogram" },
    { field: "histograms", type: "nominal", title: "histograms" },
  ];
  return finish({
    ...baseSpec(values, rowsHeight(rows.length, 26)),
    encoding: {
      y: { field: "row", type: "nominal", title: null, sort: rows, axis: { labelLimit: 300 } },
      yOffset: { field: "kind", type: "nominal", sort: [...KINDS] },
      color,
    },
    layer: [
      {
        transform: [{ filter: "datum.stat === 'median'" }],
        mark: { type: "rule", strokeWidth: 3, opacity: 0.75 },
        encoding: {
          x,
          x2: { field: "p99Us" },
          strokeDash: {
            field: "kind",
            type: "nominal",
            title: "time",
            scale: { domain: [...KINDS], range: [[4, 2], [1, 0]] },
            sort: [...KINDS],
          },
          tooltip,
        },
      },
      {
        mark: { type: "point", size: 60, strokeWidth: 1.5 },
        encoding: {
          x,
          shape: {
            field: "stat",
            type: "nominal",
            title: "statistic",
            scale: { domain: [...STATS], range: ["circle", "diamond"] },
            sort: [...STATS],
            legend: { symbolStrokeColor: "#333333", symbolStrokeWidth: 1.5 },
          },
          fill: {
            field: "stat",
            type: "nominal",
            title: "statistic",
            scale: { domain: [...STATS], range: ["#333333", "white"] },
            sort: [...STATS],
          },
          tooltip,
        },
      },
    ],
  });
}
