/**
 * One time base for every thread. `performance.now()` has a different
 * origin in every Worker, and the wall clock cannot bridge them here (on
 * these VMs `CLOCK_REALTIME` is stepped against `CLOCK_MONOTONIC` by
 * tens of microseconds, so `performance.timeOrigin` offsets misorder
 * events). The shared base is therefore the orchestrator's own
 * `performance.now()` in ns, and each other thread measures its offset to
 * it once, at attach, by a ping-pong handshake on a SharedArrayBuffer
 * using only the monotonic clocks: in each round the orchestrator reads its
 * clock (o1), pings, the thread reads its clock (w) and answers, the
 * orchestrator reads again (o2); causality gives o1 <= w + offset <= o2.
 * The intersection of all rounds (and of repeated sessions, until the
 * bound is within 500 ns or 16 sessions ran) bounds the true offset; the
 * thread uses its midpoint and knows its {@link TimeBase.uncertaintyNs}
 * (half the width): a shared timestamp is exact to within it. On an idle
 * machine the bound is a few hundred ns; under heavy load it widens (the
 * two threads rarely run at the same moment) but stays a true bound.
 * The orchestrator spins for at most 10 ms per session while it answers. After attach, `now()`
 * is one `performance.now()` read, a multiply and an add.
 *
 * The orchestrator answers calibrations from its event loop (it waits with
 * `Atomics.waitAsync` and never blocks), so it must be awaiting, not busy,
 * while threads attach.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimeBase } from "./time_base.ts";
 * const tb = TimeBase.create(); // orchestrator
 * const t0 = tb.now();
 * assert.ok(tb.now() >= t0);
 * assert.ok(tb.resolutionNs > 0);
 * assert.equal(tb.uncertaintyNs, 0); // the orchestrator's clock is the base
 * await tb.close();
 * ```
 *
 * @module
 */

import { TIME_BASE, TIME_BASE_MAGIC } from "./layout.ts";

/** Structured-cloneable reference to the shared time base: post it to threads. */
export interface TimeBaseHandle {
  /** The time base's buffer. */
  readonly sab: SharedArrayBuffer;
}

/** Options of {@link TimeBase.attach}. */
export interface AttachOptions {
  /** Give up waiting for the orchestrator after this many ms (default 30 000). */
  timeoutMs?: number;
}

/**
 * Smallest non-zero difference between successive `performance.now()`
 * reads over `reads` reads, in ns. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureClockResolution } from "./time_base.ts";
 * const r = measureClockResolution();
 * assert.ok(r > 0 && r < 1e6);
 * ```
 */
export function measureClockResolution(reads = 2000): number {
  let best = Number.POSITIVE_INFINITY;
  let prev = performance.now();
  for (let i = 0; i < reads; i++) {
    const t = performance.now();
    const d = t - prev;
    if (d > 0 && d < best) best = d;
    prev = t;
  }
  return best * 1e6;
}

const STOPPED = 2;
/** The orchestrator looks for calibration requests at least this often, ms. */
const SERVE_POLL_MS = 2;
/** Rounds per calibration session (after one warm-up round). */
const SESSION_ROUNDS = 64;
/** A session stops after this many ms once one round completed; also the wait limit per round. */
const SESSION_BUDGET_MS = 10;
/** A thread stops calibrating once its offset is known to within this, ns ... */
const TARGET_UNCERTAINTY_NS = 500;
/** ... or after this many sessions (under heavy load the bound stays wider). */
const MAX_SESSIONS = 16;

/**
 * A thread's view of the shared time base. `now()` may be called at any
 * time by the thread that created or attached this object; the object
 * itself is not shared (post {@link TimeBase.handle} instead).
 */
export class TimeBase {
  readonly #sab: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #f64: Float64Array;
  readonly #offsetNs: number;
  readonly #uncertaintyNs: number;
  readonly #orchestrator: boolean;
  #serving: Promise<void> | null = null;

  private constructor(
    sab: SharedArrayBuffer,
    offsetNs: number,
    uncertainty: number,
    orch: boolean,
  ) {
    this.#sab = sab;
    this.#words = new Int32Array(sab);
    this.#f64 = new Float64Array(sab);
    this.#offsetNs = offsetNs;
    this.#uncertaintyNs = uncertainty;
    this.#orchestrator = orch;
  }

  /**
   * Creates the base on the orchestrator: its clock becomes the shared one,
   * it measures the clock resolution, and it starts answering calibration
   * requests until {@link close}. Orchestrator thread only, once per run.
   */
  static create(): TimeBase {
    const sab = new SharedArrayBuffer(TIME_BASE.BYTES);
    const f64 = new Float64Array(sab);
    f64[TIME_BASE.RESOLUTION_F64] = measureClockResolution();
    new Int32Array(sab)[TIME_BASE.MAGIC] = TIME_BASE_MAGIC;
    const tb = new TimeBase(sab, 0, 0, true);
    tb.#serving = tb.#serve();
    return tb;
  }

  /**
   * Joins the base from another thread: claims the calibration slot, runs
   * the handshake with the orchestrator (blocking this thread for a few
   * milliseconds) and keeps the offset. Any thread but the orchestrator's.
   */
  static attach(handle: TimeBaseHandle, options: AttachOptions = {}): TimeBase {
    const sab = handle.sab;
    const w = new Int32Array(sab);
    if (sab.byteLength !== TIME_BASE.BYTES || w[TIME_BASE.MAGIC] !== TIME_BASE_MAGIC) {
      throw new TypeError(
        "expected the buffer of a TimeBase (from timeBase.handle), found a buffer of " +
          `${sab.byteLength} bytes without the time-base tag`,
      );
    }
    const deadline = performance.now() + (options.timeoutMs ?? 30_000);
    const f64 = new Float64Array(sab);
    const late = (what: string) =>
      new Error(
        `TimeBase.attach: the orchestrator did not ${what} in time; it answers calibrations ` +
          "from its event loop, so it must be awaiting (not busy or blocked) while threads attach",
      );
    // Claim the slot; the holder's release (store 0 + notify) pairs with this wait.
    while (Atomics.compareExchange(w, TIME_BASE.CLAIM, 0, 1) !== 0) {
      if (performance.now() > deadline) throw late("finish another thread's calibration");
      Atomics.wait(w, TIME_BASE.CLAIM, 1, 10);
    }
    try {
      // The offset is constant, so the bounds of every session intersect:
      // ask again until they are tight or the session budget is spent.
      let lo = Number.NEGATIVE_INFINITY;
      let hi = Number.POSITIVE_INFINITY;
      for (let session = 0;; session++) {
        const result = TimeBase.#requestSession(w, f64, deadline, late);
        if (result === 1) {
          lo = Math.max(lo, f64[TIME_BASE.LO_F64]);
          hi = Math.min(hi, f64[TIME_BASE.HI_F64]);
          if (lo > hi) {
            throw new Error(
              "TimeBase.attach: the handshake bounds were inconsistent (the clocks of this " +
                "thread and the orchestrator do not advance together)",
            );
          }
        } else if (performance.now() > deadline) throw late("complete a calibration round");
        // result 2: no round completed (this thread was descheduled).
        const done = hi - lo <= 2 * TARGET_UNCERTAINTY_NS || session + 1 >= MAX_SESSIONS;
        if (done && hi < Number.POSITIVE_INFINITY) {
          return new TimeBase(sab, (lo + hi) / 2, (hi - lo) / 2, false);
        }
      }
    } finally {
      Atomics.store(w, TIME_BASE.CLAIM, 0);
      Atomics.notify(w, TIME_BASE.CLAIM, 1);
    }
  }

  /** One session as the claimant; returns its RESULT (1 bounds published, 2 no round completed). */
  static #requestSession(
    w: Int32Array,
    f64: Float64Array,
    deadline: number,
    late: (what: string) => Error,
  ): number {
    Atomics.store(w, TIME_BASE.RESULT, 0);
    Atomics.store(w, TIME_BASE.PONG, 0);
    Atomics.store(w, TIME_BASE.PING, 0);
    // Pairs with the orchestrator's Atomics.waitAsync on REQUEST; a CAS so
    // that a close (REQUEST = 2) is never overwritten.
    if (Atomics.compareExchange(w, TIME_BASE.REQUEST, 0, 1) === STOPPED) {
      throw new Error("TimeBase.attach: the time base was closed by the orchestrator");
    }
    Atomics.notify(w, TIME_BASE.REQUEST);
    let answered = 0;
    for (;;) {
      const k = Atomics.load(w, TIME_BASE.PING); // pairs with the orchestrator's store of PING
      if (k === -1) break;
      if (k > answered) {
        f64[TIME_BASE.REPLY_F64] = performance.now() * 1e6;
        answered = k;
        Atomics.store(w, TIME_BASE.PONG, k); // publishes REPLY_F64
        continue;
      }
      if (performance.now() > deadline) throw late("finish the calibration");
    }
    return Atomics.load(w, TIME_BASE.RESULT); // pairs with the orchestrator's store
  }

  /** Structured-cloneable reference for other threads ({@link attach}). */
  get handle(): TimeBaseHandle {
    return { sab: this.#sab };
  }

  /** Now on the shared base, ns (one `performance.now()` read). This thread only. */
  now(): number {
    return performance.now() * 1e6 + this.#offsetNs;
  }

  /** Converts this thread's `performance.now()` value (ms) to the shared base, ns. */
  fromLocalMs(ms: number): number {
    return ms * 1e6 + this.#offsetNs;
  }

  /** This thread's offset to the shared base, ns (0 on the orchestrator). */
  get offsetNs(): number {
    return this.#offsetNs;
  }

  /** Bound on this thread's offset error, ns: shared timestamps are exact to within it. */
  get uncertaintyNs(): number {
    return this.#uncertaintyNs;
  }

  /** Clock resolution the orchestrator measured at creation, ns. */
  get resolutionNs(): number {
    return this.#f64[TIME_BASE.RESOLUTION_F64];
  }

  /**
   * Stops answering calibrations (later attaches fail). Orchestrator only;
   * resolves when the answering loop has ended.
   */
  async close(): Promise<void> {
    if (!this.#orchestrator) return;
    Atomics.store(this.#words, TIME_BASE.REQUEST, STOPPED);
    Atomics.notify(this.#words, TIME_BASE.REQUEST);
    await this.#serving;
  }

  async #serve(): Promise<void> {
    const w = this.#words;
    for (;;) {
      const req = Atomics.load(w, TIME_BASE.REQUEST);
      if (req === STOPPED) return;
      if (req === 0) {
        // Pairs with the claimant's compareExchange + notify of REQUEST. The
        // timer is a fallback: a waitAsync wakeup posted from another thread
        // does not always rouse Deno's idle event loop, and the timer also
        // keeps the loop alive while threads attach.
        const r = Atomics.waitAsync(w, TIME_BASE.REQUEST, 0);
        if (r.async) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([
            r.value,
            new Promise<void>((resolve) => timer = setTimeout(resolve, SERVE_POLL_MS)),
          ]);
          clearTimeout(timer);
        }
        continue;
      }
      this.#session();
    }
  }

  /**
   * One calibration session: up to SESSION_ROUNDS rounds, synchronous,
   * and stopped after SESSION_BUDGET_MS once a round has completed.
   */
  #session(): void {
    const w = this.#words;
    const f64 = this.#f64;
    let lo = Number.NEGATIVE_INFINITY;
    let hi = Number.POSITIVE_INFINITY;
    let done = 0;
    const end = performance.now() + SESSION_BUDGET_MS;
    for (let k = 1; k <= SESSION_ROUNDS + 1; k++) {
      if (done > 0 && performance.now() > end) break;
      const o1 = performance.now() * 1e6;
      Atomics.store(w, TIME_BASE.PING, k); // pairs with the claimant's load of PING
      const limit = performance.now() + SESSION_BUDGET_MS;
      let ok = true;
      while (Atomics.load(w, TIME_BASE.PONG) !== k) { // pairs with the claimant's store of PONG
        if (performance.now() > limit) {
          ok = false;
          break;
        }
      }
      const o2 = performance.now() * 1e6;
      if (!ok) break;
      if (k === 1) continue; // the claimant may still be entering its loop: warm-up round
      const reply = f64[TIME_BASE.REPLY_F64];
      if (o1 - reply > lo) lo = o1 - reply;
      if (o2 - reply < hi) hi = o2 - reply;
      done++;
    }
    if (done === 0) {
      Atomics.store(w, TIME_BASE.RESULT, 2);
    } else {
      f64[TIME_BASE.LO_F64] = lo;
      f64[TIME_BASE.HI_F64] = hi;
      Atomics.store(w, TIME_BASE.RESULT, 1); // publishes the two slots above
    }
    // Clear the request before ending the session (PING = -1): the claimant
    // releases the claim only after it sees -1, so the next request cannot
    // be cleared by this one's end.
    Atomics.compareExchange(w, TIME_BASE.REQUEST, 1, 0);
    Atomics.store(w, TIME_BASE.PING, -1);
  }
}
