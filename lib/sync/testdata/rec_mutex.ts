// Test fixtures for rec_mutex_test.ts: functions that run inside real
// Workers (via runInThread) and drive a shared RecMutex.

import { RecMutex, type RecMutexHandle } from "../rec_mutex.ts";
import { currentThreadId } from "../thread_id.ts";
import { waitWord } from "./mutex.ts";

/** Handshake words. */
export const REC_SYNC = {
  /** Phase requested by the main thread. */
  PHASE: 0,
  /** Last phase the worker finished. */
  ACK: 1,
  /** Total Int32 words. */
  WORDS: 2,
} as const;

/**
 * For phase k = 1..phases: waits until the main thread requests phase k,
 * tries the lock (releasing it again at once when it got it), records the
 * outcome and acknowledges k.
 */
export function tryInPhases(
  h: RecMutexHandle,
  sync: SharedArrayBuffer,
  phases: number,
): { got: boolean; depth: number; heldByMe: boolean }[] {
  const r = RecMutex.fromHandle(h);
  const s = new Int32Array(sync);
  const out: { got: boolean; depth: number; heldByMe: boolean }[] = [];
  for (let k = 1; k <= phases; k++) {
    waitWord(s, REC_SYNC.PHASE, k);
    const got = r.tryLock();
    out.push({ got, depth: r.depth(), heldByMe: r.heldByMe() });
    if (got) r.unlock();
    Atomics.store(s, REC_SYNC.ACK, k);
    Atomics.notify(s, REC_SYNC.ACK);
  }
  return out;
}

/** Locks (blocking), nests once, reports what it saw and releases. */
export function lockBlocking(h: RecMutexHandle): {
  id: number;
  depth1: number;
  depth2: number;
  heldByMe: boolean;
  depthAfter: number;
} {
  const r = RecMutex.fromHandle(h);
  r.lock();
  const depth1 = r.depth();
  r.lock();
  const depth2 = r.depth();
  const heldByMe = r.heldByMe();
  r.unlock();
  r.unlock();
  return { id: currentThreadId(), depth1, depth2, heldByMe, depthAfter: r.depth() };
}

/** Tries to unlock a RecMutex this thread does not hold. */
export function unlockForeign(h: RecMutexHandle): { id: number; error: string | null } {
  const r = RecMutex.fromHandle(h);
  let error: string | null = null;
  try {
    r.unlock();
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  return { id: currentThreadId(), error };
}
