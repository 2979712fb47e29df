/**
 * Mutex: the counterpart of QemuMutex, a futex-style three-state lock on one
 * shared Int32 word (Drepper, "Futexes Are Tricky", mutex #3) with a bounded
 * spin before sleeping and optional statistics.
 *
 * A Mutex lives in a SharedArrayBuffer; {@link Mutex.handle} gives a
 * structured-cloneable handle that any Worker turns back into a Mutex with
 * {@link Mutex.fromHandle}. Statistics are chosen at creation: when off the
 * lock path reads no clock and writes no statistic; when on, each thread's
 * figures go to its own slot, written only while holding the lock (the lock
 * itself guards them). With statistics on and a timing slot set
 * ({@link Mutex.setTimingSlot}), each wait and hold also goes to the sink
 * the calling thread installed for that slot (lock_timing.ts), from the
 * same clock reads: one per acquisition (two when it had to wait) and one
 * per release. Only contended acquisitions report a wait (an uncontended
 * one waits 0; the statistics count them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Mutex } from "./mutex.ts";
 * const m = new Mutex({ stats: true });
 * m.lock();
 * m.unlock();
 * assert.equal(m.stats().acquired, 1);
 * ```
 *
 * @module
 */

import { MAX_THREADS, MUTEX, MUTEX_STAT } from "./layout.ts";
import { lockTimingSink, MAX_LOCK_TIMING_SLOT } from "./lock_timing.ts";
import {
  currentThreadId,
  currentThreadName,
  currentThreadToken,
  threadTokenAlive,
  tokenThreadId,
} from "./thread_id.ts";

/** Default spin iterations before a contended locker sleeps. */
export const DEFAULT_MUTEX_SPIN = 10;

/** Structured-cloneable form of a {@link Mutex}: post it to a Worker. */
export interface MutexHandle {
  /** The lock's shared words (see `MUTEX` in layout.ts). */
  readonly sab: SharedArrayBuffer;
  /** Byte offset of the block inside `sab`. */
  readonly byteOffset: number;
  /** Name used in statistics and error messages. */
  readonly name: string;
}

/** Options of {@link Mutex}. */
export interface MutexOptions {
  /** Name for statistics and errors. Default `"mutex"`. */
  name?: string;
  /** Record statistics (acquisitions, contention, wait and hold times). Default false. */
  stats?: boolean;
  /** Spin iterations before sleeping. Default {@link DEFAULT_MUTEX_SPIN}. */
  spin?: number;
}

/** Statistics of one thread, or the sum over threads. Times in ns. */
export interface MutexThreadStats {
  /** Thread id the figures belong to (-1 for a total). */
  threadId: number;
  /** Acquisitions. */
  acquired: number;
  /** Acquisitions that found the lock held. */
  contended: number;
  /** Acquisitions that slept in Atomics.wait. */
  slept: number;
  /** Total wait to acquire, ns. */
  waitTotalNs: number;
  /** Longest wait, ns. */
  waitMaxNs: number;
  /** Total hold time, ns. */
  holdTotalNs: number;
  /** Longest hold, ns. */
  holdMaxNs: number;
}

/** Statistics of a {@link Mutex}: the total and each thread that used it. */
export interface MutexStats extends MutexThreadStats {
  /** Lock name. */
  name: string;
  /** Per-thread figures, only threads with at least one acquisition. */
  perThread: MutexThreadStats[];
}

/** "thread 3" for a live holder, "thread 3, which has exited" for a dead one. */
function describeHolder(token: number): string {
  const id = tokenThreadId(token);
  return threadTokenAlive(token) ? `thread ${id}` : `thread ${id}, which has exited`;
}

function nowNs(): number {
  return performance.now() * 1e6;
}

/**
 * A futex-style mutex on a SharedArrayBuffer. Any thread may lock; only the
 * holder may unlock (anyone else gets an error). Not recursive: locking twice
 * from one thread deadlocks, as with QemuMutex (use {@link RecMutex}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Mutex } from "./mutex.ts";
 * const m = new Mutex();
 * assert.ok(m.tryLock());
 * assert.ok(!m.tryLock()); // not recursive: held, even by this thread
 * m.unlock();
 * ```
 */
export class Mutex {
  readonly #words: Int32Array;
  readonly #stats: Float64Array | null;
  readonly #spin: number;
  readonly #handle: MutexHandle;

  /**
   * Creates a new, unlocked mutex in a fresh SharedArrayBuffer. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const m = new Mutex({ name: "bql", stats: true });
   * assert.equal(m.owner(), -1); // created unlocked
   * ```
   */
  constructor(options: MutexOptions = {}, handle?: MutexHandle) {
    if (handle === undefined) {
      const sab = new SharedArrayBuffer(MUTEX.BYTES);
      const w = new Int32Array(sab);
      w[MUTEX.STATS_ON] = options.stats ? 1 : 0;
      w[MUTEX.SPIN] = options.spin ?? DEFAULT_MUTEX_SPIN;
      handle = { sab, byteOffset: 0, name: options.name ?? "mutex" };
    }
    this.#handle = handle;
    this.#words = new Int32Array(handle.sab, handle.byteOffset, MUTEX.STATS_BYTE / 4);
    this.#spin = this.#words[MUTEX.SPIN];
    this.#stats = this.#words[MUTEX.STATS_ON] === 1
      ? new Float64Array(
        handle.sab,
        handle.byteOffset + MUTEX.STATS_BYTE,
        MAX_THREADS * MUTEX_STAT.COUNT,
      )
      : null;
  }

  /**
   * Rebuilds a Mutex from a handle received from another thread. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const a = new Mutex();
   * const b = Mutex.fromHandle(structuredClone(a.handle)); // as a Worker would
   * a.lock();
   * assert.ok(!b.tryLock()); // same lock
   * a.unlock();
   * ```
   */
  static fromHandle(handle: MutexHandle): Mutex {
    return new Mutex({}, handle);
  }

  /**
   * Structured-cloneable handle to this lock. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * assert.equal(new Mutex({ name: "x" }).handle.name, "x");
   * ```
   */
  get handle(): MutexHandle {
    return this.#handle;
  }

  /**
   * Lock name. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * assert.equal(new Mutex({ name: "bql" }).name, "bql");
   * ```
   */
  get name(): string {
    return this.#handle.name;
  }

  /**
   * Acquires the lock, spinning briefly and then sleeping. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const m = new Mutex();
   * m.lock();
   * assert.ok(m.heldByMe());
   * m.unlock();
   * ```
   */
  lock(): void {
    const w = this.#words;
    // Pairs with the release in unlock() (Atomics.sub / store): acquiring
    // the word orders every access of the critical section after it.
    const c = Atomics.compareExchange(w, MUTEX.STATE, 0, 1);
    if (c === 0) {
      w[MUTEX.OWNER] = currentThreadToken();
      if (this.#stats !== null) this.#record(nowNs(), 0, false, false);
      return;
    }
    this.#lockContended(c);
  }

  #lockContended(c: number): void {
    const w = this.#words;
    const start = this.#stats !== null ? nowNs() : 0;
    let slept = false;
    for (let i = 0; i < this.#spin; i++) {
      // Same pairing as the fast path.
      if (Atomics.load(w, MUTEX.STATE) === 0) {
        c = Atomics.compareExchange(w, MUTEX.STATE, 0, 1);
        if (c === 0) break;
      }
      // Spin-wait hint (x86 PAUSE): leaves the holder its cache line.
      Atomics.pause();
    }
    if (c !== 0) {
      // Mark "locked with waiters" so the holder's unlock wakes us; pairs
      // with Atomics.sub/store + Atomics.notify in unlock().
      if (c !== 2) c = Atomics.exchange(w, MUTEX.STATE, 2);
      // Only this thread ever stores its own token, so reading it here means
      // this thread holds the lock: a non-recursive lock would deadlock.
      if (c !== 0) {
        if (w[MUTEX.OWNER] === currentThreadToken()) this.#relock();
        // A holder that has exited can never wake us: refuse to sleep. (A
        // holder that exits while we sleep is the watchdog's to find: a timed
        // wait here would cost the contended path a third of its speed.)
        this.#checkHolder();
      }
      while (c !== 0) {
        slept = true;
        Atomics.wait(w, MUTEX.STATE, 2);
        c = Atomics.exchange(w, MUTEX.STATE, 2);
      }
    }
    w[MUTEX.OWNER] = currentThreadToken();
    if (this.#stats !== null) {
      const now = nowNs();
      this.#record(now, now - start, true, slept);
    }
  }

  /** Statistics of an acquisition at `now` (the one clock read) after a wait of `waitNs`. */
  #record(now: number, waitNs: number, contended: boolean, slept: boolean): void {
    const s = this.#stats!;
    const base = currentThreadId() * MUTEX_STAT.COUNT;
    s[base + MUTEX_STAT.ACQUIRED]++;
    s[base + MUTEX_STAT.ACQUIRED_AT] = now;
    if (contended) {
      s[base + MUTEX_STAT.CONTENDED]++;
      if (slept) s[base + MUTEX_STAT.SLEPT]++;
      s[base + MUTEX_STAT.WAIT_TOTAL_NS] += waitNs;
      if (waitNs > s[base + MUTEX_STAT.WAIT_MAX_NS]) s[base + MUTEX_STAT.WAIT_MAX_NS] = waitNs;
      // Only contended waits go to the sink: an uncontended one is 0, and
      // the statistics count those (acquisitions - contended).
      const slot = this.#words[MUTEX.TIMING_SLOT];
      if (slot !== 0) {
        const sink = lockTimingSink(slot);
        if (sink !== null) sink.wait.record(waitNs);
      }
    }
  }

  /**
   * Acquires the lock only if it is free; returns whether it did. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const m = new Mutex();
   * assert.equal(m.tryLock(), true);
   * assert.equal(m.tryLock(), false);
   * m.unlock();
   * ```
   */
  tryLock(): boolean {
    // Pairs with the release in unlock().
    if (Atomics.compareExchange(this.#words, MUTEX.STATE, 0, 1) !== 0) return false;
    this.#words[MUTEX.OWNER] = currentThreadToken();
    if (this.#stats !== null) this.#record(nowNs(), 0, false, false);
    return true;
  }

  /**
   * Releases the lock. Only the holder; any other thread gets an error and
   * the lock is unchanged.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const m = new Mutex({ name: "m" });
   * assert.throws(() => m.unlock(), /not locked/);
   * m.lock();
   * m.unlock();
   * assert.equal(m.owner(), -1);
   * ```
   */
  unlock(): void {
    const w = this.#words;
    if (w[MUTEX.OWNER] !== currentThreadToken()) this.#notHolder();
    if (this.#stats !== null) {
      const s = this.#stats;
      const base = currentThreadId() * MUTEX_STAT.COUNT;
      // The hold start lives in the shared slot, not in this object: lock
      // and unlock may go through two Mutex objects of the same lock.
      const held = nowNs() - s[base + MUTEX_STAT.ACQUIRED_AT];
      s[base + MUTEX_STAT.HOLD_TOTAL_NS] += held;
      if (held > s[base + MUTEX_STAT.HOLD_MAX_NS]) s[base + MUTEX_STAT.HOLD_MAX_NS] = held;
      const slot = w[MUTEX.TIMING_SLOT];
      if (slot !== 0) {
        const sink = lockTimingSink(slot);
        if (sink !== null) sink.hold.record(held);
      }
    }
    w[MUTEX.OWNER] = 0;
    // Release: pairs with the compareExchange/exchange of the next locker.
    if (Atomics.sub(w, MUTEX.STATE, 1) !== 1) {
      Atomics.store(w, MUTEX.STATE, 0);
      // Wakes one sleeper in #lockContended's Atomics.wait.
      Atomics.notify(w, MUTEX.STATE, 1);
    }
  }

  #notHolder(): never {
    const token = Atomics.load(this.#words, MUTEX.OWNER);
    throw new Error(
      `mutex "${this.name}": unlock by thread ${currentThreadId()} (${currentThreadName()}) ` +
        (token === 0
          ? "but the mutex is not locked"
          : `but it is held by ${describeHolder(token)}`),
    );
  }

  #relock(): never {
    throw new Error(
      `mutex "${this.name}": thread ${currentThreadId()} (${currentThreadName()}) locks it ` +
        "again while holding it; a Mutex is not recursive (this would deadlock): use RecMutex",
    );
  }

  #checkHolder(): void {
    const token = Atomics.load(this.#words, MUTEX.OWNER);
    if (token !== 0 && !threadTokenAlive(token)) {
      throw new Error(
        `mutex "${this.name}": thread ${currentThreadId()} (${currentThreadName()}) waits ` +
          `for it, but it is held by ${describeHolder(token)}: the lock can never be released`,
      );
    }
  }

  /**
   * Whether the calling thread holds the lock. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const m = new Mutex();
   * m.lock();
   * assert.equal(m.heldByMe(), true);
   * m.unlock();
   * assert.equal(m.heldByMe(), false);
   * ```
   */
  heldByMe(): boolean {
    return this.#words[MUTEX.OWNER] === currentThreadToken();
  }

  /**
   * Id of the holding thread, or -1 when free (a snapshot). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const m = new Mutex();
   * assert.equal(m.owner(), -1);
   * m.lock();
   * assert.equal(m.owner(), 0); // the orchestrator
   * m.unlock();
   * ```
   */
  owner(): number {
    return tokenThreadId(Atomics.load(this.#words, MUTEX.OWNER));
  }

  /**
   * Whether the mutex is held by a thread that has exited (its id was freed):
   * such a lock can never be released, and it is not inherited by the next
   * thread given that id. Any thread (a diagnostic snapshot).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const m = new Mutex();
   * m.lock();
   * assert.equal(m.holderExited(), false);
   * m.unlock();
   * ```
   */
  holderExited(): boolean {
    const token = Atomics.load(this.#words, MUTEX.OWNER);
    return token !== 0 && !threadTokenAlive(token);
  }

  /**
   * Sets the lock's timing slot (1..1023; 0 turns timing off): from now on,
   * with statistics on, every thread that installed a sink for that slot
   * (lock_timing.ts `setLockTimingSink`) receives its own waits and holds
   * of this lock. Any thread; a lock without statistics refuses (it reads
   * no clock).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const m = new Mutex({ stats: true });
   * m.setTimingSlot(5);
   * assert.equal(m.timingSlot, 5);
   * assert.throws(() => new Mutex().setTimingSlot(5), /without statistics/);
   * ```
   */
  setTimingSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot > MAX_LOCK_TIMING_SLOT) {
      throw new RangeError(
        `mutex "${this.name}": timing slot must be an integer in 0..${MAX_LOCK_TIMING_SLOT}, ` +
          `got ${slot}`,
      );
    }
    if (this.#stats === null && slot !== 0) {
      throw new Error(
        `mutex "${this.name}": a timing slot needs statistics, and this mutex was created ` +
          "without statistics (stats: true)",
      );
    }
    // Pairs with the lock path's plain read (a late view only delays the first records).
    Atomics.store(this.#words, MUTEX.TIMING_SLOT, slot);
  }

  /**
   * The lock's timing slot (0: none). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * assert.equal(new Mutex({ stats: true }).timingSlot, 0);
   * ```
   */
  get timingSlot(): number {
    return Atomics.load(this.#words, MUTEX.TIMING_SLOT);
  }

  /**
   * Statistics so far (all zero when created without `stats`). Any thread;
   * figures being updated by a running holder may be one event behind.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "./mutex.ts";
   * const m = new Mutex({ stats: true });
   * m.lock();
   * m.unlock();
   * const s = m.stats();
   * assert.equal(s.acquired, 1);
   * assert.equal(s.contended, 0);
   * assert.equal(s.perThread[0].threadId, 0);
   * ```
   */
  stats(): MutexStats {
    const total: MutexStats = {
      name: this.name,
      threadId: -1,
      acquired: 0,
      contended: 0,
      slept: 0,
      waitTotalNs: 0,
      waitMaxNs: 0,
      holdTotalNs: 0,
      holdMaxNs: 0,
      perThread: [],
    };
    const s = this.#stats;
    if (s === null) return total;
    for (let t = 0; t < MAX_THREADS; t++) {
      const b = t * MUTEX_STAT.COUNT;
      if (s[b + MUTEX_STAT.ACQUIRED] === 0) continue;
      const one: MutexThreadStats = {
        threadId: t,
        acquired: s[b + MUTEX_STAT.ACQUIRED],
        contended: s[b + MUTEX_STAT.CONTENDED],
        slept: s[b + MUTEX_STAT.SLEPT],
        waitTotalNs: s[b + MUTEX_STAT.WAIT_TOTAL_NS],
        waitMaxNs: s[b + MUTEX_STAT.WAIT_MAX_NS],
        holdTotalNs: s[b + MUTEX_STAT.HOLD_TOTAL_NS],
        holdMaxNs: s[b + MUTEX_STAT.HOLD_MAX_NS],
      };
      total.perThread.push(one);
      total.acquired += one.acquired;
      total.contended += one.contended;
      total.slept += one.slept;
      total.waitTotalNs += one.waitTotalNs;
      total.waitMaxNs = Math.max(total.waitMaxNs, one.waitMaxNs);
      total.holdTotalNs += one.holdTotalNs;
      total.holdMaxNs = Math.max(total.holdMaxNs, one.holdMaxNs);
    }
    return total;
  }
}
