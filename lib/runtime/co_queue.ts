/**
 * CoQueue and coSleep (QEMU_SEMANTICS.md §1.13): a queue of coroutines
 * waiting for a condition (qemu_co_queue_*), and sleeping on a timer of the
 * current context (qemu_co_sleep_ns).
 *
 * A CoQueue is a plain object of one thread: its waiters are coroutines of
 * that thread, possibly running in different contexts of it; each is woken
 * with `aioCoWake`, so it resumes in its own context (a deferred wake when
 * the waker runs in the same context, a schedule otherwise). To wait for
 * something another thread does, wait on a CoMutex, or have that thread
 * schedule the coroutine (`aioCoScheduleRemote`).
 *
 * Like every primitive that may yield, `wait` and `coSleep` are generator
 * functions: call them with `yield*` from a coroutine body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./coroutine.ts";
 * import { CoQueue } from "./co_queue.ts";
 * const ctx = new AioContext();
 * const q = new CoQueue();
 * const co = Coroutine.create(function* () {
 *   yield* q.wait();
 * }, null);
 * coEnter(co, ctx);
 * assert.equal(q.next(), true); // restarts it
 * assert.equal(co.terminated, true);
 * ctx.destroy();
 * ```
 *
 * @module
 */

import type { AioContext } from "./aio_context.ts";
import { ClockType, Scale } from "./clock.ts";
import { aioCoWake, type Co, type Coroutine, requireCoroutine } from "./coroutine.ts";
import type { CoMutex } from "./co_mutex.ts";

/**
 * A FIFO of waiting coroutines (CoQueue). Belongs to the thread that created
 * it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./coroutine.ts";
 * import { CoQueue } from "./co_queue.ts";
 * const ctx = new AioContext();
 * const q = new CoQueue();
 * const log: string[] = [];
 * for (const tag of ["a", "b"]) {
 *   coEnter(Coroutine.create(function* () {
 *     yield* q.wait();
 *     log.push(tag);
 *   }, null), ctx);
 * }
 * q.restartAll();
 * assert.deepEqual(log, ["a", "b"]);
 * assert.equal(q.empty(), true);
 * ctx.destroy();
 * ```
 */
export class CoQueue {
  #waiters: Coroutine[] = [];

  /**
   * Waits until {@link CoQueue.next} or {@link CoQueue.restartAll} wakes the
   * caller (qemu_co_queue_wait); use as `yield* q.wait(lock)`. With `lock`
   * (a CoMutex the caller holds), releases it while waiting and reacquires
   * it before returning. Coroutine context, the queue's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { coEnter, Coroutine } from "./coroutine.ts";
   * import { CoMutex } from "./co_mutex.ts";
   * import { CoQueue } from "./co_queue.ts";
   * const ctx = new AioContext();
   * const m = new CoMutex();
   * const q = new CoQueue();
   * coEnter(Coroutine.create(function* () {
   *   yield* m.lock();
   *   yield* q.wait(m); // m is free while we wait
   *   assert.equal(m.heldBySelf(), true);
   *   m.unlock();
   * }, null), ctx);
   * assert.equal(m.isLocked(), false);
   * q.next();
   * ctx.destroy();
   * ```
   */
  *wait(lock?: CoMutex | null): Co {
    const self = requireCoroutine("CoQueue wait");
    this.#waiters.push(self);
    if (lock) lock.unlock();
    yield;
    // Woken by someone else than next/restartAll: leave the queue, or a
    // later next() would wake us a second time.
    const i = this.#waiters.indexOf(self);
    if (i >= 0) this.#waiters.splice(i, 1);
    if (lock) yield* lock.lock();
  }

  /**
   * Wakes the oldest waiter (qemu_co_queue_next); returns false if none
   * waited. Called from a coroutine of the same context, the wake runs when
   * the caller yields. The queue's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoQueue } from "./co_queue.ts";
   * assert.equal(new CoQueue().next(), false);
   * ```
   */
  next(): boolean {
    const co = this.#waiters.shift();
    if (co === undefined) return false;
    aioCoWake(co);
    return true;
  }

  /**
   * Wakes every waiter, oldest first (qemu_co_queue_restart_all); returns
   * how many. The queue's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoQueue } from "./co_queue.ts";
   * assert.equal(new CoQueue().restartAll(), 0);
   * ```
   */
  restartAll(): number {
    const all = this.#waiters;
    this.#waiters = [];
    for (const co of all) aioCoWake(co);
    return all.length;
  }

  /**
   * Whether no coroutine waits (qemu_co_queue_empty). The queue's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoQueue } from "./co_queue.ts";
   * assert.equal(new CoQueue().empty(), true);
   * ```
   */
  empty(): boolean {
    return this.#waiters.length === 0;
  }

  /**
   * Number of waiting coroutines. The queue's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoQueue } from "./co_queue.ts";
   * assert.equal(new CoQueue().length, 0);
   * ```
   */
  get length(): number {
    return this.#waiters.length;
  }
}

function wakeSleeper(opaque: unknown): void {
  aioCoWake(opaque as Coroutine);
}

/**
 * Sleeps `ns` nanoseconds on a REALTIME timer (qemu_co_sleep_ns); use as
 * `yield* coSleep(ns)` or `yield* coSleep(ctx, ns)`. The timer is armed in
 * `ctx`, by default the context the coroutine runs in; when it fires (timer
 * phase of that context's poll, which may be a blocking poll) the coroutine
 * is woken in its own context. Woken earlier by someone else, it cancels the
 * timer and returns. Coroutine context, home thread of the context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./coroutine.ts";
 * import { coSleep } from "./co_queue.ts";
 * const ctx = new AioContext();
 * const co = Coroutine.create(function* () {
 *   yield* coSleep(1_000_000); // 1 ms
 * }, null);
 * coEnter(co, ctx);
 * assert.equal(co.terminated, false);
 * while (!co.terminated) ctx.poll(true); // sleeps ~1 ms
 * ctx.destroy();
 * ```
 */
export function coSleep(ns: number): Co;
/**
 * {@link coSleep} with the timer armed in `ctx` (a context of this thread);
 * the coroutine still resumes in its own context. Coroutine context, home
 * thread of `ctx`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./coroutine.ts";
 * import { coSleep } from "./co_queue.ts";
 * const ctx = new AioContext();
 * const co = Coroutine.create(function* () {
 *   yield* coSleep(ctx, 0);
 * }, null);
 * coEnter(co, ctx);
 * ctx.poll(false); // the timer phase wakes it
 * assert.equal(co.terminated, true);
 * ctx.destroy();
 * ```
 */
export function coSleep(ctx: AioContext, ns: number): Co;
export function* coSleep(a: number | AioContext, b?: number): Co {
  const self = requireCoroutine("coSleep");
  const ns = typeof a === "number" ? a : b!;
  const ctx = typeof a === "number" ? self.ctx : a;
  if (ctx === null) {
    throw new Error(
      `coSleep: coroutine "${self.name}" runs in no AioContext (enter it with a context)`,
    );
  }
  if (typeof ns !== "number" || Number.isNaN(ns)) {
    throw new RangeError(`coSleep needs a duration in ns, got ${ns}`);
  }
  const t = ctx.timerNew(ClockType.REALTIME, Scale.NS, wakeSleeper, self, "co-sleep");
  t.modNs(ctx.clocks.now(ClockType.REALTIME) + Math.max(0, ns));
  try {
    yield;
  } finally {
    // Early wake (or the coroutine is being torn down): no late wake-up.
    t.del();
  }
}
