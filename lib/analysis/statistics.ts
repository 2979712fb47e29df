/**
 * Pure statistics over samples: median and percentiles. No I/O; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { median, percentile } from "./statistics.ts";
 * assert.equal(median([5, 1, 3]), 3);
 * assert.equal(percentile([1, 2, 3, 4, 5], 100), 5);
 * ```
 *
 * @module
 */

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/**
 * Median of `xs` (mean of the two middle values for an even length).
 * Does not mutate `xs`. Any thread.
 *
 * @returns the median, or `NaN` for an empty array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { median } from "./statistics.ts";
 * assert.equal(median([4, 1, 3, 2]), 2.5);
 * assert.ok(Number.isNaN(median([])));
 * ```
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The `p`-th percentile of `xs` (0 <= p <= 100), interpolated linearly
 * between the two closest ranks (the "R-7" definition of spreadsheets and
 * NumPy's default): p 0 is the minimum, p 50 the median, p 100 the maximum.
 * Does not mutate `xs`. Any thread.
 *
 * @returns the percentile, or `NaN` for an empty array.
 * @throws {RangeError} if `p` is not a number in [0, 100].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentile } from "./statistics.ts";
 * assert.equal(percentile([10, 20, 30, 40], 50), 25);
 * assert.equal(percentile([10, 20, 30, 40], 0), 10);
 * ```
 */
export function percentile(xs: readonly number[], p: number): number {
  return percentiles(xs, [p])[0];
}

/**
 * Several percentiles of `xs` at once (one sort), in the order of `ps`;
 * see {@linkcode percentile} for the definition. Any thread.
 *
 * @throws {RangeError} if a `p` is not a number in [0, 100].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentiles } from "./statistics.ts";
 * assert.deepEqual(percentiles([3, 1, 2], [0, 50, 100]), [1, 2, 3]);
 * ```
 */
export function percentiles(xs: readonly number[], ps: readonly number[]): number[] {
  for (const p of ps) {
    if (typeof p !== "number" || !(p >= 0 && p <= 100)) {
      throw new RangeError(`a percentile must be a number in [0, 100], got ${p}`);
    }
  }
  if (xs.length === 0) return ps.map(() => NaN);
  const s = sorted(xs);
  return ps.map((p) => {
    const rank = (p / 100) * (s.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.ceil(rank);
    return s[lo] + (s[hi] - s[lo]) * (rank - lo);
  });
}
