/**
 * Lock timing sinks: where a thread records the wait and hold durations of
 * the locks it takes. A {@link Mutex} (or {@link RecMutex}) created with
 * statistics and given a timing slot (`setTimingSlot(n)`, a number agreed
 * by the threads that measure it) hands each acquisition's wait and each
 * release's hold, in ns, to the sink the *calling thread* installed for
 * that slot, if any. Each thread installs its own sinks (functions do not
 * cross Workers), so a sink's figures are that thread's alone: per-thread
 * histograms come for free, and the lock path takes no lock and no
 * cross-thread write to record them. The durations are the ones the
 * statistics already compute (one clock read per event); only contended
 * acquisitions report a wait (the others wait 0, and the statistics count
 * them), so an uncontended lock/unlock pair costs one record.
 *
 * The sync layer depends on nothing: a sink is anything with a
 * `record(ns)` (lib/measure's `SharedHistogram` fits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Mutex } from "./mutex.ts";
 * import { setLockTimingSink } from "./lock_timing.ts";
 * const waits: number[] = [];
 * const holds: number[] = [];
 * setLockTimingSink(7, { wait: { record: (ns) => waits.push(ns) }, hold: { record: (ns) => holds.push(ns) } });
 * const m = new Mutex({ stats: true });
 * m.setTimingSlot(7);
 * m.lock();
 * m.unlock();
 * setLockTimingSink(7, null);
 * assert.deepEqual(waits, []); // uncontended: no wait to report
 * assert.equal(holds.length, 1);
 * ```
 *
 * @module
 */

/** Receives one duration, ns. */
export interface DurationRecorder {
  /** Records one duration, ns. Called on the lock path: must not throw or block. */
  record(ns: number): void;
}

/** Where one thread records one lock's timings. */
export interface LockTimingSink {
  /** The wait of each acquisition that found the lock held, ns (an uncontended one waits 0 and is only counted by the statistics: acquired - contended). */
  readonly wait: DurationRecorder;
  /** Each hold, ns, recorded at release. */
  readonly hold: DurationRecorder;
}

/** Highest timing slot. */
export const MAX_LOCK_TIMING_SLOT = 1023;

/**
 * This thread's sinks by slot (module state: one table per Worker),
 * allocated whole so that it stays a packed array (a sparse one would be a
 * dictionary lookup on every lock event).
 */
const sinks: (LockTimingSink | null)[] = new Array(MAX_LOCK_TIMING_SLOT + 1).fill(null);

/**
 * Installs (or, with `null`, removes) the calling thread's sink for timing
 * slot `slot` (1..{@link MAX_LOCK_TIMING_SLOT}). The calling thread only:
 * other threads keep their own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lockTimingSink, setLockTimingSink } from "./lock_timing.ts";
 * const sink = { wait: { record: () => {} }, hold: { record: () => {} } };
 * setLockTimingSink(3, sink);
 * assert.equal(lockTimingSink(3), sink);
 * setLockTimingSink(3, null);
 * assert.equal(lockTimingSink(3), null);
 * ```
 */
export function setLockTimingSink(slot: number, sink: LockTimingSink | null): void {
  checkSlot(slot);
  sinks[slot] = sink;
}

/**
 * The calling thread's sink for `slot`, if it installed one. Any thread (its own table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lockTimingSink } from "./lock_timing.ts";
 * assert.equal(lockTimingSink(0), null); // slot 0: no timing
 * ```
 */
export function lockTimingSink(slot: number): LockTimingSink | null {
  return sinks[slot] ?? null;
}

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 1 || slot > MAX_LOCK_TIMING_SLOT) {
    throw new RangeError(
      `lock timing slot must be an integer in 1..${MAX_LOCK_TIMING_SLOT}, got ${slot}`,
    );
  }
}
