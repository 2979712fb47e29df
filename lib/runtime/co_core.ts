/**
 * The coroutine core: `qemu_coroutine_create` / `enter` / `yield` / `self`,
 * `qemu_in_coroutine`, `qemu_coroutine_entered`, and the home thread's side
 * of scheduling: the per-context schedule BH and the handler of cross-thread
 * schedule records. The AioContext API (`aio_co_wake`, `aio_co_enter`,
 * `aio_co_schedule`...) is in `co_schedule.ts`; `coroutine.ts` exports both.
 *
 * Entering runs the body (a generator) synchronously until its next `yield`
 * or its end. Wakeups issued from a coroutine for a coroutine of the same
 * context are deferred until the waker yields or terminates, then run
 * depth-first by the enter loop without recursion, so chains of hand-offs
 * keep the stack flat. An exception thrown by a body terminates the
 * coroutine and leaves the enter call as a {@link CoroutineError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coEnter, Coroutine } from "./co_core.ts";
 * const co = Coroutine.create(function* () {
 *   yield;
 * }, null);
 * coEnter(co);
 * coEnter(co);
 * assert.equal(co.terminated, true);
 * ```
 *
 * @module
 */

import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import { CO_TABLE } from "./layout.ts";
import type { AioContext } from "./aio_context.ts";
import { HANDLER_ID } from "./handler_ids.ts";
import { lookupHandler, registerBuiltinHandler } from "./handler_ref.ts";
import { getCurrentAioContext, localContext } from "./thread_state.ts";
import { CoroutineError } from "./co_error.ts";
import { CoTable, isScheduled, scheduledIn, slotOf, trySchedule, unschedule } from "./_co_table.ts";

/**
 * What a coroutine body and every callee that may yield return: a generator
 * that yields nothing (a bare `yield` is qemu_coroutine_yield) and returns `T`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Co } from "./co_core.ts";
 * function* twice(): Co<number> {
 *   yield;
 *   yield;
 *   return 2;
 * }
 * assert.equal([...twice()].length, 2);
 * ```
 */
export type Co<T = void> = Generator<void, T, void>;

/**
 * A coroutine entry point: a generator function of one argument.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CoroutineFn } from "./co_core.ts";
 * const body: CoroutineFn<number> = function* (n) {
 *   for (let i = 0; i < n; i++) yield;
 * };
 * assert.equal([...body(3)].length, 3);
 * ```
 */
export type CoroutineFn<A> = (arg: A) => Co<unknown>;

/**
 * Structured-cloneable identity of a coroutine, for other threads
 * (`aioCoScheduleRemote`). Valid until the coroutine terminates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Coroutine, type CoroutineRef } from "./co_core.ts";
 * const co = Coroutine.create(function* () {
 *   yield;
 * }, null, "io");
 * const ref: CoroutineRef = structuredClone(co.ref); // as another Worker gets it
 * assert.equal(ref.name, "io");
 * assert.equal(ref.generation, co.generation);
 * ```
 */
export interface CoroutineRef {
  /** The chunk of the home thread's coroutine table holding the id (see `CO_TABLE` in layout.ts). */
  readonly table: SharedArrayBuffer;
  /** Home thread id. */
  readonly thread: number;
  /** Id in the home thread. */
  readonly id: number;
  /** Generation of the id (ids are reused after termination). */
  readonly generation: number;
  /** Name, for error messages. */
  readonly name: string;
}

/**
 * Per-thread coroutine counters (see {@link coroutineStats}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coroutineStats, type CoroutineStats } from "./co_core.ts";
 * const s: CoroutineStats = coroutineStats();
 * assert.ok(s.live >= 0);
 * ```
 */
export interface CoroutineStats {
  /** Coroutines created in this thread. */
  created: number;
  /** Coroutines alive (created, not terminated). */
  live: number;
  /** Switches into a coroutine (enters and resumes). */
  enters: number;
  /** Wakes deferred to the waker's yield (same-context aio_co_enter from a coroutine). */
  deferred: number;
  /** Coroutines entered by this thread's same-thread schedule BHs. */
  scheduledLocal: number;
  /** Coroutines entered from cross-thread schedule records. */
  scheduledRemote: number;
}

// ---------------------------------------------------------- thread state
// All of it belongs to the calling thread (module state is per Worker).

/** The thread's coroutine table, created with the first coroutine. */
let table: CoTable<Coroutine> | null = null;

/** The coroutine running in this thread, or null (qemu_coroutine_self). */
let current: Coroutine | null = null;

/** Per-context same-thread schedule list, drained by a oneshot BH. */
interface LocalList {
  ctx: AioContext;
  list: Coroutine[];
  armed: boolean;
}
const localLists = new WeakMap<AioContext, LocalList>();

const stats: CoroutineStats = {
  created: 0,
  live: 0,
  enters: 0,
  deferred: 0,
  scheduledLocal: 0,
  scheduledRemote: 0,
};

function threadTable(): CoTable<Coroutine> {
  if (table === null) {
    // A schedule record can only name a coroutine of an existing table, so
    // a thread that hosts coroutines has the handler from here on.
    registerCoroutineHandlers();
    table = new CoTable();
  }
  return table;
}

function contextName(id: number): string {
  if (id < 0) return "?";
  return localContext(id)?.name ?? `context #${id}`;
}

function notInCoroutine(what: string): Error {
  return new Error(
    `${what} outside coroutine context (thread ${currentThreadId()}, ${currentThreadName()}): ` +
      `call it from a coroutine body (function*), through yield* for callees that may yield`,
  );
}

// Module-private operations bound in Coroutine's static block (they use its
// private fields).
let enterLoop: (co: Coroutine, ctx: AioContext | null, consumed?: boolean) => void;
let queueWake: (self: Coroutine, co: Coroutine, ctx: AioContext | null) => void;
let markScheduled: (co: Coroutine, ctxId: number) => void;
let clearScheduled: (co: Coroutine) => void;

/**
 * A coroutine (QEMU's `Coroutine`). Create with {@link Coroutine.create};
 * the object belongs to the thread that created it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coEnter, Coroutine } from "./co_core.ts";
 * const co = Coroutine.create(function* (n: number) {
 *   for (let i = 0; i < n; i++) yield;
 * }, 2, "stepper");
 * coEnter(co);
 * coEnter(co);
 * coEnter(co);
 * assert.equal(co.name, "stepper");
 * assert.equal(co.terminated, true);
 * ```
 */
export class Coroutine {
  /** Name for errors and diagnostics. */
  readonly name: string;
  /** Id in the home thread's coroutine table (reused after termination). */
  readonly id: number;
  /** Generation of the id: tells incarnations of a reused id apart. */
  readonly generation: number;
  /**
   * CoMutex locks held (QEMU's `locks_held`). Maintained by CoMutex; a
   * coroutine that terminates while holding one is an error. Its home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Coroutine } from "./co_core.ts";
   * const co = Coroutine.create(function* () {
   *   yield;
   * }, null);
   * assert.equal(co.locksHeld, 0);
   * ```
   */
  locksHeld = 0;

  readonly #it: Co<unknown>;
  readonly #table: CoTable<Coroutine>;
  /** The chunk of the thread's table that holds this id. */
  readonly #w: Int32Array;
  readonly #slot: number;
  #ctx: AioContext | null = null;
  #caller: Coroutine | null = null;
  #entered = false;
  #terminated = false;
  #queued = false;
  #wakeups: Coroutine[] | null = null;
  #ref: CoroutineRef | null = null;

  private constructor(it: Co<unknown>, name: string, t: CoTable<Coroutine>, id: number) {
    this.#it = it;
    this.name = name;
    this.#table = t;
    this.id = id;
    this.#w = t.chunkOf(id);
    this.#slot = slotOf(id);
    // The id is free, so no schedule can be pending: the word holds the
    // generation the last retire stored (this thread's own write).
    this.generation = Atomics.load(this.#w, this.#slot + CO_TABLE.STATE) >>> 1;
  }

  /**
   * Creates a coroutine that will run `fn(arg)` (qemu_coroutine_create); it
   * does not run until entered. `fn` must be a generator function. Any thread
   * (the coroutine belongs to the caller's thread).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Coroutine } from "./co_core.ts";
   * const co = Coroutine.create(function* () {
   *   yield;
   * }, undefined, "idle");
   * assert.equal(co.entered, false);
   * assert.equal(co.terminated, false);
   * ```
   */
  static create<A>(fn: CoroutineFn<A>, arg: A, name?: string): Coroutine {
    if (typeof fn !== "function") throw new TypeError("coroutine entry must be a function*");
    const it = fn(arg);
    if (it === null || typeof it !== "object" || typeof it.next !== "function") {
      throw new TypeError(
        `coroutine entry ${fn.name || "(anonymous)"} must be a generator function (function*)`,
      );
    }
    const t = threadTable();
    const id = t.alloc();
    const co = new Coroutine(it, name ?? (fn.name || "coroutine"), t, id);
    t.objects[id] = co;
    stats.created++;
    stats.live++;
    return co;
  }

  /**
   * The live coroutine of this thread with identity (`id`, `generation`), or
   * null if it terminated. Its home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Coroutine } from "./co_core.ts";
   * const co = Coroutine.create(function* () {
   *   yield;
   * }, null);
   * assert.equal(Coroutine.lookup(co.id, co.generation), co);
   * ```
   */
  static lookup(id: number, generation: number): Coroutine | null {
    const co = table?.objects[id];
    return co !== undefined && co.generation === generation ? co : null;
  }

  /**
   * The context the coroutine last ran in (QEMU's `co->ctx`,
   * qemu_coroutine_get_aio_context), or null if it never ran in one. Its
   * home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { coEnter, Coroutine } from "./co_core.ts";
   * const ctx = new AioContext({ name: "c" });
   * const co = Coroutine.create(function* () {
   *   yield;
   * }, null);
   * coEnter(co, ctx);
   * assert.equal(co.ctx, ctx);
   * ctx.destroy();
   * ```
   */
  get ctx(): AioContext | null {
    return this.#ctx;
  }

  /**
   * True while the coroutine runs, or has entered another coroutine that
   * has not yet yielded back (qemu_coroutine_entered). Its home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { coEnter, Coroutine } from "./co_core.ts";
   * let inside = false;
   * const co = Coroutine.create(function* () {
   *   inside = co.entered;
   *   yield;
   * }, null);
   * coEnter(co);
   * assert.equal(inside, true);
   * assert.equal(co.entered, false);
   * ```
   */
  get entered(): boolean {
    return this.#entered;
  }

  /**
   * Whether the body returned or threw. Its home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { coEnter, Coroutine } from "./co_core.ts";
   * const co = Coroutine.create(function* () {
   *   yield* [];
   * }, null);
   * coEnter(co);
   * assert.equal(co.terminated, true);
   * ```
   */
  get terminated(): boolean {
    return this.#terminated;
  }

  /**
   * Whether an aio_co_schedule of this coroutine is pending (the shared
   * flag). Its home thread (a snapshot).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { Coroutine } from "./co_core.ts";
   * import { aioCoSchedule } from "./co_schedule.ts";
   * const ctx = new AioContext();
   * const co = Coroutine.create(function* () {
   *   yield* [];
   * }, null);
   * aioCoSchedule(ctx, co);
   * assert.equal(co.scheduled, true);
   * ctx.poll(false);
   * assert.equal(co.scheduled, false);
   * assert.equal(co.terminated, true);
   * ctx.destroy();
   * ```
   */
  get scheduled(): boolean {
    return isScheduled(this.#w, this.#slot);
  }

  /**
   * Structured-cloneable identity for other threads. Its home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Coroutine } from "./co_core.ts";
   * const co = Coroutine.create(function* () {
   *   yield;
   * }, null, "target");
   * const ref = structuredClone(co.ref); // post it to another Worker
   * assert.equal(ref.name, "target");
   * assert.equal(ref.id, co.id);
   * ```
   */
  get ref(): CoroutineRef {
    if (this.#ref === null) {
      this.#ref = Object.freeze({
        table: this.#w.buffer as SharedArrayBuffer,
        thread: this.#table.thread,
        id: this.id,
        generation: this.generation,
        name: this.name,
      });
    }
    return this.#ref;
  }

  static {
    /**
     * Checks and switches into one coroutine, back at its next yield or end.
     * `consumed`: the caller is the schedule BH or ring record that just
     * cleared the flag; another thread may already have flagged a new
     * schedule (a wake owed after this run), so the flag is not checked.
     */
    const resume = (to: Coroutine, ctx: AioContext | null, consumed: boolean): void => {
      if (to.#terminated) {
        throw new Error(`Co-routine "${to.name}" entered after it terminated`);
      }
      // A pending schedule owns the coroutine until its BH or record enters it.
      if (!consumed && isScheduled(to.#w, to.#slot)) {
        const where = contextName(scheduledIn(to.#w, to.#slot));
        throw new Error(`Co-routine "${to.name}" was already scheduled in '${where}'`);
      }
      if (to.#entered) throw new Error(`Co-routine "${to.name}" re-entered recursively`);
      to.#entered = true;
      to.#caller = current;
      if (ctx !== null) to.#ctx = ctx;
      const prev = current;
      current = to;
      stats.enters++;
      let r: IteratorResult<void, unknown>;
      try {
        r = to.#it.next();
      } catch (err) {
        current = prev;
        to.#entered = false;
        to.#caller = null;
        finish(to, false);
        throw err instanceof CoroutineError ? err : new CoroutineError(to.name, err);
      }
      current = prev;
      to.#entered = false;
      to.#caller = null;
      if (r.done === true) finish(to, true);
    };

    /** Termination: frees the id (next generation) and checks QEMU's assertions. */
    const finish = (co: Coroutine, strict: boolean): void => {
      co.#terminated = true;
      stats.live--;
      const freed = co.#table.retire(co.id, co.generation);
      if (!strict) return;
      if (!freed) {
        const where = contextName(scheduledIn(co.#w, co.#slot));
        throw new Error(`Co-routine "${co.name}" terminated while scheduled in '${where}'`);
      }
      if (co.locksHeld > 0) {
        throw new Error(
          `Co-routine "${co.name}" terminated holding ${co.locksHeld} CoMutex lock(s)`,
        );
      }
    };

    enterLoop = (co: Coroutine, ctx: AioContext | null, consumed = false): void => {
      // qemu_aio_coroutine_enter: a pending list run without recursion. After
      // each switch back, the wakeups the coroutine queued go to the FRONT
      // (depth-first); `stack` keeps the next one to run on top.
      let to: Coroutine | undefined = co;
      let stack: Coroutine[] | null = null;
      while (to !== undefined) {
        try {
          resume(to, ctx ?? to.#ctx, consumed);
        } catch (err) {
          salvage(to, stack, ctx);
          throw err;
        }
        const w = to.#wakeups;
        if (w !== null && w.length > 0) {
          if (stack === null) stack = [];
          for (let i = w.length - 1; i >= 0; i--) stack.push(w[i]);
          w.length = 0;
        }
        to = stack?.pop();
        if (to !== undefined) to.#queued = false;
        consumed = false;
      }
    };

    /**
     * After an error: wakeups still pending are not lost; they are scheduled
     * in their context (its next BH pass). Without a context they are dropped.
     */
    const salvage = (failed: Coroutine, stack: Coroutine[] | null, ctx: AioContext | null) => {
      const rest: Coroutine[] = [];
      const w = failed.#wakeups;
      if (w !== null) {
        rest.push(...w);
        w.length = 0;
      }
      if (stack !== null) { for (let i = stack.length - 1; i >= 0; i--) rest.push(stack[i]); }
      for (const co of rest) {
        co.#queued = false;
        const c = ctx ?? co.#ctx;
        if (c !== null && !co.#terminated && !co.scheduled) scheduleInThread(c, co);
      }
    };

    queueWake = (self: Coroutine, co: Coroutine, ctx: AioContext | null): void => {
      if (co.#queued) {
        throw new Error(`Co-routine "${co.name}" woken twice before it ran (already queued)`);
      }
      co.#queued = true;
      if (ctx !== null) co.#ctx = ctx;
      if (self.#wakeups === null) self.#wakeups = [];
      self.#wakeups.push(co);
      stats.deferred++;
    };

    markScheduled = (co: Coroutine, ctxId: number): void => {
      if (co.#terminated) {
        throw new Error(`aio_co_schedule of coroutine "${co.name}", which terminated`);
      }
      if (trySchedule(co.#w, co.#slot, co.generation, ctxId) !== co.generation * 2) {
        const where = contextName(scheduledIn(co.#w, co.#slot));
        throw new Error(`Co-routine "${co.name}" was already scheduled in '${where}'`);
      }
    };

    clearScheduled = (co: Coroutine): void => {
      unschedule(co.#w, co.#slot, co.generation);
    };
  }
}

// --------------------------------------------------------------- entering

/**
 * Enters `co` (qemu_coroutine_enter / qemu_aio_coroutine_enter): runs it
 * synchronously until it yields or terminates, then runs the wakeups it
 * queued, depth-first. `ctx` defaults to the current context (the running
 * coroutine's, else the thread's), else the context `co` last ran in. Throws
 * if `co` is scheduled, already entered ("re-entered recursively") or
 * terminated; an exception from the body leaves as a {@link CoroutineError}.
 * Home thread of `co`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coEnter, Coroutine } from "./co_core.ts";
 * const log: string[] = [];
 * const co = Coroutine.create(function* () {
 *   log.push("first");
 *   yield;
 *   log.push("second");
 * }, null);
 * coEnter(co);
 * assert.deepEqual(log, ["first"]);
 * coEnter(co);
 * assert.deepEqual(log, ["first", "second"]);
 * ```
 */
export function coEnter(co: Coroutine, ctx?: AioContext | null): void {
  enterLoop(co, ctx ?? (current !== null ? current.ctx : getCurrentAioContext()) ?? co.ctx);
}

/**
 * QEMU's name for {@link coEnter}. Home thread of `co`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Coroutine, qemuCoroutineEnter } from "./co_core.ts";
 * const co = Coroutine.create(function* () {
 *   yield;
 * }, null);
 * qemuCoroutineEnter(co);
 * assert.equal(co.terminated, false); // it yielded
 * ```
 */
export const qemuCoroutineEnter: (co: Coroutine, ctx?: AioContext | null) => void = coEnter;

/**
 * Enters `co` unless it is already entered (qemu_coroutine_enter_if_inactive).
 * Home thread of `co`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coEnterIfInactive, Coroutine } from "./co_core.ts";
 * const co = Coroutine.create(function* () {
 *   coEnterIfInactive(co); // no effect: it is running
 *   yield;
 * }, null);
 * coEnterIfInactive(co);
 * assert.equal(co.terminated, false);
 * ```
 */
export function coEnterIfInactive(co: Coroutine): void {
  if (!co.entered) coEnter(co);
}

/**
 * The running coroutine, or null outside coroutine context
 * (qemu_coroutine_self). Any thread (about its own coroutines).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coEnter, Coroutine, coSelf } from "./co_core.ts";
 * let self: Coroutine | null = null;
 * const co = Coroutine.create(function* () {
 *   self = coSelf();
 *   yield;
 * }, null);
 * coEnter(co);
 * assert.equal(self, co);
 * assert.equal(coSelf(), null);
 * ```
 */
export function coSelf(): Coroutine | null {
  return current;
}

/**
 * Whether the caller runs in coroutine context (qemu_in_coroutine). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inCoroutine } from "./co_core.ts";
 * assert.equal(inCoroutine(), false);
 * ```
 */
export function inCoroutine(): boolean {
  return current !== null;
}

/**
 * Throws the "outside coroutine context" error for `what` unless the caller
 * runs in a coroutine, and returns the running coroutine. For primitives
 * built on coroutines (CoMutex, CoQueue). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireCoroutine } from "./co_core.ts";
 * assert.throws(() => requireCoroutine("demo"), /demo outside coroutine context/);
 * ```
 */
export function requireCoroutine(what: string): Coroutine {
  const self = current;
  if (self === null) throw notInCoroutine(what);
  return self;
}

/**
 * Counters of the calling thread's coroutines (a copy). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Coroutine, coroutineStats } from "./co_core.ts";
 * const before = coroutineStats().created;
 * Coroutine.create(function* () {
 *   yield;
 * }, null);
 * assert.equal(coroutineStats().created - before, 1);
 * ```
 */
export function coroutineStats(): CoroutineStats {
  return { ...stats };
}

// ------------------------------------------- for co_schedule.ts (internal)

/**
 * Enters `co` in `ctx` (or its last context) now, with the wakeups it
 * queues: aio_co_enter's "current context, outside coroutines" case.
 * Internal to the coroutine modules (co_schedule.ts). Home thread of `co`.
 */
export function enterNow(co: Coroutine, ctx: AioContext | null): void {
  enterLoop(co, ctx);
}

/**
 * Queues `co` to run when the running coroutine `self` yields or
 * terminates (depth-first): aio_co_enter from coroutine context. Internal
 * to the coroutine modules (co_schedule.ts). Home thread of both.
 */
export function enterAfterYield(self: Coroutine, co: Coroutine, ctx: AioContext | null): void {
  queueWake(self, co, ctx);
}

/**
 * aio_co_schedule into a context of this thread: flags `co` scheduled and
 * enters it from `ctx`'s next BH pass, FIFO. Internal to the coroutine
 * modules (co_schedule.ts). Home thread of `co` and `ctx`.
 */
export function scheduleInThread(ctx: AioContext, co: Coroutine): void {
  markScheduled(co, ctx.id);
  let l = localLists.get(ctx);
  if (l === undefined) {
    l = { ctx, list: [], armed: false };
    localLists.set(ctx, l);
  }
  l.list.push(co);
  if (!l.armed) {
    l.armed = true;
    ctx.scheduleOneshot(runLocalList, l, "co-schedule");
  }
}

// ------------------------------------------ entering scheduled coroutines

function outsideCoroutines(what: string, ctx: AioContext): void {
  if (current === null) return;
  throw new Error(
    `${what} of context "${ctx.name}" ran inside coroutine "${current.name}": ` +
      `aio_poll must not be called from coroutine context`,
  );
}

/** The co_schedule BH: enters this thread's scheduled coroutines in FIFO order. */
function runLocalList(opaque: unknown): void {
  const l = opaque as LocalList;
  l.armed = false;
  const list = l.list;
  l.list = [];
  if (current !== null) {
    l.list = list;
    outsideCoroutines("co-schedule BH", l.ctx);
  }
  for (let i = 0; i < list.length; i++) {
    const co = list[i];
    clearScheduled(co);
    stats.scheduledLocal++;
    try {
      enterLoop(co, l.ctx, true);
    } catch (err) {
      // The rest keep their schedule: they run in the next BH pass.
      const rest = list.slice(i + 1);
      if (rest.length > 0) {
        l.list = rest.concat(l.list);
        if (!l.armed) {
          l.armed = true;
          l.ctx.scheduleOneshot(runLocalList, l, "co-schedule");
        }
      }
      throw err;
    }
  }
}

/** Ring handler HANDLER_ID.CO_SCHEDULE: [coroutineId, generation, contextId]. */
function onScheduleRecord(id: number, generation: number, ctxId: number): void {
  const co = Coroutine.lookup(id, generation);
  if (co === null) {
    throw new Error(
      `co-schedule record for coroutine #${id} generation ${generation} of thread ` +
        `${currentThreadId()} (${currentThreadName()}), which no longer exists`,
    );
  }
  // The context whose poll drains the record: homed here and alive.
  const ctx = localContext(ctxId);
  if (ctx === undefined) {
    throw new Error(
      `co-schedule record for context #${ctxId}, which is not alive in thread ` +
        `${currentThreadId()} (${currentThreadName()})`,
    );
  }
  outsideCoroutines("co-schedule record", ctx);
  clearScheduled(co);
  stats.scheduledRemote++;
  enterLoop(co, ctx, true);
}

/**
 * Registers the calling thread's handler of cross-thread coroutine
 * schedules (`HANDLER_ID.CO_SCHEDULE`, ring records
 * `[id, generation, contextId]`). Idempotent. Every thread that hosts
 * coroutines calls it at setup: the event-loop thread entry does, and a
 * thread's first `Coroutine.create` does for threads without one (the
 * orchestrator, tests). Importing this module registers nothing. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { registerCoroutineHandlers } from "./co_core.ts";
 * import { HANDLER_ID } from "./handler_ids.ts";
 * import { lookupHandler } from "./handler_ref.ts";
 * registerCoroutineHandlers();
 * registerCoroutineHandlers(); // idempotent
 * assert.equal(typeof lookupHandler(HANDLER_ID.CO_SCHEDULE), "function");
 * ```
 */
export function registerCoroutineHandlers(): void {
  if (lookupHandler(HANDLER_ID.CO_SCHEDULE) === onScheduleRecord) return;
  registerBuiltinHandler(HANDLER_ID.CO_SCHEDULE, onScheduleRecord, "co-schedule");
}
