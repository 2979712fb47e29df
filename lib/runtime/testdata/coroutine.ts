// Test fixtures for coroutine_test.ts and co_queue_test.ts: functions that run
// inside real Workers (runInThread from lib/testing/thread.ts) or IoThreads
// (IoThread.run), and create, enter or schedule coroutines there exactly as
// aiolab's threads do. Arguments and results are structured-cloneable.

import { currentThreadId } from "../../sync/thread_id.ts";
import { AioContext } from "../aio_context.ts";
import type { AioContextHandle } from "../context_handle.ts";
import {
  aioCoScheduleRemote,
  aioCoTryScheduleRemote,
  coEnter,
  Coroutine,
  type CoroutineRef,
  type CoroutineStats,
  coroutineStats,
  inCoroutine,
} from "../coroutine.ts";
import { coSleep } from "../co_queue.ts";
import { getCurrentAioContext } from "../thread_state.ts";

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ------------------------------------------------ plain Workers (runInThread)

/** Schedules each coroutine once, in order, into `ctx`; returns this thread's id. */
export function scheduleRefs(ctx: AioContextHandle, refs: CoroutineRef[]): number {
  for (const ref of refs) aioCoScheduleRemote(ctx, ref);
  return currentThreadId();
}

/** Schedules `ref` twice: the first succeeds, the second must throw. */
export function scheduleTwice(
  ctx: AioContextHandle,
  ref: CoroutineRef,
): { first: string; second: string; tried: boolean } {
  let first = "ok";
  let second = "ok";
  try {
    aioCoScheduleRemote(ctx, ref);
  } catch (err) {
    first = message(err);
  }
  try {
    aioCoScheduleRemote(ctx, ref);
  } catch (err) {
    second = message(err);
  }
  return { first, second, tried: aioCoTryScheduleRemote(ctx, ref) };
}

/** Tries to schedule `ref` into `ctx`; returns the error message or "ok". */
export function scheduleOrError(ctx: AioContextHandle, ref: CoroutineRef): string {
  try {
    aioCoScheduleRemote(ctx, ref);
    return "ok";
  } catch (err) {
    return message(err);
  }
}

/** Tries to schedule a coroutine of another thread into a context of this one. */
export function scheduleIntoOwnContext(ref: CoroutineRef): string {
  const ctx = new AioContext({ name: "worker-ctx" });
  try {
    aioCoScheduleRemote(ctx.handle, ref);
    return "ok";
  } catch (err) {
    return message(err);
  } finally {
    ctx.destroy();
  }
}

// ----------------------------------------------------------- IoThreads

/** Words of the storm control buffer (after the N per-coroutine counters). */
export const STORM = {
  /** Total wakes received (after the counters). */
  TOTAL: 0,
  /** 1: coroutines return at their next wake. */
  STOP: 1,
  /** Coroutines terminated. */
  EXITED: 2,
  /** Words. */
  WORDS: 4,
} as const;

/**
 * Storm target: creates `n` coroutines in this IoThread's context. Each
 * parks, then on every wake counts it (counts[i], total) and yields again,
 * until STOP is set. Returns their refs.
 */
export function stormTargetStart(n: number, counts: SharedArrayBuffer): CoroutineRef[] {
  const c = new Int32Array(counts);
  const ctl = n;
  const ctx = getCurrentAioContext()!;
  const refs: CoroutineRef[] = [];
  for (let i = 0; i < n; i++) {
    const co = Coroutine.create(
      function* (idx: number) {
        yield; // parked until the first wake
        for (;;) {
          Atomics.add(c, idx, 1);
          Atomics.add(c, ctl + STORM.TOTAL, 1);
          if (Atomics.load(c, ctl + STORM.STOP) !== 0) break;
          yield;
        }
        Atomics.add(c, ctl + STORM.EXITED, 1);
        Atomics.notify(c, ctl + STORM.EXITED);
      },
      i,
      `storm${i}`,
    );
    coEnter(co, ctx);
    refs.push(co.ref);
  }
  return refs;
}

/**
 * Storm producer: wakes every coroutine `rounds` times through the target
 * context's ring. A coroutine still scheduled is skipped and retried later
 * (aioCoTryScheduleRemote), so every successful schedule is one wake owed.
 * Records its successful schedules in sent[p * n + i].
 */
export function stormProduce(
  ctx: AioContextHandle,
  refs: CoroutineRef[],
  rounds: number,
  sent: SharedArrayBuffer,
  p: number,
): { sent: number; busy: number; thread: number } {
  const n = refs.length;
  const s = new Int32Array(sent);
  const left = new Array<number>(n).fill(rounds);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let remaining = n * rounds;
  let total = 0;
  let busy = 0;
  const deadline = Date.now() + 60_000;
  while (remaining > 0) {
    if (Date.now() > deadline) {
      throw new Error(`storm producer ${p}: ${remaining} wakes never accepted (lost wakes?)`);
    }
    let progress = false;
    for (let i = 0; i < n; i++) {
      if (left[i] === 0) continue;
      if (aioCoTryScheduleRemote(ctx, refs[i])) {
        left[i]--;
        remaining--;
        total++;
        Atomics.add(s, p * n + i, 1);
        progress = true;
      } else {
        busy++;
      }
    }
    // Everything still pending: let the target run (2 cores, several threads).
    if (!progress) Atomics.wait(nap, 0, 0, 0.05);
  }
  return { sent: total, busy, thread: currentThreadId() };
}

/** This thread's coroutine counters. */
export function stats(): CoroutineStats {
  return coroutineStats();
}

/** Enters a coroutine that throws: the run() call must reject naming it. */
export function enterFailing(): void {
  const co = Coroutine.create(
    function* () {
      yield* [];
      throw new RangeError("kaboom");
    },
    null,
    "io-exploder",
  );
  coEnter(co);
}

/** Creates a parked coroutine that throws when woken; returns its ref. */
export function parkFailing(): CoroutineRef {
  const co = Coroutine.create(
    function* () {
      yield;
      throw new Error("woken to fail");
    },
    null,
    "late-exploder",
  );
  coEnter(co);
  return co.ref;
}

/** Words of the sleeper's result buffer. */
export const SLEEPER = {
  /** 1 once the coroutine finished. */
  DONE: 0,
  /** Context's blocking waits when the coroutine went to sleep. */
  WAITS_BEFORE: 1,
  /** ... and when it resumed. */
  WAITS_AFTER: 2,
  /** poll() nesting depth when it resumed (1: inside the loop's poll). */
  DEPTH: 3,
  /** 1 if it resumed in coroutine context. */
  IN_COROUTINE: 4,
  /** Thread it resumed in. */
  THREAD: 5,
  /** Words. */
  WORDS: 8,
} as const;

/**
 * Starts a coroutine in this IoThread that sleeps `ns` with coSleep and
 * records how it resumed; returns at once (the thread goes back to its
 * blocking loop, where the timer must resume the coroutine).
 */
export function sleepInLoop(result: SharedArrayBuffer, ns: number): number {
  const r = new Int32Array(result);
  const ctx = getCurrentAioContext()!;
  const co = Coroutine.create(
    function* () {
      r[SLEEPER.WAITS_BEFORE] = ctx.stats().blockingWaits;
      yield* coSleep(ns);
      r[SLEEPER.WAITS_AFTER] = ctx.stats().blockingWaits;
      r[SLEEPER.DEPTH] = ctx.pollDepth();
      r[SLEEPER.IN_COROUTINE] = inCoroutine() ? 1 : 0;
      r[SLEEPER.THREAD] = currentThreadId();
      // Publishes the fields above: pairs with the test's Atomics.load(DONE).
      Atomics.store(r, SLEEPER.DONE, 1);
      Atomics.notify(r, SLEEPER.DONE);
    },
    null,
    "sleeper",
  );
  coEnter(co, ctx);
  return currentThreadId();
}
