/**
 * Latency over time: the p50, p99 and max of every time-series interval,
 * per placement and repetition, against the time since the run's first
 * interval, with the scenario's events (AioContext moves, drained
 * sections, ...) marked as vertical rules. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { latencyOverTimeChart } from "./chart_latency_over_time.ts";
 * const spec = latencyOverTimeChart(chartDocuments([]));
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 *
 * @module
 */

import {
  baseSpec,
  eventsOf,
  finish,
  logScale,
  placementsOf,
  round,
  runsOf,
  seriesEncoding,
  seriesIntervals,
  seriesName,
  seriesNaming,
  seriesOrigin,
  seriesTitle,
  US,
} from "./_chart_common.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/** One scenario event of one run, placed on the chart's time axis. */
export interface TimelineEvent {
  /** Series of the run it happened in. */
  series: string;
  /** Repetition. */
  repetition: number;
  /** Seconds since the run's first interval started. */
  t: number;
  /** What happened. */
  name: string;
}

/**
 * The events of every run behind `docs`, on the time axis of the
 * time-series charts (seconds since each run's first interval).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { timelineEvents } from "./chart_latency_over_time.ts";
 * assert.deepEqual(timelineEvents(chartDocuments([])), []);
 * ```
 */
export function timelineEvents(docs: readonly ChartDocument[]): TimelineEvent[] {
  const naming = seriesNaming(docs);
  const out: TimelineEvent[] = [];
  for (const { doc, point, placement } of placementsOf(docs)) {
    const series = seriesName(naming, doc, point, placement.placement);
    for (const run of runsOf(doc, point, placement.placement)) {
      const origin = seriesOrigin(run.report);
      if (origin === null) continue;
      for (const e of eventsOf(run.report)) {
        out.push({
          series,
          repetition: run.repetition,
          t: round((e.atNs - origin) / 1e9, 6),
          name: e.name,
        });
      }
    }
  }
  return out;
}

/** The rule-and-label layers marking `events` (nothing when there are none). */
export function eventLayers(events: readonly TimelineEvent[]): VegaLiteSpec[] {
  if (events.length === 0) return [];
  // One label per event name and time (repetitions of one placement often share them).
  const labels = [
    ...new Map(events.map((e) => [`${e.name}@${e.t.toFixed(3)}`, e])).values(),
  ].sort((a, b) => a.t - b.t).map((e, k) => ({ ...e, ly: 2 + (k % 3) * 12 }));
  const tooltip = [
    { field: "name", type: "nominal", title: "event" },
    { field: "series", type: "nominal", title: "run" },
    { field: "repetition", type: "ordinal", title: "repetition" },
    { field: "t", type: "quantitative", title: "time (s)", format: ".3~f" },
  ];
  return [
    {
      data: { values: events },
      mark: { type: "rule", color: "#555555", strokeDash: [4, 3], strokeWidth: 1.5 },
      encoding: { x: { field: "t", type: "quantitative" }, tooltip },
    },
    {
      data: { values: labels },
      mark: {
        type: "text",
        align: "left",
        baseline: "top",
        dx: 3,
        dy: 2,
        fontSize: 10,
        color: "#333333",
        angle: 0,
      },
      encoding: {
        x: { field: "t", type: "quantitative" },
        y: { field: "ly", type: "quantitative", scale: null },
        text: { field: "name", type: "nominal" },
      },
    },
  ];
}

/**
 * Latency per interval (p50 thin, p99 thick, max as triangles) of every
 * placement's repetitions, events as dashed rules; y in µs on a log scale.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { latencyOverTimeChart } from "./chart_latency_over_time.ts";
 * assert.equal(latencyOverTimeChart(chartDocuments([])).width, "container");
 * ```
 */
export function latencyOverTimeChart(docs: readonly ChartDocument[]): VegaLiteSpec {
  const naming = seriesNaming(docs);
  const order: string[] = [];
  const values: Record<string, unknown>[] = [];
  for (const { series, run, origin, row: r } of seriesIntervals(docs, naming, order)) {
    if (r.completions === 0) continue;
    const t = round(((r.startNs + r.endNs) / 2 - origin) / 1e9, 6);
    for (const [stat, ns] of [["p50", r.p50], ["p99", r.p99], ["max", r.max]] as const) {
      if (!(ns > 0)) continue;
      values.push({
        series,
        run: `${series} #${run.repetition}`,
        repetition: run.repetition,
        stat,
        t,
        valueUs: round(ns * US),
      });
    }
  }
  const legend = seriesTitle(naming, naming.devices ? ["device"] : []);
  const events = values.length === 0 ? [] : timelineEvents(docs);
  const x = { field: "t", type: "quantitative", title: "time since the run's first interval (s)" };
  const y = {
    field: "valueUs",
    type: "quantitative",
    title: "latency per interval (µs)",
    scale: logScale(values.length > 0),
    axis: { grid: true },
  };
  const tooltip = [
    { field: "series", type: "nominal", title: legend },
    { field: "repetition", type: "ordinal", title: "repetition" },
    { field: "stat", type: "nominal", title: "statistic" },
    { field: "t", type: "quantitative", title: "time (s)", format: ".3~f" },
    { field: "valueUs", type: "quantitative", title: "latency (µs)", format: ".4~g" },
  ];
  return finish({
    ...baseSpec(values, 280),
    layer: [
      {
        transform: [{ filter: "datum.stat !== 'max'" }],
        mark: { type: "line" },
        encoding: {
          x,
          y,
          ...seriesEncoding(order, legend),
          detail: [{ field: "run", type: "nominal" }, { field: "stat", type: "nominal" }],
          strokeWidth: {
            field: "stat",
            type: "nominal",
            title: "line",
            scale: { domain: ["p50", "p99"], range: [1, 2.5] },
            sort: ["p50", "p99"],
          },
          opacity: {
            field: "stat",
            type: "nominal",
            title: "line",
            scale: { domain: ["p50", "p99"], range: [0.55, 1] },
            sort: ["p50", "p99"],
          },
          tooltip,
        },
      },
      {
        transform: [{ filter: "datum.stat === 'max'" }],
        mark: { type: "point", size: 28, filled: false, strokeWidth: 1 },
        encoding: {
          x,
          y,
          color: seriesEncoding(order, legend).color,
          shape: {
            datum: "max",
            type: "nominal",
            title: "symbol",
            scale: { domain: ["max"], range: ["triangle-up"] },
          },
          tooltip,
        },
      },
      ...eventLayers(events),
    ],
  });
}
