// The request side of a thread pool (thread_pool.ts): the request table in
// shared memory (POOL_SLOT blocks plus one growable payload buffer per
// slot), the queue ring in the control block (POOL.QUEUE...), the overflow
// list of requests waiting for a slot, the in-flight list, and reading a
// finished request's result. Everything here runs in the pool's home thread;
// the words it shares with workers follow the protocol in layout.ts.

import { POOL, POOL_RESULT, POOL_SLOT, POOL_SLOT_STATE } from "./layout.ts";
import type { Mutex } from "../sync/mutex.ts";
import { AioThreadError, type ErrorInfo, errorInfo } from "./aio_thread_error.ts";
import { HANDLER_NAME_BASE, handlerId, handlerName, type HandlerRef } from "./handler_ref.ts";
import type { ThreadPoolRequest, ThreadPoolResult } from "./thread_pool_request.ts";
import { decode, Encoder, growTo } from "./_pool_codec.ts";

/** Initial size of a slot's payload buffer (it grows on demand). */
export const PAYLOAD_INITIAL_BYTES = 4096;

type Req = ThreadPoolRequest<unknown>;

/** The request table, queue and lists of one pool. Home thread only. */
export class PoolRequests {
  /** Request-table slots. */
  readonly capacity: number;
  /** POOL words and the queue ring (shared with the workers). */
  readonly control: Int32Array;
  /** POOL_SLOT blocks. */
  readonly slots: Int32Array;
  /** Payload buffer of each slot. */
  readonly payloads: SharedArrayBuffer[] = [];
  /** Shared buffers handed to workers, by id. */
  readonly buffers: SharedArrayBuffer[] = [];
  /** Requests submitted and not delivered, in submission order (QEMU's pool->head). */
  inflight: Req[] = [];
  /** Requests waiting for a table slot (FIFO). */
  readonly overflow: Req[] = [];

  readonly #lock: Mutex;
  readonly #slotNumbers: Float64Array;
  readonly #payloadViews: Uint8Array[] = [];
  readonly #freeSlots: number[] = [];
  readonly #bufferIds = new Map<SharedArrayBuffer, number>();
  readonly #encoder: Encoder;
  readonly #onNewBuffer: (id: number, sab: SharedArrayBuffer) => void;
  readonly #onSpawn: () => void;
  #scratch = new Uint8Array(4096);

  /**
   * `onNewBuffer` shares a buffer first seen in arguments with the running
   * workers (before the request that carries it is queued); `onSpawn`
   * learns that a worker was counted in cur_threads for a queued request
   * (it creates the Worker later, never inside submit).
   */
  constructor(
    capacity: number,
    maxPayloadBytes: number,
    lock: Mutex,
    onNewBuffer: (id: number, sab: SharedArrayBuffer) => void,
    onSpawn: () => void,
  ) {
    this.capacity = capacity;
    this.#lock = lock;
    this.#onNewBuffer = onNewBuffer;
    this.#onSpawn = onSpawn;
    // Plain write before the buffer is posted to any worker.
    this.control = new Int32Array(new SharedArrayBuffer((POOL.QUEUE + capacity) * 4));
    this.control[POOL.QUEUE_CAPACITY] = capacity;
    const slotSab = new SharedArrayBuffer(capacity * POOL_SLOT.WORDS * 4);
    this.slots = new Int32Array(slotSab);
    this.#slotNumbers = new Float64Array(slotSab);
    for (let i = 0; i < capacity; i++) {
      const sab = new SharedArrayBuffer(PAYLOAD_INITIAL_BYTES, { maxByteLength: maxPayloadBytes });
      this.payloads.push(sab);
      // Length-tracking: follows grow() from either side.
      this.#payloadViews.push(new Uint8Array(sab));
      this.#freeSlots.push(capacity - 1 - i);
    }
    this.#encoder = new Encoder((sab) => this.#bufferId(sab));
  }

  /** Encodes job arguments (a DataCloneError for uncloneable ones); null for none. */
  encodeArgs(args: unknown[]): Uint8Array | null {
    return args.length === 0 ? null : this.#encoder.encode(args);
  }

  /** Shared state word of a slot. */
  slotState(slot: number): number {
    // Pairs with the worker's Atomics.store(STATE, RUNNING / DONE).
    return Atomics.load(this.slots, slot * POOL_SLOT.WORDS + POOL_SLOT.STATE);
  }

  /**
   * Adds a new request: into a free slot and the shared queue, or to the
   * overflow list when no slot is free. Returns whether it overflowed.
   */
  add(req: Req, bytes: Uint8Array | null): boolean {
    const fits = this.#freeSlots.length > 0 && this.overflow.length === 0;
    this.inflight.push(req);
    if (fits) {
      this.#enqueue(req, bytes);
    } else {
      req.pendingArgs = bytes === null ? null : bytes.slice();
      this.overflow.push(req);
    }
    return !fits;
  }

  /** Puts `req` into a free table slot and the shared queue. */
  #enqueue(req: Req, bytes: Uint8Array | null): void {
    const slot = this.#freeSlots.pop()!;
    const s = this.slots;
    const base = slot * POOL_SLOT.WORDS;
    s[base + POOL_SLOT.HANDLER] = req.handler;
    const n = bytes === null ? 0 : bytes.length;
    s[base + POOL_SLOT.ARGS_BYTES] = n;
    if (n > 0) {
      const sab = this.payloads[slot];
      if (sab.byteLength < n) sab.grow(growTo(n, sab.maxByteLength));
      this.#payloadViews[slot].set(bytes!);
    }
    req.slot = slot;
    req.pendingArgs = null;
    // FREE → QUEUED; the unlock below publishes HANDLER, ARGS_BYTES and the
    // bytes to the worker that dequeues the slot under the lock.
    Atomics.store(s, base + POOL_SLOT.STATE, POOL_SLOT_STATE.QUEUED);
    const c = this.control;
    let spawn = false;
    // The pool words below are accessed under the lock: its acquire and
    // release order them against the workers' accesses under it.
    this.#lock.lock();
    const idle = Atomics.load(c, POOL.IDLE_THREADS);
    const cur = Atomics.load(c, POOL.CUR_THREADS);
    if (idle === 0 && cur < Atomics.load(c, POOL.MAX_THREADS)) {
      // spawn_thread: counted now, created later from the pool's spawn BH.
      Atomics.store(c, POOL.CUR_THREADS, cur + 1);
      Atomics.store(c, POOL.SPAWNED, Atomics.load(c, POOL.SPAWNED) + 1);
      spawn = true;
    }
    const cap = this.capacity;
    const len = Atomics.load(c, POOL.QUEUE_LEN);
    const head = Atomics.load(c, POOL.QUEUE_HEAD);
    Atomics.store(c, POOL.QUEUE + ((head + len) % cap), slot);
    Atomics.store(c, POOL.QUEUE_LEN, len + 1);
    if (len + 1 > Atomics.load(c, POOL.QUEUE_MAX)) Atomics.store(c, POOL.QUEUE_MAX, len + 1);
    this.#lock.unlock();
    if (idle > 0) {
      // qemu_cond_signal(request_cond). A worker counted idle read
      // REQUEST_SEQ under the lock before it slept: this add makes its
      // Atomics.wait return (or not start), and the notify wakes it.
      Atomics.add(c, POOL.REQUEST_SEQ, 1);
      Atomics.notify(c, POOL.REQUEST_SEQ, 1);
    }
    if (spawn) this.#onSpawn();
  }

  /** Takes a queued request out of the overflow list or the shared queue. */
  unqueue(req: Req): boolean {
    if (req.slot < 0) {
      const i = this.overflow.indexOf(req);
      if (i < 0) return false;
      this.overflow.splice(i, 1);
      req.pendingArgs = null;
      return true;
    }
    const c = this.control;
    const slot = req.slot;
    let removed = false;
    this.#lock.lock();
    // Under the lock: a worker moves QUEUED → RUNNING only while holding it.
    if (this.slotState(slot) === POOL_SLOT_STATE.QUEUED) {
      const cap = this.capacity;
      const head = Atomics.load(c, POOL.QUEUE_HEAD);
      const len = Atomics.load(c, POOL.QUEUE_LEN);
      let out = 0;
      for (let i = 0; i < len; i++) {
        const v = Atomics.load(c, POOL.QUEUE + ((head + i) % cap));
        if (v === slot) continue;
        Atomics.store(c, POOL.QUEUE + ((head + out) % cap), v);
        out++;
      }
      Atomics.store(c, POOL.QUEUE_LEN, out);
      Atomics.store(this.slots, slot * POOL_SLOT.WORDS + POOL_SLOT.STATE, POOL_SLOT_STATE.FREE);
      removed = true;
    }
    this.#lock.unlock();
    if (removed) {
      req.slot = -1;
      this.#freeSlot(slot);
    }
    return removed;
  }

  /**
   * Takes every queued request (those waiting for a slot first, so that no
   * freed slot queues them again) out of the queue and marks it failed: no
   * worker could start (`cause`), and `thread` (the pool) reports it. The
   * completion BH delivers them. Returns how many.
   */
  failQueued(thread: string, cause: unknown): number {
    const info = errorInfo(cause);
    const fail = (req: Req): void => {
      req.failure = new AioThreadError(thread, handlerNameSafe(req.handler), {
        ...info,
        message: `cannot start a worker and none is running: ${info.message}`,
      });
    };
    let n = 0;
    for (const req of this.overflow.splice(0)) {
      req.pendingArgs = null;
      fail(req);
      n++;
    }
    for (const req of this.inflight) {
      if (req.slot >= 0 && !req.cancelled && req.failure === null && this.unqueue(req)) {
        fail(req);
        n++;
      }
    }
    return n;
  }

  /** Returns the slot to the free list and moves the oldest overflowing request into it. */
  #freeSlot(slot: number): void {
    this.#freeSlots.push(slot);
    const next = this.overflow.shift();
    if (next !== undefined) this.#enqueue(next, next.pendingArgs);
  }

  /**
   * Whether `req` finished (state DONE) or was cancelled: the completion BH
   * may deliver it.
   */
  isDone(req: Req): boolean {
    return req.cancelled || req.failure !== null ||
      (req.slot >= 0 && this.slotState(req.slot) === POOL_SLOT_STATE.DONE);
  }

  /**
   * Reads a finished request's result and frees its slot. `workerName`
   * names a worker thread for error messages.
   */
  collect(req: Req, workerName: (threadId: number) => string): ThreadPoolResult<unknown> {
    if (req.cancelled) {
      req.cancelled = false;
      return { status: "cancelled" };
    }
    if (req.failure !== null) {
      const error = req.failure;
      req.failure = null;
      return { status: "error", error, workerThread: -1 };
    }
    const slot = req.slot;
    const s = this.slots;
    const base = slot * POOL_SLOT.WORDS;
    // Plain reads after the Atomics.load that saw DONE (isDone): the
    // worker's DONE store published these words and bytes.
    const kind = s[base + POOL_SLOT.RESULT];
    const workerThread = s[base + POOL_SLOT.WORKER];
    const jobError = (info: unknown) =>
      new AioThreadError(workerName(workerThread), handlerNameSafe(req.handler), asInfo(info));
    let result: ThreadPoolResult<unknown>;
    try {
      if (kind === POOL_RESULT.UNDEFINED) {
        result = { status: "ok", value: undefined, workerThread };
      } else if (kind === POOL_RESULT.NUMBER) {
        const value = this.#slotNumbers[(base + POOL_SLOT.NUMBER) >> 1];
        result = { status: "ok", value, workerThread };
      } else {
        const value = this.#readBytes(slot, s[base + POOL_SLOT.RESULT_BYTES]);
        result = kind === POOL_RESULT.ENCODED
          ? { status: "ok", value, workerThread }
          : { status: "error", error: jobError(value), workerThread };
      }
    } catch (err) {
      result = { status: "error", error: jobError(errorInfo(err)), workerThread };
    }
    // DONE → FREE: the worker no longer touches the slot after its DONE
    // store; only this thread reads the word from here on.
    Atomics.store(s, base + POOL_SLOT.STATE, POOL_SLOT_STATE.FREE);
    req.slot = -1;
    this.#freeSlot(slot);
    return result;
  }

  #readBytes(slot: number, n: number): unknown {
    if (this.#scratch.length < n) this.#scratch = new Uint8Array(growTo(n, Infinity));
    const local = this.#scratch.subarray(0, n);
    // TextDecoder refuses shared views: decode from a private copy.
    local.set(this.#payloadViews[slot].subarray(0, n));
    return decode(local, (id) => this.buffers[id]);
  }

  /** The id of a shared buffer in the workers' table, sharing it on first use. */
  #bufferId(sab: SharedArrayBuffer): number {
    let id = this.#bufferIds.get(sab);
    if (id !== undefined) return id;
    id = this.buffers.length;
    this.buffers.push(sab);
    this.#bufferIds.set(sab, id);
    this.#onNewBuffer(id, sab);
    return id;
  }
}

/** Validates a job reference and returns its (process-wide) handler id. */
export function jobHandlerId(fn: HandlerRef): number {
  if (typeof fn === "number") {
    if (!Number.isInteger(fn) || fn < HANDLER_NAME_BASE) {
      throw new TypeError(
        `thread pool job ${fn}: a job needs a module reference ({ module, name }, "url#name" ` +
          `or an id from handlerId() of one); small integer ids are thread-local registrations`,
      );
    }
    handlerName(fn); // throws a RangeError for an id that was never interned
    return fn;
  }
  return handlerId(fn);
}

function handlerNameSafe(id: number): string {
  try {
    return handlerName(id);
  } catch {
    return `handler#${id}`;
  }
}

function asInfo(info: unknown): ErrorInfo {
  const i = info as Partial<ErrorInfo>;
  return {
    name: String(i?.name ?? "Error"),
    message: String(i?.message ?? info),
    stack: String(i?.stack ?? ""),
  };
}
