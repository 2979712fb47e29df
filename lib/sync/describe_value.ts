/**
 * How a found value reads in an error message: its type, then the value
 * (`the string "100"`, `the number -1`, `null`, `an object`), so that a
 * message says what was found and not only that it was wrong. Used by the
 * option checks of the layers above (AioContext options, poll parameters).
 * Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./describe_value.ts";
 * const ringCapacity: unknown = "8";
 * assert.equal(
 *   `ringCapacity: expected an integer, got ${describeValue(ringCapacity)}`,
 *   'ringCapacity: expected an integer, got the string "8"',
 * );
 * ```
 *
 * @module
 */

/**
 * Describes `value` with its type: strings quoted as JSON, numbers,
 * booleans and bigints written out after their type, `null` and
 * `undefined` by name; arrays, other objects, functions and symbols by
 * their kind alone (`an array`, `an object`, `a function`, `a symbol`),
 * since their contents rarely help and may be large. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./describe_value.ts";
 * assert.equal(describeValue("100"), 'the string "100"');
 * assert.equal(describeValue(1.5), "the number 1.5");
 * assert.equal(describeValue(true), "the boolean true");
 * assert.equal(describeValue(null), "null");
 * assert.equal(describeValue([1, 2]), "an array");
 * assert.equal(describeValue(new Map()), "an object");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `the ${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
