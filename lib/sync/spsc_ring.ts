/**
 * SpscRing: a bounded single-producer single-consumer queue of fixed-size
 * Int32 records in shared memory, for a virtqueue: one guest thread pushes
 * requests, the one thread serving the queue takes them (and the other way
 * round for completions).
 *
 * Why not {@link MpscRing}: its producers claim positions with a
 * compareExchange on a shared HEAD that the consumer reads and its consumer
 * frees every slot with a store the producer then reads, so each record
 * moves three or four cache lines between the two cores. Here the consumer
 * finds a record by its slot's sequence word alone, and the producer reads
 * the consumer's TAIL only when the TAIL it saw last says the ring is full;
 * at queue depth 1 a record moves one line each way (FastForward /
 * Lamport's ring with cached indices).
 *
 * One producer and one consumer at a time: the roles may move to other
 * threads (a device moved to another IOThread takes over its virtqueues'
 * consumer side) provided the move itself orders memory (a drained section
 * and a handshake through Atomics), since each side restarts from the
 * shared position word. A full ring is an error (the producer keeps at most
 * `capacity` records unconsumed, as a guest keeps at most the queue's
 * size in flight); nothing waits and nothing spills.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SpscRing } from "./spsc_ring.ts";
 * const ring = new SpscRing({ capacity: 8, recordWords: 2 });
 * ring.push(1, 2);
 * const out: number[] = [];
 * ring.drain((a, b) => out.push(a, b));
 * assert.deepEqual(out, [1, 2]);
 * ```
 *
 * @module
 */

import { SPSC_RING } from "./layout.ts";

/** Structured-cloneable form of an {@link SpscRing}. */
export interface SpscRingHandle {
  /** Ring words (see `SPSC_RING` in layout.ts). */
  readonly sab: SharedArrayBuffer;
}

/** Options of {@link SpscRing}. */
export interface SpscRingOptions {
  /** Records the ring holds; rounded up to a power of two (at least 2). Default 256. */
  capacity?: number;
  /** Int32 words per record, 1 to 4. Default 4. */
  recordWords?: number;
}

/**
 * A bounded SPSC ring of Int32 records. `push`: the producer thread;
 * `drain` and `consumerHasData`: the consumer thread; the rest: any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SpscRing } from "./spsc_ring.ts";
 * const ring = new SpscRing();
 * ring.push(7, 0, 0, 0);
 * assert.equal(ring.size(), 1);
 * ```
 */
export class SpscRing {
  readonly #w: Int32Array;
  readonly #mask: number;
  readonly #capacity: number;
  readonly #stride: number;
  readonly #recordWords: number;
  readonly #handle: SpscRingHandle;
  /** Producer side: the TAIL this instance read last (never ahead of the real one). */
  #tailSeen: number;

  /**
   * Creates an empty ring, or attaches to `handle`. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpscRing } from "./spsc_ring.ts";
   * const ring = new SpscRing({ capacity: 100, recordWords: 3 });
   * assert.equal(ring.capacity, 128);
   * assert.throws(() => new SpscRing({ recordWords: 5 }), RangeError);
   * ```
   */
  constructor(options: SpscRingOptions = {}, handle?: SpscRingHandle) {
    if (handle === undefined) {
      const recordWords = options.recordWords ?? 4;
      if (!Number.isInteger(recordWords) || recordWords < 1 || recordWords > 4) {
        throw new RangeError(
          `SpscRing: recordWords must be an integer in [1, 4], got ${recordWords}`,
        );
      }
      const asked = options.capacity ?? 256;
      if (!Number.isInteger(asked) || asked < 1 || asked > 1 << 24) {
        throw new RangeError(`SpscRing: capacity must be an integer in [1, 2^24], got ${asked}`);
      }
      let capacity = 2;
      while (capacity < asked) capacity *= 2;
      const sab = new SharedArrayBuffer((SPSC_RING.SLOTS + capacity * (1 + recordWords)) * 4);
      const w = new Int32Array(sab);
      // Before the buffer is shared: no ordering needed.
      w[SPSC_RING.CAPACITY] = capacity;
      w[SPSC_RING.RECORD_WORDS] = recordWords;
      handle = { sab };
    }
    this.#handle = handle;
    this.#w = new Int32Array(handle.sab);
    this.#capacity = this.#w[SPSC_RING.CAPACITY];
    this.#recordWords = this.#w[SPSC_RING.RECORD_WORDS];
    this.#mask = this.#capacity - 1;
    this.#stride = 1 + this.#recordWords;
    // Pairs with the consumer's Atomics.store(TAIL).
    this.#tailSeen = Atomics.load(this.#w, SPSC_RING.TAIL);
  }

  /**
   * Attaches to a ring created in another thread. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpscRing } from "./spsc_ring.ts";
   * const ring = new SpscRing({ capacity: 4 });
   * const other = SpscRing.fromHandle(structuredClone(ring.handle));
   * other.push(5);
   * assert.equal(ring.size(), 1);
   * ```
   */
  static fromHandle(handle: SpscRingHandle): SpscRing {
    return new SpscRing({}, handle);
  }

  /**
   * The structured-cloneable handle. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpscRing } from "./spsc_ring.ts";
   * assert.ok(new SpscRing().handle.sab instanceof SharedArrayBuffer);
   * ```
   */
  get handle(): SpscRingHandle {
    return this.#handle;
  }

  /**
   * Records the ring holds (a power of two). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpscRing } from "./spsc_ring.ts";
   * assert.equal(new SpscRing({ capacity: 3 }).capacity, 4);
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
   * import { SpscRing } from "./spsc_ring.ts";
   * assert.equal(new SpscRing({ recordWords: 2 }).recordWords, 2);
   * ```
   */
  get recordWords(): number {
    return this.#recordWords;
  }

  /**
   * Appends one record (words past `recordWords` are ignored). The producer.
   *
   * @throws {Error} when the ring holds `capacity` records not yet consumed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpscRing } from "./spsc_ring.ts";
   * const ring = new SpscRing({ capacity: 2, recordWords: 1 });
   * ring.push(1);
   * ring.push(2);
   * assert.throws(() => ring.push(3), /full/);
   * ```
   */
  push(r0: number, r1 = 0, r2 = 0, r3 = 0): void {
    const w = this.#w;
    // Written only by the producer (plain): its own last store.
    const pos = w[SPSC_RING.HEAD];
    if (((pos - this.#tailSeen) | 0) >= this.#capacity) {
      // Looks full: pairs with the consumer's Atomics.store(TAIL) made once it had read
      // the records before TAIL (their slots may be overwritten from here on).
      this.#tailSeen = Atomics.load(w, SPSC_RING.TAIL);
      if (((pos - this.#tailSeen) | 0) >= this.#capacity) {
        throw new Error(
          `SpscRing: full (${this.#capacity} records not consumed); the producer may keep at ` +
            `most capacity records in the ring`,
        );
      }
    }
    const at = SPSC_RING.SLOTS + (pos & this.#mask) * this.#stride;
    const n = this.#recordWords;
    w[at + 1] = r0;
    if (n > 1) w[at + 2] = r1;
    if (n > 2) w[at + 3] = r2;
    if (n > 3) w[at + 4] = r3;
    // Release the record: pairs with the consumer's Atomics.load(seq).
    Atomics.store(w, at, (pos + 1) | 0);
    // For this producer's next push and for size(); the consumer does not read it.
    w[SPSC_RING.HEAD] = (pos + 1) | 0;
  }

  /**
   * Calls `fn` for each record present, oldest first, at most `limit` and at
   * most one lap (`capacity`) per call, so that a callback that pushes into
   * the same ring cannot keep the drain going; records the producer
   * publishes while the drain runs are taken too. Each slot is freed before
   * its callback runs, so a callback may drain again (nested). Returns how
   * many ran. The consumer.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpscRing } from "./spsc_ring.ts";
   * const ring = new SpscRing({ recordWords: 1 });
   * ring.push(42);
   * ring.push(43);
   * const got: number[] = [];
   * assert.equal(ring.drain((r0) => got.push(r0), 1), 1);
   * assert.deepEqual(got, [42]);
   * assert.equal(ring.drain((r0) => got.push(r0)), 1);
   * assert.deepEqual(got, [42, 43]);
   * ```
   */
  drain(
    fn: (r0: number, r1: number, r2: number, r3: number) => void,
    limit: number = Number.POSITIVE_INFINITY,
  ): number {
    const w = this.#w;
    const n = this.#recordWords;
    const most = Math.min(limit, this.#capacity);
    let done = 0;
    while (done < most) {
      // Written only by the consumer (a nested drain's stores included); a consumer in a
      // new thread sees the last one through the handover's own synchronisation.
      const pos = w[SPSC_RING.TAIL];
      const seqAt = SPSC_RING.SLOTS + (pos & this.#mask) * this.#stride;
      const want = (pos + 1) | 0;
      // Once this call has taken a record (its TAIL store orders what follows), a plain look
      // first: a drain finds the ring empty once, and a plain read costs a tenth of an
      // Atomics.load. A record it misses was published a moment ago: the next drain's.
      if (done > 0 && w[seqAt] !== want) break;
      // Acquire: pairs with the producer's publishing Atomics.store(seq, pos + 1).
      if (Atomics.load(w, seqAt) !== want) break;
      const r0 = w[seqAt + 1];
      const r1 = n > 1 ? w[seqAt + 2] : 0;
      const r2 = n > 2 ? w[seqAt + 3] : 0;
      const r3 = n > 3 ? w[seqAt + 4] : 0;
      // Free the slot (the record is read): pairs with the producer's Atomics.load(TAIL).
      Atomics.store(w, SPSC_RING.TAIL, (pos + 1) | 0);
      done++;
      fn(r0, r1, r2, r3);
    }
    return done;
  }

  /**
   * Whether a record waits (what a busy-polling consumer checks). The consumer.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpscRing } from "./spsc_ring.ts";
   * const ring = new SpscRing();
   * assert.equal(ring.consumerHasData(), false);
   * ring.push(1);
   * assert.equal(ring.consumerHasData(), true);
   * ```
   */
  consumerHasData(): boolean {
    const w = this.#w;
    // The consumer's own word (see drain).
    const pos = w[SPSC_RING.TAIL];
    // Pairs with the producer's publishing Atomics.store(seq, pos + 1).
    return Atomics.load(w, SPSC_RING.SLOTS + (pos & this.#mask) * this.#stride) ===
      ((pos + 1) | 0);
  }

  /**
   * Records pushed and not yet consumed (a snapshot). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpscRing } from "./spsc_ring.ts";
   * const ring = new SpscRing({ recordWords: 1 });
   * ring.push(1);
   * ring.push(2);
   * assert.equal(ring.size(), 2);
   * ```
   */
  size(): number {
    const w = this.#w;
    return (Atomics.load(w, SPSC_RING.HEAD) - Atomics.load(w, SPSC_RING.TAIL)) | 0;
  }
}
