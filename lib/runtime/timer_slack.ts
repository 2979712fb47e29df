/**
 * Timer slack: how late Linux may end a timed sleep of the calling thread.
 *
 * Linux lets the kernel end a normal thread's timed wait (a futex with a
 * timeout, which is what `Atomics.wait(..., timeout)` becomes, or ppoll) up
 * to the thread's timer slack late, 50 us by default, to batch wakeups. QEMU
 * does not accept that: its `init_clocks()` (util/qemu-timer.c) calls
 * `prctl(PR_SET_TIMERSLACK, 1)` at start-up, before it creates any thread,
 * so every QEMU thread (main loop, IOThreads, vCPUs, the thread pool)
 * inherits a slack of 1 ns and an AioContext timer of 50 us fires after
 * about 50 us plus the wakeup latency, not 100 us.
 *
 * Deno has no API for it, so {@link setTimerSlack} calls libc's `prctl`
 * through `Deno.dlopen`, which needs `--allow-ffi` for one of
 * {@link LIBC_PATHS}. Without that permission (or on a host without such a
 * libc, or not Linux) it changes nothing and says why. The slack is per
 * thread and inherited by threads and processes created afterwards (and it
 * survives exec), so calling it once in a process's main thread before it
 * starts Workers or child processes gives all of them QEMU's setting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setTimerSlack } from "./timer_slack.ts";
 * const r = setTimerSlack(1);
 * // Applied with --allow-ffi on Linux; otherwise unchanged, with the reason.
 * assert.ok(r.applied ? r.slackNs === 1 : r.reason.length > 0);
 * ```
 *
 * @module
 */

import { LIBC_PATHS, openLibc } from "./_libc.ts";

export { LIBC_PATHS };

/** The Linux default timer slack, ns. */
export const DEFAULT_TIMER_SLACK_NS = 50_000;

/** What {@link setTimerSlack} did. */
export type TimerSlackResult =
  | {
    /** The calling thread's slack is now `slackNs`. */
    applied: true;
    /** The slack now in effect, ns (read back with PR_GET_TIMERSLACK). */
    slackNs: number;
    /** The slack before the call, ns. */
    previousNs: number;
    /** The libc used. */
    libc: string;
  }
  | {
    /** Nothing changed. */
    applied: false;
    /** Why: not Linux, no `--allow-ffi` for a libc of {@link LIBC_PATHS}, none found, or prctl failed. */
    reason: string;
  };

const PR_SET_TIMERSLACK = 29;
const PR_GET_TIMERSLACK = 30;

const SYMBOLS = {
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
} as const;

/** Opens libc with prctl, or returns why it could not be. */
function openPrctl(): { lib: Deno.DynamicLibrary<typeof SYMBOLS>; libc: string } | string {
  const opened = openLibc(SYMBOLS, "timer slack");
  if (typeof opened !== "string" || !opened.startsWith("no --allow-ffi")) return opened;
  return `${opened}: timed waits keep the kernel's default slack of ${
    DEFAULT_TIMER_SLACK_NS / 1000
  } us`;
}

/**
 * The calling thread's timer slack, ns, or null when it cannot be read
 * (same conditions as {@link setTimerSlack}). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getTimerSlack } from "./timer_slack.ts";
 * const ns = getTimerSlack();
 * assert.ok(ns === null || ns >= 1);
 * ```
 */
export function getTimerSlack(): number | null {
  const opened = openPrctl();
  if (typeof opened === "string") return null;
  try {
    return Number(opened.lib.symbols.prctl(PR_GET_TIMERSLACK, 0n, 0n, 0n, 0n));
  } finally {
    opened.lib.close();
  }
}

/**
 * Sets the calling thread's timer slack to `ns` (QEMU: 1) with
 * `prctl(PR_SET_TIMERSLACK)`, and reads it back. Threads and processes the
 * caller creates afterwards inherit it. Never throws for a missing
 * permission or library: the result says what happened. Any thread.
 *
 * @throws {RangeError} when `ns` is not an integer in [1, 2^32).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setTimerSlack } from "./timer_slack.ts";
 * const r = setTimerSlack(1);
 * if (!r.applied) assert.match(r.reason, /allow-ffi|Linux|libc|prctl/);
 * assert.throws(() => setTimerSlack(0), RangeError);
 * ```
 */
export function setTimerSlack(ns: number): TimerSlackResult {
  if (!Number.isInteger(ns) || ns < 1 || ns >= 2 ** 32) {
    // 0 would mean "reset to the default" to the kernel: refuse it as a slack.
    throw new RangeError(`setTimerSlack: expected an integer number of ns in [1, 2^32), got ${ns}`);
  }
  const opened = openPrctl();
  if (typeof opened === "string") return { applied: false, reason: opened };
  const { lib, libc } = opened;
  try {
    const previousNs = Number(lib.symbols.prctl(PR_GET_TIMERSLACK, 0n, 0n, 0n, 0n));
    if (lib.symbols.prctl(PR_SET_TIMERSLACK, BigInt(ns), 0n, 0n, 0n) !== 0) {
      return { applied: false, reason: `prctl(PR_SET_TIMERSLACK, ${ns}) failed (${libc})` };
    }
    const slackNs = Number(lib.symbols.prctl(PR_GET_TIMERSLACK, 0n, 0n, 0n, 0n));
    return { applied: true, slackNs, previousNs, libc };
  } finally {
    lib.close();
  }
}
