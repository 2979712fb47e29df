/**
 * Adaptive busy-polling (QEMU's poll-max-ns / poll-grow / poll-shrink): the
 * one {@link PollParams} type that travels from `IoThread.create`,
 * `MainLoop.create` and `new AioContext` to the polling loop, the one place
 * that checks it ({@link resolvePollParams}), and the pure algorithm of
 * QEMU's `adjust_polling_time` ({@link adjustPollNs}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adjustPollNs } from "./adaptive_poll.ts";
 * const p = { pollMaxNs: 32768, pollGrow: 0, pollShrink: 0 };
 * assert.equal(adjustPollNs(0, 10_000, p), 4000); // start polling
 * assert.equal(adjustPollNs(4000, 10_000, p), 8000); // grow x2
 * assert.equal(adjustPollNs(8000, 50_000, p), 0); // blocked too long: shrink
 * ```
 *
 * @module
 */

import { describeValue } from "../sync/describe_value.ts";

/**
 * Adaptive-polling parameters, named as the IOThread properties poll-max-ns,
 * poll-grow and poll-shrink. Options of `AioContext`, `IoThread` and
 * `MainLoop` take them under the same names.
 */
export interface PollParams {
  /** Longest busy-poll, ns; 0 disables polling. */
  pollMaxNs: number;
  /** Growth factor; 0 means the default, 2. */
  pollGrow: number;
  /** Shrink divisor; 0 means "reset to 0". */
  pollShrink: number;
}

/** The first non-zero polling time, ns (QEMU starts at 4 us). */
export const POLL_START_NS = 4000;

/** Polling disabled: QEMU's default for new contexts and the main loop. */
export const POLL_OFF: Readonly<PollParams> = Object.freeze({
  pollMaxNs: 0,
  pollGrow: 0,
  pollShrink: 0,
});

/**
 * Next polling time from the current one and the time the last `poll()`
 * spent before dispatch (`blockNs`):
 * - `blockNs <= pollNs`: unchanged (polling would have caught the event);
 * - `blockNs > pollMaxNs`: shrink (`pollNs / pollShrink`, or 0 when it is 0);
 * - `pollNs < pollMaxNs` and `blockNs < pollMaxNs`: grow (from 0 to 4 us,
 *   else times `pollGrow`, default 2), clamped to `pollMaxNs`.
 * Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adjustPollNs } from "./adaptive_poll.ts";
 * const p = { pollMaxNs: 32768, pollGrow: 4, pollShrink: 0 };
 * assert.equal(adjustPollNs(16384, 20_000, p), 32768);
 * ```
 */
export function adjustPollNs(pollNs: number, blockNs: number, p: PollParams): number {
  if (blockNs <= pollNs) return pollNs;
  if (blockNs > p.pollMaxNs) {
    return p.pollShrink === 0 ? 0 : Math.floor(pollNs / p.pollShrink);
  }
  if (pollNs < p.pollMaxNs && blockNs < p.pollMaxNs) {
    const next = pollNs === 0 ? POLL_START_NS : pollNs * (p.pollGrow === 0 ? 2 : p.pollGrow);
    return Math.min(next, p.pollMaxNs);
  }
  return pollNs;
}

const UNIT: Record<keyof PollParams, string> = {
  pollMaxNs: "a non-negative integer number of ns",
  pollGrow: "a non-negative integer factor (0 = 2)",
  pollShrink: "a non-negative integer divisor (0 = reset to 0)",
};

/**
 * The one check of poll parameters, at the public edge (`new AioContext`,
 * `setPollParams`, `IoThread.create`, `MainLoop.create`): fills missing
 * fields from `defaults` and returns a fresh, validated {@link PollParams}.
 * Every field must be a safe integer >= 0; otherwise throws a TypeError (not
 * a number) or RangeError (a number out of range) naming `owner`, the field,
 * what was expected and what was found. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePollParams } from "./adaptive_poll.ts";
 * const defaults = { pollMaxNs: 32768, pollGrow: 0, pollShrink: 0 };
 * assert.deepEqual(resolvePollParams({ pollGrow: 4 }, defaults, "IoThread \"io0\""), {
 *   pollMaxNs: 32768,
 *   pollGrow: 4,
 *   pollShrink: 0,
 * });
 * assert.throws(
 *   () => resolvePollParams({ pollMaxNs: "100" as unknown as number }, defaults, "IoThread \"io0\""),
 *   /pollMaxNs: expected a non-negative integer number of ns, got the string "100"/,
 * );
 * ```
 */
export function resolvePollParams(
  input: Partial<PollParams>,
  defaults: Readonly<PollParams>,
  owner: string,
): PollParams {
  const p: PollParams = {
    pollMaxNs: input.pollMaxNs === undefined ? defaults.pollMaxNs : input.pollMaxNs,
    pollGrow: input.pollGrow === undefined ? defaults.pollGrow : input.pollGrow,
    pollShrink: input.pollShrink === undefined ? defaults.pollShrink : input.pollShrink,
  };
  for (const field of Object.keys(UNIT) as (keyof PollParams)[]) {
    const v: unknown = p[field];
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) continue;
    const msg = `${owner}: poll parameter ${field}: expected ${UNIT[field]}, got ${
      describeValue(v)
    }`;
    throw typeof v === "number" ? new RangeError(msg) : new TypeError(msg);
  }
  return p;
}
