/**
 * The shareable side of an AioContext. An {@link AioContextHandle} is plain
 * structured-cloneable data (shared buffers and ids): post it to any Worker
 * and wrap it in a {@link RemoteAioContext} there to use the thread-safe
 * operations of QEMU's AioContext: notify it, schedule a oneshot handler in
 * it (`aio_bh_schedule_oneshot(other_ctx, ...)`), schedule one of its shared
 * bottom halves, acquire/release it (seed era). Event notifiers registered
 * with the context kick it by themselves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { RemoteAioContext } from "./context_handle.ts";
 * import { registerHandler, unregisterHandler } from "./handler_ref.ts";
 * let got = 0;
 * registerHandler(300, (a: number) => (got = a));
 * const ctx = new AioContext();
 * RemoteAioContext.fromHandle(ctx.handle).scheduleOneshot(300, 42); // any thread
 * assert.equal(ctx.poll(false), true);
 * assert.equal(got, 42);
 * ctx.destroy();
 * unregisterHandler(300);
 * ```
 *
 * @module
 */

import { CONTEXT } from "../sync/layout.ts";
import { MpscRing, type MpscRingHandle } from "../sync/mpsc_ring.ts";
import { RecMutex, type RecMutexHandle, type RecMutexStats } from "../sync/rec_mutex.ts";
import {
  notifyContext,
  type Registry,
  registryFor,
  type RegistryHandle,
} from "../sync/registry.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import { BH_FLAG } from "./layout.ts";
import { sharedBhEnqueue } from "./bottom_half.ts";
import { handlerId, type HandlerRef } from "./handler_ref.ts";

/** Structured-cloneable description of an AioContext. */
export interface AioContextHandle {
  /** Context id (index of its control block in the registry). */
  readonly id: number;
  /** Context name. */
  readonly name: string;
  /** Thread id of the home thread. */
  readonly home: number;
  /**
   * Generation of the context's control block when the context was created
   * (`Registry.contextGeneration`). Ids are reused; the generation tells a
   * live context from a destroyed one that had the same id.
   */
  readonly generation: number;
  /** Process registry (notify protocol words). */
  readonly registry: RegistryHandle;
  /** Cross-thread oneshot ring: records [handlerId, a0, a1, a2]. */
  readonly ring: MpscRingHandle;
  /** Shared bottom-half table (see `SHARED_BH` in layout.ts). */
  readonly sharedBh: SharedArrayBuffer;
  /** The seed-era AioContext lock (aio_context_acquire / release). */
  readonly lock: RecMutexHandle;
}

/** Notify-protocol counters of a context. */
export interface NotifyStats {
  /** notify() calls that woke a possibly sleeping owner (paid Atomics.notify). */
  wakes: number;
  /** notify() calls from other threads that skipped Atomics.notify (owner awake). */
  skips: number;
  /** Blocking waits the owner entered. */
  waits: number;
}

/**
 * A context seen from any thread, built from its handle. Only the
 * thread-safe operations are here; `poll` throws unless called in the
 * context's home thread (which polls through its `AioContext` object).
 *
 * Every operation first checks that the context still exists (its control
 * block's generation is the handle's): once the context is destroyed, or
 * its IoThread has ended, every use throws an Error naming the context, so
 * a stale handle can neither fill a ring nobody drains nor reach a newer
 * context that reuses the id. A use racing with the destroy may still land
 * (a kick of a freed block is harmless; a oneshot pushed then is dropped
 * with the ring, see `AioContext.destroy`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { RemoteAioContext } from "./context_handle.ts";
 * const ctx = new AioContext({ name: "demo" });
 * const remote = RemoteAioContext.fromHandle(ctx.handle);
 * remote.notify();
 * assert.equal(ctx.poll(false), false); // a kick is not progress
 * ctx.destroy();
 * ```
 */
export class RemoteAioContext {
  /** The handle this view was built from. */
  readonly handle: AioContextHandle;
  readonly #reg: Registry;
  readonly #ring: MpscRing;
  readonly #bh: Int32Array;
  /** Index of the control block's GEN word in the registry words. */
  readonly #genAt: number;
  #lock: RecMutex | null = null;

  /**
   * Wraps a handle. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { RemoteAioContext } from "./context_handle.ts";
   * const ctx = new AioContext({ name: "c" });
   * const r = new RemoteAioContext(structuredClone(ctx.handle)); // as a Worker would
   * assert.equal(r.name, "c");
   * ctx.destroy();
   * ```
   */
  constructor(handle: AioContextHandle) {
    this.handle = handle;
    this.#reg = registryFor(handle.registry);
    this.#ring = MpscRing.fromHandle(handle.ring);
    this.#bh = new Int32Array(handle.sharedBh);
    this.#genAt = this.#reg.contextBase(handle.id) + CONTEXT.GEN;
  }

  /**
   * Throws unless the context is alive: its control block is still in the
   * handle's generation. One Atomics.load: pairs with the Atomics.add(GEN)
   * that Registry.freeContext makes before the block can be reused.
   */
  #check(what: string): void {
    if (Atomics.load(this.#reg.words, this.#genAt) !== this.handle.generation) this.#stale(what);
  }

  #stale(what: string): never {
    const h = this.handle;
    throw new Error(
      `${what} through a stale handle of context "${h.name}" (id ${h.id}): the context was ` +
        `destroyed (or its thread ended); the handle is of generation ${h.generation}, the ` +
        `id is now in generation ${Atomics.load(this.#reg.words, this.#genAt)} and may name ` +
        `another context; get a fresh handle from the context's owner`,
    );
  }

  /**
   * Whether the context still exists (not destroyed, its thread not ended).
   * A snapshot: the context may go right after. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const r = ctx.remote();
   * assert.equal(r.alive, true);
   * ctx.destroy();
   * assert.equal(r.alive, false);
   * assert.throws(() => r.notify(), /stale handle/);
   * ```
   */
  get alive(): boolean {
    return Atomics.load(this.#reg.words, this.#genAt) === this.handle.generation;
  }

  /**
   * Same as the constructor. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { RemoteAioContext } from "./context_handle.ts";
   * const ctx = new AioContext();
   * const r = RemoteAioContext.fromHandle(ctx.handle);
   * assert.equal(r.id, ctx.id);
   * ctx.destroy();
   * ```
   */
  static fromHandle(handle: AioContextHandle): RemoteAioContext {
    return new RemoteAioContext(handle);
  }

  /**
   * Context id. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.remote().id, ctx.id);
   * ctx.destroy();
   * ```
   */
  get id(): number {
    return this.handle.id;
  }

  /**
   * Context name. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext({ name: "x" });
   * assert.equal(ctx.remote().name, "x");
   * ctx.destroy();
   * ```
   */
  get name(): string {
    return this.handle.name;
  }

  /**
   * Kicks the context (aio_notify): a blocking poll in it returns, or the
   * next one does not sleep. Returns whether a futex wake was paid. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.remote().notify(), false); // the owner is not sleeping: no futex wake
   * ctx.destroy();
   * ```
   */
  notify(): boolean {
    this.#check("notify");
    return notifyContext(this.#reg.words, this.handle.id);
  }

  /**
   * Schedules a oneshot call of handler `ref` with three integer arguments
   * in the context (aio_bh_schedule_oneshot across threads). It runs in the
   * context's BH phase as progress. Never waits for the context: when its
   * ring is full the call goes to the ring's overflow. One thread's oneshots
   * to one context run in the order it scheduled them; oneshots of different
   * threads are not ordered. Throws only when the overflow is full too
   * (millions of calls outstanding). Any thread, the home thread included.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { registerHandler, unregisterHandler } from "./handler_ref.ts";
   * let runs = 0;
   * registerHandler(301, () => runs++);
   * const ctx = new AioContext();
   * ctx.remote().scheduleOneshot(301);
   * assert.equal(ctx.poll(false), true);
   * assert.equal(ctx.poll(false), false); // oneshot: ran once
   * assert.equal(runs, 1);
   * ctx.destroy();
   * unregisterHandler(301);
   * ```
   */
  scheduleOneshot(ref: HandlerRef, a0 = 0, a1 = 0, a2 = 0): void {
    this.#check("scheduleOneshot");
    const id = handlerId(ref);
    try {
      // The ring (or its overflow) publishes the record (release);
      // notifyContext then publishes the kick: the home thread drains the
      // ring after it observes NOTIFIED.
      this.#ring.push(id, a0, a1, a2);
    } catch (err) {
      throw new Error(
        `context "${this.name}": cannot schedule a oneshot from thread ${currentThreadId()} ` +
          `(${currentThreadName()}): ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    notifyContext(this.#reg.words, this.handle.id);
  }

  /**
   * Schedules the context's shared bottom half number `index`
   * (qemu_bh_schedule from another thread). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * let runs = 0;
   * const bh = ctx.sharedBhNew(() => runs++);
   * ctx.remote().scheduleBh(bh.index);
   * assert.equal(ctx.poll(false), true);
   * assert.equal(runs, 1);
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  scheduleBh(index: number): void {
    this.#check("scheduleBh");
    sharedBhEnqueue(this.#bh, index, BH_FLAG.SCHEDULED);
    notifyContext(this.#reg.words, this.handle.id);
  }

  /**
   * Deletes the context's shared bottom half number `index` from another
   * thread (qemu_bh_delete). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * let runs = 0;
   * const bh = ctx.sharedBhNew(() => runs++);
   * ctx.remote().scheduleBh(bh.index);
   * ctx.remote().deleteBh(bh.index); // deleted before it ran
   * ctx.poll(false);
   * assert.equal(runs, 0);
   * ctx.destroy();
   * ```
   */
  deleteBh(index: number): void {
    this.#check("deleteBh");
    sharedBhEnqueue(this.#bh, index, BH_FLAG.DELETED);
    notifyContext(this.#reg.words, this.handle.id);
  }

  #rec(): RecMutex {
    if (this.#lock === null) this.#lock = RecMutex.fromHandle(this.handle.lock);
    return this.#lock;
  }

  /**
   * aio_context_acquire (seed era): recursive for the same thread, exclusive
   * across threads. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const r = ctx.remote();
   * r.acquire();
   * r.acquire(); // recursive for the same thread
   * assert.equal(r.acquireDepth(), 2);
   * r.release();
   * r.release();
   * ctx.destroy();
   * ```
   */
  acquire(): void {
    this.#check("acquire");
    this.#rec().lock();
  }

  /**
   * aio_context_release. The thread that acquired it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.remote().acquire();
   * ctx.remote().release();
   * assert.throws(() => ctx.remote().release(), /not locked/);
   * ctx.destroy();
   * ```
   */
  release(): void {
    this.#check("release");
    this.#rec().unlock();
  }

  /**
   * Whether the calling thread holds the context lock. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.remote().acquiredByMe(), false);
   * ctx.remote().acquire();
   * assert.equal(ctx.remote().acquiredByMe(), true);
   * ctx.remote().release();
   * ctx.destroy();
   * ```
   */
  acquiredByMe(): boolean {
    this.#check("acquiredByMe");
    return this.#rec().heldByMe();
  }

  /**
   * How many times the calling thread holds the context lock (0 if not). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.remote().acquireDepth(), 0);
   * ctx.destroy();
   * ```
   */
  acquireDepth(): number {
    this.#check("acquireDepth");
    return this.#rec().depth();
  }

  /**
   * Statistics of the context lock. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const before = ctx.remote().lockStats().acquired;
   * ctx.remote().acquire();
   * ctx.remote().release();
   * assert.equal(ctx.remote().lockStats().acquired, before + 1);
   * ctx.destroy();
   * ```
   */
  lockStats(): RecMutexStats {
    this.#check("lockStats");
    return this.#rec().stats();
  }

  /**
   * Notify-protocol counters. Any thread (a snapshot).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.remote().notify(); // the owner is awake: skipped the futex wake
   * const s = ctx.remote().notifyStats();
   * assert.equal(s.wakes, 0);
   * assert.equal(s.skips, 1);
   * ctx.destroy();
   * ```
   */
  notifyStats(): NotifyStats {
    this.#check("notifyStats");
    const w = this.#reg.words;
    const base = this.#reg.contextBase(this.handle.id);
    return {
      wakes: Atomics.load(w, base + CONTEXT.NOTIFY_WAKES),
      skips: Atomics.load(w, base + CONTEXT.NOTIFY_SKIPS),
      waits: Atomics.load(w, base + CONTEXT.WAITS),
    };
  }

  /**
   * Refused: only the home thread polls a context (QEMU asserts
   * in_aio_context_home_thread). Always throws here.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext({ name: "c" });
   * assert.throws(() => ctx.remote().poll(false), /only its home thread/);
   * ctx.destroy();
   * ```
   */
  poll(_blocking: boolean): never {
    throw new Error(
      `poll of context "${this.name}" from thread ${currentThreadId()} (${currentThreadName()}): ` +
        `only its home thread ${this.handle.home} may poll it; use scheduleOneshot or ` +
        `notify from other threads`,
    );
  }
}
