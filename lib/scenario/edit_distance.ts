/**
 * Edit distance between two words, the measure behind every "did you
 * mean" of aiolab (a misspelt scenario key, field value or shipped
 * scenario name). Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editDistance } from "./edit_distance.ts";
 * assert.equal(editDistance("queueDepht", "queueDepth"), 1); // two letters swapped
 * ```
 *
 * @module
 */

/**
 * Edit distance between two strings: insertions, deletions, substitutions
 * and swaps of two neighbouring letters (Levenshtein with transpositions,
 * the optimal-string-alignment variant), each costing 1. Case counts
 * (lower-case both sides to ignore it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editDistance } from "./edit_distance.ts";
 * assert.equal(editDistance("kitten", "sitting"), 3);
 * assert.equal(editDistance("mvoe", "move"), 1);
 * assert.equal(editDistance("Main", "main"), 1);
 * ```
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
