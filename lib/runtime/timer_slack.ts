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

/**
 * Where libc is looked for, in order (glibc on Debian/Ubuntu x86_64 and
 * arm64, Fedora/RHEL, Arch; musl on Alpine). `--allow-ffi` is granted for
 * exactly these paths by the `bench` and `aiolab` tasks. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LIBC_PATHS } from "./timer_slack.ts";
 * assert.ok(LIBC_PATHS.includes("/lib/x86_64-linux-gnu/libc.so.6"));
 * ```
 */
export const LIBC_PATHS: readonly string[] = Object.freeze([
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/aarch64-linux-gnu/libc.so.6",
  "/lib64/libc.so.6",
  "/usr/lib64/libc.so.6",
  "/usr/lib/libc.so.6",
  "/lib/ld-musl-x86_64.so.1",
  "/lib/ld-musl-aarch64.so.1",
]);

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

/** Opens the first granted libc of {@link LIBC_PATHS}, or returns why none could be. */
function openLibc(): { lib: Deno.DynamicLibrary<typeof SYMBOLS>; libc: string } | string {
  if (Deno.build.os !== "linux") return `timer slack is a Linux setting (this is ${Deno.build.os})`;
  const granted = LIBC_PATHS.filter((path) =>
    Deno.permissions.querySync({ name: "ffi", path }).state === "granted"
  );
  if (granted.length === 0) {
    return `no --allow-ffi for libc (one of ${LIBC_PATHS.join(", ")}): ` +
      `timed waits keep the kernel's default slack of ${DEFAULT_TIMER_SLACK_NS / 1000} us`;
  }
  const failures: string[] = [];
  for (const libc of granted) {
    try {
      return { lib: Deno.dlopen(libc, SYMBOLS), libc };
    } catch (err) {
      failures.push(`${libc}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    }
  }
  return `no libc could be opened: ${failures.join("; ")}`;
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
  const opened = openLibc();
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
  const opened = openLibc();
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
