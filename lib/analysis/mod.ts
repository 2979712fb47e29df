/**
 * Pure analysis of measurements: statistics (median, percentiles) and
 * verdicts (a measured median against a same-run baseline ratio or an
 * absolute bound). No `Deno.*`, no Workers, no file system.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateTargets, median } from "./mod.ts";
 * const medians = new Map([["a", median([3, 1, 2])], ["b", 4]]);
 * const [v] = evaluateTargets(
 *   [{ label: "a >= 2x faster than b", measured: "a", baseline: "b", criterion: { kind: "speedup", min: 2 } }],
 *   medians,
 * );
 * assert.equal(v.ok, true);
 * ```
 *
 * @module
 */

export { median, percentile, percentiles } from "./statistics.ts";
export { type Criterion, evaluateTargets, type Target, type Verdict } from "./verdict.ts";
