/**
 * ThreadPool: QEMU's per-AioContext thread pool (`aio_get_thread_pool`,
 * `thread_pool_submit_aio`, `thread_pool_submit_co`), on Deno Workers.
 *
 * A job is a handler reference (a module URL plus an export name, see
 * `handler_ref.ts`) and structured-cloneable arguments. It runs synchronously
 * in a pool worker, and its result (or the error it threw) is delivered in
 * the submitting context: the worker writes the result, publishes state DONE
 * (an `Atomics.store`) and schedules the pool's completion bottom half in the
 * submitting context (`RemoteAioContext.scheduleBh`, which kicks it). The BH
 * runs in the home thread and walks the pool's requests; for each DONE one it
 * re-schedules itself, invokes the completion callback, cancels the
 * self-schedule and restarts the walk, exactly as `thread_pool_completion_bh`
 * does. So callbacks run one at a time in the submitting thread, never inside
 * `submit()` (invariant 27); a callback that nests `poll()` still sees the
 * other completions; a queued request can be cancelled and then completes
 * with status `"cancelled"` (-ECANCELED), a running one completes with its
 * real result (invariant 28).
 *
 * Workers follow QEMU's `worker_thread`: at most `maxWorkers` (default 64),
 * at least `minWorkers` (default 0) kept warm; a worker is spawned when a
 * request is queued, no worker is idle and fewer than `maxWorkers` exist;
 * idle workers sleep on the queue's futex word and exit after `idleTimeoutMs`
 * (default 10 s) while more than `minWorkers` exist; `setMinMax` spawns or
 * retires workers; `destroy()` requires no outstanding request, stops every
 * worker and waits for them.
 *
 * Adaptations to Workers and shared memory (differences from QEMU):
 * - Transport. The submitting thread may be blocked in `Atomics.wait`, where
 *   it receives no messages, so nothing on the request path uses
 *   postMessage: requests live in a shared request table (state words plus a
 *   growable SharedArrayBuffer per slot for encoded arguments and results),
 *   the queue is a ring of slot indices guarded by a futex Mutex, and idle
 *   workers sleep on a sequence word (a condition variable). Layouts:
 *   `POOL`, `POOL_SLOT`, `POOL_WORKER` in `lib/runtime/layout.ts`.
 * - Encoding. Plain data (numbers, strings, arrays, plain objects, typed
 *   arrays...) uses a compact encoding; anything else goes through node:v8
 *   serialization (structured-clone semantics; functions throw a
 *   DataCloneError from `submit`). Numbers and `undefined` results use no
 *   bytes at all. SharedArrayBuffers (and views of them) in arguments travel
 *   by reference: the pool shares each one with its workers once (a message
 *   a worker reads when it first needs the buffer) and keeps it for its
 *   lifetime, so pass long-lived buffers (guest memory), not one per request.
 *   A job may return such a buffer but not a new one.
 * - Capacity. The request table has `capacity` slots (default 128); requests
 *   beyond it wait in a home-thread list and take a slot as one frees (they
 *   are "queued" and can be cancelled like the others).
 * - Spawning. QEMU spawns from a BH so that workers inherit the event-loop
 *   thread's CPU affinity, then chains each new worker to the next. Here
 *   `submit` must already run in the home thread (QEMU 8.0+ rule), and only
 *   the home thread can create Workers, so `submit` spawns directly. Workers
 *   are nested Workers of the home thread; each takes an aiolab thread id
 *   from the registry and frees it as it exits.
 * - Errors. A job that throws completes with status `"error"` and an
 *   `AioThreadError` naming the worker thread and the job, with the job's
 *   name, message and stack (`error.remote`). A returned promise is awaited
 *   (the worker stays busy meanwhile).
 * - Lifetime. The pool owns a shared BH in its context: destroy the pool
 *   before the context (the context's `destroy()` otherwise refuses, naming
 *   the BH `thread-pool-completion`). `destroy()` is asynchronous for threads
 *   that must not block (the orchestrator); `destroySync()` is the bounded
 *   blocking form for event-loop threads.
 * - Coroutines. {@link ThreadPool.submitCo} is a generator for generator-based
 *   coroutines; it takes the wake-up function (`aioCoWake` of the calling
 *   coroutine) as an argument instead of finding the current coroutine.
 *
 * @example
 * ```ts
 * import { AioContext } from "./aio_context.ts";
 * import { threadPoolFor } from "./thread_pool.ts";
 * const ctx = new AioContext({ name: "demo" });
 * const pool = threadPoolFor(ctx);
 * let sum: unknown;
 * pool.submit(
 *   { fn: { module: new URL("./testdata/pool_jobs.ts", import.meta.url), name: "add" }, args: [2, 3] },
 *   { onComplete: (r) => (sum = r.status === "ok" ? r.value : r.status) },
 * );
 * while (sum === undefined) ctx.poll(true); // the completion BH wakes the context
 * console.log(sum); // 5
 * await pool.destroy();
 * ctx.destroy();
 * ```
 *
 * @module
 */

import { MAX_THREADS } from "../sync/layout.ts";
import {
  POOL,
  POOL_RESULT,
  POOL_SLOT,
  POOL_SLOT_STATE,
  POOL_WORKER,
  POOL_WORKER_STATE,
} from "./layout.ts";
import { Mutex } from "../sync/mutex.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import type { AioContext } from "./aio_context.ts";
import { AioThreadError, type ErrorInfo, errorInfo } from "./aio_thread_error.ts";
import type { SharedBottomHalf } from "./bottom_half.ts";
import { HANDLER_NAME_BASE, handlerId, handlerName, type HandlerRef } from "./handler_ref.ts";
import { getCurrentAioContext } from "./thread_state.ts";
import { decode, Encoder, growTo } from "./_pool_codec.ts";
import type { PoolWorkerBuffer, PoolWorkerInit } from "./_pool_protocol.ts";

/** QEMU's default thread-pool-max. */
export const DEFAULT_POOL_MAX_WORKERS = 64;
/** QEMU's default thread-pool-min. */
export const DEFAULT_POOL_MIN_WORKERS = 0;
/** QEMU's idle-worker timeout (10 s), in ms. */
export const DEFAULT_POOL_IDLE_TIMEOUT_MS = 10_000;
/** Default request-table capacity (requests in shared memory at once). */
export const DEFAULT_POOL_CAPACITY = 128;
/** Default largest encoded arguments or result of one request, bytes. */
export const DEFAULT_POOL_MAX_PAYLOAD_BYTES = 16 << 20;
/** Default bound on how long destroy() waits for workers to exit, ms. */
export const DEFAULT_POOL_DESTROY_TIMEOUT_MS = 10_000;

/** Name of the pool's completion bottom half (as errors and statistics show it). */
export const POOL_COMPLETION_BH = "thread-pool-completion";

/** Initial size of a slot's payload buffer (it grows on demand). */
const PAYLOAD_INITIAL_BYTES = 4096;

/** What to run: a handler reference and its arguments. */
export interface ThreadPoolJob {
  /**
   * The job function: `{ module, name }`, `"url#name"`, or the id
   * `handlerId()` returned for such a reference (saves re-parsing the URL
   * on hot paths). Integer ids registered with `registerHandler` are
   * thread-local and refused.
   */
  fn: HandlerRef;
  /** Structured-cloneable arguments (SharedArrayBuffers travel by reference). */
  args?: unknown[];
}

/** How a request ended, as its completion callback receives it. */
export type ThreadPoolResult<T = unknown> =
  | {
    /** The job returned. */
    status: "ok";
    /** What it returned (a structured clone). */
    value: T;
    /** aiolab thread id of the worker that ran it. */
    workerThread: number;
  }
  | {
    /** The job threw, or its module or result could not be handled. */
    status: "error";
    /** The error, naming worker thread and job; `error.remote` holds name, message, stack. */
    error: AioThreadError;
    /** aiolab thread id of the worker that ran it. */
    workerThread: number;
  }
  | {
    /** Cancelled while queued (QEMU's -ECANCELED); the job never ran. */
    status: "cancelled";
  };

/** Where a request is: see {@link ThreadPoolRequest.status}. */
export type ThreadPoolRequestStatus = "queued" | "running" | "done" | "completed";

/** Options of {@link ThreadPool.submit}. */
export interface ThreadPoolSubmitOptions<T = unknown> {
  /**
   * Completion callback (QEMU's cb + opaque): runs in the submitting
   * thread, from the pool's completion BH, one at a time. Optional (QEMU's
   * NULL callback): the result is then only kept on the request.
   */
  onComplete?: (result: ThreadPoolResult<T>, request: ThreadPoolRequest<T>) => void;
}

/** Options of {@link ThreadPool} / {@link threadPoolFor}. */
export interface ThreadPoolOptions {
  /** Name for statistics, errors and worker thread names. Default `pool@<context name>`. */
  name?: string;
  /** thread-pool-min: workers kept warm. Default 0. */
  minWorkers?: number;
  /** thread-pool-max: most workers at once. Default 64. */
  maxWorkers?: number;
  /** How long an idle worker waits for work before it may exit, ms (QEMU: 10 s). */
  idleTimeoutMs?: number;
  /** Request-table slots (requests in shared memory at once). Default 128. */
  capacity?: number;
  /** Largest encoded arguments or result of one request, bytes. Default 16 MiB. */
  maxPayloadBytes?: number;
  /** Record statistics on the pool lock (costs two clock reads per lock). Default false. */
  lockStats?: boolean;
  /** Bound on destroy()'s wait for workers to exit, ms. Default 10 s. */
  destroyTimeoutMs?: number;
}

/** Statistics of a {@link ThreadPool}. */
export interface ThreadPoolStats {
  /** Pool name. */
  name: string;
  /** Requests submitted. */
  submitted: number;
  /** Completions delivered with status "ok". */
  completed: number;
  /** Completions delivered with status "error". */
  failed: number;
  /** Completions delivered with status "cancelled". */
  cancelled: number;
  /** Requests submitted and not yet delivered. */
  inFlight: number;
  /** Requests waiting for a worker now (shared queue plus those waiting for a table slot). */
  queued: number;
  /** Deepest shared queue seen. */
  queueDepthMax: number;
  /** Requests that had to wait for a free table slot. */
  overflowed: number;
  /** Requests workers have taken from the queue. */
  started: number;
  /** Workers alive or starting (cur_threads). */
  workers: number;
  /** Workers waiting for work (idle_threads). */
  idleWorkers: number;
  /** Workers running a job now. */
  busyWorkers: number;
  /** Most workers running jobs at once. */
  maxBusyWorkers: number;
  /** Workers spawned so far. */
  workersSpawned: number;
  /** Workers that exited so far. */
  workersExited: number;
  /** Idle waits that timed out. */
  idleTimeouts: number;
  /** Spawns that failed (no free aiolab thread id, or Worker creation failed). */
  spawnFailures: number;
  /** Uncaught errors reported by worker threads (a pool bug, not a job error). */
  workerErrors: number;
  /** thread-pool-min now. */
  minWorkers: number;
  /** thread-pool-max now (0 once destroyed). */
  maxWorkers: number;
}

interface WorkerRec {
  worker: Worker;
  threadId: number;
  name: string;
}

const pools = new WeakMap<AioContext, ThreadPool>();

/**
 * Checks thread-pool-min/max as QEMU does (min >= 0, max > 0, min <= max,
 * integers). Throws a RangeError. Any thread.
 *
 * @example
 * ```ts
 * import { validatePoolMinMax } from "./thread_pool.ts";
 * validatePoolMinMax(0, 64);
 * try {
 *   validatePoolMinMax(4, 2);
 * } catch (e) {
 *   console.log((e as Error).name); // RangeError
 * }
 * ```
 */
export function validatePoolMinMax(min: number, max: number): void {
  if (!Number.isInteger(min) || !Number.isInteger(max)) {
    throw new RangeError(`thread pool min/max must be integers, got ${min}/${max}`);
  }
  if (min < 0) throw new RangeError(`thread pool min (${min}) must be >= 0`);
  if (max <= 0) throw new RangeError(`thread pool max (${max}) must be > 0`);
  if (min > max) {
    throw new RangeError(`thread pool min (${min}) must be less than or equal to max (${max})`);
  }
}

/**
 * The thread pool of `ctx` (aio_get_thread_pool), created on first use with
 * `options`; later calls return the same pool and refuse new options (use
 * {@link ThreadPool.setMinMax}). Without `ctx`, the calling thread's current
 * context. The context's home thread.
 *
 * @example
 * ```ts
 * import { AioContext } from "./aio_context.ts";
 * import { threadPoolFor } from "./thread_pool.ts";
 * const ctx = new AioContext();
 * const pool = threadPoolFor(ctx, { maxWorkers: 4 });
 * console.log(threadPoolFor(ctx) === pool); // true
 * await pool.destroy();
 * ctx.destroy();
 * ```
 */
export function threadPoolFor(
  ctx: AioContext | null = getCurrentAioContext(),
  options?: ThreadPoolOptions,
): ThreadPool {
  if (ctx === null) {
    throw new Error(
      `threadPoolFor: no context given and thread ${currentThreadId()} ` +
        `(${currentThreadName()}) runs none`,
    );
  }
  const have = pools.get(ctx);
  if (have !== undefined) {
    if (options !== undefined) {
      throw new Error(
        `context "${ctx.name}" already has thread pool "${have.name}": options apply only ` +
          `when it is created (use setMinMax)`,
      );
    }
    return have;
  }
  return new ThreadPool(ctx, options);
}

/**
 * One submitted request (QEMU's ThreadPoolElement / BlockAIOCB). Created by
 * {@link ThreadPool.submit}; used in the submitting thread only.
 *
 * @example
 * ```ts
 * import { AioContext } from "./aio_context.ts";
 * import { threadPoolFor } from "./thread_pool.ts";
 * const ctx = new AioContext();
 * const pool = threadPoolFor(ctx);
 * const req = pool.submit({ fn: `${new URL("./testdata/pool_jobs.ts", import.meta.url)}#add`, args: [1, 2] });
 * while (req.status !== "completed") ctx.poll(true);
 * console.log(req.result); // { status: "ok", value: 3, workerThread: ... }
 * await pool.destroy();
 * ctx.destroy();
 * ```
 */
export class ThreadPoolRequest<T = unknown> {
  /** Serial number in its pool (1, 2, ...). */
  readonly id: number;
  /** Handler id of the job. */
  readonly handler: number;
  /** @internal the completion callback */
  readonly onComplete: ((r: ThreadPoolResult<T>, req: ThreadPoolRequest<T>) => void) | undefined;
  /** @internal request-table slot, -1 when not in the table */
  slot = -1;
  /** @internal encoded arguments while waiting for a slot */
  pendingArgs: Uint8Array | null = null;
  /** @internal cancelled while queued, completion not delivered yet */
  cancelled = false;
  #result: ThreadPoolResult<T> | null = null;
  readonly #pool: ThreadPool;

  /**
   * Use {@link ThreadPool.submit}. Home thread.
   *
   * @example
   * ```ts ignore
   * // created by pool.submit(job)
   * ```
   */
  constructor(
    pool: ThreadPool,
    id: number,
    handler: number,
    onComplete: ((r: ThreadPoolResult<T>, req: ThreadPoolRequest<T>) => void) | undefined,
  ) {
    this.#pool = pool;
    this.id = id;
    this.handler = handler;
    this.onComplete = onComplete;
  }

  /**
   * Where the request is: `"queued"` (waiting for a worker), `"running"`,
   * `"done"` (finished or cancelled; the completion BH has not delivered it
   * yet) or `"completed"` (delivered; {@link ThreadPoolRequest.result} is
   * set). A snapshot. The submitting thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("./testdata/pool_jobs.ts", import.meta.url)}#add`, args: [1, 2] });
   * console.log(req.status); // "queued" (or already "running")
   * while (req.status !== "completed") ctx.poll(true);
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  get status(): ThreadPoolRequestStatus {
    if (this.#result !== null) return "completed";
    if (this.cancelled) return "done";
    if (this.slot < 0) return "queued";
    const s = this.#pool.slotState(this.slot);
    return s === POOL_SLOT_STATE.QUEUED
      ? "queued"
      : s === POOL_SLOT_STATE.RUNNING
      ? "running"
      : "done";
  }

  /**
   * The result once delivered, else null. The submitting thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("./testdata/pool_jobs.ts", import.meta.url)}#add`, args: [2, 2] });
   * console.log(req.result); // null
   * while (req.result === null) ctx.poll(true);
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  get result(): ThreadPoolResult<T> | null {
    return this.#result;
  }

  /** @internal records the delivered result */
  deliver(r: ThreadPoolResult<T>): void {
    this.#result = r;
  }

  /**
   * Cancels the request if it is still queued (bdrv_aio_cancel_async): it
   * will complete with status `"cancelled"` from the completion BH, and the
   * job never runs. A running or finished request is not affected (it
   * completes with its real result). Returns whether it was cancelled. The
   * submitting thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("./testdata/pool_jobs.ts", import.meta.url)}#add`, args: [1, 1] });
   * const cancelled = req.cancel(); // true unless a worker took it already
   * while (req.result === null) ctx.poll(true);
   * console.log(cancelled === (req.result.status === "cancelled")); // true
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  cancel(): boolean {
    return this.#pool.cancel(this);
  }
}

/**
 * A thread pool bound to one AioContext (see the module doc). Create it with
 * {@link threadPoolFor}, or with `new ThreadPool(ctx, options)` (one pool per
 * context). All methods: the context's home thread.
 *
 * @example
 * ```ts
 * import { AioContext } from "./aio_context.ts";
 * import { ThreadPool } from "./thread_pool.ts";
 * const ctx = new AioContext();
 * const pool = new ThreadPool(ctx, { maxWorkers: 2, idleTimeoutMs: 100 });
 * console.log(pool.maxWorkers); // 2
 * await pool.destroy();
 * ctx.destroy();
 * ```
 */
export class ThreadPool {
  /** Pool name. */
  readonly name: string;
  /** The context completions are delivered in. */
  readonly ctx: AioContext;
  /** Idle-worker timeout, ms. */
  readonly idleTimeoutMs: number;
  /** Request-table slots. */
  readonly capacity: number;
  /** Largest encoded arguments or result of one request, bytes. */
  readonly maxPayloadBytes: number;

  readonly #home: number;
  readonly #control: Int32Array;
  readonly #slots: Int32Array;
  readonly #slotNumbers: Float64Array;
  readonly #workerTable: Int32Array;
  readonly #payloads: SharedArrayBuffer[] = [];
  readonly #payloadViews: Uint8Array[] = [];
  readonly #lock: Mutex;
  readonly #bh: SharedBottomHalf;
  readonly #destroyTimeoutMs: number;
  readonly #encoder: Encoder;
  #scratch = new Uint8Array(4096);

  /** Shared buffers handed to workers, by id, and their ids. */
  readonly #buffers: SharedArrayBuffer[] = [];
  readonly #bufferIds = new Map<SharedArrayBuffer, number>();

  /** Requests submitted and not delivered, in submission order (QEMU's pool->head). */
  #inflight: ThreadPoolRequest<unknown>[] = [];
  /** Requests waiting for a table slot (FIFO). */
  #overflow: ThreadPoolRequest<unknown>[] = [];
  readonly #freeSlots: number[] = [];
  readonly #workers = new Map<number, WorkerRec>();
  readonly #threadNames = new Map<number, string>();
  #reaped = 0;
  #nextId = 1;
  #spawnSerial = 0;
  #min: number;
  #max: number;
  #destroying = false;
  #destroyed = false;

  // Statistics (home thread only).
  #submitted = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #overflowed = 0;
  #spawnFailures = 0;
  #workerErrors = 0;

  /**
   * Creates the pool of `ctx` and spawns `minWorkers` workers. Throws if
   * `ctx` already has one, or (RangeError) on invalid options. The context's
   * home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { ThreadPool } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = new ThreadPool(ctx, { name: "disk-io" });
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  constructor(ctx: AioContext, options: ThreadPoolOptions = {}) {
    if (currentThreadId() !== ctx.homeThread) {
      throw new Error(
        `thread pool for context "${ctx.name}" created in thread ${currentThreadId()}: ` +
          `only its home thread ${ctx.homeThread} may create it`,
      );
    }
    if (pools.has(ctx)) throw new Error(`context "${ctx.name}" already has a thread pool`);
    const min = options.minWorkers ?? DEFAULT_POOL_MIN_WORKERS;
    const max = options.maxWorkers ?? DEFAULT_POOL_MAX_WORKERS;
    validatePoolMinMax(min, max);
    const idle = options.idleTimeoutMs ?? DEFAULT_POOL_IDLE_TIMEOUT_MS;
    if (typeof idle !== "number" || Number.isNaN(idle) || idle < 0) {
      throw new RangeError(`thread pool idleTimeoutMs must be a number >= 0, got ${idle}`);
    }
    const capacity = options.capacity ?? DEFAULT_POOL_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 65536) {
      throw new RangeError(
        `thread pool capacity must be an integer in [1, 65536], got ${capacity}`,
      );
    }
    const maxPayload = options.maxPayloadBytes ?? DEFAULT_POOL_MAX_PAYLOAD_BYTES;
    if (!Number.isInteger(maxPayload) || maxPayload < PAYLOAD_INITIAL_BYTES) {
      throw new RangeError(
        `thread pool maxPayloadBytes must be an integer >= ${PAYLOAD_INITIAL_BYTES}, got ${maxPayload}`,
      );
    }
    const destroyTimeout = options.destroyTimeoutMs ?? DEFAULT_POOL_DESTROY_TIMEOUT_MS;
    if (typeof destroyTimeout !== "number" || !(destroyTimeout >= 0)) {
      throw new RangeError(`thread pool destroyTimeoutMs must be >= 0, got ${destroyTimeout}`);
    }
    this.ctx = ctx;
    this.name = options.name ?? `pool@${ctx.name}`;
    this.idleTimeoutMs = idle;
    this.capacity = capacity;
    this.maxPayloadBytes = maxPayload;
    this.#destroyTimeoutMs = destroyTimeout;
    this.#home = ctx.homeThread;
    this.#control = new Int32Array(new SharedArrayBuffer((POOL.QUEUE + capacity) * 4));
    this.#control[POOL.QUEUE_CAPACITY] = capacity;
    const slotSab = new SharedArrayBuffer(capacity * POOL_SLOT.WORDS * 4);
    this.#slots = new Int32Array(slotSab);
    this.#slotNumbers = new Float64Array(slotSab);
    this.#workerTable = new Int32Array(
      new SharedArrayBuffer(MAX_THREADS * POOL_WORKER.WORDS * 4),
    );
    for (let i = 0; i < capacity; i++) {
      const sab = new SharedArrayBuffer(PAYLOAD_INITIAL_BYTES, { maxByteLength: maxPayload });
      this.#payloads.push(sab);
      // Length-tracking: follows grow() from either side.
      this.#payloadViews.push(new Uint8Array(sab));
      this.#freeSlots.push(capacity - 1 - i);
    }
    this.#lock = new Mutex({ name: `${this.name}.lock`, stats: options.lockStats ?? false });
    this.#encoder = new Encoder((sab) => this.#bufferId(sab));
    this.#min = min;
    this.#max = max;
    // Last, so that nothing above can fail with the BH allocated.
    this.#bh = ctx.sharedBhNew(this.#completionBh, undefined, POOL_COMPLETION_BH);
    pools.set(ctx, this);
    // Initial parameters, and the warm workers (thread_pool_update_params).
    this.#applyMinMax(min, max);
  }

  #assertHome(what: string): void {
    if (currentThreadId() !== this.#home) {
      throw new Error(
        `${what} of thread pool "${this.name}" from thread ${currentThreadId()} ` +
          `(${currentThreadName()}): only the home thread ${this.#home} of context ` +
          `"${this.ctx.name}" may do this`,
      );
    }
    if (this.#destroyed || this.#destroying) {
      throw new Error(`${what} on destroyed thread pool "${this.name}"`);
    }
  }

  /** @internal shared state word of a slot (ThreadPoolRequest.status) */
  slotState(slot: number): number {
    // Pairs with the worker's Atomics.store(STATE, RUNNING / DONE).
    return Atomics.load(this.#slots, slot * POOL_SLOT.WORDS + POOL_SLOT.STATE);
  }

  /**
   * thread-pool-min now. Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * console.log(pool.minWorkers); // 0
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  get minWorkers(): number {
    return this.#min;
  }

  /**
   * thread-pool-max now. Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * console.log(pool.maxWorkers); // 64
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  get maxWorkers(): number {
    return this.#max;
  }

  /**
   * Requests submitted and not yet delivered (they block destroy()). Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * console.log(pool.outstanding); // 0
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  get outstanding(): number {
    return this.#inflight.length;
  }

  // ---------------------------------------------------------------- submit

  /**
   * Submits a job (thread_pool_submit_aio). Encodes the arguments now (a
   * DataCloneError for uncloneable ones: nothing is queued then), queues the
   * request, spawns a worker if none is idle and fewer than `maxWorkers`
   * exist, and returns at once: the completion callback runs later from
   * the pool's completion BH, never inside this call. Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const fn = { module: new URL("./testdata/pool_jobs.ts", import.meta.url), name: "add" };
   * let got = 0;
   * pool.submit<number>({ fn, args: [20, 22] }, {
   *   onComplete: (r) => (got = r.status === "ok" ? r.value : -1),
   * });
   * console.log(got); // 0: never inside submit
   * while (got === 0) ctx.poll(true);
   * console.log(got); // 42
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  submit<T = unknown>(
    job: ThreadPoolJob,
    options: ThreadPoolSubmitOptions<T> = {},
  ): ThreadPoolRequest<T> {
    this.#assertHome("submit");
    const id = jobHandlerId(job.fn);
    const args = job.args ?? [];
    if (!Array.isArray(args)) throw new TypeError(`thread pool job args must be an array`);
    const bytes = args.length === 0 ? null : this.#encoder.encode(args);
    if (bytes !== null && bytes.length > this.maxPayloadBytes) {
      throw new RangeError(
        `thread pool "${this.name}": encoded arguments are ${bytes.length} bytes, more than ` +
          `maxPayloadBytes (${this.maxPayloadBytes}); pass a SharedArrayBuffer instead`,
      );
    }
    const req = new ThreadPoolRequest<T>(this, this.#nextId++, id, options.onComplete);
    const r = req as unknown as ThreadPoolRequest<unknown>;
    if (this.#freeSlots.length > 0 && this.#overflow.length === 0) {
      this.#enqueue(r, bytes);
    } else {
      r.pendingArgs = bytes === null ? null : bytes.slice();
      this.#overflow.push(r);
      this.#overflowed++;
    }
    this.#inflight.push(r);
    this.#submitted++;
    return req;
  }

  /**
   * Coroutine form (thread_pool_submit_co): a generator to delegate to with
   * `yield*` from a generator-based coroutine. It submits the job when first
   * resumed, yields until the completion callback has called `wake` (pass
   * the coroutine's wake-up, e.g. `() => aioCoWake(co)`, which resumes the
   * coroutine by calling its iterator's `next()`), then returns the job's
   * value or throws its AioThreadError. A resumption before completion just
   * yields again. Home thread (the coroutine runs there).
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const fn = `${new URL("./testdata/pool_jobs.ts", import.meta.url)}#add`;
   * let out = 0;
   * function* co(): Generator<void, void, unknown> {
   *   out = yield* pool.submitCo<number>({ fn, args: [1, 2] }, wake);
   * }
   * const it = co();
   * const wake = () => void it.next();
   * it.next(); // runs until the first yield
   * while (out === 0) ctx.poll(true);
   * console.log(out); // 3
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  *submitCo<T = unknown>(job: ThreadPoolJob, wake: () => void): Generator<void, T, unknown> {
    const box: { r: ThreadPoolResult<T> | null } = { r: null };
    this.submit<T>(job, {
      onComplete: (r) => {
        box.r = r;
        wake();
      },
    });
    while (box.r === null) yield;
    const r: ThreadPoolResult<T> = box.r;
    if (r.status === "ok") return r.value;
    if (r.status === "error") throw r.error;
    throw new Error(`thread pool "${this.name}": request cancelled`);
  }

  /** Puts `req` into a free table slot and the shared queue. */
  #enqueue(req: ThreadPoolRequest<unknown>, bytes: Uint8Array | null): void {
    const slot = this.#freeSlots.pop()!;
    const s = this.#slots;
    const base = slot * POOL_SLOT.WORDS;
    s[base + POOL_SLOT.HANDLER] = req.handler;
    const n = bytes === null ? 0 : bytes.length;
    s[base + POOL_SLOT.ARGS_BYTES] = n;
    if (n > 0) {
      const sab = this.#payloads[slot];
      if (sab.byteLength < n) sab.grow(growTo(n, sab.maxByteLength));
      this.#payloadViews[slot].set(bytes!);
    }
    req.slot = slot;
    req.pendingArgs = null;
    // FREE → QUEUED; the unlock below publishes HANDLER, ARGS_BYTES and the
    // bytes to the worker that dequeues the slot under the lock.
    Atomics.store(s, base + POOL_SLOT.STATE, POOL_SLOT_STATE.QUEUED);
    const c = this.#control;
    let spawn = false;
    // The pool words below are accessed under the lock: its acquire and
    // release order them against the workers' accesses under it.
    this.#lock.lock();
    const idle = Atomics.load(c, POOL.IDLE_THREADS);
    const cur = Atomics.load(c, POOL.CUR_THREADS);
    if (idle === 0 && cur < Atomics.load(c, POOL.MAX_THREADS)) {
      // spawn_thread: counted now, created after the unlock.
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
    if (spawn) this.#spawnCounted(req);
  }

  /**
   * Creates one Worker already counted in cur_threads. On failure the count
   * is taken back; if no worker is left to serve `req`, it is unqueued and
   * the error thrown.
   */
  #spawnCounted(req: ThreadPoolRequest<unknown> | null): void {
    try {
      this.#spawn();
    } catch (err) {
      this.#spawnFailures++;
      const c = this.#control;
      this.#lock.lock(); // cur_threads is written under the lock
      const cur = Atomics.load(c, POOL.CUR_THREADS) - 1;
      Atomics.store(c, POOL.CUR_THREADS, cur);
      Atomics.store(c, POOL.SPAWNED, Atomics.load(c, POOL.SPAWNED) - 1);
      this.#lock.unlock();
      if (req !== null && cur === 0) {
        this.#unqueue(req);
        this.#inflight = this.#inflight.filter((r) => r !== req);
        throw new Error(
          `thread pool "${this.name}": cannot start a worker and none is running: ` +
            `${(err as Error).message}`,
          { cause: err },
        );
      }
    }
  }

  #spawn(): void {
    this.#reap();
    const reg = defaultRegistry();
    const wt = this.#workerTable;
    let block = -1;
    for (let i = 0; i < MAX_THREADS; i++) {
      if (Atomics.load(wt, i * POOL_WORKER.WORDS + POOL_WORKER.STATE) === POOL_WORKER_STATE.FREE) {
        block = i;
        break;
      }
    }
    if (block < 0) throw new RangeError(`thread pool "${this.name}": worker table full`);
    const threadId = reg.allocThreadId();
    const name = `${this.name} worker ${++this.#spawnSerial}`;
    const base = block * POOL_WORKER.WORDS;
    let worker: Worker;
    try {
      worker = new Worker(new URL("./_pool_worker.ts", import.meta.url), { type: "module", name });
    } catch (err) {
      reg.freeThreadId(threadId);
      throw err;
    }
    // Published to the worker by its init message (posted below).
    Atomics.store(wt, base + POOL_WORKER.THREAD_ID, threadId);
    Atomics.store(wt, base + POOL_WORKER.JOBS, 0);
    // FREE → SPAWNED before the init message; pairs with the worker's
    // compareExchange(SPAWNED → RUNNING) at start.
    Atomics.store(wt, base + POOL_WORKER.STATE, POOL_WORKER_STATE.SPAWNED);
    worker.onerror = (e: ErrorEvent) => {
      // Job errors are caught in the worker; this is a pool bug. Keep the
      // home thread alive and count it.
      e.preventDefault();
      this.#workerErrors++;
      console.error(`thread pool "${this.name}": ${name} failed: ${e.message}`);
    };
    const init: PoolWorkerInit = {
      type: "init",
      registry: reg.handle,
      threadId,
      threadName: name,
      worker: block,
      control: this.#control.buffer as SharedArrayBuffer,
      slots: this.#slots.buffer as SharedArrayBuffer,
      workers: wt.buffer as SharedArrayBuffer,
      payloads: this.#payloads,
      buffers: this.#buffers,
      lock: this.#lock.handle,
      ctx: this.ctx.handle,
      bh: this.#bh.index,
      idleTimeoutMs: this.idleTimeoutMs,
    };
    worker.postMessage(init);
    this.#workers.set(block, { worker, threadId, name });
    this.#threadNames.set(threadId, name);
  }

  /** Drops the Worker objects of workers that exited (their threads ended). */
  #reap(): void {
    // Workers count themselves in EXITED a little before they store their
    // EXITED state: a worker not reapable yet is reaped by a later call.
    if (Atomics.load(this.#control, POOL.EXITED) === this.#reaped) return;
    const wt = this.#workerTable;
    for (const [block, rec] of this.#workers) {
      const at = block * POOL_WORKER.WORDS + POOL_WORKER.STATE;
      // Pairs with the worker's Atomics.store(EXITED), its last write to the
      // worker table (after it freed its thread id).
      const st = Atomics.load(wt, at);
      if (st === POOL_WORKER_STATE.EXITED) {
        rec.worker.terminate();
        this.#workers.delete(block);
        Atomics.store(wt, at, POOL_WORKER_STATE.FREE);
        this.#reaped++;
      }
    }
  }

  /** The id of a shared buffer in the workers' table, sharing it on first use. */
  #bufferId(sab: SharedArrayBuffer): number {
    let id = this.#bufferIds.get(sab);
    if (id !== undefined) return id;
    id = this.#buffers.length;
    this.#buffers.push(sab);
    this.#bufferIds.set(sab, id);
    // Workers spawned from now on get it in their init message; running
    // ones read this message when a job first needs the buffer (the post
    // happens before the job is queued).
    const msg: PoolWorkerBuffer = { type: "buffer", id, sab };
    for (const rec of this.#workers.values()) rec.worker.postMessage(msg);
    return id;
  }

  // ---------------------------------------------------------------- cancel

  /**
   * Cancels `req` if it is still queued (see {@link ThreadPoolRequest.cancel}).
   * Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("./testdata/pool_jobs.ts", import.meta.url)}#add`, args: [1, 1] });
   * pool.cancel(req);
   * while (req.result === null) ctx.poll(true);
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  cancel<T>(request: ThreadPoolRequest<T>): boolean {
    if (currentThreadId() !== this.#home) this.#assertHome("cancel");
    const req = request as unknown as ThreadPoolRequest<unknown>;
    if (req.cancelled || req.result !== null || !this.#inflight.includes(req)) return false;
    if (!this.#unqueue(req)) return false;
    req.cancelled = true;
    // thread_pool_cancel: mark done with -ECANCELED and let the BH deliver it.
    this.#bh.schedule();
    return true;
  }

  /** Takes a queued request out of the overflow list or the shared queue. */
  #unqueue(req: ThreadPoolRequest<unknown>): boolean {
    if (req.slot < 0) {
      const i = this.#overflow.indexOf(req);
      if (i < 0) return false;
      this.#overflow.splice(i, 1);
      req.pendingArgs = null;
      return true;
    }
    const c = this.#control;
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
      Atomics.store(this.#slots, slot * POOL_SLOT.WORDS + POOL_SLOT.STATE, POOL_SLOT_STATE.FREE);
      removed = true;
    }
    this.#lock.unlock();
    if (removed) {
      req.slot = -1;
      this.#freeSlot(slot);
    }
    return removed;
  }

  #freeSlot(slot: number): void {
    this.#freeSlots.push(slot);
    const next = this.#overflow.shift();
    if (next !== undefined) this.#enqueue(next, next.pendingArgs);
  }

  // ------------------------------------------------------------ completion

  /** thread_pool_completion_bh. */
  readonly #completionBh = (): void => {
    this.#reap();
    restart: for (;;) {
      const list = this.#inflight;
      for (let i = 0; i < list.length; i++) {
        const req = list[i];
        if (
          !req.cancelled && (req.slot < 0 || this.slotState(req.slot) !== POOL_SLOT_STATE.DONE)
        ) continue;
        list.splice(i, 1);
        const result = this.#collect(req);
        req.deliver(result);
        if (req.onComplete === undefined) {
          i--;
          continue;
        }
        // Schedule ourselves in case the callback nests poll() to wait for
        // another request that completed at the same time; cancelled after
        // it (the walk restarts anyway). A callback that throws leaves the
        // BH scheduled, so the remaining completions are delivered by the
        // next poll.
        this.#bh.schedule();
        req.onComplete(result, req);
        this.#bh.cancel();
        continue restart;
      }
      return;
    }
  };

  /** Reads a finished request's result and frees its slot. */
  #collect(req: ThreadPoolRequest<unknown>): ThreadPoolResult<unknown> {
    if (req.cancelled) {
      req.cancelled = false;
      this.#cancelled++;
      return { status: "cancelled" };
    }
    const slot = req.slot;
    const s = this.#slots;
    const base = slot * POOL_SLOT.WORDS;
    // Read after the Atomics.load that saw DONE (the worker's DONE store
    // published these words and bytes).
    const kind = s[base + POOL_SLOT.RESULT];
    const workerThread = s[base + POOL_SLOT.WORKER];
    let result: ThreadPoolResult<unknown>;
    try {
      if (kind === POOL_RESULT.UNDEFINED) {
        result = { status: "ok", value: undefined, workerThread };
      } else if (kind === POOL_RESULT.NUMBER) {
        result = {
          status: "ok",
          value: this.#slotNumbers[(base + POOL_SLOT.NUMBER) >> 1],
          workerThread,
        };
      } else {
        const value = this.#readBytes(slot, s[base + POOL_SLOT.RESULT_BYTES]);
        if (kind === POOL_RESULT.ENCODED) {
          result = { status: "ok", value, workerThread };
        } else {
          result = {
            status: "error",
            error: this.#jobError(req, workerThread, value),
            workerThread,
          };
        }
      }
    } catch (err) {
      result = {
        status: "error",
        error: this.#jobError(req, workerThread, errorInfo(err)),
        workerThread,
      };
    }
    // DONE → FREE: the worker no longer touches the slot after its DONE store.
    Atomics.store(s, base + POOL_SLOT.STATE, POOL_SLOT_STATE.FREE);
    req.slot = -1;
    this.#freeSlot(slot);
    if (result.status === "ok") this.#completed++;
    else this.#failed++;
    return result;
  }

  #readBytes(slot: number, n: number): unknown {
    if (this.#scratch.length < n) this.#scratch = new Uint8Array(growTo(n, Infinity));
    const local = this.#scratch.subarray(0, n);
    local.set(this.#payloadViews[slot].subarray(0, n));
    return decode(local, (id) => this.#buffers[id]);
  }

  #jobError(req: ThreadPoolRequest<unknown>, workerThread: number, info: unknown): AioThreadError {
    const i = info as Partial<ErrorInfo>;
    return new AioThreadError(
      this.#threadNames.get(workerThread) ?? `thread-pool worker ${workerThread}`,
      handlerNameSafe(req.handler),
      {
        name: String(i?.name ?? "Error"),
        message: String(i?.message ?? info),
        stack: String(i?.stack ?? ""),
      },
    );
  }

  // ------------------------------------------------------------- min / max

  /**
   * Changes thread-pool-min/max (thread_pool_update_params): spawns workers
   * up to `min`, and wakes surplus idle workers so that they exit (busy ones
   * exit after their job). RangeError as {@link validatePoolMinMax}. Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * pool.setMinMax(0, 8);
   * console.log(pool.maxWorkers); // 8
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  setMinMax(min: number, max: number): void {
    this.#assertHome("setMinMax");
    validatePoolMinMax(min, max);
    this.#applyMinMax(min, max);
  }

  #applyMinMax(min: number, max: number): void {
    this.#reap();
    const c = this.#control;
    this.#min = min;
    this.#max = max;
    // Under the lock: workers read MIN/MAX/CUR under it.
    this.#lock.lock();
    Atomics.store(c, POOL.MIN_THREADS, min);
    Atomics.store(c, POOL.MAX_THREADS, max);
    const cur = Atomics.load(c, POOL.CUR_THREADS);
    const spawn = Math.max(0, min - cur);
    Atomics.store(c, POOL.CUR_THREADS, cur + spawn);
    Atomics.store(c, POOL.SPAWNED, Atomics.load(c, POOL.SPAWNED) + spawn);
    this.#lock.unlock();
    if (cur > max) {
      // Surplus workers re-check cur > max when woken. Same pairing as in
      // #enqueue.
      Atomics.add(c, POOL.REQUEST_SEQ, 1);
      Atomics.notify(c, POOL.REQUEST_SEQ, cur - max);
    }
    for (let i = 0; i < spawn; i++) this.#spawnCounted(null);
  }

  // ------------------------------------------------------------ statistics

  /**
   * Statistics so far (worker counters are a snapshot). Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * console.log(pool.stats().submitted); // 0
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  stats(): ThreadPoolStats {
    if (!this.#destroyed) this.#reap();
    const c = this.#control;
    const ld = (i: number): number => Atomics.load(c, i);
    return {
      name: this.name,
      submitted: this.#submitted,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      inFlight: this.#inflight.length,
      queued: ld(POOL.QUEUE_LEN) + this.#overflow.length,
      queueDepthMax: ld(POOL.QUEUE_MAX),
      overflowed: this.#overflowed,
      started: ld(POOL.STARTED),
      workers: ld(POOL.CUR_THREADS),
      idleWorkers: ld(POOL.IDLE_THREADS),
      busyWorkers: ld(POOL.BUSY_THREADS),
      maxBusyWorkers: ld(POOL.MAX_BUSY),
      workersSpawned: ld(POOL.SPAWNED),
      workersExited: ld(POOL.EXITED),
      idleTimeouts: ld(POOL.IDLE_TIMEOUTS),
      spawnFailures: this.#spawnFailures,
      workerErrors: this.#workerErrors,
      minWorkers: this.#min,
      maxWorkers: ld(POOL.MAX_THREADS),
    };
  }

  /**
   * Statistics of the pool lock (zero unless created with `lockStats`). Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx, { lockStats: true });
   * console.log(pool.lock.name); // "pool@ctx<n>.lock"
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  get lock(): Mutex {
    return this.#lock;
  }

  // --------------------------------------------------------------- destroy

  /**
   * Destroys the pool (thread_pool_free): throws at once, changing nothing,
   * while requests are outstanding (wait for their completions first);
   * otherwise stops every worker and resolves once all have exited, waiting
   * with `Atomics.waitAsync` at most `destroyTimeoutMs` (then it terminates
   * the stragglers and rejects). Frees the completion BH (reclaimed by the
   * context's next poll). Home thread; fit for threads that must not block.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx, { minWorkers: 1 });
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  destroy(): Promise<void> {
    this.#beginDestroy();
    return this.#waitWorkersAsync();
  }

  /**
   * Blocking form of {@link ThreadPool.destroy}: waits with a bounded
   * `Atomics.wait` (at most `timeoutMs`, default the pool's
   * `destroyTimeoutMs`). For event-loop threads (IOThreads, the main loop),
   * which may block; not for the orchestrator during a run. Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * pool.destroySync(1000);
   * ctx.destroy();
   * ```
   */
  destroySync(timeoutMs: number = this.#destroyTimeoutMs): void {
    this.#beginDestroy();
    const deadline = performance.now() + timeoutMs;
    const c = this.#control;
    for (;;) {
      // Load the sequence before checking: an exit after the check changes
      // it, so the wait below returns at once. Pairs with the worker's
      // Atomics.add(EXIT_SEQ) + Atomics.notify.
      const seq = Atomics.load(c, POOL.EXIT_SEQ);
      if (!this.#anyWorkerAlive()) break;
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(c, POOL.EXIT_SEQ, seq, left);
    }
    this.#finishDestroy();
  }

  #beginDestroy(): void {
    this.#assertHome("destroy");
    if (this.#inflight.length > 0) {
      throw new Error(
        `thread pool "${this.name}": destroy with ${this.#inflight.length} outstanding ` +
          `request(s); wait for their completions (poll the context) first`,
      );
    }
    this.#destroying = true;
    const c = this.#control;
    // Under the lock: workers check STOPPING and MAX under it.
    this.#lock.lock();
    Atomics.store(c, POOL.STOPPING, 1);
    Atomics.store(c, POOL.MAX_THREADS, 0);
    this.#lock.unlock();
    // Wake every idle worker; pairs as in #enqueue.
    Atomics.add(c, POOL.REQUEST_SEQ, 1);
    Atomics.notify(c, POOL.REQUEST_SEQ);
  }

  async #waitWorkersAsync(): Promise<void> {
    const deadline = performance.now() + this.#destroyTimeoutMs;
    const c = this.#control;
    for (;;) {
      // Same pairing as in destroySync().
      const seq = Atomics.load(c, POOL.EXIT_SEQ);
      if (!this.#anyWorkerAlive()) break;
      const left = deadline - performance.now();
      if (left <= 0) break;
      const w = Atomics.waitAsync(c, POOL.EXIT_SEQ, seq, left);
      if (w.async) await w.value;
    }
    this.#finishDestroy();
  }

  #anyWorkerAlive(): boolean {
    const wt = this.#workerTable;
    for (const block of this.#workers.keys()) {
      // Pairs with the worker's state stores (RUNNING, EXITING, EXITED).
      const st = Atomics.load(wt, block * POOL_WORKER.WORDS + POOL_WORKER.STATE);
      if (
        st === POOL_WORKER_STATE.SPAWNED || st === POOL_WORKER_STATE.RUNNING ||
        st === POOL_WORKER_STATE.EXITING
      ) return true;
    }
    return false;
  }

  #finishDestroy(): void {
    const wt = this.#workerTable;
    const reg = defaultRegistry();
    const killed: string[] = [];
    for (const [block, rec] of this.#workers) {
      const at = block * POOL_WORKER.WORDS + POOL_WORKER.STATE;
      for (const from of [POOL_WORKER_STATE.SPAWNED, POOL_WORKER_STATE.RUNNING]) {
        // Pairs with the worker's compareExchange at start and exit:
        // whichever side wins frees the thread id.
        if (Atomics.compareExchange(wt, at, from, POOL_WORKER_STATE.KILLED) === from) {
          reg.freeThreadId(rec.threadId);
          killed.push(rec.name);
        }
      }
      rec.worker.terminate();
      Atomics.store(wt, at, POOL_WORKER_STATE.FREE);
    }
    this.#workers.clear();
    this.#destroyed = true;
    this.#bh.delete();
    if (pools.get(this.ctx) === this) pools.delete(this.ctx);
    if (killed.length > 0) {
      throw new Error(
        `thread pool "${this.name}": ${killed.length} worker(s) did not exit within the ` +
          `destroy timeout and were terminated: ${killed.join(", ")}`,
      );
    }
  }

  /**
   * Whether the pool was destroyed. Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * await pool.destroy();
   * console.log(pool.destroyed); // true
   * ctx.destroy();
   * ```
   */
  get destroyed(): boolean {
    return this.#destroyed;
  }
}

/** Validates a job reference and returns its (process-wide) handler id. */
function jobHandlerId(fn: HandlerRef): number {
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
