/**
 * The jitter-probe distributions: the lateness of every context's probe
 * timer (how late a timer that should fire every millisecond ran), per
 * placement and context, pooled over the repetitions, as percentile curves
 * HdrHistogram style. A context whose thread is kept busy shows a high
 * tail here. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { jitterProbeChart } from "./chart_jitter_probes.ts";
 * const spec = jitterProbeChart(chartDocuments([]));
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 *
 * @module
 */

import {
  mergeReports,
  placementsOf,
  runsOf,
  seriesName,
  seriesNaming,
  seriesTitle,
} from "./_chart_common.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";
import { type CurveSeries, percentileCurveSpec } from "./chart_latency_percentiles.ts";

/**
 * The probe lateness of every placement's contexts as percentile curves,
 * one series per placement and context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { jitterProbeChart } from "./chart_jitter_probes.ts";
 * assert.equal(jitterProbeChart(chartDocuments([])).width, "container");
 * ```
 */
export function jitterProbeChart(docs: readonly ChartDocument[]): VegaLiteSpec {
  const naming = seriesNaming(docs);
  const curves: CurveSeries[] = [];
  for (const { doc, point, placement } of placementsOf(docs)) {
    const runs = runsOf(doc, point, placement.placement);
    const contexts = [...new Set(runs.flatMap((r) => Object.keys(r.report.contexts)))];
    for (const context of contexts) {
      const merged = mergeReports(runs.map((r) => r.report.contexts[context]?.jitter));
      if (merged === null) continue;
      curves.push({
        series: seriesName(naming, doc, point, placement.placement, [context]),
        histogram: merged,
      });
    }
  }
  return percentileCurveSpec(curves, seriesTitle(naming, ["context"]), "probe lateness (µs)");
}
