/**
 * {@link Barrier}: the one start barrier of aiolab's tests, a few words of a
 * SharedArrayBuffer that any number of threads meet at. Worker threads
 * block in {@link Barrier.arrive}; a thread that must not block (the main
 * test thread) awaits {@link Barrier.arriveAsync}. The barrier is reusable:
 * each time the last of its `parties` arrives, all of them pass and the next
 * round begins.
 *
 * Test support only: not re-exported from any `mod.ts`. Depends on
 * lib/testing/wait.ts only.
 *
 * @example Two threads start together
 * ```ts
 * import assert from "node:assert/strict";
 * import { Barrier } from "./barrier.ts";
 * import { runInThread } from "./thread.ts";
 *
 * const barrier = new Barrier(2);
 * const worker = runInThread<number>(
 *   new URL("./barrier.ts", import.meta.url),
 *   "arriveAt",
 *   barrier.handle,
 * );
 * await barrier.arriveAsync({ watch: worker });
 * assert.equal(await worker, 1);
 * assert.equal(barrier.rounds(), 1);
 * ```
 *
 * @module
 */

import { waitFor, type WaitForOptions } from "./wait.ts";

/**
 * Words of a barrier's buffer.
 *
 * - ARRIVED: threads arrived in the current round. Written by arriving
 *   threads (Atomics.add) and reset to 0 by the last one before it ends the
 *   round; read by nobody else.
 * - ROUND: rounds completed. Bumped by the last arriver after it reset
 *   ARRIVED; waiters sleep on it.
 */
const WORD = {
  ARRIVED: 0,
  ROUND: 1,
  WORDS: 2,
} as const;

/** Default hang guard of {@link Barrier.arrive}: only a hung test reaches it. */
const HANG_GUARD_MS = 120_000;

/** What another thread needs to use the same barrier (structured-cloneable). */
export interface BarrierHandle {
  /** The shared words. */
  readonly sab: SharedArrayBuffer;
  /** Threads that meet at the barrier each round. */
  readonly parties: number;
}

/**
 * A reusable barrier for `parties` threads in shared memory. Any thread may
 * create one and pass {@link Barrier.handle} to others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Barrier } from "./barrier.ts";
 *
 * const b = new Barrier(1);
 * b.arrive(); // the only party: passes at once
 * assert.equal(b.rounds(), 1);
 * ```
 */
export class Barrier {
  readonly #words: Int32Array;
  readonly #parties: number;

  /**
   * A new barrier for `parties` threads (an integer >= 1), or, given the
   * handle of an existing one, a view of that barrier in this thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Barrier } from "./barrier.ts";
   *
   * assert.throws(() => new Barrier(0), /parties/);
   * const view = new Barrier(new Barrier(3).handle);
   * assert.equal(view.parties, 3);
   * ```
   */
  constructor(parties: number | BarrierHandle) {
    const n = typeof parties === "number" ? parties : parties.parties;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Barrier: parties must be an integer >= 1, got ${n}`);
    }
    this.#parties = n;
    if (typeof parties === "number") {
      this.#words = new Int32Array(new SharedArrayBuffer(WORD.WORDS * 4));
    } else {
      const { sab } = parties;
      if (!(sab instanceof SharedArrayBuffer) || sab.byteLength < WORD.WORDS * 4) {
        throw new TypeError(
          `Barrier: a handle needs a SharedArrayBuffer of at least ${WORD.WORDS * 4} bytes, ` +
            `got ${sab instanceof SharedArrayBuffer ? `${sab.byteLength} bytes` : typeof sab}`,
        );
      }
      this.#words = new Int32Array(sab, 0, WORD.WORDS);
    }
  }

  /**
   * The barrier behind a handle another thread created (same as
   * `new Barrier(handle)`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Barrier } from "./barrier.ts";
   *
   * const b = new Barrier(1);
   * Barrier.fromHandle(b.handle).arrive();
   * assert.equal(b.rounds(), 1);
   * ```
   */
  static fromHandle(handle: BarrierHandle): Barrier {
    return new Barrier(handle);
  }

  /** What another thread needs to use this barrier. */
  get handle(): BarrierHandle {
    return { sab: this.#words.buffer as SharedArrayBuffer, parties: this.#parties };
  }

  /** Threads that meet at the barrier each round. */
  get parties(): number {
    return this.#parties;
  }

  /** Rounds completed so far. Any thread. */
  rounds(): number {
    return Atomics.load(this.#words, WORD.ROUND);
  }

  /**
   * Counts this thread in and blocks (Atomics.wait) until all parties of
   * this round arrived; throws after `hangMs` (only a hung test gets there).
   * Worker threads only: it blocks the calling thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Barrier } from "./barrier.ts";
   *
   * const b = new Barrier(1);
   * b.arrive();
   * b.arrive();
   * assert.equal(b.rounds(), 2);
   * ```
   */
  arrive(hangMs: number = HANG_GUARD_MS): void {
    const round = this.#countIn();
    if (round === null) return;
    const w = this.#words;
    const deadline = performance.now() + hangMs;
    // Pairs with the last arriver's Atomics.add(ROUND) + notify.
    while (Atomics.load(w, WORD.ROUND) === round) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(this.#hung(hangMs));
      Atomics.wait(w, WORD.ROUND, round, left);
    }
  }

  /**
   * Counts this thread in and awaits, without blocking, until all parties
   * of this round arrived. Rejects early when a watched thread or promise
   * ends first (see `waitFor`). For threads that must not block.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Barrier } from "./barrier.ts";
   *
   * const b = new Barrier(2);
   * await Promise.all([b.arriveAsync(), b.arriveAsync()]);
   * assert.equal(b.rounds(), 1);
   * ```
   */
  async arriveAsync(options: WaitForOptions = {}): Promise<void> {
    const round = this.#countIn();
    if (round === null) return;
    await waitFor(
      { words: this.#words, index: WORD.ROUND, atLeast: round + 1 },
      `all ${this.#parties} parties at the barrier`,
      options,
    );
  }

  /** Counts in; returns the round to wait for, or null when this thread completed it. */
  #countIn(): number | null {
    const w = this.#words;
    const round = Atomics.load(w, WORD.ROUND);
    // Full barrier: pairs with the other arrivers' add and the last one's reset.
    if (Atomics.add(w, WORD.ARRIVED, 1) + 1 < this.#parties) return round;
    Atomics.store(w, WORD.ARRIVED, 0);
    // Publishes the reset before the round ends: pairs with the waiters' load of ROUND.
    Atomics.add(w, WORD.ROUND, 1);
    Atomics.notify(w, WORD.ROUND);
    return null;
  }

  #hung(hangMs: number): string {
    return `Barrier: ${Atomics.load(this.#words, WORD.ARRIVED)} of ${this.#parties} parties ` +
      `arrived within ${hangMs} ms (a thread never came)`;
  }
}

/**
 * Arrives at the barrier behind `handle` (blocking) and returns the rounds
 * completed: a job for a Worker started with `runInThread`.
 */
export function arriveAt(handle: BarrierHandle): number {
  const b = Barrier.fromHandle(handle);
  b.arrive();
  return b.rounds();
}
