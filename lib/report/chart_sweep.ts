/**
 * A sweep: one metric (p99 latency, throughput, ...) of every placement
 * against the swept value, with its 95 % bootstrap confidence interval as
 * an error bar (seeded, resampled as every comparison of the report is:
 * repetitions, then requests and intervals within each). The first swept
 * option is the x axis; further swept options go into the series name.
 * Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { sweepChart } from "./chart_sweep.ts";
 * const spec = sweepChart(chartDocuments([]), "p99");
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 *
 * @module
 */

import { metricInfo, type MetricName } from "../analysis/metrics.ts";
import { deriveSeed } from "../analysis/random.ts";
import { metricIntervals } from "./_metric_interval.ts";
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
  US,
} from "./_chart_common.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/** Metrics a sweep chart can show (every metric but jitter, which has no interval of its own). */
export type SweepMetric = Exclude<MetricName, "jitter">;

/** The swept option a sweep chart puts on its x axis: the first (sorted) of any point; null without sweeps. */
export function sweptOption(docs: readonly ChartDocument[]): string | null {
  const keys = new Set<string>();
  for (const d of docs) {
    for (const p of d.analysis.points) for (const k of Object.keys(p.sweep)) keys.add(k);
  }
  return keys.size === 0 ? null : [...keys].sort()[0];
}

function axisTitle(metric: SweepMetric): string {
  const unit = metricInfo(metric).unit;
  if (unit === "ns") return `${metric} latency (µs)`;
  if (unit === "1/s") return "completions per second";
  return `${metric} (share, 0..1)`;
}

/**
 * `metric` of every placement (and device, document when they vary)
 * against the first swept option, a line through the points with 95 %
 * interval bars; null-free: without sweeps the data are empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { sweepChart } from "./chart_sweep.ts";
 * assert.equal(sweepChart(chartDocuments([]), "iops").width, "container");
 * ```
 */
export function sweepChart(
  docs: readonly ChartDocument[],
  metric: SweepMetric = "p99",
  options: { seed?: number; resamples?: number } = {},
): VegaLiteSpec {
  const option = sweptOption(docs);
  const naming = { ...seriesNaming(docs), points: false };
  const order: string[] = [];
  const values: Record<string, unknown>[] = [];
  let otherOptions = false;
  const scale = metricInfo(metric).unit === "ns" ? US : 1;
  for (const { doc, point, placement } of placementsOf(docs)) {
    if (option === null || point.sweep[option] === undefined) continue;
    const others = Object.keys(point.sweep).filter((k) => k !== option).sort()
      .map((k) => `${k}=${point.sweep[k]}`);
    if (others.length > 0) otherOptions = true;
    for (const [device, d] of Object.entries(placement.devices)) {
      if (d.samples.length === 0) continue;
      const series = remember(
        order,
        seriesName(naming, doc, null, placement.placement, [
          ...others,
          ...(naming.devices ? [device] : []),
        ]),
      );
      const iv = metricIntervals(
        d.samples,
        deriveSeed(options.seed ?? 1, `${doc.label}/${point.key}/${placement.placement}/${device}`),
        options.resamples ?? 1000,
      )[metric];
      values.push({
        series,
        x: point.sweep[option],
        value: round(d.metrics[metric] * scale),
        low: round(iv.low * scale),
        high: round(iv.high * scale),
        repetitions: d.samples.length,
        point: point.key,
      });
    }
  }
  const xs = [...new Set(values.map((v) => v.x as number))].sort((a, b) => a - b);
  const logX = xs.length > 1 && xs[0] > 0 && xs[xs.length - 1] / xs[0] >= 8;
  const latency = metricInfo(metric).unit === "ns";
  const positive = values.every((v) => (v.low as number) > 0);
  const legend = seriesTitle(
    naming,
    [...(otherOptions ? ["other swept options"] : []), ...(naming.devices ? ["device"] : [])],
    false,
  );
  const x = {
    field: "x",
    type: "quantitative",
    title: option ?? "swept value",
    scale: logX ? { type: "log", base: 2, nice: false } : { zero: false, nice: false },
    axis: { values: xs, grid: true },
  };
  const y = {
    field: "value",
    type: "quantitative",
    title: axisTitle(metric),
    scale: latency && positive ? logScale(values.length > 0) : { zero: true },
    axis: { grid: true },
  };
  const tooltip = [
    { field: "series", type: "nominal", title: legend },
    { field: "x", type: "quantitative", title: option ?? "swept value" },
    { field: "value", type: "quantitative", title: metric, format: ".4~g" },
    { field: "low", type: "quantitative", title: "95% interval from", format: ".4~g" },
    { field: "high", type: "quantitative", title: "95% interval to", format: ".4~g" },
    { field: "repetitions", type: "quantitative", title: "repetitions" },
  ];
  return finish({
    ...baseSpec(values, 260),
    encoding: { x },
    layer: [
      {
        mark: { type: "line", strokeWidth: 2 },
        encoding: { y, ...seriesEncoding(order, legend), tooltip },
      },
      {
        mark: { type: "errorbar", ticks: { size: 8 }, thickness: 1.5 },
        encoding: {
          y: { ...y, field: "low" },
          y2: { field: "high" },
          color: seriesEncoding(order, legend).color,
        },
      },
      {
        mark: { type: "point", filled: true, size: 50 },
        encoding: { y, ...seriesEncoding(order, legend, ["color"]), tooltip },
      },
    ],
  });
}
