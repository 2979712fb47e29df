/**
 * Coroutines and AioContexts (QEMU_SEMANTICS.md §1.13, invariants 24-26):
 * `aio_co_enter`, `aio_co_wake`, `aio_co_schedule` (in this thread and from
 * any other thread) and `aio_co_reschedule_self`.
 *
 * A coroutine runs only in its home thread, in any context homed there.
 * Same-thread schedules go to a per-context list drained by a oneshot BH
 * (FIFO). A cross-thread schedule sets the coroutine's scheduled flag in its
 * thread's coroutine table with a compare-and-swap and pushes the record
 * `[HANDLER_ID.CO_SCHEDULE, id, generation, contextId]` into the target
 * context's MPSC ring (FIFO per producer); the home thread enters the
 * coroutine in its BH phase. Asking a coroutine to run in a context of
 * another thread throws: coroutines cannot migrate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./co_core.ts";
 * import { aioCoWake } from "./co_schedule.ts";
 * const ctx = new AioContext();
 * const co = Coroutine.create(function* () {
 *   yield;
 * }, null);
 * coEnter(co, ctx);
 * aioCoWake(co);
 * assert.equal(co.terminated, true);
 * ctx.destroy();
 * ```
 *
 * @module
 */

import type { AioContext } from "./aio_context.ts";
import { type AioContextHandle, RemoteAioContext } from "./context_handle.ts";
import { HANDLER_ID } from "./handler_ids.ts";
import { CO_TABLE } from "./layout.ts";
import { getCurrentAioContext } from "./thread_state.ts";
import {
  type Co,
  Coroutine,
  type CoroutineRef,
  coSelf,
  enterAfterYield,
  enterNow,
  requireCoroutine,
  scheduleInThread,
} from "./co_core.ts";
import { scheduledIn, slotOf, trySchedule, unschedule } from "./_co_table.ts";

/** This thread's views of other contexts, and of other threads' table chunks. */
const remoteViews = new WeakMap<AioContextHandle, RemoteAioContext>();
const tableViews = new WeakMap<SharedArrayBuffer, Int32Array>();

function migrationError(name: string, home: number, ctx: AioContextHandle): Error {
  return new Error(
    `coroutine "${name}" lives in thread ${home} and cannot run in context "${ctx.name}" ` +
      `(home thread ${ctx.home}): coroutines cannot migrate between threads (a generator ` +
      `lives in one Worker's heap); schedule work in that context by handler reference ` +
      `and wake the coroutine back from there`,
  );
}

/**
 * aio_co_enter: runs `co` in `ctx`. If `ctx` is not the caller's current
 * context, schedules it there ({@link aioCoSchedule}). Else, from coroutine
 * context, queues it to run when the current coroutine yields or terminates
 * (depth-first, no recursion); else enters it now. Home thread of `co`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { Coroutine } from "./co_core.ts";
 * import { aioCoEnter } from "./co_schedule.ts";
 * const ctx = new AioContext();
 * const log: string[] = [];
 * const b = Coroutine.create(function* () {
 *   log.push("b");
 *   yield;
 * }, null);
 * const a = Coroutine.create(function* () {
 *   aioCoEnter(ctx, b); // deferred until a yields
 *   log.push("a");
 *   yield;
 * }, null);
 * aioCoEnter(ctx, a);
 * assert.deepEqual(log, ["a", "b"]);
 * ctx.destroy();
 * ```
 */
export function aioCoEnter(ctx: AioContext, co: Coroutine): void {
  const self = coSelf();
  const cur = self !== null ? self.ctx : getCurrentAioContext();
  if (cur !== null && cur !== ctx) {
    aioCoSchedule(ctx, co);
  } else if (self !== null) {
    enterAfterYield(self, co, ctx);
  } else {
    enterNow(co, ctx);
  }
}

/**
 * aio_co_wake: resumes `co` in the context it last ran in (so coroutines do
 * not migrate): same-context wakes from a coroutine are deferred until the
 * waker yields; other contexts get a schedule. A coroutine that never ran in
 * a context resumes in the current one. Home thread of `co` (other threads
 * use {@link aioCoScheduleRemote} with its ref).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./co_core.ts";
 * import { aioCoWake } from "./co_schedule.ts";
 * const ctx = new AioContext();
 * let woken = false;
 * const co = Coroutine.create(function* () {
 *   yield;
 *   woken = true;
 * }, null);
 * coEnter(co, ctx);
 * aioCoWake(co);
 * assert.equal(woken, true);
 * ctx.destroy();
 * ```
 */
export function aioCoWake(co: Coroutine): void {
  const ctx = co.ctx;
  const self = coSelf();
  if (ctx !== null) {
    aioCoEnter(ctx, co);
  } else if (self !== null) {
    enterAfterYield(self, co, null);
  } else {
    enterNow(co, getCurrentAioContext());
  }
}

/**
 * aio_co_schedule: marks `co` scheduled and enters it in `ctx`'s next BH
 * pass (FIFO). `ctx` is a context of this thread (an `AioContext`, or a
 * `RemoteAioContext` whose home is this thread); a context of another thread
 * throws: coroutines cannot migrate. Scheduling a scheduled coroutine throws
 * ("already scheduled"), and so does entering it before the BH runs. Home
 * thread of `co`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { Coroutine } from "./co_core.ts";
 * import { aioCoSchedule } from "./co_schedule.ts";
 * const ctx = new AioContext();
 * let ran = false;
 * const co = Coroutine.create(function* () {
 *   ran = true;
 *   yield;
 * }, null);
 * aioCoSchedule(ctx, co);
 * assert.equal(ran, false);
 * ctx.poll(false); // the BH phase enters it
 * assert.equal(ran, true);
 * ctx.destroy();
 * ```
 */
export function aioCoSchedule(ctx: AioContext | RemoteAioContext, co: Coroutine): void {
  if (ctx instanceof RemoteAioContext) {
    if (ctx.handle.home !== co.ref.thread) throw migrationError(co.name, co.ref.thread, ctx.handle);
    aioCoScheduleRemote(ctx, co.ref);
    return;
  }
  scheduleInThread(ctx, co);
}

function remoteOf(ctx: RemoteAioContext | AioContextHandle): RemoteAioContext {
  if (ctx instanceof RemoteAioContext) return ctx;
  let r = remoteViews.get(ctx);
  if (r === undefined) {
    r = new RemoteAioContext(ctx);
    remoteViews.set(ctx, r);
  }
  return r;
}

function chunkOf(ref: CoroutineRef): Int32Array {
  let w = tableViews.get(ref.table);
  if (w === undefined) {
    w = new Int32Array(ref.table);
    tableViews.set(ref.table, w);
  }
  // FIRST_ID was written before the chunk was shared (plain read).
  if (w[CO_TABLE.FIRST_ID] !== ref.id - (ref.id % CO_TABLE.CHUNK_SLOTS)) {
    throw new Error(`coroutine reference "${ref.name}" is malformed (id ${ref.id})`);
  }
  return w;
}

function scheduleRemote(
  ctx: RemoteAioContext | AioContextHandle,
  ref: CoroutineRef,
  strict: boolean,
): boolean {
  const r = remoteOf(ctx);
  const h = r.handle;
  if (ref.thread !== h.home) throw migrationError(ref.name, ref.thread, h);
  const w = chunkOf(ref);
  const at = slotOf(ref.id);
  const old = trySchedule(w, at, ref.generation, h.id);
  if (old !== ref.generation * 2) {
    if (old >>> 1 !== ref.generation) {
      throw new Error(
        `aio_co_schedule of coroutine "${ref.name}" (#${ref.id} of thread ${ref.thread}), ` +
          `which no longer exists (it terminated)`,
      );
    }
    if (!strict) return false;
    const where = scheduledIn(w, at);
    const name = where === h.id ? h.name : `context #${where}`;
    throw new Error(`Co-routine "${ref.name}" was already scheduled in '${name}'`);
  }
  try {
    // The ring publishes the record, then the context is kicked.
    r.scheduleOneshot(HANDLER_ID.CO_SCHEDULE, ref.id, ref.generation, h.id);
  } catch (err) {
    unschedule(w, at, ref.generation);
    throw err;
  }
  return true;
}

/**
 * aio_co_schedule from any thread: wakes the coroutine named by `ref` in
 * context `ctx`, which must be homed in the coroutine's thread (coroutines
 * cannot migrate). The record goes through the context's ring (FIFO per
 * producer) and the home thread enters the coroutine in its BH phase. Throws
 * if the coroutine is already scheduled or terminated. The flag is cleared
 * just before the coroutine is entered, so a schedule that lands while it
 * runs is a new wake, delivered after it yields. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./co_core.ts";
 * import { aioCoScheduleRemote } from "./co_schedule.ts";
 * const ctx = new AioContext();
 * let woken = false;
 * const co = Coroutine.create(function* () {
 *   yield;
 *   woken = true;
 * }, null);
 * coEnter(co, ctx);
 * aioCoScheduleRemote(ctx.handle, co.ref); // as another Worker would
 * ctx.poll(false);
 * assert.equal(woken, true);
 * ctx.destroy();
 * ```
 */
export function aioCoScheduleRemote(
  ctx: RemoteAioContext | AioContextHandle,
  ref: CoroutineRef,
): void {
  scheduleRemote(ctx, ref, true);
}

/**
 * Like {@link aioCoScheduleRemote}, but returns false instead of throwing
 * when the coroutine is already scheduled (that pending wake will deliver
 * this one too). Still throws for a terminated coroutine or a context of
 * another thread. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./co_core.ts";
 * import { aioCoTryScheduleRemote } from "./co_schedule.ts";
 * const ctx = new AioContext();
 * const co = Coroutine.create(function* () {
 *   for (;;) yield;
 * }, null);
 * coEnter(co, ctx);
 * assert.equal(aioCoTryScheduleRemote(ctx.handle, co.ref), true);
 * assert.equal(aioCoTryScheduleRemote(ctx.handle, co.ref), false); // already pending
 * ctx.poll(false);
 * assert.equal(co.scheduled, false);
 * ctx.destroy();
 * ```
 */
export function aioCoTryScheduleRemote(
  ctx: RemoteAioContext | AioContextHandle,
  ref: CoroutineRef,
): boolean {
  return scheduleRemote(ctx, ref, false);
}

/**
 * aio_co_reschedule_self: moves the running coroutine to `ctx` and returns
 * once it runs there (use with `yield*`). `ctx` must be homed in this
 * thread: a context of another thread throws (coroutines cannot migrate
 * between Workers). QEMU schedules from a BH of the old context to avoid a
 * cross-thread race with the yield; within one thread the new context cannot
 * run before the coroutine yields, so this schedules directly. Coroutine
 * context, home thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./co_core.ts";
 * import { aioCoRescheduleSelf } from "./co_schedule.ts";
 * const a = new AioContext({ name: "a" });
 * const b = new AioContext({ name: "b" });
 * const co = Coroutine.create(function* () {
 *   yield* aioCoRescheduleSelf(b);
 * }, null);
 * coEnter(co, a);
 * b.poll(false);
 * assert.equal(co.ctx, b);
 * assert.equal(co.terminated, true);
 * a.destroy();
 * b.destroy();
 * ```
 */
export function* aioCoRescheduleSelf(ctx: AioContext | RemoteAioContext): Co {
  const self = requireCoroutine("aioCoRescheduleSelf");
  if (ctx instanceof RemoteAioContext) {
    if (ctx.handle.home !== self.ref.thread) {
      throw migrationError(self.name, self.ref.thread, ctx.handle);
    }
    if (self.ctx !== null && self.ctx.id === ctx.id) return;
  } else if (ctx === self.ctx) {
    return;
  }
  aioCoSchedule(ctx, self);
  yield;
}
