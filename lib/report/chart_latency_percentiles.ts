/**
 * The latency percentile curve, HdrHistogram style: the pooled latency of
 * every placement (and device, point and document when they vary) against
 * the percentile, x on a log scale of 1 / (1 - p) labelled 50 %, 90 %,
 * 99 %, 99.9 % ..., y in µs on a log scale. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { latencyPercentileChart } from "./chart_latency_percentiles.ts";
 * const spec = latencyPercentileChart(chartDocuments([]));
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 *
 * @module
 */

import { mergeHistograms } from "../analysis/histogram_stats.ts";
import type { HistogramSnapshot } from "../measure/histogram.ts";
import {
  baseSpec,
  finish,
  logScale,
  percentileAxis,
  percentileCurve,
  placementsOf,
  remember,
  round,
  seriesEncoding,
  seriesName,
  seriesNaming,
  seriesTitle,
  US,
} from "./_chart_common.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/** One named distribution to draw as a percentile curve. */
export interface CurveSeries {
  /** Series name (legend entry). */
  series: string;
  /** The distribution. */
  histogram: HistogramSnapshot;
}

/**
 * A percentile-curve spec of named distributions (shared by the latency and
 * the jitter-probe charts): one line per series, a point at each decade.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { percentileCurveSpec } from "./chart_latency_percentiles.ts";
 * const h = new HistogramSnapshot();
 * for (let v = 1; v <= 1000; v++) h.recordValue(v * 1000);
 * const spec = percentileCurveSpec([{ series: "main", histogram: h }], "placement", "latency (µs)");
 * const values = (spec.data as { values: { series: string }[] }).values;
 * assert.ok(values.length > 20);
 * assert.ok(values.every((v) => v.series === "main"));
 * ```
 */
export function percentileCurveSpec(
  curves: readonly CurveSeries[],
  legendTitle: string,
  yTitle: string,
): VegaLiteSpec {
  const order: string[] = [];
  const values: Record<string, unknown>[] = [];
  let maxX = 10;
  for (const c of curves) {
    remember(order, c.series);
    for (const p of percentileCurve(c.histogram)) {
      if (!(p.valueNs > 0)) continue; // a log axis has no 0
      maxX = Math.max(maxX, p.x);
      const decade = Math.abs(Math.log10(p.x) - Math.round(Math.log10(p.x))) < 1e-9;
      values.push({
        series: c.series,
        x: round(p.x, 6),
        decade,
        percentile: round(p.percentile, 8),
        valueUs: round(p.valueNs * US),
      });
    }
  }
  const x = percentileAxis(maxX);
  const y = {
    field: "valueUs",
    type: "quantitative",
    title: yTitle,
    scale: logScale(values.length > 0),
    axis: { grid: true },
  };
  const tooltip = [
    { field: "series", type: "nominal", title: legendTitle },
    { field: "percentile", type: "quantitative", title: "percentile", format: ".6~g" },
    { field: "valueUs", type: "quantitative", title: yTitle, format: ".4~g" },
  ];
  return finish({
    ...baseSpec(values),
    encoding: { x, y },
    layer: [
      {
        mark: { type: "line", strokeWidth: 2, interpolate: "monotone" },
        encoding: { ...seriesEncoding(order, legendTitle), tooltip },
      },
      {
        mark: { type: "point", filled: true, size: 36 },
        transform: [{ filter: "datum.decade" }],
        encoding: { ...seriesEncoding(order, legendTitle, ["color"]), tooltip },
      },
    ],
  });
}

/**
 * The latency percentile curve of every placement: pooled over the
 * repetitions, one series per placement (per document, point and device
 * too when they vary).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { latencyPercentileChart } from "./chart_latency_percentiles.ts";
 * const spec = latencyPercentileChart(chartDocuments([]));
 * assert.equal(spec.width, "container");
 * ```
 */
export function latencyPercentileChart(docs: readonly ChartDocument[]): VegaLiteSpec {
  const naming = seriesNaming(docs);
  const curves: CurveSeries[] = [];
  for (const { doc, point, placement } of placementsOf(docs)) {
    for (const [device, d] of Object.entries(placement.devices)) {
      const merged = mergeHistograms(d.samples.map((s) => s.latency));
      if (merged.totalCount === 0) continue;
      curves.push({
        series: seriesName(
          naming,
          doc,
          point,
          placement.placement,
          naming.devices ? [device] : [],
        ),
        histogram: merged,
      });
    }
  }
  return percentileCurveSpec(
    curves,
    seriesTitle(naming, naming.devices ? ["device"] : []),
    "latency (µs)",
  );
}
