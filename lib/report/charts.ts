/**
 * The report's charts: one pure function per chart (the `chart_*.ts`
 * modules), each turning analysed results into a vega-lite spec with its
 * data inline, and {@link reportCharts}, which picks the charts that have
 * data, in page order, each with the sentence that says what to look for.
 * Several documents make a compare view: their series carry the document's
 * label. Colours are Okabe-Ito (colour-blind safe) and every series also
 * has its own dash or shape, so a chart survives greyscale; every spec is
 * `width: "container"`. Pure: no Deno APIs, no I/O.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportCharts } from "./charts.ts";
 * assert.deepEqual(reportCharts([]), []);
 * ```
 *
 * @module
 */

import type { ResultInput } from "../analysis/mod.ts";
import { type ChartDocument, chartDocuments } from "./chart_documents.ts";
import { contextUtilisationChart } from "./chart_context_utilisation.ts";
import { jitterProbeChart } from "./chart_jitter_probes.ts";
import { latencyHistogramChart } from "./chart_latency_histogram.ts";
import { latencyOverTimeChart } from "./chart_latency_over_time.ts";
import { latencyPercentileChart } from "./chart_latency_percentiles.ts";
import { lockTimesChart } from "./chart_lock_times.ts";
import { stageBreakdownChart } from "./chart_stage_breakdown.ts";
import { sweepChart, sweptOption } from "./chart_sweep.ts";
import { throughputOverTimeChart } from "./chart_throughput_over_time.ts";
import { chartHasData, type VegaLiteSpec } from "./vega_lite_spec.ts";

export type { VegaLiteSpec } from "./vega_lite_spec.ts";

/** One chart of the report: its spec and the sentence that says what to look for. */
export interface ChartSection {
  /** Stable identifier, usable as an HTML id ("latency-percentiles"). */
  id: string;
  /** Heading shown above the chart. */
  title: string;
  /** One sentence saying what to look for in this chart. */
  lookFor: string;
  /** The vega-lite spec, data inline. */
  spec: VegaLiteSpec;
}

/** Options of {@link reportCharts}. */
export interface ReportChartsOptions {
  /** One label per document for the compare view (default: lib/report `documentLabels`). */
  labels?: readonly string[];
  /** Seed of the sweep charts' bootstrap (default 1). */
  seed?: number;
}

interface ChartDef {
  id: string;
  title: string;
  lookFor: string;
  build: (docs: readonly ChartDocument[], options: ReportChartsOptions) => VegaLiteSpec;
  /** Only drawn when the documents hold a sweep. */
  sweep?: boolean;
}

/** The report's charts in page order. */
const CHARTS: readonly ChartDef[] = [
  {
    id: "latency-percentiles",
    title: "Latency percentiles",
    lookFor: "Lower is better; watch where the curves bend upward — the placement whose curve " +
      "stays flat furthest to the right has the tamer tail.",
    build: latencyPercentileChart,
  },
  {
    id: "latency-over-time",
    title: "Latency over time",
    lookFor: "Look for p99 and max (triangles) jumping at the dashed event lines or drifting " +
      "during the run, which a single summary figure hides.",
    build: latencyOverTimeChart,
  },
  {
    id: "latency-histogram",
    title: "Latency histogram",
    lookFor: "A second hump to the right means some requests take a slower path (waiting for " +
      "the BQL or a busy thread), not just noise around the median.",
    build: latencyHistogramChart,
  },
  {
    id: "stage-breakdown",
    title: "Stage breakdown",
    lookFor: "The stage whose median or p99 differs most between placements is where the " +
      "placement's time goes: dispatch grows when the serving thread is busy elsewhere.",
    build: stageBreakdownChart,
  },
  {
    id: "lock-times",
    title: "Lock wait and hold times",
    lookFor: "Long holds by one thread next to long waits by another show who blocks whom; " +
      "waits near zero mean the lock was not contended.",
    build: lockTimesChart,
  },
  {
    id: "context-utilisation",
    title: "Context utilisation",
    lookFor: "A context that is rarely asleep has no headroom left, and time spent polling " +
      "buys low latency with a busy CPU.",
    build: contextUtilisationChart,
  },
  {
    id: "jitter-probes",
    title: "Jitter-probe lateness",
    lookFor: "A context whose probe timer runs late in the tail is kept busy by other work, and " +
      "every handler it runs is delayed as much.",
    build: jitterProbeChart,
  },
  {
    id: "throughput-over-time",
    title: "Throughput over time",
    lookFor: "Dips at the dashed event lines or a slow ramp show the run was not in a steady " +
      "state the whole time.",
    build: throughputOverTimeChart,
  },
  {
    id: "sweep-p99",
    title: "p99 latency across the sweep",
    lookFor: "Where the error bars of two placements stop overlapping, the difference at that " +
      "swept value is larger than the run-to-run noise.",
    build: (docs, o) => sweepChart(docs, "p99", { seed: o.seed }),
    sweep: true,
  },
  {
    id: "sweep-iops",
    title: "Throughput across the sweep",
    lookFor: "Throughput that stops growing with the swept value marks the point where the " +
      "serving thread saturates.",
    build: (docs, o) => sweepChart(docs, "iops", { seed: o.seed }),
    sweep: true,
  },
];

/**
 * The charts of a report over one or more result documents (several =
 * compare view), in page order; a chart with no data is left out, and the
 * sweep charts appear only for documents that hold a sweep.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportCharts } from "./charts.ts";
 * assert.equal(reportCharts([]).length, 0);
 * const empty = { manifest: { noiseFloor: null }, runs: [], summary: [] };
 * assert.equal(reportCharts([empty]).length, 0);
 * ```
 */
export function reportCharts(
  docs: readonly ResultInput[],
  options: ReportChartsOptions = {},
): ChartSection[] {
  if (docs.length === 0) return [];
  const prepared = chartDocuments(docs, options.labels);
  const swept = sweptOption(prepared) !== null;
  const out: ChartSection[] = [];
  for (const c of CHARTS) {
    if (c.sweep === true && !swept) continue;
    const spec = c.build(prepared, options);
    if (!chartHasData(spec)) continue;
    out.push({ id: c.id, title: c.title, lookFor: c.lookFor, spec });
  }
  return out;
}
