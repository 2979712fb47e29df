// Test fixtures for mutex_test.ts: functions that run inside real Workers
// (via runInThread) and drive a shared Mutex.

import { MUTEX } from "../layout.ts";
import { Mutex, type MutexHandle } from "../mutex.ts";
import { currentThreadId } from "../thread_id.ts";
import { Barrier, type BarrierHandle } from "../../testing/barrier.ts";

/** Handshake words in a small shared buffer. */
export const SYNC = {
  /** Phase, advanced by both sides. */
  PHASE: 0,
  /** Thread id the worker reports. */
  ID: 1,
  /** Plain (non-atomic) counter guarded by the mutex. */
  COUNTER: 2,
  /** Total Int32 words. */
  WORDS: 3,
} as const;

/** Waits (blocking, in a Worker) until `a[i] === want`; throws after 30 s. */
export function waitWord(a: Int32Array, i: number, want: number): void {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = Atomics.load(a, i);
    if (v === want) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for word ${i} == ${want}`);
    Atomics.wait(a, i, v, 100);
  }
}

function publish(a: Int32Array, i: number, v: number): void {
  Atomics.store(a, i, v);
  Atomics.notify(a, i);
}

/**
 * Locks, reports its id and phase 1, holds the lock until the main thread
 * sets phase 2, then unlocks and sets phase 3.
 */
export function lockUntilReleased(
  h: MutexHandle,
  sync: SharedArrayBuffer,
): { id: number; heldByMe: boolean; owner: number } {
  const m = Mutex.fromHandle(h);
  const s = new Int32Array(sync);
  m.lock();
  Atomics.store(s, SYNC.ID, currentThreadId());
  publish(s, SYNC.PHASE, 1);
  waitWord(s, SYNC.PHASE, 2);
  const result = { id: currentThreadId(), heldByMe: m.heldByMe(), owner: m.owner() };
  m.unlock();
  publish(s, SYNC.PHASE, 3);
  return result;
}

/**
 * Locks, reports phase 1, and holds the lock until another thread has
 * marked the futex word "locked with waiters" (2), i.e. until a contender
 * has finished spinning and is about to sleep; then unlocks.
 */
export function holdUntilContended(h: MutexHandle, sync: SharedArrayBuffer): number {
  const m = Mutex.fromHandle(h);
  const s = new Int32Array(sync);
  const state = new Int32Array(h.sab, h.byteOffset, MUTEX.STATS_BYTE / 4);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  m.lock();
  Atomics.store(s, SYNC.ID, currentThreadId());
  publish(s, SYNC.PHASE, 1);
  const deadline = Date.now() + 30_000;
  while (Atomics.load(state, MUTEX.STATE) !== 2) {
    if (Date.now() > deadline) throw new Error("no contender showed up");
    Atomics.wait(nap, 0, 0, 1);
  }
  m.unlock();
  return currentThreadId();
}

/** Tries to unlock a mutex this thread does not hold; returns the error message. */
export function unlockForeign(h: MutexHandle): { error: string | null; ownerAfter: number } {
  const m = Mutex.fromHandle(h);
  let error: string | null = null;
  try {
    m.unlock();
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  return { error, ownerAfter: m.owner() };
}

/**
 * Waits for all participants at the `start` barrier, then does `n` times
 * lock / plain increment of the shared counter / unlock.
 */
export function hammer(
  h: MutexHandle,
  sync: SharedArrayBuffer,
  start: BarrierHandle,
  n: number,
): number {
  const m = Mutex.fromHandle(h);
  const s = new Int32Array(sync);
  Barrier.fromHandle(start).arrive();
  for (let i = 0; i < n; i++) {
    m.lock();
    s[SYNC.COUNTER] = s[SYNC.COUNTER] + 1; // deliberately not atomic
    m.unlock();
  }
  return currentThreadId();
}
