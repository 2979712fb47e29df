/**
 * The stage breakdown: where a request's time goes (queued, dispatch,
 * service, completion; lib/machine samples one request in N), per
 * placement, pooled over the repetitions. Each stage shows its median (a
 * symbol) and the range up to p99 (a bar), on a symmetric-log axis in µs
 * (a closed loop's queued stage is 0). Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { stageBreakdownChart } from "./chart_stage_breakdown.ts";
 * const spec = stageBreakdownChart(chartDocuments([]));
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 *
 * @module
 */

import { histogramStats } from "../analysis/histogram_stats.ts";
import {
  baseSpec,
  finish,
  mergeReports,
  placementsOf,
  remember,
  round,
  rowsHeight,
  runsOf,
  seriesEncoding,
  seriesName,
  seriesNaming,
  seriesTitle,
  symlogScale,
  symlogTicks,
  US,
} from "./_chart_common.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/** The stages, in a request's order. */
export const STAGES = ["queued", "dispatch", "service", "completion"] as const;

/**
 * Median and p99 of every stage of every placement (and device when there
 * are several), one row of the chart per stage, one offset symbol per
 * series within it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { stageBreakdownChart } from "./chart_stage_breakdown.ts";
 * assert.equal(stageBreakdownChart(chartDocuments([])).width, "container");
 * ```
 */
export function stageBreakdownChart(docs: readonly ChartDocument[]): VegaLiteSpec {
  const naming = seriesNaming(docs);
  const order: string[] = [];
  const values: Record<string, unknown>[] = [];
  for (const { doc, point, placement } of placementsOf(docs)) {
    const runs = runsOf(doc, point, placement.placement);
    for (const device of Object.keys(placement.devices)) {
      const series = seriesName(
        naming,
        doc,
        point,
        placement.placement,
        naming.devices ? [device] : [],
      );
      for (const stage of STAGES) {
        const merged = mergeReports(runs.map((r) => r.report.devices[device]?.stages?.[stage]));
        if (merged === null) continue;
        const s = histogramStats(merged);
        remember(order, series);
        values.push({
          series,
          stage,
          p50Us: round(s.p50 * US),
          p99Us: round(s.p99 * US),
          meanUs: round(s.mean * US),
          count: s.count,
        });
      }
    }
  }
  const legend = seriesTitle(naming, naming.devices ? ["device"] : []);
  const maxUs = Math.max(0, ...values.map((v) => v.p99Us as number));
  const x = {
    field: "p50Us",
    type: "quantitative",
    title: "µs in the stage (bar: median to p99)",
    scale: symlogScale(values.length > 0),
    axis: { grid: true, values: symlogTicks(maxUs) },
  };
  const y = { field: "stage", type: "nominal", title: null, sort: [...STAGES] };
  const yOffset = { field: "series", type: "nominal", sort: [...order] };
  const tooltip = [
    { field: "series", type: "nominal", title: legend },
    { field: "stage", type: "nominal", title: "stage" },
    { field: "p50Us", type: "quantitative", title: "median (µs)", format: ".4~g" },
    { field: "p99Us", type: "quantitative", title: "p99 (µs)", format: ".4~g" },
    { field: "meanUs", type: "quantitative", title: "mean (µs)", format: ".4~g" },
    { field: "count", type: "quantitative", title: "requests sampled" },
  ];
  return finish({
    ...baseSpec(values, rowsHeight(STAGES.length * order.length, 14)),
    encoding: { y, yOffset },
    layer: [
      {
        mark: { type: "rule", strokeWidth: 3, opacity: 0.8 },
        encoding: {
          x,
          x2: { field: "p99Us" },
          color: seriesEncoding(order, legend, ["color"]).color,
          tooltip,
        },
      },
      {
        mark: {
          type: "point",
          filled: true,
          size: 70,
          opacity: 1,
          stroke: "white",
          strokeWidth: 0.5,
        },
        encoding: { x, ...seriesEncoding(order, legend, ["color", "shape"]), tooltip },
      },
    ],
  });
}
