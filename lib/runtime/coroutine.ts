/**
 * Coroutines and their relation to AioContexts (QEMU_SEMANTICS.md §1.13,
 * invariants 24-26). This module exports the two parts: the core
 * (`co_core.ts`: `qemu_coroutine_create` / `enter` / `yield` / `self`,
 * `qemu_in_coroutine`, `qemu_coroutine_entered`) and the AioContext side
 * (`co_schedule.ts`: `aio_co_wake`, `aio_co_enter`, `aio_co_schedule` in
 * this thread and from any other thread, `aio_co_reschedule_self`).
 *
 * Why generators. An aiolab event-loop thread that has nothing to do sleeps
 * in `Atomics.wait`, and a thread blocked there never returns to the
 * JavaScript event loop: promise callbacks do not run inside a blocking
 * `poll(true)`. A coroutine built on `async`/`await` could therefore never be
 * resumed by a timer, a bottom half or another thread while its loop blocks.
 * A coroutine is a generator instead, resumed synchronously with `next()`:
 *
 * - a coroutine body is a generator function, `function* (arg) { ... }`;
 * - a bare `yield` is `qemu_coroutine_yield()`;
 * - a callee that may yield is itself a generator function and is called
 *   with `yield*`: `yield* coSleep(1_000_000)`, `yield* mutex.lock()`,
 *   `yield* queue.wait()`. Calling one without `yield*` only creates a
 *   generator object and does nothing (the one pitfall of this design).
 *
 * Threads. A coroutine object lives in one Worker's heap (its home thread)
 * and can only run there; it may run in any AioContext homed in that thread.
 * What crosses threads is its identity: a small integer id in its thread, a
 * generation (ids are reused), and a shared STATE word (the `scheduled` flag)
 * in the thread's coroutine table (`CO_TABLE` in layout.ts), all carried by a
 * structured-cloneable {@link CoroutineRef}. A thread that hosts coroutines
 * handles cross-thread schedule records once it called
 * {@link registerCoroutineHandlers}: the event-loop thread entry calls it at
 * start, and a thread's first `Coroutine.create` calls it in other threads.
 *
 * Differences from QEMU: fatal conditions (double scheduling, entering a
 * scheduled coroutine, recursive re-entry, terminating while holding a
 * CoMutex) throw an Error instead of aborting; same-thread schedules use a
 * per-context list and a oneshot BH (FIFO), cross-thread ones the context's
 * ring (FIFO per producer); a thread that has no current context (the
 * orchestrator, tests) counts every context it is home of as current.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { aioCoWake, coEnter, Coroutine } from "./coroutine.ts";
 * const ctx = new AioContext();
 * const log: string[] = [];
 * const co = Coroutine.create(function* (greeting: string) {
 *   log.push(greeting);
 *   yield; // qemu_coroutine_yield
 *   log.push("resumed");
 * }, "hello");
 * coEnter(co, ctx);
 * assert.deepEqual(log, ["hello"]);
 * aioCoWake(co);
 * assert.deepEqual(log, ["hello", "resumed"]);
 * assert.equal(co.terminated, true);
 * ctx.destroy();
 * ```
 *
 * @module
 */

export {
  type Co,
  coEnter,
  coEnterIfInactive,
  Coroutine,
  type CoroutineFn,
  type CoroutineRef,
  type CoroutineStats,
  coroutineStats,
  coSelf,
  inCoroutine,
  qemuCoroutineEnter,
  registerCoroutineHandlers,
  requireCoroutine,
} from "./co_core.ts";
export { CoroutineError } from "./co_error.ts";
export {
  aioCoEnter,
  aioCoRescheduleSelf,
  aioCoSchedule,
  aioCoScheduleRemote,
  aioCoTryScheduleRemote,
  aioCoWake,
} from "./co_schedule.ts";
