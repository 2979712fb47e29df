/**
 * The chart specs' type: a vega-lite top-level spec as plain JSON, its data
 * inline in `data.values` (compiled by vega-lite in the page), and
 * {@link chartHasData}, which tells whether a spec has anything to draw.
 * Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartHasData, type VegaLiteSpec } from "./vega_lite_spec.ts";
 * const spec: VegaLiteSpec = { mark: "point", data: { values: [{ x: 1 }] } };
 * assert.equal(chartHasData(spec), true);
 * ```
 *
 * @module
 */

/** A vega-lite top-level spec as plain JSON (compiled by vega-lite in the page). */
export type VegaLiteSpec = Record<string, unknown>;

/**
 * Whether `spec` has data to draw: its top-level inline `data.values` is
 * not empty (layers with data of their own, such as event rules, do not
 * count).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartHasData } from "./vega_lite_spec.ts";
 * assert.equal(chartHasData({ data: { values: [] } }), false);
 * assert.equal(chartHasData({ data: { values: [{ x: 1 }] } }), true);
 * assert.equal(chartHasData({ mark: "point" }), false);
 * ```
 */
export function chartHasData(spec: VegaLiteSpec): boolean {
  const data = spec.data as { values?: unknown } | undefined;
  return Array.isArray(data?.values) && data.values.length > 0;
}
