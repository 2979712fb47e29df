/**
 * The latency histogram: the share of requests in each latency bin (ten
 * bins per decade, on a log axis in µs), pooled over the repetitions, one
 * step line per placement so that several placements overlay readably.
 * Requests more than a decade faster than p1 (stray outliers, at most
 * 1 %) are folded into the first bin drawn, so that they do not stretch
 * the axis. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { latencyHistogramChart } from "./chart_latency_histogram.ts";
 * const spec = latencyHistogramChart(chartDocuments([]));
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 *
 * @module
 */

import { mergeHistograms } from "../analysis/histogram_stats.ts";
import {
  highestValueAtIndex,
  type HistogramSnapshot,
  valueFromIndex,
} from "../measure/histogram.ts";
import {
  baseSpec,
  finish,
  logScale,
  placementsOf,
  remember,
  round,
  seriesEncoding,
  seriesName,
  seriesNaming,
  seriesTitle,
} from "./_chart_common.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/** Bins per decade of latency. */
export const BINS_PER_DECADE = 10;

/** One bin of a log-binned histogram. */
export interface LogBin {
  /** Lower edge, ns. */
  lowNs: number;
  /** Upper edge, ns. */
  highNs: number;
  /** Records in the bin. */
  count: number;
}

/**
 * `h` regrouped into bins of equal width on a log axis ({@link BINS_PER_DECADE}
 * per decade, from the first non-empty bin to the last, empty ones
 * between kept); each HdrHistogram count goes to the bin of its middle
 * value, values below 1 ns to the first bin above 1 ns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { logBins } from "./chart_latency_histogram.ts";
 * const h = new HistogramSnapshot();
 * h.recordValue(10, 3);
 * h.recordValue(1000, 1);
 * const bins = logBins(h);
 * assert.equal(bins.reduce((s, b) => s + b.count, 0), 4);
 * assert.equal(bins.length, 2 * 10 + 1);
 * ```
 */
export function logBins(h: HistogramSnapshot): LogBin[] {
  const byBin = new Map<number, number>();
  for (let i = 0; i < h.length; i++) {
    const c = h.counts[i];
    if (c === 0) continue;
    const lo = valueFromIndex(h.halfMagnitude, i);
    const hi = highestValueAtIndex(h.halfMagnitude, i);
    const mid = Math.max(1, lo + (hi - lo) / 2);
    const b = Math.floor(Math.log10(mid) * BINS_PER_DECADE + 1e-9);
    byBin.set(b, (byBin.get(b) ?? 0) + c);
  }
  if (byBin.size === 0) return [];
  const keys = [...byBin.keys()];
  const first = Math.min(...keys);
  const last = Math.max(...keys);
  const out: LogBin[] = [];
  for (let b = first; b <= last; b++) {
    out.push({
      lowNs: 10 ** (b / BINS_PER_DECADE),
      highNs: 10 ** ((b + 1) / BINS_PER_DECADE),
      count: byBin.get(b) ?? 0,
    });
  }
  return out;
}

/**
 * The latency histogram of every placement (share of its requests per
 * bin), one step line per series.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { latencyHistogramChart } from "./chart_latency_histogram.ts";
 * assert.equal(latencyHistogramChart(chartDocuments([])).width, "container");
 * ```
 */
export function latencyHistogramChart(docs: readonly ChartDocument[]): VegaLiteSpec {
  const naming = seriesNaming(docs);
  const order: string[] = [];
  const values: Record<string, unknown>[] = [];
  for (const { doc, point, placement } of placementsOf(docs)) {
    for (const [device, d] of Object.entries(placement.devices)) {
      const merged = mergeHistograms(d.samples.map((s) => s.latency));
      const total = merged.totalCount;
      if (total === 0) continue;
      const series = remember(
        order,
        seriesName(naming, doc, point, placement.placement, naming.devices ? [device] : []),
      );
      const bins = logBins(merged);
      // Stray fast outliers (a 0 ns record) would stretch the axis over empty decades: the
      // bins wholly below a decade under p1 (so at most 1 % of the requests) are folded into
      // the first bin drawn.
      const floorNs = merged.valueAtPercentile(1) / 10;
      let folded = 0;
      let start = 0;
      while (start < bins.length - 1 && bins[start].highNs <= floorNs) {
        folded += bins[start++].count;
      }
      const shown = bins.slice(start);
      shown[0] = { ...shown[0], count: shown[0].count + folded };
      let i = 0;
      const push = (xNs: number, count: number, bin?: LogBin) =>
        values.push({
          series,
          i: i++,
          lowUs: round(xNs / 1e3),
          highUs: round((bin?.highNs ?? xNs) / 1e3),
          share: round((100 * count) / total),
          count,
          folded: i === 2 ? folded : 0,
        });
      // A step line: up from 0 at the first edge, one step per bin, down to 0 at the last edge.
      push(shown[0].lowNs, 0);
      for (const b of shown) push(b.lowNs, b.count, b);
      push(shown[shown.length - 1].highNs, 0);
    }
  }
  const legend = seriesTitle(naming, naming.devices ? ["device"] : []);
  return finish({
    ...baseSpec(values, 240),
    mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
    encoding: {
      x: {
        field: "lowUs",
        type: "quantitative",
        title: "latency (µs)",
        scale: logScale(values.length > 0),
        axis: { grid: true },
      },
      y: {
        field: "share",
        type: "quantitative",
        title: "share of requests (%)",
        axis: { grid: true },
      },
      order: { field: "i", type: "quantitative" },
      ...seriesEncoding(order, legend),
      tooltip: [
        { field: "series", type: "nominal", title: legend },
        { field: "lowUs", type: "quantitative", title: "from (µs)", format: ".3~g" },
        { field: "highUs", type: "quantitative", title: "to (µs)", format: ".3~g" },
        { field: "share", type: "quantitative", title: "share (%)", format: ".3~g" },
        { field: "count", type: "quantitative", title: "requests" },
        { field: "folded", type: "quantitative", title: "of them faster, folded in" },
      ],
    },
  });
}
