/**
 * CoMutex: QEMU's coroutine mutex (QEMU_SEMANTICS.md §1.13, invariant 26),
 * with mutual exclusion between coroutines of DIFFERENT threads and contexts.
 * Its state lives in a SharedArrayBuffer (`CO_MUTEX` in layout.ts); post
 * {@link CoMutex.handle} to other Workers and rebuild it there with
 * {@link CoMutex.fromHandle}.
 *
 * Locking (from a coroutine, with `yield* mutex.lock()`):
 * 1. Fast path: compare-and-swap the locker count from 0 to 1.
 * 2. If the holder runs in another context (and another thread) and there is
 *    exactly one locker, spin up to `spin` rounds (QEMU: 1000) waiting for the
 *    release: critical sections are often shorter than a sleep/wake cycle.
 *    A holder in the same thread cannot run while we spin, so no spin then.
 * 3. Otherwise, under the queue lock (a small futex `Mutex`), add one to the
 *    locker count; if it was 0 the mutex was released meanwhile and is ours;
 *    else append a waiter record (doorbell slot, thread, coroutine id,
 *    generation) to the shared FIFO and yield.
 *
 * Unlocking (`mutex.unlock()`, a plain call): if we are the only locker, a
 * compare-and-swap from 1 to 0 releases it. Otherwise, under the queue lock,
 * pop the oldest waiter, make it the holder (hand-off: FIFO, no barging) and
 * wake it in ITS OWN context: `aioCoWake` when it lives in this thread (a
 * deferred wake in the same context, a schedule in another one), else by
 * ringing its context's doorbell. Because the increment and the push happen
 * in one queue-lock section, an unlock that sees other lockers always finds
 * their records: QEMU's lock-free "responsibility hand-off" is not needed.
 *
 * Doorbells: why not `aioCoScheduleRemote`. The unlocking thread knows the
 * waiter's context only by id; scheduling through that context's ring needs
 * its handle, and shared memory cannot hold a reference to a buffer. So each
 * CoMutex carries `contexts` event notifiers created with it (their handles
 * travel in the CoMutex handle). A context claims a slot the first time one
 * of its coroutines must wait, and registers that notifier with a handler
 * that enters the coroutine the unlocker named as holder: the same delivery
 * as a cross-thread aio_co_schedule (it ends the context's blocking poll and
 * enters the coroutine from the loop), without needing the ring. The doorbell
 * stays registered (one `Atomics.load` per poll of that context).
 *
 * Rules (QEMU's): lock and unlock only in coroutine context; only the holder
 * unlocks; locking twice from the holder throws (QEMU would deadlock); a
 * coroutine must not terminate holding a CoMutex. A coroutine that has to
 * wait and runs in no AioContext is entered by its unlocker directly (QEMU's
 * aio_co_wake falls back to entering), after the unlocker yields; since only
 * a coroutine of its own thread can do that, it is refused when the one
 * ahead of it in the FIFO belongs to another thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { coEnter, Coroutine } from "./coroutine.ts";
 * import { CoMutex } from "./co_mutex.ts";
 * const ctx = new AioContext();
 * const m = new CoMutex({ name: "bds-lock" });
 * const co = Coroutine.create(function* () {
 *   yield* m.lock();
 *   // ... critical section, may yield ...
 *   m.unlock();
 * }, null);
 * coEnter(co, ctx);
 * assert.equal(m.stats().acquired, 1);
 * ctx.destroy();
 * ```
 *
 * @module
 */

import { CO_MUTEX, CO_MUTEX_STAT, CO_WAITER } from "./layout.ts";
import { EventNotifier, type EventNotifierHandle } from "../sync/event_notifier.ts";
import { Mutex, type MutexHandle } from "../sync/mutex.ts";
import { currentThreadId } from "../sync/thread_id.ts";
import type { AioContext } from "./aio_context.ts";
import { aioCoWake, type Co, coEnter, Coroutine, coSelf, requireCoroutine } from "./coroutine.ts";

/**
 * QEMU's spin bound before a contended locker queues.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CO_MUTEX_DEFAULT_SPIN } from "./co_mutex.ts";
 * assert.equal(CO_MUTEX_DEFAULT_SPIN, 1000);
 * ```
 */
export const CO_MUTEX_DEFAULT_SPIN = 1000;
/**
 * Default number of contexts whose coroutines may wait on one CoMutex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CO_MUTEX_DEFAULT_CONTEXTS } from "./co_mutex.ts";
 * assert.equal(CO_MUTEX_DEFAULT_CONTEXTS, 8);
 * ```
 */
export const CO_MUTEX_DEFAULT_CONTEXTS = 8;
/**
 * Default capacity of the waiter FIFO.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CO_MUTEX_DEFAULT_CAPACITY } from "./co_mutex.ts";
 * assert.equal(CO_MUTEX_DEFAULT_CAPACITY, 1024);
 * ```
 */
export const CO_MUTEX_DEFAULT_CAPACITY = 1024;

/** Doorbell slot of a waiter that runs in no AioContext (woken by its own thread). */
const NO_SLOT = -1;

/** Positions in the waiter FIFO wrap at this power of two. */
const POS_MASK = (1 << 30) - 1;

/**
 * Structured-cloneable form of a {@link CoMutex}: post it to a Worker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CoMutex, type CoMutexHandle } from "./co_mutex.ts";
 * const h: CoMutexHandle = new CoMutex({ name: "m" }).handle;
 * assert.equal(h.name, "m");
 * assert.equal(h.doorbells.length, 8);
 * ```
 */
export interface CoMutexHandle {
  /** The mutex words (see `CO_MUTEX` in layout.ts). */
  readonly sab: SharedArrayBuffer;
  /** The lock guarding the waiter FIFO. */
  readonly queueLock: MutexHandle;
  /** One doorbell per context slot (see the module doc). */
  readonly doorbells: readonly EventNotifierHandle[];
  /** Name for statistics and errors. */
  readonly name: string;
}

/**
 * Options of {@link CoMutex}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CoMutex, type CoMutexOptions } from "./co_mutex.ts";
 * const o: CoMutexOptions = { name: "bds0", spin: 0, contexts: 2, capacity: 64 };
 * assert.equal(new CoMutex(o).name, "bds0");
 * ```
 */
export interface CoMutexOptions {
  /** Name for statistics and errors. Default `"co-mutex"`. */
  name?: string;
  /** Spin rounds when the holder runs elsewhere. Default 1000 (QEMU); 0 disables spinning. */
  spin?: number;
  /** Distinct contexts whose coroutines may wait on it. Default 8. */
  contexts?: number;
  /** Waiter FIFO capacity (rounded up to a power of two). Default 1024. */
  capacity?: number;
}

/**
 * Statistics of a {@link CoMutex} (a snapshot).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CoMutex, type CoMutexStats } from "./co_mutex.ts";
 * const s: CoMutexStats = new CoMutex().stats();
 * assert.equal(s.acquired, 0);
 * assert.equal(s.contended, 0);
 * ```
 */
export interface CoMutexStats {
  /** Mutex name. */
  name: string;
  /** Acquisitions. */
  acquired: number;
  /** Acquisitions that found the mutex held. */
  contended: number;
  /** Contended acquisitions won while spinning. */
  spinAcquired: number;
  /** Contended acquisitions that queued and yielded until handed the mutex. */
  queued: number;
  /** Hand-overs to a waiter of another thread (doorbell rings). */
  remoteWakes: number;
}

/** A finished iterator: what `lock()` returns when the fast path won (no allocation). */
const DONE = {
  next: () => ({ done: true, value: undefined }),
  [Symbol.iterator]() {
    return this;
  },
} as unknown as Co;

/** This thread's objects and bookkeeping per mutex, keyed by its first doorbell's id. */
const instances = new Map<number, WeakRef<CoMutex>>();
const locals = new Map<
  number,
  { waiting: Map<number, Coroutine>; slots: WeakMap<AioContext, number> }
>();

function intOption(
  v: number | undefined,
  dflt: number,
  min: number,
  max: number,
  what: string,
): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`CoMutex ${what} must be an integer in [${min}, ${max}], got ${n}`);
  }
  return n;
}

/**
 * A coroutine mutex shared by coroutines of any threads (qemu_co_mutex_*).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { aioCoWake, coEnter, Coroutine } from "./coroutine.ts";
 * import { CoMutex } from "./co_mutex.ts";
 * const ctx = new AioContext();
 * const m = new CoMutex();
 * const log: string[] = [];
 * const body = function* (tag: string) {
 *   yield* m.lock();
 *   log.push(`${tag} in`);
 *   yield; // holds the mutex across a yield
 *   log.push(`${tag} out`);
 *   m.unlock();
 * };
 * const a = Coroutine.create(body, "a");
 * const b = Coroutine.create(body, "b");
 * coEnter(a, ctx);
 * coEnter(b, ctx); // queues behind a
 * aioCoWake(a); // a leaves, hands the mutex to b
 * aioCoWake(b);
 * assert.deepEqual(log, ["a in", "a out", "b in", "b out"]);
 * ctx.destroy();
 * ```
 */
export class CoMutex {
  readonly #handle: CoMutexHandle;
  readonly #w: Int32Array;
  readonly #stats: Float64Array;
  readonly #qlock: Mutex;
  readonly #spin: number;
  readonly #contexts: number;
  readonly #capacity: number;
  readonly #records: number;
  readonly #doorbells: (EventNotifier | undefined)[];
  /** Coroutines of this thread queued on the mutex, by id. */
  readonly #waiting: Map<number, Coroutine>;
  /** Doorbell slot registered with each context of this thread. */
  readonly #slots: WeakMap<AioContext, number>;

  /**
   * Creates an unlocked CoMutex in fresh shared memory, or attaches to
   * `handle` (prefer {@link CoMutex.fromHandle}, which reuses this thread's
   * object; several objects of one mutex also work). Throws a RangeError for
   * bad options. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoMutex } from "./co_mutex.ts";
   * const m = new CoMutex({ name: "job", spin: 0, contexts: 4 });
   * assert.equal(m.name, "job");
   * assert.equal(m.isLocked(), false);
   * ```
   */
  constructor(options: CoMutexOptions = {}, handle?: CoMutexHandle) {
    if (handle === undefined) {
      const name = options.name ?? "co-mutex";
      const spin = intOption(options.spin, CO_MUTEX_DEFAULT_SPIN, 0, 0x7fffffff, "spin");
      const contexts = intOption(options.contexts, CO_MUTEX_DEFAULT_CONTEXTS, 1, 1024, "contexts");
      let capacity = intOption(options.capacity, CO_MUTEX_DEFAULT_CAPACITY, 1, 1 << 24, "capacity");
      capacity = 2 ** Math.ceil(Math.log2(capacity));
      const words = CO_MUTEX.CTX_SLOTS + contexts + capacity * CO_WAITER.WORDS;
      const sab = new SharedArrayBuffer(words * 4);
      const w = new Int32Array(sab);
      w[CO_MUTEX.SPIN] = spin;
      w[CO_MUTEX.CONTEXTS] = contexts;
      w[CO_MUTEX.CAPACITY] = capacity;
      const doorbells: EventNotifierHandle[] = [];
      for (let i = 0; i < contexts; i++) {
        doorbells.push(new EventNotifier({ name: `${name}.doorbell${i}` }).handle);
      }
      const queueLock = new Mutex({ name: `${name}.queue`, spin: 100 }).handle;
      handle = { sab, queueLock, doorbells, name };
    }
    this.#handle = handle;
    this.#w = new Int32Array(handle.sab);
    this.#stats = new Float64Array(handle.sab, CO_MUTEX.STATS_BYTE, CO_MUTEX_STAT.COUNT);
    this.#qlock = Mutex.fromHandle(handle.queueLock);
    this.#spin = this.#w[CO_MUTEX.SPIN];
    this.#contexts = this.#w[CO_MUTEX.CONTEXTS];
    this.#capacity = this.#w[CO_MUTEX.CAPACITY];
    this.#records = CO_MUTEX.CTX_SLOTS + this.#contexts;
    this.#doorbells = new Array(this.#contexts);
    // This thread's bookkeeping of the mutex, shared by all its objects.
    const key = this.#doorbell(0).id;
    let local = locals.get(key);
    if (local === undefined) {
      local = { waiting: new Map(), slots: new WeakMap() };
      locals.set(key, local);
    }
    this.#waiting = local.waiting;
    this.#slots = local.slots;
    if (instances.get(key)?.deref() === undefined) instances.set(key, new WeakRef(this));
  }

  /**
   * This thread's object for the mutex behind `handle` (one per thread, so
   * that waiters and doorbells are tracked in one place). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoMutex } from "./co_mutex.ts";
   * const m = new CoMutex();
   * assert.equal(CoMutex.fromHandle(structuredClone(m.handle)) === m, true);
   * ```
   */
  static fromHandle(handle: CoMutexHandle): CoMutex {
    const have = instances.get(EventNotifier.fromHandle(handle.doorbells[0]).id)?.deref();
    return have ?? new CoMutex({}, handle);
  }

  /**
   * Structured-cloneable handle. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoMutex } from "./co_mutex.ts";
   * assert.equal(new CoMutex({ name: "x" }).handle.name, "x");
   * ```
   */
  get handle(): CoMutexHandle {
    return this.#handle;
  }

  /**
   * Mutex name. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoMutex } from "./co_mutex.ts";
   * assert.equal(new CoMutex({ name: "x" }).name, "x");
   * ```
   */
  get name(): string {
    return this.#handle.name;
  }

  #doorbell(slot: number): EventNotifier {
    let n = this.#doorbells[slot];
    if (n === undefined) {
      n = EventNotifier.fromHandle(this.#handle.doorbells[slot]);
      this.#doorbells[slot] = n;
    }
    return n;
  }

  /**
   * Acquires the mutex (qemu_co_mutex_lock); use as `yield* m.lock()`. May
   * yield until an unlock hands the mutex over. Throws outside coroutine
   * context, when the caller already holds it, or when it must wait outside
   * an AioContext behind a coroutine of another thread. Coroutine context,
   * any thread.
   *
   * @example
   * ```ts
   * import { coEnter, Coroutine } from "./coroutine.ts";
   * import { CoMutex } from "./co_mutex.ts";
   * const m = new CoMutex();
   * coEnter(Coroutine.create(function* () {
   *   yield* m.lock();
   *   m.unlock();
   * }, null));
   * ```
   */
  lock(): Co {
    const self = requireCoroutine(`CoMutex "${this.name}" lock`);
    // Fast path. Pairs with unlock()'s compareExchange(1, 0) and with the
    // hand-off's Atomics.sub under the queue lock.
    if (Atomics.compareExchange(this.#w, CO_MUTEX.LOCKED, 0, 1) === 0) {
      this.#take(self, false, false, false);
      return DONE;
    }
    return this.#lockSlow(self);
  }

  /** Records `self` as the holder (fast and spin paths) and counts the acquisition. */
  #take(self: Coroutine, contended: boolean, spun: boolean, queued: boolean): void {
    const w = this.#w;
    if (!queued) {
      // Plain stores, guarded by the mutex itself: the LOCKED compareExchange
      // that won orders them before the next holder's accesses.
      w[CO_MUTEX.HOLDER_THREAD] = currentThreadId() + 1;
      w[CO_MUTEX.HOLDER_CO] = self.id;
      w[CO_MUTEX.HOLDER_GEN] = self.generation;
      w[CO_MUTEX.HOLDER_CTX] = self.ctx === null ? 0 : self.ctx.id + 1;
    }
    self.locksHeld++;
    const s = this.#stats;
    s[CO_MUTEX_STAT.ACQUIRED]++;
    if (contended) s[CO_MUTEX_STAT.CONTENDED]++;
    if (spun) s[CO_MUTEX_STAT.SPIN_ACQUIRED]++;
    if (queued) s[CO_MUTEX_STAT.QUEUED]++;
  }

  #isHolder(self: Coroutine): boolean {
    const w = this.#w;
    return w[CO_MUTEX.HOLDER_THREAD] === currentThreadId() + 1 &&
      w[CO_MUTEX.HOLDER_CO] === self.id && w[CO_MUTEX.HOLDER_GEN] === self.generation;
  }

  *#lockSlow(self: Coroutine): Co {
    const w = this.#w;
    const me = currentThreadId() + 1;
    if (self.locksHeld > 0 && this.#isHolder(self)) {
      throw new Error(
        `CoMutex "${this.name}" locked recursively by coroutine "${self.name}" ` +
          `(it would wait for itself)`,
      );
    }
    const ctx = self.ctx;
    const ctxWord = ctx === null ? 0 : ctx.id + 1;
    // Spin while exactly one locker (the holder) runs in another context of
    // another thread. Loads pair with the holder's stores and with unlock()'s
    // compareExchange(1, 0).
    if (
      this.#spin > 0 && Atomics.load(w, CO_MUTEX.LOCKED) === 1 &&
      Atomics.load(w, CO_MUTEX.HOLDER_THREAD) !== me &&
      Atomics.load(w, CO_MUTEX.HOLDER_CTX) !== ctxWord
    ) {
      // Diagnostic only (who is spinning), no ordering.
      Atomics.add(w, CO_MUTEX.SPINNING, 1);
      let won = false;
      for (let i = 0; i < this.#spin; i++) {
        const locked = Atomics.load(w, CO_MUTEX.LOCKED);
        if (locked === 0) {
          // Same pairing as the fast path.
          if (Atomics.compareExchange(w, CO_MUTEX.LOCKED, 0, 1) === 0) {
            won = true;
            break;
          }
        } else if (locked !== 1) {
          break; // others are queueing: join the FIFO
        }
        Atomics.pause();
      }
      Atomics.sub(w, CO_MUTEX.SPINNING, 1);
      if (won) {
        this.#take(self, true, true, false);
        return;
      }
    }
    // A waiter in no context has no doorbell: only an unlocker of its own
    // thread can wake it (it enters it directly, as aio_co_wake does).
    const slot = ctx === null ? NO_SLOT : this.#slotFor(ctx);
    let old: number;
    this.#qlock.lock();
    try {
      const head = w[CO_MUTEX.Q_HEAD];
      const tail = w[CO_MUTEX.Q_TAIL];
      if (((tail - head) & POS_MASK) >= this.#capacity) {
        throw new Error(
          `CoMutex "${this.name}": more than ${this.#capacity} waiters (raise options.capacity)`,
        );
      }
      if (ctx === null) this.#checkContextless(self, head, tail);
      // Count ourselves among the lockers. Pairs with unlock()'s
      // compareExchange(1, 0): either it sees us and hands over (it then
      // waits for this queue-lock section, so our record is there), or it
      // released first and we see 0 here.
      old = Atomics.add(w, CO_MUTEX.LOCKED, 1);
      if (old !== 0) {
        const at = this.#records + (tail & (this.#capacity - 1)) * CO_WAITER.WORDS;
        w[at + CO_WAITER.SLOT] = slot;
        w[at + CO_WAITER.THREAD] = me - 1;
        w[at + CO_WAITER.CO] = self.id;
        w[at + CO_WAITER.GEN] = self.generation;
        w[CO_MUTEX.Q_TAIL] = (tail + 1) & POS_MASK;
        this.#waiting.set(self.id, self);
      }
    } finally {
      this.#qlock.unlock();
    }
    if (old === 0) {
      this.#take(self, true, false, false);
      return;
    }
    yield;
    if (this.#waiting.get(self.id) === self || !this.#isHolder(self)) {
      throw new Error(
        `coroutine "${self.name}" resumed while queued on CoMutex "${this.name}" ` +
          `(woken by someone other than an unlock)`,
      );
    }
    this.#take(self, true, false, true);
  }

  /**
   * Refuses a context-less waiter unless the coroutine that will hand the
   * mutex to it (the last queued waiter, else the holder) runs in this
   * thread: hand-over is FIFO and coroutines do not migrate, so that
   * coroutine unlocks here and enters the waiter itself. Under the queue lock.
   */
  #checkContextless(self: Coroutine, head: number, tail: number): void {
    const w = this.#w;
    let before: number;
    if (head !== tail) {
      const last = this.#records + ((tail - 1) & (this.#capacity - 1)) * CO_WAITER.WORDS;
      before = w[last + CO_WAITER.THREAD];
    } else {
      // Pairs with the holder stores of #take and the hand-over (0 while a
      // holder of another thread is being recorded or is leaving).
      before = Atomics.load(w, CO_MUTEX.HOLDER_THREAD) - 1;
    }
    if (before === currentThreadId()) return;
    throw new Error(
      `CoMutex "${this.name}": coroutine "${self.name}" must wait for a coroutine of ` +
        `${before < 0 ? "another thread" : `thread ${before}`} but runs in no AioContext ` +
        `(a waiter of another thread's coroutine is woken through its context; enter it ` +
        `with a context)`,
    );
  }

  /** The doorbell slot of `ctx`, claimed and registered on first use. */
  #slotFor(ctx: AioContext): number {
    const known = this.#slots.get(ctx);
    if (known !== undefined && this.#doorbell(known).boundContext() === ctx.id) return known;
    const w = this.#w;
    const want = ctx.id + 1;
    let slot = -1;
    for (let i = 0; i < this.#contexts && slot < 0; i++) {
      // Pairs with other claimers' compareExchange.
      if (Atomics.load(w, CO_MUTEX.CTX_SLOTS + i) === want) slot = i;
    }
    for (let i = 0; i < this.#contexts && slot < 0; i++) {
      // Claims a free slot: pairs with other claimers' Atomics.load above and
      // their compareExchange here (one winner per slot).
      if (Atomics.compareExchange(w, CO_MUTEX.CTX_SLOTS + i, 0, want) === 0) slot = i;
      else if (Atomics.load(w, CO_MUTEX.CTX_SLOTS + i) === want) slot = i;
    }
    if (slot < 0) {
      throw new Error(
        `CoMutex "${this.name}": coroutines of more than ${this.#contexts} contexts wait on it ` +
          `(raise options.contexts)`,
      );
    }
    const bell = this.#doorbell(slot);
    const ring = (n: EventNotifier): void => this.#onDoorbell(n, ctx);
    ctx.setEventNotifier(bell, ring, (n) => n.isSet(), ring);
    this.#slots.set(ctx, slot);
    return slot;
  }

  /** Doorbell handler in a waiter's context: enters the waiter named as holder. */
  #onDoorbell(n: EventNotifier, ctx: AioContext): void {
    // Pairs with the unlocker's set() (Atomics.add), which follows its
    // holder stores under the queue lock: the holder words read below are
    // those of the hand-over.
    n.testAndClear();
    const w = this.#w;
    if (Atomics.load(w, CO_MUTEX.HOLDER_THREAD) !== currentThreadId() + 1) return;
    const co = this.#waiting.get(Atomics.load(w, CO_MUTEX.HOLDER_CO));
    if (co === undefined || co.generation !== Atomics.load(w, CO_MUTEX.HOLDER_GEN)) return;
    if (co.ctx !== ctx) return;
    this.#waiting.delete(co.id);
    coEnter(co, ctx);
  }

  /**
   * Releases the mutex (qemu_co_mutex_unlock). If coroutines wait, hands it
   * to the oldest one and wakes it in its own context. Throws outside
   * coroutine context or when the caller is not the holder. Coroutine
   * context, the holder's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { coEnter, Coroutine } from "./coroutine.ts";
   * import { CoMutex } from "./co_mutex.ts";
   * const m = new CoMutex();
   * coEnter(Coroutine.create(function* () {
   *   yield* m.lock();
   *   m.unlock();
   *   assert.equal(m.isLocked(), false);
   * }, null));
   * ```
   */
  unlock(): void {
    const self = requireCoroutine(`CoMutex "${this.name}" unlock`);
    const w = this.#w;
    if (!this.#isHolder(self)) this.#notHolder(self);
    self.locksHeld--;
    w[CO_MUTEX.HOLDER_THREAD] = 0;
    w[CO_MUTEX.HOLDER_CO] = 0;
    w[CO_MUTEX.HOLDER_GEN] = 0;
    w[CO_MUTEX.HOLDER_CTX] = 0;
    // Only locker: release. Pairs with lockers' compareExchange(0, 1) and
    // their Atomics.add under the queue lock.
    if (Atomics.compareExchange(w, CO_MUTEX.LOCKED, 1, 0) === 1) return;
    this.#handOver();
  }

  #handOver(): void {
    const w = this.#w;
    let slot: number, thread: number, id: number, gen: number;
    this.#qlock.lock();
    try {
      const head = w[CO_MUTEX.Q_HEAD];
      if (head === w[CO_MUTEX.Q_TAIL]) {
        throw new Error(`CoMutex "${this.name}": lockers counted but no waiter queued (bug)`);
      }
      const at = this.#records + (head & (this.#capacity - 1)) * CO_WAITER.WORDS;
      slot = w[at + CO_WAITER.SLOT];
      thread = w[at + CO_WAITER.THREAD];
      id = w[at + CO_WAITER.CO];
      gen = w[at + CO_WAITER.GEN];
      w[CO_MUTEX.Q_HEAD] = (head + 1) & POS_MASK;
      // The waiter is the holder now (it stays counted in LOCKED); we leave.
      // Pairs with lockers' compareExchange / add on LOCKED.
      Atomics.sub(w, CO_MUTEX.LOCKED, 1);
      w[CO_MUTEX.HOLDER_THREAD] = thread + 1;
      w[CO_MUTEX.HOLDER_CO] = id;
      w[CO_MUTEX.HOLDER_GEN] = gen;
      w[CO_MUTEX.HOLDER_CTX] = slot === NO_SLOT ? 0 : Atomics.load(w, CO_MUTEX.CTX_SLOTS + slot);
      if (thread !== currentThreadId()) this.#stats[CO_MUTEX_STAT.REMOTE_WAKES]++;
    } finally {
      this.#qlock.unlock();
    }
    if (thread === currentThreadId()) {
      const co = this.#waiting.get(id);
      if (co === undefined || co.generation !== gen) {
        throw new Error(`CoMutex "${this.name}": queued coroutine #${id} vanished (bug)`);
      }
      this.#waiting.delete(id);
      aioCoWake(co);
    } else if (slot === NO_SLOT) {
      throw new Error(
        `CoMutex "${this.name}": context-less waiter #${id} of thread ${thread} handed the ` +
          `mutex by thread ${currentThreadId()} (bug)`,
      );
    } else {
      // Publishes the hand-over (Atomics.add in set()): pairs with
      // testAndClear() in the waiter context's doorbell handler.
      this.#doorbell(slot).set();
    }
  }

  #notHolder(self: Coroutine): never {
    const w = this.#w;
    const t = Atomics.load(w, CO_MUTEX.HOLDER_THREAD) - 1;
    throw new Error(
      `CoMutex "${this.name}": unlock by coroutine "${self.name}" ` +
        (Atomics.load(w, CO_MUTEX.LOCKED) === 0
          ? "but it is not locked"
          : t < 0
          ? "which does not hold it"
          : `but it is held by coroutine #${Atomics.load(w, CO_MUTEX.HOLDER_CO)} of thread ${t}`),
    );
  }

  /**
   * Whether the mutex is held (qemu_co_mutex_assert_locked's test). Any
   * thread (a snapshot).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoMutex } from "./co_mutex.ts";
   * assert.equal(new CoMutex().isLocked(), false);
   * ```
   */
  isLocked(): boolean {
    return Atomics.load(this.#w, CO_MUTEX.LOCKED) !== 0;
  }

  /**
   * Whether the running coroutine holds the mutex. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { coEnter, Coroutine } from "./coroutine.ts";
   * import { CoMutex } from "./co_mutex.ts";
   * const m = new CoMutex();
   * coEnter(Coroutine.create(function* () {
   *   yield* m.lock();
   *   assert.equal(m.heldBySelf(), true);
   *   m.unlock();
   * }, null));
   * assert.equal(m.heldBySelf(), false);
   * ```
   */
  heldBySelf(): boolean {
    const self = coSelf();
    return self !== null && this.#isHolder(self);
  }

  /**
   * Statistics so far. Any thread (figures being updated by a running
   * holder may be one event behind).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoMutex } from "./co_mutex.ts";
   * assert.equal(new CoMutex({ name: "s" }).stats().acquired, 0);
   * ```
   */
  stats(): CoMutexStats {
    const s = this.#stats;
    return {
      name: this.name,
      acquired: s[CO_MUTEX_STAT.ACQUIRED],
      contended: s[CO_MUTEX_STAT.CONTENDED],
      spinAcquired: s[CO_MUTEX_STAT.SPIN_ACQUIRED],
      queued: s[CO_MUTEX_STAT.QUEUED],
      remoteWakes: s[CO_MUTEX_STAT.REMOTE_WAKES],
    };
  }
}
