/**
 * CPU affinity of the calling thread (Linux `sched_setaffinity(0, ...)`),
 * for placements that pin their threads as QEMU users do (libvirt's
 * emulatorpin, iothreadpin and vcpupin; `taskset` on QEMU's threads). A
 * thread inherits the affinity of the thread that creates it, and a Deno
 * Worker's thread is created inside `new Worker()`, so
 * {@link withThreadAffinity} around the creation of a Worker pins that
 * Worker (and nothing already running: V8's and Deno's own helper threads
 * keep theirs). Needs `--allow-ffi` for a libc of `LIBC_PATHS`. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getThreadAffinity } from "./thread_affinity.ts";
 * const cpus = getThreadAffinity(); // null without --allow-ffi for libc
 * assert.ok(cpus === null || cpus.length > 0);
 * ```
 *
 * @module
 */

import { openLibc } from "./_libc.ts";

const SYMBOLS = {
  sched_setaffinity: { parameters: ["i32", "usize", "buffer"], result: "i32" },
  sched_getaffinity: { parameters: ["i32", "usize", "buffer"], result: "i32" },
} as const;

/** Bytes of the CPU mask passed to the kernel (1024 CPUs, glibc's cpu_set_t). */
const MASK_BYTES = 128;

/** Highest CPU index a mask holds, plus one. */
export const MAX_CPUS = MASK_BYTES * 8;

function open(): Deno.DynamicLibrary<typeof SYMBOLS> {
  const opened = openLibc(SYMBOLS, "CPU affinity");
  if (typeof opened === "string") throw new Error(`cannot pin threads to CPUs: ${opened}`);
  return opened.lib;
}

function toMask(cpus: readonly number[]): Uint8Array<ArrayBuffer> {
  const mask = new Uint8Array(MASK_BYTES);
  for (const c of cpus) {
    if (!Number.isInteger(c) || c < 0 || c >= MAX_CPUS) {
      throw new RangeError(`CPU affinity: CPU indices are integers in [0, ${MAX_CPUS}), got ${c}`);
    }
    mask[c >> 3] |= 1 << (c & 7);
  }
  return mask;
}

function fromMask(mask: Uint8Array): number[] {
  const cpus: number[] = [];
  for (let c = 0; c < MAX_CPUS; c++) if ((mask[c >> 3] & (1 << (c & 7))) !== 0) cpus.push(c);
  return cpus;
}

/**
 * The CPUs the calling thread may run on, ascending; null when it cannot be
 * read (not Linux, or no `--allow-ffi` for libc). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getThreadAffinity } from "./thread_affinity.ts";
 * const cpus = getThreadAffinity();
 * if (cpus !== null) assert.ok(cpus.every((c, i) => i === 0 || c > cpus[i - 1]));
 * ```
 */
export function getThreadAffinity(): number[] | null {
  const opened = openLibc(SYMBOLS, "CPU affinity");
  if (typeof opened === "string") return null;
  try {
    const mask = new Uint8Array(MASK_BYTES);
    if (opened.lib.symbols.sched_getaffinity(0, BigInt(MASK_BYTES), mask) !== 0) return null;
    return fromMask(mask);
  } finally {
    opened.lib.close();
  }
}

/**
 * Restricts the calling thread to `cpus` and returns the CPUs it had. Any thread.
 *
 * @throws {RangeError} for an empty list or an index outside [0, {@link MAX_CPUS}).
 * @throws {Error} when it cannot be done: not Linux, no `--allow-ffi` for
 * libc, or the kernel refused (a CPU the host does not have or this
 * process may not use), the message naming the CPUs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setThreadAffinity } from "./thread_affinity.ts";
 * assert.throws(() => setThreadAffinity([]), RangeError);
 * ```
 */
export function setThreadAffinity(cpus: readonly number[]): number[] {
  if (cpus.length === 0) throw new RangeError("CPU affinity: expected at least one CPU");
  const mask = toMask(cpus);
  const lib = open();
  try {
    const before = new Uint8Array(MASK_BYTES);
    if (lib.symbols.sched_getaffinity(0, BigInt(MASK_BYTES), before) !== 0) {
      throw new Error("cannot pin threads to CPUs: sched_getaffinity failed");
    }
    if (lib.symbols.sched_setaffinity(0, BigInt(MASK_BYTES), mask) !== 0) {
      throw new Error(
        `cannot pin a thread to CPUs ${cpus.join(",")}: the kernel refused (CPUs this host ` +
          `lets the process use: ${fromMask(before).join(",")})`,
      );
    }
    return fromMask(before);
  } finally {
    lib.close();
  }
}

/**
 * Checks that the calling thread runs on exactly `cpus` (null: nothing to
 * check), for a thread created pinned: throws, naming `thread` and both
 * lists, when it does not. Any thread.
 *
 * @example
 * ```ts
 * import { assertThreadAffinity } from "./thread_affinity.ts";
 * assertThreadAffinity("io0", null); // not pinned: nothing to check
 * ```
 */
export function assertThreadAffinity(thread: string, cpus: readonly number[] | null): void {
  if (cpus === null) return;
  const got = getThreadAffinity();
  const want = [...cpus].sort((a, b) => a - b);
  if (got === null || got.join(",") !== want.join(",")) {
    throw new Error(
      `thread ${thread} was to run on CPUs ${want.join(",")} but runs on ${
        got === null ? "CPUs it cannot read (no --allow-ffi for libc)" : `CPUs ${got.join(",")}`
      }`,
    );
  }
}

/**
 * Runs `fn` with the calling thread restricted to `cpus` (null: unchanged),
 * then gives the thread its CPUs back, also when `fn` throws: what `fn`
 * creates synchronously (a Worker's thread) keeps `cpus`. Returns what `fn`
 * returns. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withThreadAffinity } from "./thread_affinity.ts";
 * assert.equal(withThreadAffinity(null, () => 7), 7); // null: no pinning, no permission needed
 * ```
 */
export function withThreadAffinity<T>(cpus: readonly number[] | null, fn: () => T): T {
  if (cpus === null) return fn();
  const before = setThreadAffinity(cpus);
  try {
    return fn();
  } finally {
    setThreadAffinity(before);
  }
}
