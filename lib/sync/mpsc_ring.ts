/**
 * MpscRing: a bounded multi-producer single-consumer queue of fixed-size
 * Int32 records in a SharedArrayBuffer (Dmitry Vyukov's bounded queue with
 * per-slot sequence numbers, specialised to one consumer).
 *
 * Producers never drop and never overwrite: on a full ring a producer waits
 * (spins briefly, then sleeps on the slot's sequence word) until the
 * consumer frees the slot; each such wait is counted in
 * {@link MpscRing.fullWaits}. The ring does not wake its consumer: whoever
 * owns the consumer (an AioContext) kicks it after a push.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MpscRing } from "./mpsc_ring.ts";
 * const ring = new MpscRing({ capacity: 8, recordWords: 2 });
 * ring.push(1, 2);
 * const out: number[] = [];
 * ring.drain((a, b) => out.push(a, b));
 * assert.deepEqual(out, [1, 2]);
 * ```
 *
 * @module
 */

import { RING } from "./layout.ts";

/** Structured-cloneable form of an {@link MpscRing}. */
export interface MpscRingHandle {
  /** Ring words (see `RING` in layout.ts). */
  readonly sab: SharedArrayBuffer;
}

/** Options of {@link MpscRing}. */
export interface MpscRingOptions {
  /** Records the ring holds; rounded up to a power of two (at least 2). Default 4096. */
  capacity?: number;
  /** Int32 words per record, 1 to 16. Default 4. */
  recordWords?: number;
}

/** Spin iterations a producer makes on a full ring before sleeping. */
const FULL_SPIN = 200;

/**
 * A bounded MPSC ring of Int32 records.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MpscRing } from "./mpsc_ring.ts";
 * const ring = new MpscRing();
 * ring.push(7, 0, 0, 0);
 * assert.equal(ring.size(), 1);
 * ```
 */
export class MpscRing {
  readonly #w: Int32Array;
  readonly #mask: number;
  readonly #capacity: number;
  readonly #stride: number;
  readonly #recordWords: number;
  readonly #handle: MpscRingHandle;

  /**
   * Creates an empty ring, or attaches to `handle`. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ capacity: 1024, recordWords: 4 });
   * assert.equal(ring.capacity, 1024);
   * assert.throws(() => new MpscRing({ recordWords: 17 }), RangeError);
   * ```
   */
  constructor(options: MpscRingOptions = {}, handle?: MpscRingHandle) {
    if (handle === undefined) {
      const recordWords = options.recordWords ?? 4;
      if (!Number.isInteger(recordWords) || recordWords < 1 || recordWords > 16) {
        throw new RangeError(`recordWords must be an integer in [1, 16], got ${recordWords}`);
      }
      const want = options.capacity ?? 4096;
      if (!Number.isInteger(want) || want < 1 || want > 1 << 24) {
        throw new RangeError(`capacity must be an integer in [1, 2^24], got ${want}`);
      }
      // At least 2 slots: with one, a published record's sequence (pos + 1)
      // equals the next position and would let a producer overwrite it.
      let capacity = 2;
      while (capacity < want) capacity <<= 1;
      const stride = 1 + recordWords;
      const sab = new SharedArrayBuffer((RING.SLOTS + capacity * stride) * 4);
      const w = new Int32Array(sab);
      w[RING.CAPACITY] = capacity;
      w[RING.RECORD_WORDS] = recordWords;
      for (let i = 0; i < capacity; i++) w[RING.SLOTS + i * stride] = i;
      handle = { sab };
    }
    this.#handle = handle;
    this.#w = new Int32Array(handle.sab);
    this.#capacity = this.#w[RING.CAPACITY];
    this.#mask = this.#capacity - 1;
    this.#recordWords = this.#w[RING.RECORD_WORDS];
    this.#stride = 1 + this.#recordWords;
  }

  /**
   * Attaches to a ring received from another thread. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ recordWords: 1 });
   * const producer = MpscRing.fromHandle(structuredClone(ring.handle)); // as a Worker would
   * producer.push(5);
   * assert.equal(ring.size(), 1);
   * ```
   */
  static fromHandle(handle: MpscRingHandle): MpscRing {
    return new MpscRing({}, handle);
  }

  /**
   * Structured-cloneable handle. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const h = new MpscRing().handle; // post it to a Worker
   * assert.ok(h.sab instanceof SharedArrayBuffer);
   * ```
   */
  get handle(): MpscRingHandle {
    return this.#handle;
  }

  /**
   * Capacity in records (a power of two, at least 2). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * assert.equal(new MpscRing({ capacity: 5 }).capacity, 8); // rounded up to a power of two
   * ```
   */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Int32 words per record. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * assert.equal(new MpscRing({ recordWords: 2 }).recordWords, 2);
   * ```
   */
  get recordWords(): number {
    return this.#recordWords;
  }

  /**
   * Appends a record of up to four words (missing words are 0; words past
   * `recordWords` are ignored), waiting while the ring is full. Any thread
   * except the consumer (which would wait for itself).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ recordWords: 3 });
   * ring.push(1, 2, 3);
   * const got: number[] = [];
   * ring.drain((a, b, c, d) => got.push(a, b, c, d));
   * assert.deepEqual(got, [1, 2, 3, 0]); // words past recordWords read 0
   * ```
   */
  push(r0: number, r1 = 0, r2 = 0, r3 = 0): void {
    const at = this.#claim();
    const w = this.#w;
    const n = this.#recordWords;
    w[at + 1] = r0;
    if (n > 1) w[at + 2] = r1;
    if (n > 2) w[at + 3] = r2;
    if (n > 3) w[at + 4] = r3;
    this.#publish(at);
  }

  /**
   * Appends a record given as an array of `recordWords` numbers, waiting
   * while the ring is full. Any thread except the consumer.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ recordWords: 6 });
   * ring.pushArray([1, 2, 3, 4, 5, 6]);
   * const got: number[] = [];
   * ring.drain((a, b, c, d) => got.push(a, b, c, d));
   * assert.deepEqual(got, [1, 2, 3, 4]); // drain delivers the first four words
   * ```
   */
  pushArray(record: ArrayLike<number>): void {
    const at = this.#claim();
    const w = this.#w;
    for (let i = 0; i < this.#recordWords; i++) w[at + 1 + i] = record[i] ?? 0;
    this.#publish(at);
  }

  /** Claims the next slot; returns the index of its sequence word. */
  #claim(): number {
    const w = this.#w;
    let spins = 0;
    for (;;) {
      const pos = Atomics.load(w, RING.HEAD);
      const seqAt = RING.SLOTS + (pos & this.#mask) * this.#stride;
      // Pairs with the consumer's Atomics.store(seq, pos + capacity) that
      // frees the slot.
      const seq = Atomics.load(w, seqAt);
      const dif = (seq - pos) | 0;
      if (dif === 0) {
        // Pairs with other producers' claims of the same position.
        if (Atomics.compareExchange(w, RING.HEAD, pos, (pos + 1) | 0) === pos) return seqAt;
      } else if (dif < 0) {
        // Full: this slot still holds an unread record.
        if (spins === 0) Atomics.add(w, RING.FULL_WAITS, 1);
        if (++spins < FULL_SPIN) continue;
        // Announce the sleep before re-checking (pairs with the consumer's
        // store of seq followed by its load of WAITERS).
        Atomics.add(w, RING.WAITERS, 1);
        Atomics.wait(w, seqAt, seq, 50);
        Atomics.sub(w, RING.WAITERS, 1);
      }
    }
  }

  #publish(seqAt: number): void {
    // A claimed slot's sequence word still holds the claimed position.
    const pos = this.#w[seqAt];
    // Release the record: pairs with the consumer's Atomics.load(seq).
    Atomics.store(this.#w, seqAt, (pos + 1) | 0);
  }

  /**
   * Calls `fn(r0, r1, r2, r3)` for each record present when the call started
   * (at most `limit`), in FIFO order per producer (words past `recordWords`
   * are 0; records longer than four words deliver their first four). Each
   * record is copied out and its slot freed before `fn` runs, so `fn` may
   * itself drain the ring (nested event loops) without seeing a record
   * twice. Returns the number consumed. The single consumer thread only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ recordWords: 1 });
   * ring.push(42);
   * ring.push(43);
   * const got: number[] = [];
   * assert.equal(ring.drain((r0) => got.push(r0), 1), 1); // at most one record
   * assert.deepEqual(got, [42]);
   * assert.equal(ring.size(), 1);
   * ```
   */
  drain(
    fn: (r0: number, r1: number, r2: number, r3: number) => void,
    limit: number = this.#capacity,
  ): number {
    const w = this.#w;
    const n = this.#recordWords;
    // Only records claimed before the call started: pairs with producers'
    // compareExchange on HEAD.
    const end = Atomics.load(w, RING.HEAD);
    let done = 0;
    while (done < limit) {
      const pos = w[RING.TAIL];
      if (pos === end) break;
      const seqAt = RING.SLOTS + (pos & this.#mask) * this.#stride;
      // Pairs with the producer's publishing Atomics.store(seq, pos + 1).
      if (Atomics.load(w, seqAt) !== ((pos + 1) | 0)) break;
      const r0 = w[seqAt + 1];
      const r1 = n > 1 ? w[seqAt + 2] : 0;
      const r2 = n > 2 ? w[seqAt + 3] : 0;
      const r3 = n > 3 ? w[seqAt + 4] : 0;
      // Free the slot for the producer one lap ahead: pairs with the
      // producer's Atomics.load(seq) in #claim().
      Atomics.store(w, seqAt, (pos + this.#capacity) | 0);
      Atomics.store(w, RING.TAIL, (pos + 1) | 0);
      // Pairs with the producer's Atomics.add(WAITERS) before it sleeps.
      if (Atomics.load(w, RING.WAITERS) !== 0) Atomics.notify(w, seqAt);
      done++;
      fn(r0, r1, r2, r3);
    }
    return done;
  }

  /**
   * Whether a record is ready for the consumer. Any thread (a snapshot).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing();
   * assert.equal(ring.hasData(), false);
   * ring.push(1);
   * assert.equal(ring.hasData(), true);
   * ```
   */
  hasData(): boolean {
    const w = this.#w;
    const pos = Atomics.load(w, RING.TAIL);
    const seqAt = RING.SLOTS + (pos & this.#mask) * this.#stride;
    return Atomics.load(w, seqAt) === ((pos + 1) | 0);
  }

  /**
   * {@link MpscRing.hasData} for the consumer thread: it owns TAIL, so it
   * reads it without a barrier (one atomic load instead of two). The single
   * consumer thread only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing();
   * ring.push(1);
   * assert.equal(ring.consumerHasData(), true);
   * ring.drain(() => {});
   * assert.equal(ring.consumerHasData(), false);
   * ```
   */
  consumerHasData(): boolean {
    const w = this.#w;
    const pos = w[RING.TAIL];
    // Pairs with the producer's publishing Atomics.store(seq, pos + 1).
    return Atomics.load(w, RING.SLOTS + (pos & this.#mask) * this.#stride) === ((pos + 1) | 0);
  }

  /**
   * Records claimed but not yet consumed (a snapshot). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing();
   * ring.push(1);
   * ring.push(2);
   * assert.equal(ring.size(), 2);
   * ```
   */
  size(): number {
    return (Atomics.load(this.#w, RING.HEAD) - Atomics.load(this.#w, RING.TAIL)) | 0;
  }

  /**
   * Times a producer found the ring full and had to wait (statistic). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ capacity: 2 });
   * ring.push(1);
   * ring.push(2); // full now, but nobody had to wait
   * assert.equal(ring.fullWaits(), 0);
   * ```
   */
  fullWaits(): number {
    return Atomics.load(this.#w, RING.FULL_WAITS);
  }

  /**
   * Records claimed so far, modulo 2^32 (statistic). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing();
   * ring.push(1);
   * ring.drain(() => {});
   * assert.equal(ring.pushed(), 1); // counts consumed records too
   * ```
   */
  pushed(): number {
    return Atomics.load(this.#w, RING.HEAD) >>> 0;
  }
}
