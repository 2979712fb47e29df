/**
 * Coroutines and their relation to AioContexts (QEMU_SEMANTICS.md §1.13,
 * invariants 24-26): `qemu_coroutine_create` / `enter` / `yield` / `self`,
 * `qemu_in_coroutine`, `qemu_coroutine_entered`, and the AioContext side:
 * `aio_co_wake`, `aio_co_enter`, `aio_co_schedule` (in this thread and from
 * any other thread) and `aio_co_reschedule_self`.
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
 * Entering runs the body synchronously until its next `yield` or its end.
 * Wakeups issued from a coroutine for a coroutine of the same context are
 * deferred until the waker yields or terminates, then run depth-first by
 * the enter loop without recursion, so chains of hand-offs keep the stack
 * flat. An exception thrown by a body terminates the coroutine and leaves
 * the enter call as a {@link CoroutineError} naming it.
 *
 * Threads. A coroutine object lives in one Worker's heap (its home thread)
 * and can only run there; it may run in any AioContext homed in that thread.
 * What crosses threads is its identity: a small integer id in its thread, a
 * generation (ids are reused), and a shared STATE word (the `scheduled` flag)
 * in the thread's coroutine table (`CO_TABLE` in layout.ts), all carried by a
 * structured-cloneable {@link CoroutineRef}. {@link aioCoScheduleRemote} sets
 * the flag with a compare-and-swap and pushes the record
 * `[CO_SCHEDULE_HANDLER, id, generation, contextId]` into the target
 * context's MPSC ring, so wakes are FIFO per target context; the home thread
 * runs them in its BH phase. Coroutines cannot migrate between threads: asking
 * for it ({@link aioCoSchedule} or {@link aioCoRescheduleSelf} with a context
 * of another thread) throws.
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
 * import { AioContext } from "./aio_context.ts";
 * import { aioCoWake, coEnter, Coroutine } from "./coroutine.ts";
 * const ctx = new AioContext();
 * const co = Coroutine.create(function* (greeting: string) {
 *   console.log(greeting);
 *   yield; // qemu_coroutine_yield
 *   console.log("resumed");
 * }, "hello");
 * coEnter(co, ctx); // hello
 * aioCoWake(co); // resumed
 * console.log(co.terminated); // true
 * ctx.destroy();
 * ```
 *
 * @module
 */

import { CO_TABLE } from "./layout.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import type { AioContext } from "./aio_context.ts";
import { type AioContextHandle, RemoteAioContext } from "./context_handle.ts";
import { registerBuiltinHandler } from "./handler_ref.ts";
import { getCurrentAioContext, localContext } from "./thread_state.ts";
import { HANDLER_ID } from "./handler_ids.ts";

/**
 * Reserved handler id of cross-thread coroutine schedules: ring records
 * `[3, coroutineId, generation, contextId]`. Registered in every thread that
 * loads this module.
 *
 * @example
 * ```ts
 * import { CO_SCHEDULE_HANDLER } from "./coroutine.ts";
 * console.log(CO_SCHEDULE_HANDLER); // 3
 * ```
 */
export const CO_SCHEDULE_HANDLER: number = HANDLER_ID.CO_SCHEDULE;

/**
 * What a coroutine body and every callee that may yield return: a generator
 * that yields nothing (a bare `yield` is qemu_coroutine_yield) and returns `T`.
 *
 * @example
 * ```ts
 * import type { Co } from "./coroutine.ts";
 * function* twice(): Co<number> {
 *   yield;
 *   yield;
 *   return 2;
 * }
 * console.log([...twice()].length); // 2
 * ```
 */
export type Co<T = void> = Generator<void, T, void>;

/**
 * A coroutine entry point: a generator function of one argument.
 *
 * @example
 * ```ts
 * import type { CoroutineFn } from "./coroutine.ts";
 * const body: CoroutineFn<number> = function* (n) {
 *   for (let i = 0; i < n; i++) yield;
 * };
 * console.log(typeof body); // "function"
 * ```
 */
export type CoroutineFn<A> = (arg: A) => Co<unknown>;

/**
 * Structured-cloneable identity of a coroutine, for other threads
 * ({@link aioCoScheduleRemote}). Valid until the coroutine terminates.
 *
 * @example
 * ```ts
 * import { Coroutine, type CoroutineRef } from "./coroutine.ts";
 * const co = Coroutine.create(function* () {
 *   yield;
 * }, null, "io");
 * const ref: CoroutineRef = co.ref; // post it to another Worker
 * console.log(ref.name, ref.generation); // io 0 (or higher once the id was reused)
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
 * import { coroutineStats, type CoroutineStats } from "./coroutine.ts";
 * const s: CoroutineStats = coroutineStats();
 * console.log(s.live >= 0); // true
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

/**
 * Error that left a coroutine: `coroutine` names it, `cause` is what the
 * body threw. Nested coroutines keep the innermost name.
 *
 * @example
 * ```ts
 * import { coEnter, Coroutine, CoroutineError } from "./coroutine.ts";
 * const co = Coroutine.create(function* () {
 *   yield* [];
 *   throw new Error("boom");
 * }, null, "worker");
 * try {
 *   coEnter(co);
 * } catch (e) {
 *   console.log(e instanceof CoroutineError, (e as Error).message);
 *   // true coroutine "worker" failed: boom
 * }
 * ```
 */
export class CoroutineError extends Error {
  /** Name of the coroutine the error left. */
  readonly coroutine: string;

  /**
   * Wraps `cause` thrown by coroutine `coroutine`. The coroutine machinery.
   *
   * @example
   * ```ts
   * import { CoroutineError } from "./coroutine.ts";
   * const e = new CoroutineError("co1", new Error("bad"));
   * console.log(e.message); // coroutine "co1" failed: bad
   * ```
   */
  constructor(coroutine: string, cause: unknown) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(`coroutine "${coroutine}" failed: ${msg}`, { cause });
    this.name = "CoroutineError";
    this.coroutine = coroutine;
    if (cause instanceof Error && cause.stack !== undefined) {
      this.stack = `${this.stack}\nCaused by: ${cause.stack}`;
    }
  }
}

// ------------------------------------------------------------ thread table

const MAX_IDS = 1 << 18;
const CHUNK = CO_TABLE.CHUNK_SLOTS;
const GEN_MASK = CO_TABLE.GENERATIONS - 1;

/**
 * The calling thread's coroutine table: shared flag words (in fixed-size
 * chunks: Atomics on a growable buffer's views cost 3-4x more) plus the
 * coroutine objects by id.
 */
class Table {
  readonly thread: number;
  readonly chunks: Int32Array[] = [];
  readonly cos: (Coroutine | undefined)[] = [];
  readonly free: number[] = [];
  #next = 0;

  constructor() {
    this.thread = currentThreadId();
  }

  alloc(): number {
    const id = this.free.pop();
    if (id !== undefined) return id;
    const next = this.#next;
    if (next >= MAX_IDS) {
      throw new RangeError(
        `thread ${this.thread} (${currentThreadName()}): more than ${MAX_IDS} live coroutines`,
      );
    }
    if (next % CHUNK === 0) {
      const w = new Int32Array(
        new SharedArrayBuffer((CO_TABLE.SLOTS + CHUNK * CO_TABLE.SLOT_WORDS) * 4),
      );
      // Written before any id of the chunk is handed to another thread (that
      // goes through a synchronising channel: a ring, a message).
      w[CO_TABLE.THREAD] = this.thread;
      w[CO_TABLE.FIRST_ID] = next;
      this.chunks.push(w);
    }
    this.#next = next + 1;
    return next;
  }
}

let table: Table | null = null;

function theTable(): Table {
  if (table === null) table = new Table();
  return table;
}

// ---------------------------------------------------------- thread state

/** The coroutine running in this thread, or null (qemu_coroutine_self). */
let current: Coroutine | null = null;

/** Per-context same-thread schedule list, drained by a oneshot BH. */
interface LocalList {
  ctx: AioContext;
  list: Coroutine[];
  armed: boolean;
}
const localLists = new WeakMap<AioContext, LocalList>();

const remoteViews = new WeakMap<AioContextHandle, RemoteAioContext>();
const tableViews = new WeakMap<SharedArrayBuffer, Int32Array>();

const stats: CoroutineStats = {
  created: 0,
  live: 0,
  enters: 0,
  deferred: 0,
  scheduledLocal: 0,
  scheduledRemote: 0,
};

function contextName(id: number): string {
  if (id < 0) return "?";
  return localContext(id)?.name ?? `context #${id}`;
}

/** The current context for aio_co_enter: the running coroutine's, else the thread's. */
function currentContext(): AioContext | null {
  return current !== null ? current.ctx : getCurrentAioContext();
}

function notInCoroutine(what: string): Error {
  return new Error(
    `${what} outside coroutine context (thread ${currentThreadId()}, ${currentThreadName()}): ` +
      `call it from a coroutine body (function*), through yield* for callees that may yield`,
  );
}

function migrationError(name: string, home: number, ctx: AioContextHandle): Error {
  return new Error(
    `coroutine "${name}" lives in thread ${home} and cannot run in context "${ctx.name}" ` +
      `(home thread ${ctx.home}): coroutines cannot migrate between threads (a generator ` +
      `lives in one Worker's heap); schedule work in that context by handler reference ` +
      `and wake the coroutine back from there`,
  );
}

// Module-private operations bound in Coroutine's static block (they use its
// private fields).
let enterLoop: (co: Coroutine, ctx: AioContext | null, consumed?: boolean) => void;
let queueWake: (self: Coroutine, co: Coroutine, ctx: AioContext | null) => void;
let setScheduled: (co: Coroutine, ctxId: number) => void;
let clearScheduled: (co: Coroutine) => void;

/**
 * A coroutine (QEMU's `Coroutine`). Create with {@link Coroutine.create};
 * the object belongs to the thread that created it.
 *
 * @example
 * ```ts
 * import { coEnter, Coroutine } from "./coroutine.ts";
 * const co = Coroutine.create(function* (n: number) {
 *   for (let i = 0; i < n; i++) yield;
 * }, 2, "stepper");
 * coEnter(co);
 * coEnter(co);
 * coEnter(co);
 * console.log(co.name, co.terminated); // stepper true
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
   * import { Coroutine } from "./coroutine.ts";
   * console.log(Coroutine.create(function* () {
   *   yield;
   * }, null).locksHeld); // 0
   * ```
   */
  locksHeld = 0;

  readonly #it: Co<unknown>;
  readonly #table: Table;
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

  private constructor(it: Co<unknown>, name: string, t: Table, id: number) {
    this.#it = it;
    this.name = name;
    this.#table = t;
    this.id = id;
    this.#w = t.chunks[(id / CHUNK) | 0];
    this.#slot = CO_TABLE.SLOTS + (id % CHUNK) * CO_TABLE.SLOT_WORDS;
    // The slot is free (no schedule can be pending on a free id): the load
    // only reads the generation the last termination stored.
    this.generation = Atomics.load(this.#w, this.#slot + CO_TABLE.STATE) >>> 1;
  }

  /**
   * Creates a coroutine that will run `fn(arg)` (qemu_coroutine_create); it
   * does not run until entered. `fn` must be a generator function. Any thread
   * (the coroutine belongs to the caller's thread).
   *
   * @example
   * ```ts
   * import { Coroutine } from "./coroutine.ts";
   * const co = Coroutine.create(function* () {
   *   yield;
   * }, undefined, "idle");
   * console.log(co.entered, co.terminated); // false false
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
    const t = theTable();
    const id = t.alloc();
    const co = new Coroutine(it, name ?? (fn.name || "coroutine"), t, id);
    t.cos[id] = co;
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
   * import { Coroutine } from "./coroutine.ts";
   * const co = Coroutine.create(function* () {
   *   yield;
   * }, null);
   * console.log(Coroutine.lookup(co.id, co.generation) === co); // true
   * ```
   */
  static lookup(id: number, generation: number): Coroutine | null {
    const co = table?.cos[id];
    return co !== undefined && co.generation === generation ? co : null;
  }

  /**
   * The context the coroutine last ran in (QEMU's `co->ctx`,
   * qemu_coroutine_get_aio_context), or null if it never ran in one. Its
   * home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { coEnter, Coroutine } from "./coroutine.ts";
   * const ctx = new AioContext({ name: "c" });
   * const co = Coroutine.create(function* () {
   *   yield;
   * }, null);
   * coEnter(co, ctx);
   * console.log(co.ctx?.name); // "c"
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
   * import { coEnter, Coroutine, coSelf } from "./coroutine.ts";
   * const co = Coroutine.create(function* () {
   *   console.log(coSelf()!.entered); // true
   *   yield;
   * }, null);
   * coEnter(co);
   * console.log(co.entered); // false
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
   * import { coEnter, Coroutine } from "./coroutine.ts";
   * const co = Coroutine.create(function* () {
   *   yield* [];
   * }, null);
   * coEnter(co);
   * console.log(co.terminated); // true
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
   * import { AioContext } from "./aio_context.ts";
   * import { aioCoSchedule, Coroutine } from "./coroutine.ts";
   * const ctx = new AioContext();
   * const co = Coroutine.create(function* () {
   *   yield* [];
   * }, null);
   * aioCoSchedule(ctx, co);
   * console.log(co.scheduled); // true
   * ctx.poll(false);
   * console.log(co.scheduled, co.terminated); // false true
   * ctx.destroy();
   * ```
   */
  get scheduled(): boolean {
    // Pairs with schedulers' compareExchange on STATE.
    return (Atomics.load(this.#w, this.#slot + CO_TABLE.STATE) & 1) !== 0;
  }

  /**
   * Structured-cloneable identity for other threads. Its home thread.
   *
   * @example
   * ```ts
   * import { Coroutine } from "./coroutine.ts";
   * const co = Coroutine.create(function* () {
   *   yield;
   * }, null, "target");
   * const ref = structuredClone(co.ref); // post it to another Worker
   * console.log(ref.name, ref.id === co.id); // target true
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
      const w = to.#w;
      // Pairs with schedulers' compareExchange on STATE: a pending schedule
      // owns the coroutine until its BH or record enters it.
      if (!consumed && (Atomics.load(w, to.#slot + CO_TABLE.STATE) & 1) !== 0) {
        const where = Atomics.load(w, to.#slot + CO_TABLE.SCHED_CTX) - 1;
        throw new Error(`Co-routine "${to.name}" was already scheduled in '${contextName(where)}'`);
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
      const t = co.#table;
      const at = co.#slot + CO_TABLE.STATE;
      const g2 = co.generation * 2;
      // Moves to the next generation unless a schedule is pending. Pairs with
      // schedulers' compareExchange(gen*2, gen*2+1): a stale reference can
      // never flag the next incarnation of this id.
      const old = Atomics.compareExchange(co.#w, at, g2, ((co.generation + 1) & GEN_MASK) * 2);
      if (old === g2) {
        t.cos[co.id] = undefined;
        t.free.push(co.id);
      }
      if (!strict) return;
      if (old !== g2) {
        const where = Atomics.load(co.#w, co.#slot + CO_TABLE.SCHED_CTX) - 1;
        throw new Error(
          `Co-routine "${co.name}" terminated while scheduled in '${contextName(where)}'`,
        );
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
        if (c !== null && !co.#terminated && !co.scheduled) aioCoSchedule(c, co);
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

    setScheduled = (co: Coroutine, ctxId: number): void => {
      if (co.#terminated) {
        throw new Error(`aio_co_schedule of coroutine "${co.name}", which terminated`);
      }
      const w = co.#w;
      const at = co.#slot + CO_TABLE.STATE;
      const g2 = co.generation * 2;
      // Pairs with the compareExchange that clears the flag before entering.
      if (Atomics.compareExchange(w, at, g2, g2 + 1) !== g2) {
        const where = Atomics.load(w, co.#slot + CO_TABLE.SCHED_CTX) - 1;
        throw new Error(`Co-routine "${co.name}" was already scheduled in '${contextName(where)}'`);
      }
      // Diagnostics only (the "already scheduled in" message).
      Atomics.store(w, co.#slot + CO_TABLE.SCHED_CTX, ctxId + 1);
    };

    clearScheduled = (co: Coroutine): void => {
      const g2 = co.generation * 2;
      // Pairs with the scheduler's compareExchange(gen*2, gen*2+1): what the
      // scheduler wrote before scheduling is visible to the coroutine.
      Atomics.compareExchange(co.#w, co.#slot + CO_TABLE.STATE, g2 + 1, g2);
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
 * import { coEnter, Coroutine } from "./coroutine.ts";
 * const co = Coroutine.create(function* () {
 *   console.log("first");
 *   yield;
 *   console.log("second");
 * }, null);
 * coEnter(co); // first
 * coEnter(co); // second
 * ```
 */
export function coEnter(co: Coroutine, ctx?: AioContext | null): void {
  enterLoop(co, ctx ?? currentContext() ?? co.ctx);
}

/**
 * QEMU's name for {@link coEnter}. Home thread of `co`.
 *
 * @example
 * ```ts
 * import { Coroutine, qemuCoroutineEnter } from "./coroutine.ts";
 * const co = Coroutine.create(function* () {
 *   yield;
 * }, null);
 * qemuCoroutineEnter(co);
 * console.log(co.terminated); // false: it yielded
 * ```
 */
export const qemuCoroutineEnter: (co: Coroutine, ctx?: AioContext | null) => void = coEnter;

/**
 * Enters `co` unless it is already entered (qemu_coroutine_enter_if_inactive).
 * Home thread of `co`.
 *
 * @example
 * ```ts
 * import { coEnterIfInactive, Coroutine } from "./coroutine.ts";
 * const co = Coroutine.create(function* () {
 *   coEnterIfInactive(co); // no effect: it is running
 *   yield;
 * }, null);
 * coEnterIfInactive(co);
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
 * import { coEnter, Coroutine, coSelf } from "./coroutine.ts";
 * const co = Coroutine.create(function* () {
 *   console.log(coSelf() === co); // true
 *   yield;
 * }, null);
 * coEnter(co);
 * console.log(coSelf()); // null
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
 * import { inCoroutine } from "./coroutine.ts";
 * console.log(inCoroutine()); // false
 * ```
 */
export function inCoroutine(): boolean {
  return current !== null;
}

/**
 * Counters of the calling thread's coroutines (a copy). Any thread.
 *
 * @example
 * ```ts
 * import { Coroutine, coroutineStats } from "./coroutine.ts";
 * const before = coroutineStats().created;
 * Coroutine.create(function* () {
 *   yield;
 * }, null);
 * console.log(coroutineStats().created - before); // 1
 * ```
 */
export function coroutineStats(): CoroutineStats {
  return { ...stats };
}

// ------------------------------------------------------------ AioContext

/**
 * aio_co_enter: runs `co` in `ctx`. If `ctx` is not the caller's current
 * context, schedules it there ({@link aioCoSchedule}). Else, from coroutine
 * context, queues it to run when the current coroutine yields or terminates
 * (depth-first, no recursion); else enters it now. Home thread of `co`.
 *
 * @example
 * ```ts
 * import { AioContext } from "./aio_context.ts";
 * import { aioCoEnter, Coroutine } from "./coroutine.ts";
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
 * console.log(log.join()); // a,b
 * ctx.destroy();
 * ```
 */
export function aioCoEnter(ctx: AioContext, co: Coroutine): void {
  const self = current;
  const cur = self !== null ? self.ctx : getCurrentAioContext();
  if (cur !== null && cur !== ctx) {
    aioCoSchedule(ctx, co);
  } else if (self !== null) {
    queueWake(self, co, ctx);
  } else {
    enterLoop(co, ctx);
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
 * import { AioContext } from "./aio_context.ts";
 * import { aioCoWake, coEnter, Coroutine } from "./coroutine.ts";
 * const ctx = new AioContext();
 * const co = Coroutine.create(function* () {
 *   yield;
 *   console.log("woken");
 * }, null);
 * coEnter(co, ctx);
 * aioCoWake(co); // woken
 * ctx.destroy();
 * ```
 */
export function aioCoWake(co: Coroutine): void {
  const ctx = co.ctx;
  if (ctx !== null) {
    aioCoEnter(ctx, co);
  } else if (current !== null) {
    queueWake(current, co, null);
  } else {
    enterLoop(co, getCurrentAioContext());
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
 * import { AioContext } from "./aio_context.ts";
 * import { aioCoSchedule, Coroutine } from "./coroutine.ts";
 * const ctx = new AioContext();
 * const co = Coroutine.create(function* () {
 *   console.log("ran in the BH phase");
 *   yield;
 * }, null);
 * aioCoSchedule(ctx, co);
 * ctx.poll(false); // ran in the BH phase
 * ctx.destroy();
 * ```
 */
export function aioCoSchedule(ctx: AioContext | RemoteAioContext, co: Coroutine): void {
  if (ctx instanceof RemoteAioContext) {
    if (ctx.handle.home !== co.ref.thread) throw migrationError(co.name, co.ref.thread, ctx.handle);
    aioCoScheduleRemote(ctx, co.ref);
    return;
  }
  setScheduled(co, ctx.id);
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

/** The co_schedule BH: enters this thread's scheduled coroutines in FIFO order. */
function runLocalList(opaque: unknown): void {
  const l = opaque as LocalList;
  l.armed = false;
  const list = l.list;
  l.list = [];
  if (current !== null) {
    l.list = list;
    throw new Error(
      `co-schedule BH of context "${l.ctx.name}" ran inside coroutine "${current.name}": ` +
        `aio_poll must not be called from coroutine context`,
    );
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

function remoteOf(ctx: RemoteAioContext | AioContextHandle): RemoteAioContext {
  if (ctx instanceof RemoteAioContext) return ctx;
  let r = remoteViews.get(ctx);
  if (r === undefined) {
    r = new RemoteAioContext(ctx);
    remoteViews.set(ctx, r);
  }
  return r;
}

function scheduleRemote(
  ctx: RemoteAioContext | AioContextHandle,
  ref: CoroutineRef,
  strict: boolean,
): boolean {
  const r = remoteOf(ctx);
  const h = r.handle;
  if (ref.thread !== h.home) throw migrationError(ref.name, ref.thread, h);
  let w = tableViews.get(ref.table);
  if (w === undefined) {
    w = new Int32Array(ref.table);
    tableViews.set(ref.table, w);
  }
  if (w[CO_TABLE.FIRST_ID] !== ref.id - (ref.id % CHUNK)) {
    throw new Error(`coroutine reference "${ref.name}" is malformed (id ${ref.id})`);
  }
  const at = CO_TABLE.SLOTS + (ref.id % CHUNK) * CO_TABLE.SLOT_WORDS;
  const g2 = ref.generation * 2;
  // Sets the scheduled flag. Pairs with the home thread's compareExchange
  // that clears it before entering (our writes before this call are visible
  // to the coroutine) and with its compareExchange at termination (a stale
  // reference cannot flag a newer incarnation of the id).
  const old = Atomics.compareExchange(w, at + CO_TABLE.STATE, g2, g2 + 1);
  if (old !== g2) {
    if (old >>> 1 !== ref.generation) {
      throw new Error(
        `aio_co_schedule of coroutine "${ref.name}" (#${ref.id} of thread ${ref.thread}), ` +
          `which no longer exists (it terminated)`,
      );
    }
    if (!strict) return false;
    const where = Atomics.load(w, at + CO_TABLE.SCHED_CTX) - 1;
    const name = where === h.id ? h.name : `context #${where}`;
    throw new Error(`Co-routine "${ref.name}" was already scheduled in '${name}'`);
  }
  // Diagnostics only (the "already scheduled in" message).
  Atomics.store(w, at + CO_TABLE.SCHED_CTX, h.id + 1);
  try {
    // The ring publishes the record, then the context is kicked.
    r.scheduleOneshot(CO_SCHEDULE_HANDLER, ref.id, ref.generation, h.id);
  } catch (err) {
    Atomics.compareExchange(w, at + CO_TABLE.STATE, g2 + 1, g2);
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
 * import { AioContext } from "./aio_context.ts";
 * import { aioCoScheduleRemote, coEnter, Coroutine } from "./coroutine.ts";
 * const ctx = new AioContext();
 * const co = Coroutine.create(function* () {
 *   yield;
 *   console.log("woken through the ring");
 * }, null);
 * coEnter(co, ctx);
 * aioCoScheduleRemote(ctx.handle, co.ref); // e.g. from another Worker
 * ctx.poll(false); // woken through the ring
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
 * import { AioContext } from "./aio_context.ts";
 * import { aioCoTryScheduleRemote, coEnter, Coroutine } from "./coroutine.ts";
 * const ctx = new AioContext();
 * const co = Coroutine.create(function* () {
 *   for (;;) yield;
 * }, null);
 * coEnter(co, ctx);
 * console.log(aioCoTryScheduleRemote(ctx.handle, co.ref)); // true
 * console.log(aioCoTryScheduleRemote(ctx.handle, co.ref)); // false: already pending
 * ctx.poll(false);
 * ctx.destroy();
 * ```
 */
export function aioCoTryScheduleRemote(
  ctx: RemoteAioContext | AioContextHandle,
  ref: CoroutineRef,
): boolean {
  return scheduleRemote(ctx, ref, false);
}

/** Ring handler CO_SCHEDULE_HANDLER: [coroutineId, generation, contextId]. */
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
  if (current !== null) {
    throw new Error(
      `co-schedule record of context "${ctx.name}" ran inside coroutine "${current.name}": ` +
        `aio_poll must not be called from coroutine context`,
    );
  }
  clearScheduled(co);
  stats.scheduledRemote++;
  enterLoop(co, ctx, true);
}

registerBuiltinHandler(CO_SCHEDULE_HANDLER, onScheduleRecord, "co-schedule");

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
 * import { AioContext } from "./aio_context.ts";
 * import { aioCoRescheduleSelf, coEnter, Coroutine } from "./coroutine.ts";
 * const a = new AioContext({ name: "a" });
 * const b = new AioContext({ name: "b" });
 * const co = Coroutine.create(function* () {
 *   yield* aioCoRescheduleSelf(b);
 *   console.log(co.ctx?.name); // b
 * }, null);
 * coEnter(co, a);
 * b.poll(false);
 * a.destroy();
 * b.destroy();
 * ```
 */
export function* aioCoRescheduleSelf(ctx: AioContext | RemoteAioContext): Co {
  const self = current;
  if (self === null) throw notInCoroutine("aioCoRescheduleSelf");
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

/**
 * Throws the "outside coroutine context" error for `what` unless the caller
 * runs in a coroutine, and returns the running coroutine. For primitives
 * built on coroutines (CoMutex, CoQueue). Any thread.
 *
 * @example
 * ```ts
 * import { requireCoroutine } from "./coroutine.ts";
 * try {
 *   requireCoroutine("demo");
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("demo outside coroutine context")); // true
 * }
 * ```
 */
export function requireCoroutine(what: string): Coroutine {
  const self = current;
  if (self === null) throw notInCoroutine(what);
  return self;
}
