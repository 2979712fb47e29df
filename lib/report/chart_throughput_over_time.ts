/**
 * Throughput over time: completions per second of every time-series
 * interval, per placement and repetition, with the scenario's events
 * marked. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { throughputOverTimeChart } from "./chart_throughput_over_time.ts";
 * const spec = throughputOverTimeChart(chartDocuments([]));
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 *
 * @module
 */

import {
  baseSpec,
  finish,
  round,
  seriesEncoding,
  seriesIntervals,
  seriesNaming,
  seriesTitle,
} from "./_chart_common.ts";
import { eventLayers, timelineEvents } from "./chart_latency_over_time.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/**
 * Completions per second per interval of every placement's repetitions
 * (one line per repetition), events as dashed rules.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { throughputOverTimeChart } from "./chart_throughput_over_time.ts";
 * assert.equal(throughputOverTimeChart(chartDocuments([])).width, "container");
 * ```
 */
export function throughputOverTimeChart(docs: readonly ChartDocument[]): VegaLiteSpec {
  const naming = seriesNaming(docs);
  const order: string[] = [];
  const values: Record<string, unknown>[] = [];
  for (const { series, run, origin, row: r } of seriesIntervals(docs, naming, order)) {
    const seconds = (r.endNs - r.startNs) / 1e9;
    if (!(seconds > 0)) continue;
    values.push({
      series,
      run: `${series} #${run.repetition}`,
      repetition: run.repetition,
      t: round(((r.startNs + r.endNs) / 2 - origin) / 1e9, 6),
      iops: round(r.completions / seconds),
      completions: r.completions,
    });
  }
  const legend = seriesTitle(naming, naming.devices ? ["device"] : []);
  const events = values.length === 0 ? [] : timelineEvents(docs);
  return finish({
    ...baseSpec(values, 240),
    layer: [
      {
        mark: { type: "line", point: false, strokeWidth: 2 },
        encoding: {
          x: { field: "t", type: "quantitative", title: "time since the run's first interval (s)" },
          y: {
            field: "iops",
            type: "quantitative",
            title: "completions per second",
            scale: { zero: true },
            axis: { grid: true, format: "~s" },
          },
          ...seriesEncoding(order, legend),
          detail: { field: "run", type: "nominal" },
          tooltip: [
            { field: "series", type: "nominal", title: legend },
            { field: "repetition", type: "ordinal", title: "repetition" },
            { field: "t", type: "quantitative", title: "time (s)", format: ".3~f" },
            { field: "iops", type: "quantitative", title: "per second", format: ",.0f" },
            { field: "completions", type: "quantitative", title: "completions" },
          ],
        },
      },
      ...eventLayers(events),
    ],
  });
}
