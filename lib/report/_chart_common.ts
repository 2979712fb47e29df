// Shared pieces of the chart functions: the colour-blind-safe palette with
// its dashes and shapes, series naming over one or more documents, the runs
// behind an analysed placement, histogram merging and the vega-lite
// boilerplate every chart starts from. Private to lib/report.

import type { PlacementAnalysis, PointAnalysis } from "../analysis/analyse.ts";
import { pointKey } from "../analysis/analyse.ts";
import { decodeHistogram, mergeHistograms } from "../analysis/histogram_stats.ts";
import type { HistogramReportInput, MachineReportInput, RunInput } from "../analysis/input.ts";
import { type IntervalRowInput, intervalRows } from "../analysis/jitter.ts";
import type { HistogramSnapshot } from "../measure/histogram.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/** A vega-lite top-level spec (or a part of one) as plain JSON. */
export type Spec = VegaLiteSpec;

/**
 * Okabe-Ito, ordered for lines on white: the yellow (weakest on white) last,
 * neighbours of different lightness so the first few also differ in grey.
 */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#56B4E9",
  "#CC79A7",
  "#000000",
  "#F0E442",
] as const;

/** Dash patterns paired with the palette (a different cycle length, so pairs stay distinct). */
export const DASHES: readonly number[][] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 4], [12, 4]];

/** Point shapes paired with the palette. */
export const SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"];

/** The vega-lite schema the specs are written against. */
export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** ns → µs. */
export const US = 1e-3;

/** The start of every spec: container width, bottom legends, data inline. */
export function baseSpec(values: readonly unknown[], height = 260): Spec {
  return {
    $schema: SCHEMA,
    width: "container",
    height,
    // The whole chart, axes and legend included, fits the container's width (a narrow window).
    autosize: { type: "fit-x", contains: "padding" },
    data: { values },
    config: {
      legend: { orient: "bottom", direction: "vertical", labelLimit: 360, symbolStrokeWidth: 2 },
      axis: { labelLimit: 240 },
    },
  };
}

const POSITION = new Set(["x", "y"]);

function fixDomains(node: unknown, inEncoding: boolean): void {
  if (Array.isArray(node)) {
    for (const n of node) fixDomains(n, false);
    return;
  }
  if (!isRecord(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if (inEncoding && POSITION.has(k) && isRecord(v) && v.type === "quantitative") {
      const scale = isRecord(v.scale) ? v.scale : {};
      if (v.scale !== null && scale.domain === undefined) {
        const type = scale.type;
        v.scale = {
          ...scale,
          domain: type === "log" ? [1, 10] : type === "symlog" ? [0, 10] : [0, 1],
        };
      }
    } else fixDomains(v, k === "encoding");
  }
}

/**
 * The finished spec: without data, every quantitative position scale gets
 * a fixed domain (vega warns about the infinite extent of an empty field
 * otherwise), so that an empty chart still renders cleanly.
 */
export function finish(spec: Spec): Spec {
  const data = spec.data as { values?: unknown[] } | undefined;
  if ((data?.values?.length ?? 0) > 0) return spec;
  const out = structuredClone(spec);
  fixDomains(out, false);
  return out;
}

/** The height of a chart with one band per row: `step` pixels a row, at least 60. */
export function rowsHeight(rows: number, step: number): number {
  return Math.max(60, rows * step);
}

/** Colour, dash and shape scales over `domain`, so a series looks the same in colour and grey. */
export function seriesScales(domain: readonly string[]): {
  color: Spec;
  strokeDash: Spec;
  shape: Spec;
} {
  const d = [...domain];
  return {
    color: { domain: d, range: d.map((_, i) => PALETTE[i % PALETTE.length]) },
    strokeDash: { domain: d, range: d.map((_, i) => DASHES[i % DASHES.length]) },
    shape: { domain: d, range: d.map((_, i) => SHAPES[i % SHAPES.length]) },
  };
}

/** The encodings that tell series apart: colour, dash (lines) and shape (points), one legend. */
export function seriesEncoding(
  domain: readonly string[],
  title: string,
  channels: readonly ("color" | "strokeDash" | "shape")[] = ["color", "strokeDash"],
): Spec {
  const scales = seriesScales(domain);
  const out: Spec = {};
  // Lines get a stroke symbol in the legend (it shows the dash), points their shape; a
  // colour-only layer leaves the legend to the layer that sets it.
  const legend = channels.includes("strokeDash")
    ? { symbolType: "stroke", symbolStrokeWidth: 2.5, symbolSize: 300 }
    : channels.includes("shape")
    ? { symbolSize: 80 }
    : {};
  for (const c of channels) {
    out[c] = {
      field: "series",
      type: "nominal",
      title,
      scale: scales[c],
      sort: [...domain],
      legend,
    };
  }
  return out;
}

/** Which parts of a series name vary over the documents, and so must be shown. */
export interface SeriesNaming {
  /** More than one document. */
  documents: boolean;
  /** Some document has more than one point (scenario or sweep point). */
  points: boolean;
  /** More than one device name over every document. */
  devices: boolean;
}

/** What varies over `docs` (see {@link SeriesNaming}). */
export function seriesNaming(docs: readonly ChartDocument[]): SeriesNaming {
  const devices = new Set<string>();
  for (const d of docs) {
    for (const p of d.analysis.points) {
      for (const pl of Object.values(p.placements)) {
        for (const dev of Object.keys(pl.devices)) devices.add(dev);
      }
    }
  }
  return {
    documents: docs.length > 1,
    points: docs.some((d) => d.analysis.points.length > 1),
    devices: devices.size > 1,
  };
}

/** The legend title matching {@link seriesName}. */
export function seriesTitle(n: SeriesNaming, extra: readonly string[] = [], point = true): string {
  return [
    n.documents ? "document" : null,
    n.points && point ? "point" : null,
    "placement",
    ...extra,
  ].filter((x) => x !== null).join(" · ");
}

/** The name of a series: the parts that vary, joined by " · ". */
export function seriesName(
  n: SeriesNaming,
  doc: ChartDocument,
  point: PointAnalysis | string | null,
  placement: string,
  extra: readonly string[] = [],
): string {
  const key = point === null ? null : typeof point === "string" ? point : point.key;
  return [
    n.documents ? doc.label : null,
    n.points && key !== null ? key : null,
    placement,
    ...extra,
  ].filter((x) => x !== null).join(" · ");
}

/** Adds `name` to `order` once, keeping first-seen order (the series domain). */
export function remember(order: string[], name: string): string {
  if (!order.includes(name)) order.push(name);
  return name;
}

/** Every (point, placement) of every document, in document and run order. */
export function* placementsOf(
  docs: readonly ChartDocument[],
): Generator<{ doc: ChartDocument; point: PointAnalysis; placement: PlacementAnalysis }> {
  for (const doc of docs) {
    for (const point of doc.analysis.points) {
      for (const placement of Object.values(point.placements)) yield { doc, point, placement };
    }
  }
}

/** A run with a report, as analysis counts it (not failed). */
export type ReportedRun = RunInput & { report: MachineReportInput };

/** The runs behind one analysed placement (failed and unreported runs left out, as analysis does). */
export function runsOf(doc: ChartDocument, point: PointAnalysis, placement: string): ReportedRun[] {
  return doc.doc.runs.filter((r): r is ReportedRun =>
    r.status !== "failed" && r.report !== null && r.placement === placement &&
    pointKey(r.scenario, r.sweep) === point.key
  ).sort((a, b) => a.repetition - b.repetition);
}

/** One time-series interval of one device in one run, with its series and the run's time origin. */
export interface SeriesInterval {
  /** The series name (document, point, placement and, when several, device). */
  series: string;
  /** The run the interval belongs to. */
  run: ReportedRun;
  /** The run's first interval start (ns), the charts' time zero. */
  origin: number;
  /** The interval. */
  row: IntervalRowInput;
}

/**
 * Every time-series interval of every device of every reported run, in
 * document, run and time order; `order` collects the series names in order
 * of first appearance (the charts' legend order).
 */
export function* seriesIntervals(
  docs: readonly ChartDocument[],
  naming: SeriesNaming,
  order: string[],
): Generator<SeriesInterval> {
  for (const { doc, point, placement } of placementsOf(docs)) {
    for (const device of Object.keys(placement.devices)) {
      const series = remember(
        order,
        seriesName(naming, doc, point, placement.placement, naming.devices ? [device] : []),
      );
      for (const run of runsOf(doc, point, placement.placement)) {
        const origin = seriesOrigin(run.report);
        if (origin === null) continue;
        for (const row of intervalRows(run.report.timeSeries.rows, device)) {
          yield { series, run, origin, row };
        }
      }
    }
  }
}

/** Decodes and merges histogram reports (nulls and empty ones skipped); null when none has records. */
export function mergeReports(
  reports: readonly (HistogramReportInput | null | undefined)[],
): HistogramSnapshot | null {
  const hs = reports.filter((r): r is HistogramReportInput =>
    r !== null && r !== undefined && r.count > 0 && r.hdr !== ""
  ).map((r) => decodeHistogram(r));
  if (hs.length === 0) return null;
  const m = mergeHistograms(hs);
  return m.totalCount > 0 ? m : null;
}

/** Rounds to `digits` significant digits (keeps the inline data small and stable). */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

/** Whether a value is a plain object. */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A histogram report when `x` looks like one (`hdr` string and `count` number), else null. */
export function asHistogram(x: unknown): HistogramReportInput | null {
  return isRecord(x) && typeof x.hdr === "string" && typeof x.count === "number"
    ? { hdr: x.hdr, count: x.count }
    : null;
}

/** One point of a percentile curve: x = 1 / (1 - p), the latency there. */
export interface CurvePoint {
  /** 1 / (1 - percentile / 100): 1 at 0 %, 2 at 50 %, 10 at 90 %, 100 at 99 %. */
  x: number;
  /** The percentile, 0..100. */
  percentile: number;
  /** The value at the percentile, ns. */
  valueNs: number;
}

/** Points per decade of 1 / (1 - p) on a percentile curve. */
const CURVE_STEPS = 10;

/**
 * The percentile curve of `h` HdrHistogram style: ten points per decade of
 * 1 / (1 - p) (the one next to 50 % at 50 % exactly) from 0 % up to the last
 * request (x = count), whose point is the largest value.
 */
export function percentileCurve(h: HistogramSnapshot): CurvePoint[] {
  const n = h.totalCount;
  if (n === 0) return [];
  const out: CurvePoint[] = [];
  for (let k = 0;; k++) {
    // 10^0.3 = 1.995: the grid's nearest point to the median is the median itself.
    const x = k === 3 ? 2 : 10 ** (k / CURVE_STEPS);
    if (x >= n) break;
    const percentile = 100 * (1 - 1 / x);
    out.push({ x, percentile, valueNs: h.valueAtPercentile(percentile) });
  }
  out.push({ x: Math.max(n, 1), percentile: 100 * (1 - 1 / Math.max(n, 1)), valueNs: h.max });
  return out;
}

/** Axis ticks of a percentile curve up to the decade above `maxX`: 0 %, 50 %, 90 %, 99 % ... */
export function percentileTicks(maxX: number): number[] {
  const top = Math.ceil(Math.log10(Math.max(maxX, 10)) - 1e-9);
  const ticks = [1, 2];
  for (let k = 1; k <= top; k++) ticks.push(10 ** k);
  return ticks;
}

/** The x encoding of a percentile curve: log 1 / (1 - p), labelled in percent. */
export function percentileAxis(maxX: number): Spec {
  return {
    field: "x",
    type: "quantitative",
    title: "percentile",
    scale: { type: "log", domain: [1, percentileTicks(maxX).at(-1)!] },
    axis: {
      values: percentileTicks(maxX),
      labelExpr: "format(100 * (1 - 1 / datum.value), '.8~g') + '%'",
      grid: true,
    },
  };
}

/**
 * A log scale; with no data, a fixed domain (vega warns about the infinite
 * extent of an empty field otherwise).
 */
export function logScale(hasData: boolean, extra: Spec = {}): Spec {
  return hasData ? { type: "log", ...extra } : { type: "log", domain: [1, 10], ...extra };
}

/** A symlog scale (0 allowed) with linear behaviour below 1; fixed domain without data. */
export function symlogScale(hasData: boolean): Spec {
  return hasData
    ? { type: "symlog", constant: 1 }
    : { type: "symlog", constant: 1, domain: [0, 10] };
}

/** Ticks of a symlog axis up to `max`: 0, then 1, 2, 5 per decade (a symlog axis picks poor ones). */
export function symlogTicks(max: number): number[] {
  const ticks = [0];
  for (let d = 1; d <= Math.max(max, 1) * 10; d *= 10) {
    for (const m of [1, 2, 5]) if (m * d <= Math.max(max, 1) * 1.5) ticks.push(m * d);
  }
  return ticks;
}

/** The earliest interval start of a report's time series (ns), or null without rows. */
export function seriesOrigin(report: MachineReportInput): number | null {
  let origin: number | null = null;
  for (const r of report.timeSeries.rows) {
    if (isRecord(r) && typeof r.startNs === "number") {
      origin = origin === null ? r.startNs : Math.min(origin, r.startNs);
    }
  }
  return origin;
}

/** The scenario events of a report (`{ atNs, name }`), others skipped. */
export function eventsOf(report: MachineReportInput): { atNs: number; name: string }[] {
  return (report.timeSeries.events ?? []).filter((e): e is { atNs: number; name: string } =>
    isRecord(e) && typeof e.atNs === "number" && typeof e.name === "string"
  );
}
