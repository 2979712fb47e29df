// Test fixtures for co_mutex_test.ts: coroutines that lock a CoMutex inside
// IoThreads (IoThread.run) and helpers for plain Workers (runInThread).
// Arguments and results are structured-cloneable.

import { CO_MUTEX } from "../layout.ts";
import { currentThreadId } from "../../sync/thread_id.ts";
import type { AioContextHandle } from "../context_handle.ts";
import {
  aioCoSchedule,
  aioCoScheduleRemote,
  coEnter,
  Coroutine,
  type CoroutineRef,
  coroutineStats,
  coSelf,
} from "../coroutine.ts";
import { CoMutex, type CoMutexHandle, type CoMutexStats } from "../co_mutex.ts";
import { coSleep } from "../co_queue.ts";
import { getCurrentAioContext } from "../thread_state.ts";

/** Words of the shared buffer of {@link mutexWorker}. */
export const COUNT = {
  /** The plain counter the critical sections increment (read, maybe yield, write). */
  COUNTER: 0,
  /** Coroutines inside a critical section right now (must never exceed 1). */
  INSIDE: 1,
  /** Times a coroutine entered a critical section that was not empty. */
  VIOLATIONS: 2,
  /** Coroutines that finished all their iterations. */
  DONE: 3,
  /** Times a coroutine found itself outside its own context after lock(). */
  WRONG_CTX: 4,
  /** Words. */
  WORDS: 8,
} as const;

/**
 * Starts `nCo` coroutines in this IoThread's context; each locks `iters`
 * times, increments the plain counter (sometimes yielding to the loop or
 * sleeping inside the critical section), unlocks, and sometimes sleeps
 * outside it. Returns at once; DONE counts finished coroutines.
 */
export function mutexWorker(
  h: CoMutexHandle,
  shared: SharedArrayBuffer,
  nCo: number,
  iters: number,
): number {
  const m = CoMutex.fromHandle(h);
  const s = new Int32Array(shared);
  const ctx = getCurrentAioContext()!;
  for (let c = 0; c < nCo; c++) {
    const co = Coroutine.create(
      function* (idx: number) {
        for (let k = 0; k < iters; k++) {
          yield* m.lock();
          if (Atomics.add(s, COUNT.INSIDE, 1) !== 0) Atomics.add(s, COUNT.VIOLATIONS, 1);
          if (coSelf()!.ctx !== ctx || getCurrentAioContext() !== ctx) {
            Atomics.add(s, COUNT.WRONG_CTX, 1);
          }
          // Plain read-modify-write: only the CoMutex keeps it exact.
          const v = s[COUNT.COUNTER];
          if ((k + idx) % 7 === 0) {
            yield* coSleep(0); // a timer round trip inside the critical section
          } else if ((k + idx) % 5 === 0) {
            aioCoSchedule(ctx, coSelf()!); // back through the BH phase
            yield;
          }
          s[COUNT.COUNTER] = v + 1;
          Atomics.sub(s, COUNT.INSIDE, 1);
          m.unlock();
          if (k % 3 === 0) yield* coSleep(0);
        }
        Atomics.add(s, COUNT.DONE, 1);
        Atomics.notify(s, COUNT.DONE);
      },
      c,
      `locker${currentThreadId()}.${c}`,
    );
    coEnter(co, ctx);
  }
  return currentThreadId();
}

/** Statistics of the mutex and live coroutines, as seen from this thread. */
export function mutexStats(h: CoMutexHandle): { mutex: CoMutexStats; live: number } {
  return { mutex: CoMutex.fromHandle(h).stats(), live: coroutineStats().live };
}

/** Words of the hand-over buffer. */
export const HAND = {
  /** Set to 1 when the IoThread's coroutine holds the mutex. */
  GOT: 0,
  /** Set to 1 after it released the mutex. */
  RELEASED: 1,
  /** Thread the coroutine ran in when it got the mutex. */
  THREAD: 2,
  /** Context id + 1 it ran in when it got the mutex. */
  CTX: 3,
  /** 1 when the helper Worker is waiting for a spinner. */
  READY: 4,
  /** Words. */
  WORDS: 8,
} as const;

function publish(a: Int32Array, i: number, v: number): void {
  Atomics.store(a, i, v);
  Atomics.notify(a, i);
}

/**
 * In an IoThread: a coroutine locks the mutex (queueing if needed), records
 * GOT, parks until woken by anyone (aioCoScheduleRemote), then unlocks and
 * records RELEASED. Returns its ref at once.
 */
export function lockParkUnlock(h: CoMutexHandle, shared: SharedArrayBuffer): CoroutineRef {
  const m = CoMutex.fromHandle(h);
  const s = new Int32Array(shared);
  const ctx = getCurrentAioContext()!;
  const co = Coroutine.create(
    function* () {
      yield* m.lock();
      s[HAND.THREAD] = currentThreadId();
      s[HAND.CTX] = coSelf()!.ctx!.id + 1;
      publish(s, HAND.GOT, 1);
      yield; // parked, holding the mutex
      m.unlock();
      publish(s, HAND.RELEASED, 1);
    },
    null,
    "io-holder",
  );
  coEnter(co, ctx);
  return co.ref;
}

/**
 * In a plain Worker: signals READY, waits until a locker spins on the mutex
 * (its SPINNING word), then wakes `ref` in `ctx`.
 */
export function wakeWhenSpinning(
  sync: SharedArrayBuffer,
  mutex: CoMutexHandle,
  ctx: AioContextHandle,
  ref: CoroutineRef,
): void {
  const s = new Int32Array(sync);
  const m = new Int32Array(mutex.sab);
  publish(s, HAND.READY, 1);
  const deadline = Date.now() + 60_000;
  // Pairs with the spinner's Atomics.add(SPINNING) before its spin loop.
  while (Atomics.load(m, CO_MUTEX.SPINNING) === 0) {
    if (Date.now() > deadline) throw new Error("nobody spun on the mutex");
    Atomics.pause();
  }
  aioCoScheduleRemote(ctx, ref);
}
