/**
 * Checks for shared-memory layouts: every layer's `layout_test.ts` asserts
 * with {@link assertWords} that the words it names are distinct and fit
 * their block.
 *
 * Test support only: not re-exported from any `mod.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertWords } from "./layout.ts";
 * assertWords({ A: 0, B: 1 }, ["A", "B"], 0, 2, "L");
 * assert.throws(() => assertWords({ A: 0, B: 0 }, ["A", "B"], 0, 2, "L"), /share word 0/);
 * ```
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Asserts that the named words of `layout` are distinct integers in
 * `[lo, hi)`; `what` names the layout in the failure message. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertWords } from "./layout.ts";
 * assert.throws(() => assertWords({ A: 4 }, ["A"], 0, 4, "L"), /L.A = 4 outside \[0, 4\)/);
 * ```
 */
export function assertWords(
  layout: Readonly<Record<string, number>>,
  keys: readonly string[],
  lo: number,
  hi: number,
  what: string,
): void {
  const seen = new Map<number, string>();
  for (const k of keys) {
    const v = layout[k];
    assert.ok(Number.isInteger(v), `${what}.${k} = ${v} is not an integer`);
    assert.ok(v >= lo && v < hi, `${what}.${k} = ${v} outside [${lo}, ${hi})`);
    assert.ok(!seen.has(v), `${what}.${k} and ${what}.${seen.get(v)} share word ${v}`);
    seen.set(v, k);
  }
}
