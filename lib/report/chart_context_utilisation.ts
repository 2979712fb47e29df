/**
 * Context utilisation: how every AioContext's thread spent its accounted
 * time (dispatching handlers, busy-polling, asleep), per placement,
 * summed over the repetitions, as one stacked bar per context. Pure; any
 * thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { contextUtilisationChart } from "./chart_context_utilisation.ts";
 * const spec = contextUtilisationChart(chartDocuments([]));
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 *
 * @module
 */

import {
  baseSpec,
  finish,
  placementsOf,
  round,
  rowsHeight,
  runsOf,
  seriesName,
  seriesNaming,
} from "./_chart_common.ts";
import type { ChartDocument } from "./chart_documents.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/** The states of a context's thread, in stacking order. */
export const CONTEXT_STATES = ["dispatching", "polling", "asleep"] as const;

/** Dark, middle and light: the states stay apart in grey as in colour (Okabe-Ito). */
const STATE_COLOURS = ["#0072B2", "#E69F00", "#F0E442"];

/**
 * The share of its accounted time (dispatch + poll + sleep) every context
 * spent in each state, one bar per placement and context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * import { contextUtilisationChart } from "./chart_context_utilisation.ts";
 * assert.equal(contextUtilisationChart(chartDocuments([])).width, "container");
 * ```
 */
export function contextUtilisationChart(docs: readonly ChartDocument[]): VegaLiteSpec {
  const naming = seriesNaming(docs);
  const rows: string[] = [];
  const values: Record<string, unknown>[] = [];
  for (const { doc, point, placement } of placementsOf(docs)) {
    const runs = runsOf(doc, point, placement.placement);
    const names = [...new Set(runs.flatMap((r) => Object.keys(r.report.contexts)))];
    for (const context of names) {
      let dispatching = 0;
      let polling = 0;
      let asleep = 0;
      let thread = context;
      for (const r of runs) {
        const c = r.report.contexts[context];
        if (c === undefined) continue;
        dispatching += c.dispatchNs ?? 0;
        polling += c.pollNs ?? 0;
        asleep += c.sleepNs ?? 0;
        thread = c.thread ?? thread;
      }
      const total = dispatching + polling + asleep;
      if (!(total > 0)) continue;
      const row = `${seriesName(naming, doc, point, placement.placement)} · ${context}` +
        (thread === context ? "" : ` (${thread})`);
      rows.push(row);
      [dispatching, polling, asleep].forEach((ns, k) => {
        values.push({
          row,
          context,
          thread,
          state: CONTEXT_STATES[k],
          k,
          share: round((100 * ns) / total),
          ms: round(ns / 1e6),
        });
      });
    }
  }
  return finish({
    ...baseSpec(values, rowsHeight(rows.length, 22)),
    mark: { type: "bar", stroke: "#333333", strokeWidth: 0.5 },
    encoding: {
      y: { field: "row", type: "nominal", title: null, sort: rows, axis: { labelLimit: 260 } },
      x: {
        field: "share",
        type: "quantitative",
        title: "share of the context's accounted time (%)",
        stack: "zero",
        scale: { domain: [0, 100] },
        axis: { grid: true },
      },
      color: {
        field: "state",
        type: "nominal",
        title: "thread state",
        scale: { domain: [...CONTEXT_STATES], range: STATE_COLOURS },
        sort: [...CONTEXT_STATES],
      },
      order: { field: "k", type: "quantitative" },
      tooltip: [
        { field: "row", type: "nominal", title: "placement · context" },
        { field: "thread", type: "nominal", title: "thread" },
        { field: "state", type: "nominal", title: "state" },
        { field: "share", type: "quantitative", title: "share (%)", format: ".3~g" },
        { field: "ms", type: "quantitative", title: "time (ms, all repetitions)", format: ".4~g" },
      ],
    },
  });
}
