/**
 * RecMutex: the counterpart of QemuRecMutex, a recursive lock built from a
 * {@link Mutex} plus an owner and a depth. Used for the seed-era
 * `aio_context_acquire` / `aio_context_release`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecMutex } from "./rec_mutex.ts";
 * const r = new RecMutex({ name: "ctx", stats: true });
 * r.lock();
 * r.lock(); // same thread: nests
 * r.unlock();
 * r.unlock();
 * assert.equal(r.stats().nested, 1);
 * ```
 *
 * @module
 */

import { REC_MUTEX } from "./layout.ts";
import { Mutex, type MutexOptions, type MutexStats } from "./mutex.ts";
import {
  currentThreadId,
  currentThreadName,
  currentThreadToken,
  threadTokenAlive,
  tokenThreadId,
} from "./thread_id.ts";

/** Structured-cloneable form of a {@link RecMutex}. */
export interface RecMutexHandle {
  /** Shared words (see `REC_MUTEX` in layout.ts). */
  readonly sab: SharedArrayBuffer;
  /** Name for statistics and errors. */
  readonly name: string;
}

/** Statistics of a {@link RecMutex}. */
export interface RecMutexStats extends MutexStats {
  /** Acquisitions that nested inside an acquisition by the same thread. */
  nested: number;
}

/**
 * A recursive mutex: the holder may lock again (depth counts), other threads
 * wait. Only the holder may unlock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecMutex } from "./rec_mutex.ts";
 * const r = new RecMutex();
 * r.lock();
 * assert.equal(r.depth(), 1);
 * r.unlock();
 * ```
 */
export class RecMutex {
  readonly #inner: Mutex;
  readonly #rec: Int32Array;
  readonly #handle: RecMutexHandle;

  /**
   * Creates an unlocked recursive mutex (or attaches to `handle`). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * const r = new RecMutex({ name: "ctx", stats: true });
   * assert.equal(r.depth(), 0); // created unlocked
   * ```
   */
  constructor(options: MutexOptions = {}, handle?: RecMutexHandle) {
    if (handle === undefined) {
      const sab = new SharedArrayBuffer(REC_MUTEX.BYTES);
      const name = options.name ?? "rec-mutex";
      // Initialise the embedded Mutex block in place.
      const init = new Mutex({ ...options, name });
      new Uint8Array(sab).set(new Uint8Array(init.handle.sab, 0, REC_MUTEX.REC_BYTE));
      handle = { sab, name };
    }
    this.#handle = handle;
    this.#inner = Mutex.fromHandle({ sab: handle.sab, byteOffset: 0, name: handle.name });
    this.#rec = new Int32Array(handle.sab, REC_MUTEX.REC_BYTE, 4);
  }

  /**
   * Rebuilds a RecMutex from a handle received from another thread. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * const a = new RecMutex();
   * const b = RecMutex.fromHandle(structuredClone(a.handle)); // as a Worker would
   * a.lock();
   * assert.equal(b.depth(), 1); // same lock
   * a.unlock();
   * ```
   */
  static fromHandle(handle: RecMutexHandle): RecMutex {
    return new RecMutex({}, handle);
  }

  /**
   * Structured-cloneable handle. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * assert.equal(new RecMutex({ name: "a" }).handle.name, "a");
   * ```
   */
  get handle(): RecMutexHandle {
    return this.#handle;
  }

  /**
   * Acquires, or nests when the caller already holds it. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * const r = new RecMutex();
   * r.lock();
   * r.lock();
   * assert.equal(r.depth(), 2);
   * r.unlock();
   * r.unlock();
   * ```
   */
  lock(): void {
    const me = currentThreadToken();
    // Only the holder ever stores its own id, so reading our own id here
    // means we hold it; pairs with the Atomics.store below.
    if (Atomics.load(this.#rec, REC_MUTEX.OWNER) === me) {
      this.#rec[REC_MUTEX.DEPTH]++;
      this.#rec[REC_MUTEX.NESTED]++;
      return;
    }
    this.#inner.lock();
    Atomics.store(this.#rec, REC_MUTEX.OWNER, me);
    this.#rec[REC_MUTEX.DEPTH] = 1;
  }

  /**
   * Acquires only if free or already held by the caller. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * const r = new RecMutex();
   * assert.ok(r.tryLock());
   * assert.ok(r.tryLock()); // the holder nests
   * r.unlock();
   * r.unlock();
   * ```
   */
  tryLock(): boolean {
    const me = currentThreadToken();
    if (Atomics.load(this.#rec, REC_MUTEX.OWNER) === me) {
      this.#rec[REC_MUTEX.DEPTH]++;
      this.#rec[REC_MUTEX.NESTED]++;
      return true;
    }
    if (!this.#inner.tryLock()) return false;
    Atomics.store(this.#rec, REC_MUTEX.OWNER, me);
    this.#rec[REC_MUTEX.DEPTH] = 1;
    return true;
  }

  /**
   * Releases one level; the lock is freed when the depth reaches 0. Only the
   * holder; any other thread gets an error.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * const r = new RecMutex({ name: "r" });
   * r.lock();
   * r.lock();
   * r.unlock();
   * assert.ok(r.heldByMe()); // one level left
   * r.unlock();
   * assert.throws(() => r.unlock(), /not locked/);
   * ```
   */
  unlock(): void {
    const owner = Atomics.load(this.#rec, REC_MUTEX.OWNER);
    if (owner !== currentThreadToken()) {
      const holder = threadTokenAlive(owner)
        ? `thread ${tokenThreadId(owner)}`
        : `thread ${tokenThreadId(owner)}, which has exited`;
      throw new Error(
        `rec-mutex "${this.#handle.name}": unlock by thread ${currentThreadId()} ` +
          `(${currentThreadName()}) ` +
          (owner === 0 ? "but it is not locked" : `but it is held by ${holder}`),
      );
    }
    if (--this.#rec[REC_MUTEX.DEPTH] > 0) return;
    Atomics.store(this.#rec, REC_MUTEX.OWNER, 0);
    this.#inner.unlock();
  }

  /**
   * Whether the caller holds it. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * const r = new RecMutex();
   * assert.equal(r.heldByMe(), false);
   * r.lock();
   * assert.equal(r.heldByMe(), true);
   * r.unlock();
   * ```
   */
  heldByMe(): boolean {
    return Atomics.load(this.#rec, REC_MUTEX.OWNER) === currentThreadToken();
  }

  /**
   * Current depth as seen by the holder (0 when the caller does not hold it).
   * Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * assert.equal(new RecMutex().depth(), 0);
   * ```
   */
  depth(): number {
    return this.heldByMe() ? this.#rec[REC_MUTEX.DEPTH] : 0;
  }

  /**
   * Sets the timing slot of the lock (see `Mutex.setTimingSlot`): nested
   * acquisitions are not timed, only the outermost lock and unlock. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * const r = new RecMutex({ stats: true });
   * r.setTimingSlot(9);
   * assert.equal(r.timingSlot, 9);
   * ```
   */
  setTimingSlot(slot: number): void {
    this.#inner.setTimingSlot(slot);
  }

  /**
   * The lock's timing slot (0: none). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * assert.equal(new RecMutex({ stats: true }).timingSlot, 0);
   * ```
   */
  get timingSlot(): number {
    return this.#inner.timingSlot;
  }

  /**
   * Statistics: those of the inner mutex plus nested acquisitions. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RecMutex } from "./rec_mutex.ts";
   * assert.equal(new RecMutex({ stats: true }).stats().nested, 0);
   * ```
   */
  stats(): RecMutexStats {
    return { ...this.#inner.stats(), nested: this.#rec[REC_MUTEX.NESTED] };
  }
}
