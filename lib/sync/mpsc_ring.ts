/**
 * MpscRing: a multi-producer single-consumer queue of fixed-size Int32
 * records in shared memory that never makes a producer wait for the
 * consumer: a bounded ring (Dmitry Vyukov's queue with per-slot sequence
 * numbers, specialised to one consumer) for the fast path, and an overflow
 * that grows for the rest.
 *
 * A producer pushes into the ring while it has room and the overflow is
 * empty; otherwise it appends to the overflow, a circular buffer in a
 * growable SharedArrayBuffer guarded by a short lock (`RING.OVF_LOCK`) that
 * the consumer holds only while it copies out a batch, never while a
 * record's callback runs. The overflow's buffer doubles when full, up to
 * {@link MpscRingOptions.overflowLimit} records (then `push` throws); it
 * never shrinks, so its memory is bounded by the most records that waited
 * there at once (rounded up to a power of two).
 *
 * Order: records of one producer thread are consumed in the order it pushed
 * them (FIFO per producer), across the ring and the overflow; records of
 * different producers are not ordered. The ring does not wake its
 * consumer: whoever owns the consumer (an AioContext) kicks it after a push.
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
  /** Overflow records (growable; `RING.OVF_*` in `sab` describe its contents). */
  readonly overflow: SharedArrayBuffer;
}

/** Options of {@link MpscRing}. */
export interface MpscRingOptions {
  /** Records the ring holds; rounded up to a power of two (at least 2). Default 4096. */
  capacity?: number;
  /** Int32 words per record, 1 to 16. Default 4. */
  recordWords?: number;
  /**
   * Most records the overflow holds (beyond the ring) before `push` throws,
   * 1 to 2^24. Default 2^22. Only the memory used is committed.
   */
  overflowLimit?: number;
}

/** Default {@link MpscRingOptions.overflowLimit}. */
const DEFAULT_OVERFLOW_LIMIT = 1 << 22;

/** Records the overflow buffer holds after its first growth. */
const OVF_FIRST_SLOTS = 64;

/** Most records the consumer copies out of the overflow under one lock hold. */
const OVF_BATCH = 1024;

/** Spin iterations on a held overflow lock before sleeping on it. */
const LOCK_SPIN = 1000;

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
  /**
   * View of the overflow buffer at the size this thread last saw; renewed
   * under the lock when another thread grew it (a fixed-length view: a
   * length-tracking one costs ~40 ns per access in V8).
   */
  #o: Int32Array;
  readonly #mask: number;
  readonly #capacity: number;
  readonly #stride: number;
  readonly #recordWords: number;
  readonly #handle: MpscRingHandle;
  // Consumer-side state (the consumer's own instance only): the batch last
  // taken from the overflow, run after the ring records claimed before it.
  #batch: Int32Array | null = null;
  #batchPos = 0;
  #batchLen = 0;
  /** Ring position up to which records run before the batch (HEAD when it was taken). */
  #barrier = 0;
  /** Batches taken so far: tells a callback's nested drain from its caller's batch. */
  #takes = 0;

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
      const limit = options.overflowLimit ?? DEFAULT_OVERFLOW_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1 << 24) {
        throw new RangeError(`overflowLimit must be an integer in [1, 2^24], got ${limit}`);
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
      w[RING.OVF_LIMIT] = limit;
      for (let i = 0; i < capacity; i++) w[RING.SLOTS + i * stride] = i;
      // Empty until first used; reserves address space only.
      const overflow = new SharedArrayBuffer(0, { maxByteLength: limit * recordWords * 4 });
      handle = { sab, overflow };
    }
    this.#handle = handle;
    this.#w = new Int32Array(handle.sab);
    this.#o = new Int32Array(handle.overflow, 0, handle.overflow.byteLength >> 2);
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
   * Capacity of the ring in records (a power of two, at least 2); the
   * overflow takes more. Any thread.
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
   * `recordWords` are ignored). Never waits for the consumer: with the ring
   * full (or records already in the overflow) the record goes to the
   * overflow. Throws a RangeError when the overflow holds `overflowLimit`
   * records. Any thread, the consumer included.
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
    const w = this.#w;
    // Records already wait in the overflow: queue behind them (FIFO per
    // producer). Pairs with the Atomics.store(OVF_COUNT) of the overflow's
    // last writer.
    if (Atomics.load(w, RING.OVF_COUNT) === 0) {
      const at = this.#claim();
      if (at >= 0) {
        const n = this.#recordWords;
        w[at + 1] = r0;
        if (n > 1) w[at + 2] = r1;
        if (n > 2) w[at + 3] = r2;
        if (n > 3) w[at + 4] = r3;
        this.#publish(at);
        return;
      }
    }
    this.#spill(r0, r1, r2, r3);
  }

  /** push()'s overflow path (kept out of push so that the fast path stays small). */
  #spill(r0: number, r1: number, r2: number, r3: number): void {
    const o = this.#lockAppend();
    try {
      const at = this.#appendAt;
      const n = this.#recordWords;
      o[at] = r0;
      if (n > 1) o[at + 1] = r1;
      if (n > 2) o[at + 2] = r2;
      if (n > 3) o[at + 3] = r3;
      for (let i = 4; i < n; i++) o[at + i] = 0;
      this.#appended();
    } finally {
      this.#unlock();
    }
  }

  /**
   * Appends a record given as an array of `recordWords` numbers; like
   * {@link MpscRing.push}, never waits. Any thread.
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
    const w = this.#w;
    // As in push(): pairs with the overflow's last Atomics.store(OVF_COUNT).
    if (Atomics.load(w, RING.OVF_COUNT) === 0) {
      const at = this.#claim();
      if (at >= 0) {
        for (let i = 0; i < this.#recordWords; i++) w[at + 1 + i] = record[i] ?? 0;
        this.#publish(at);
        return;
      }
    }
    const o = this.#lockAppend();
    try {
      for (let i = 0; i < this.#recordWords; i++) o[this.#appendAt + i] = record[i] ?? 0;
      this.#appended();
    } finally {
      this.#unlock();
    }
  }

  /** Claims the next ring slot; returns the index of its sequence word, or -1 when the ring is full. */
  #claim(): number {
    const w = this.#w;
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
        return -1; // full: this slot still holds an unread record
      }
      // dif > 0: another producer claimed pos meanwhile; retry with the new HEAD.
    }
  }

  #publish(seqAt: number): void {
    // A claimed slot's sequence word still holds the claimed position.
    const pos = this.#w[seqAt];
    // Release the record: pairs with the consumer's Atomics.load(seq).
    Atomics.store(this.#w, seqAt, (pos + 1) | 0);
  }

  // ------------------------------------------------------------- overflow

  /** Word index in the overflow buffer where the record being appended goes (set by #lockAppend). */
  #appendAt = 0;

  /** Takes the overflow lock (a futex mutex) and renews #o if the buffer grew. */
  #lock(): void {
    this.#acquire();
    // OVF_SLOTS (under the lock) says how far the buffer has grown.
    const words = this.#w[RING.OVF_SLOTS] * this.#recordWords;
    if (words !== this.#o.length) this.#o = new Int32Array(this.#handle.overflow, 0, words);
  }

  #acquire(): void {
    const w = this.#w;
    // Acquire: pairs with #unlock's Atomics.exchange(0) by the previous holder.
    if (Atomics.compareExchange(w, RING.OVF_LOCK, 0, 1) === 0) return;
    for (let i = 0; i < LOCK_SPIN; i++) {
      if (
        Atomics.load(w, RING.OVF_LOCK) === 0 &&
        Atomics.compareExchange(w, RING.OVF_LOCK, 0, 1) === 0
      ) {
        return;
      }
    }
    // Mark "a locker may sleep" and sleep until released: pairs with
    // #unlock's exchange, which sees 2 and notifies.
    while (Atomics.exchange(w, RING.OVF_LOCK, 2) !== 0) Atomics.wait(w, RING.OVF_LOCK, 2);
  }

  #unlock(): void {
    // Release: pairs with the next locker's compareExchange / exchange.
    if (Atomics.exchange(this.#w, RING.OVF_LOCK, 0) === 2) {
      Atomics.notify(this.#w, RING.OVF_LOCK, 1);
    }
  }

  /**
   * Takes the lock and makes room for one more overflow record (growing the
   * buffer, or throwing at the limit with the lock released); sets
   * #appendAt. The caller writes the record, calls #appended, then unlocks.
   */
  #lockAppend(): Int32Array {
    this.#lock();
    const w = this.#w;
    const count = w[RING.OVF_COUNT];
    let slots = w[RING.OVF_SLOTS];
    if (count === slots) {
      try {
        slots = this.#grow(count);
      } catch (err) {
        this.#unlock();
        throw err;
      }
    }
    let idx = w[RING.OVF_READ] + count;
    if (idx >= slots) idx -= slots;
    this.#appendAt = idx * this.#recordWords;
    return this.#o;
  }

  /** Publishes the record just written at #appendAt. Under the lock. */
  #appended(): void {
    const w = this.#w;
    const count = w[RING.OVF_COUNT] + 1;
    // Statistics: plain under the lock (readers without it take a snapshot).
    w[RING.OVERFLOWED] = (w[RING.OVERFLOWED] + 1) | 0;
    if (count > w[RING.OVF_PEAK]) w[RING.OVF_PEAK] = count;
    // Publishes the record to lock-free readers of the count (producers
    // deciding to queue behind it, the consumer's hasData); the record words
    // themselves are read only under the lock.
    Atomics.store(w, RING.OVF_COUNT, count);
  }

  /** Doubles the overflow buffer (full with `count` records); returns its new size in records. Under the lock. */
  #grow(count: number): number {
    const w = this.#w;
    const slots = w[RING.OVF_SLOTS];
    const limit = w[RING.OVF_LIMIT];
    if (slots >= limit) {
      throw new RangeError(
        `MPSC ring overflow full: ${count} records wait beyond the ring's ${this.#capacity} ` +
          `(overflowLimit ${limit}); the consumer is not keeping up or has stopped consuming`,
      );
    }
    const next = Math.min(limit, Math.max(OVF_FIRST_SLOTS, slots * 2));
    const rw = this.#recordWords;
    this.#handle.overflow.grow(next * rw * 4);
    this.#o = new Int32Array(this.#handle.overflow, 0, next * rw);
    // Records wrapped past the old end move to just after it, so that the
    // queue is contiguous (modulo the new size) from OVF_READ again.
    const wrapped = w[RING.OVF_READ] + count - slots;
    if (wrapped > 0) this.#o.copyWithin(slots * rw, 0, wrapped * rw);
    w[RING.OVF_SLOTS] = next;
    return next;
  }

  /** Copies the oldest overflow records (at most `max`) into the consumer's batch. Consumer. */
  #take(max: number): void {
    const w = this.#w;
    const rw = this.#recordWords;
    if (this.#batch === null) this.#batch = new Int32Array(OVF_BATCH * rw);
    this.#lock();
    try {
      const count = w[RING.OVF_COUNT];
      const n = Math.min(count, max, OVF_BATCH);
      const slots = w[RING.OVF_SLOTS];
      const read = w[RING.OVF_READ];
      const first = Math.min(n, slots - read);
      const o = this.#o;
      this.#batch.set(o.subarray(read * rw, (read + first) * rw), 0);
      if (first < n) this.#batch.set(o.subarray(0, (n - first) * rw), first * rw);
      // Ring records claimed before this point run before the batch: a
      // producer's earlier record in the ring was claimed before it
      // appended here (it happens-before our lock). Read before the count
      // drops, so that a producer that sees the drop and then claims a ring
      // slot lands past the barrier. Pairs with producers' compareExchange(HEAD).
      this.#barrier = Atomics.load(w, RING.HEAD);
      const rest = count - n;
      w[RING.OVF_READ] = rest === 0 ? 0 : (read + n) % slots;
      // Pairs with producers' Atomics.load(OVF_COUNT) on their fast path.
      Atomics.store(w, RING.OVF_COUNT, rest);
      this.#batchPos = 0;
      this.#batchLen = n;
      this.#takes++;
    } finally {
      this.#unlock();
    }
  }

  // ------------------------------------------------------------- consumer

  /**
   * Calls `fn(r0, r1, r2, r3)` for records present when the call started
   * (at most `limit`), in FIFO order per producer (words past `recordWords`
   * are 0; records longer than four words deliver their first four): the
   * ring's records, then up to one batch (1,024) of the overflow's oldest,
   * a batch always after the ring records claimed before it was taken. The
   * rest of the overflow waits for the next call. Each record is copied out and its
   * slot freed before `fn` runs, so `fn` may itself drain the ring (nested
   * event loops) without seeing a record twice or out of order; if `fn`
   * throws, the records not yet delivered stay queued. Returns the number
   * consumed. The single consumer thread only.
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
    limit: number = Number.POSITIVE_INFINITY,
  ): number {
    const w = this.#w;
    // Only records claimed before the call started: pairs with producers'
    // compareExchange on HEAD.
    const end = Atomics.load(w, RING.HEAD);
    // Likewise for the overflow (its oldest records go first): pairs with
    // the Atomics.store(OVF_COUNT) of the last append.
    const spilled = Atomics.load(w, RING.OVF_COUNT);
    if (spilled === 0 && this.#batchPos === this.#batchLen) return this.#drainRing(fn, end, limit);
    return this.#drainWithOverflow(fn, limit, end, spilled);
  }

  /** drain() while the overflow or the consumer's batch holds records. Consumer. */
  #drainWithOverflow(
    fn: (r0: number, r1: number, r2: number, r3: number) => void,
    limit: number,
    end: number,
    spilled: number,
  ): number {
    let done = 0;
    if (this.#batchPos < this.#batchLen) {
      done = this.#runBatch(fn, limit);
      if (this.#batchPos < this.#batchLen) return done;
    }
    done += this.#drainRing(fn, end, limit - done);
    if (done >= limit) return done;
    // A callback's nested drain may have taken a batch meanwhile: finish it
    // before taking another.
    if (this.#batchPos < this.#batchLen) done += this.#runBatch(fn, limit - done);
    else if (spilled !== 0) {
      this.#take(spilled);
      done += this.#runBatch(fn, limit - done);
    }
    return done;
  }

  /** Consumes ring records at positions before `end` (at most `limit`). Consumer. */
  #drainRing(
    fn: (r0: number, r1: number, r2: number, r3: number) => void,
    end: number,
    limit: number,
  ): number {
    const w = this.#w;
    const n = this.#recordWords;
    let done = 0;
    while (done < limit) {
      const pos = w[RING.TAIL];
      if (((end - pos) | 0) <= 0) break;
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
      done++;
      fn(r0, r1, r2, r3);
    }
    return done;
  }

  /** Runs the ring up to the batch's barrier, then the batch (at most `limit` records in all). Consumer. */
  #runBatch(fn: (r0: number, r1: number, r2: number, r3: number) => void, limit: number): number {
    const w = this.#w;
    let done = 0;
    if (((this.#barrier - w[RING.TAIL]) | 0) > 0) {
      done = this.#drainRing(fn, this.#barrier, limit);
      // A record before the barrier is claimed but not published yet (its
      // producer kicks the consumer once it is), or the limit was reached.
      if (((this.#barrier - w[RING.TAIL]) | 0) > 0) return done;
    }
    const b = this.#batch!;
    const rw = this.#recordWords;
    const take = this.#takes;
    // A nested drain in fn may finish this batch and take the next: stop then.
    while (done < limit && this.#batchPos < this.#batchLen && this.#takes === take) {
      const at = this.#batchPos * rw;
      const r0 = b[at];
      const r1 = rw > 1 ? b[at + 1] : 0;
      const r2 = rw > 2 ? b[at + 2] : 0;
      const r3 = rw > 3 ? b[at + 3] : 0;
      this.#batchPos++;
      done++;
      fn(r0, r1, r2, r3);
    }
    return done;
  }

  /**
   * Whether a record is ready for the consumer. Any thread (a snapshot;
   * records the consumer already took out of the overflow into its batch
   * are not seen from other threads).
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
    return Atomics.load(w, seqAt) === ((pos + 1) | 0) || Atomics.load(w, RING.OVF_COUNT) !== 0;
  }

  /**
   * {@link MpscRing.consumerHasData} from plain reads: a snapshot, with no
   * ordering, that may miss a record published a moment ago (never one that
   * is not there: a slot's sequence word holds `pos + 1` only once its
   * record is published). For a consumer that is told of every record some
   * other way, so that a miss only delays it: an AioContext's producers
   * store NOTIFIED after each push, which its next poll and any sleep see.
   * A plain read costs about a tenth of an Atomics.load here. The single consumer thread only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing();
   * assert.equal(ring.consumerPeek(), false);
   * ring.push(1);
   * assert.equal(ring.consumerPeek(), true); // this thread's own push
   * ring.drain(() => {});
   * assert.equal(ring.consumerPeek(), false);
   * ```
   */
  consumerPeek(): boolean {
    const w = this.#w;
    const pos = w[RING.TAIL];
    if (w[RING.SLOTS + (pos & this.#mask) * this.#stride] === ((pos + 1) | 0)) return true;
    if (this.#batchPos < this.#batchLen) return ((this.#barrier - pos) | 0) <= 0;
    return w[RING.OVF_COUNT] !== 0;
  }

  /**
   * Whether {@link MpscRing.drain} would deliver a record now, for the
   * consumer thread: it owns TAIL and its batch, so this costs one atomic
   * load while the ring has records. The single consumer thread only.
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
    if (Atomics.load(w, RING.SLOTS + (pos & this.#mask) * this.#stride) === ((pos + 1) | 0)) {
      return true;
    }
    // A batch runs once the ring reached its barrier.
    if (this.#batchPos < this.#batchLen) return ((this.#barrier - pos) | 0) <= 0;
    // Pairs with the Atomics.store(OVF_COUNT) of the last append.
    return Atomics.load(w, RING.OVF_COUNT) !== 0;
  }

  /**
   * Records pushed and not yet consumed, in the ring (claimed) and in the
   * overflow (a snapshot). Any thread; the consumer's
   * {@link MpscRing.consumerPending} also counts its batch.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ capacity: 2 });
   * ring.push(1);
   * ring.push(2);
   * ring.push(3); // the ring is full: into the overflow
   * assert.equal(ring.size(), 3);
   * ```
   */
  size(): number {
    const w = this.#w;
    return ((Atomics.load(w, RING.HEAD) - Atomics.load(w, RING.TAIL)) | 0) +
      Atomics.load(w, RING.OVF_COUNT);
  }

  /**
   * Records pushed and not yet delivered, including those the consumer took
   * from the overflow and has not run yet. The single consumer thread only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ capacity: 2, recordWords: 1 });
   * for (let i = 0; i < 4; i++) ring.push(i);
   * assert.throws(() => ring.drain((r0) => {
   *   if (r0 === 2) throw new Error("stop");
   * }), /stop/);
   * assert.equal(ring.consumerPending(), 1); // record 3, taken into the batch
   * assert.equal(ring.size(), 0);
   * ```
   */
  consumerPending(): number {
    return this.size() + (this.#batchLen - this.#batchPos);
  }

  /**
   * Records that went to the overflow because the ring was full or records
   * already waited there (statistic). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ capacity: 2 });
   * ring.push(1);
   * ring.push(2); // full now
   * assert.equal(ring.overflowed(), 0);
   * ring.push(3);
   * assert.equal(ring.overflowed(), 1);
   * ```
   */
  overflowed(): number {
    return Atomics.load(this.#w, RING.OVERFLOWED) >>> 0;
  }

  /**
   * Most records that waited in the overflow at once (statistic; the
   * overflow's memory is at most twice this). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MpscRing } from "./mpsc_ring.ts";
   * const ring = new MpscRing({ capacity: 2, recordWords: 1 });
   * for (let i = 0; i < 5; i++) ring.push(i);
   * assert.equal(ring.overflowPeak(), 3);
   * ```
   */
  overflowPeak(): number {
    return Atomics.load(this.#w, RING.OVF_PEAK);
  }

  /**
   * Records claimed in the ring so far, modulo 2^32 (statistic; records
   * that went to the overflow are counted by {@link MpscRing.overflowed}).
   * Any thread.
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
