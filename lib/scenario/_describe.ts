/**
 * Private helpers of scenario errors: how a found value is described, how a
 * path is written, and the "did you mean" suggestion
 * (by `editDistance` of `edit_distance.ts`). Pure; any thread.
 *
 * @module
 */

import { editDistance } from "./edit_distance.ts";

/** One step of a path into a scenario: an object key or an array index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Writes a path as `devices[1].driver.latency` (keys that are not names as `["disk0.q1"]`). */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * Describes a value with its type: `the string "100"`, `the number 5`, `an array of 2 items`.
 * Not lib/sync's `describeValue` (the runtime's wording): scenario imports no
 * other layer (tools/layering_test.ts), and a scenario's values are JSON,
 * so this one also counts items, lists keys, shortens long strings and
 * calls a missing value "nothing".
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value)}`;
    case "number":
      return `the number ${value}`;
    case "boolean":
      return `the boolean ${value}`;
    case "bigint":
      return `the bigint ${value}`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
  }
  if (Array.isArray(value)) {
    return value.length === 0
      ? "an empty array"
      : `an array of ${value.length} item${value.length === 1 ? "" : "s"}`;
  }
  const keys = Object.keys(value as object);
  if (keys.length === 0) return "an empty object";
  const shown = keys.slice(0, 5).map((k) => JSON.stringify(k)).join(", ");
  return `an object with the key${keys.length === 1 ? "" : "s"} ${shown}${
    keys.length > 5 ? ", ..." : ""
  }`;
}

/**
 * The known name closest to `word`, if it is close enough to be a typo
 * (case differences alone, or at most a third of the letters edited).
 */
export function suggest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === word.toLowerCase() ? 0.5 : editDistance(word, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** The value at `path` inside `root`, or undefined where the path leaves it. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg as string];
  }
  return v;
}
