/**
 * Interleaving of compared things: every item runs once per round, rounds
 * one after another (A B C, A B C, ...), so that machine drift (a VM's
 * scheduling, CPU placement, another process) hits every item alike. Pure
 * scheduling: the caller says how to run one item once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interleave } from "./interleave.ts";
 * const order = interleave(["A", "B"], 2).map((s) => s.item).join(" ");
 * assert.equal(order, "A B A B");
 * ```
 *
 * @module
 */

/** One run of one item in the schedule. */
export interface Slot<T> {
  /** Round, 1-based. */
  readonly round: number;
  /** Position of the item in the list given to {@linkcode interleave}. */
  readonly index: number;
  /** The item. */
  readonly item: T;
}

function checkRounds(rounds: number): void {
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(`rounds must be a positive integer, got ${rounds}`);
  }
}

/**
 * The interleaved schedule of `items` over `rounds` rounds: round 1 runs
 * every item in order, then round 2, and so on. Any thread.
 *
 * @throws {RangeError} if `rounds` is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interleave } from "./interleave.ts";
 * const s = interleave(["x", "y"], 3);
 * assert.equal(s.length, 6);
 * assert.deepEqual(s[3], { round: 2, index: 1, item: "y" });
 * ```
 */
export function interleave<T>(items: readonly T[], rounds: number): Slot<T>[] {
  checkRounds(rounds);
  const out: Slot<T>[] = [];
  for (let round = 1; round <= rounds; round++) {
    items.forEach((item, index) => out.push({ round, index, item }));
  }
  return out;
}

/** Options of {@linkcode runInterleaved}. */
export interface RunInterleavedOptions {
  /** Called before each round starts, with the round (1-based) and the number of rounds. */
  onRound?: (round: number, rounds: number) => void;
}

/**
 * Runs `items` interleaved over `rounds` rounds (see {@linkcode interleave}),
 * one at a time, awaiting each. `run` returns the item's result for that
 * round, or `null` when it has nothing to report (a baseline that cannot
 * run here, say). Returns, per item in the order of `items`, its non-null
 * results in round order. A throwing `run` stops the schedule (the error
 * propagates). The calling thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runInterleaved } from "./interleave.ts";
 * const log: string[] = [];
 * const out = await runInterleaved(["A", "B"], 2, (item, round) => {
 *   log.push(`${item}${round}`);
 *   return Promise.resolve(item === "B" && round === 1 ? null : round);
 * });
 * assert.deepEqual(log, ["A1", "B1", "A2", "B2"]);
 * assert.deepEqual(out, [[1, 2], [2]]);
 * ```
 */
export async function runInterleaved<T, R>(
  items: readonly T[],
  rounds: number,
  run: (item: T, round: number) => Promise<R | null>,
  options: RunInterleavedOptions = {},
): Promise<R[][]> {
  const results: R[][] = items.map(() => []);
  for (const slot of interleave(items, rounds)) {
    if (slot.index === 0) options.onRound?.(slot.round, rounds);
    const r = await run(slot.item, slot.round);
    if (r !== null) results[slot.index].push(r);
  }
  return results;
}
