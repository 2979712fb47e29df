/**
 * The adaptive busy-polling algorithm of QEMU's `adjust_polling_time`, as a
 * pure function: how long the next `poll()` may busy-poll before sleeping.
 *
 * @example
 * ```ts
 * import { adjustPollNs } from "./adaptive_poll.ts";
 * const p = { maxNs: 32768, grow: 0, shrink: 0 };
 * console.log(adjustPollNs(0, 10_000, p)); // 4000: start polling
 * console.log(adjustPollNs(4000, 10_000, p)); // 8000: grow x2
 * console.log(adjustPollNs(8000, 50_000, p)); // 0: blocked too long, shrink
 * ```
 *
 * @module
 */

/** Adaptive-polling parameters (IOThread properties poll-max-ns, poll-grow, poll-shrink). */
export interface PollParams {
  /** Longest busy-poll, ns; 0 disables polling. */
  maxNs: number;
  /** Growth factor; 0 means the default, 2. */
  grow: number;
  /** Shrink divisor; 0 means "reset to 0". */
  shrink: number;
}

/** The first non-zero polling time, ns (QEMU starts at 4 us). */
export const POLL_START_NS = 4000;

/**
 * Next polling time from the current one and the time the last `poll()`
 * spent before dispatch (`blockNs`):
 * - `blockNs <= pollNs`: unchanged (polling would have caught the event);
 * - `blockNs > maxNs`: shrink (`pollNs / shrink`, or 0 when shrink is 0);
 * - `pollNs < maxNs` and `blockNs < maxNs`: grow (from 0 to 4 us, else
 *   times `grow`, default 2), clamped to `maxNs`.
 * Pure; any thread.
 *
 * @example
 * ```ts
 * import { adjustPollNs } from "./adaptive_poll.ts";
 * console.log(adjustPollNs(16384, 20_000, { maxNs: 32768, grow: 4, shrink: 0 })); // 32768
 * ```
 */
export function adjustPollNs(pollNs: number, blockNs: number, p: PollParams): number {
  if (blockNs <= pollNs) return pollNs;
  if (blockNs > p.maxNs) {
    return p.shrink === 0 ? 0 : Math.floor(pollNs / p.shrink);
  }
  if (pollNs < p.maxNs && blockNs < p.maxNs) {
    const next = pollNs === 0 ? POLL_START_NS : pollNs * (p.grow === 0 ? 2 : p.grow);
    return Math.min(next, p.maxNs);
  }
  return pollNs;
}

/**
 * Validates poll parameters as the IOThread property setter does: integers
 * in [0, 2^53). Throws a RangeError naming the bad field. Any thread.
 *
 * @example
 * ```ts
 * import { validatePollParams } from "./adaptive_poll.ts";
 * validatePollParams({ maxNs: 32768, grow: 0, shrink: 0 });
 * ```
 */
export function validatePollParams(p: PollParams): void {
  for (const [field, v] of Object.entries(p)) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(`poll parameter ${field} must be an integer >= 0, got ${v}`);
    }
  }
}
