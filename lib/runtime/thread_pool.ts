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
 * - Spawning. As in QEMU (spawn_thread, spawn_thread_bh_fn), `submit` only
 *   counts a new worker in cur_threads; the pool's spawn BH creates the
 *   Worker later, one per BH pass of the context (QEMU chains each new
 *   worker to the next; here only the home thread creates Workers, so the
 *   BH re-schedules itself instead). Creating a Worker costs the home thread
 *   tens of milliseconds, so `submit` never does it. Workers are nested
 *   Workers of the home thread; each takes an aiolab thread id from the
 *   registry when it is created and frees it as it exits. When a Worker
 *   cannot be created and no worker is left, the queued requests complete
 *   with status `"error"` (QEMU aborts instead).
 * - Errors. A job that throws completes with status `"error"` and an
 *   `AioThreadError` naming the worker thread and the job, with the job's
 *   name, message and stack (`error.remote`). A returned promise is awaited
 *   (the worker stays busy meanwhile).
 * - Lifetime. The pool owns two BHs in its context: destroy the pool
 *   before the context (the context's `destroy()` otherwise refuses, naming
 *   the BHs `thread-pool-completion` and `thread-pool-spawn`). `destroy()`
 *   is asynchronous for threads that must not block (the orchestrator);
 *   `destroySync()` is the bounded blocking form for event-loop threads.
 * - Coroutines. {@link ThreadPool.submitCo} is a generator for generator-based
 *   coroutines; it takes the wake-up function (`aioCoWake` of the calling
 *   coroutine) as an argument instead of finding the current coroutine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { threadPoolFor } from "./thread_pool.ts";
 * const ctx = new AioContext({ name: "demo" });
 * const pool = threadPoolFor(ctx);
 * // A job is an export of a module: here the worker reports its thread id.
 * const fn = { module: new URL("../sync/thread_id.ts", import.meta.url), name: "currentThreadId" };
 * let worker = 0;
 * pool.submit<number>({ fn }, { onComplete: (r) => (worker = r.status === "ok" ? r.value : -1) });
 * while (worker === 0) ctx.poll(true); // the completion BH wakes the context
 * assert.ok(worker > 0);
 * assert.equal(pool.stats().completed, 1);
 * await pool.destroy();
 * ctx.destroy();
 * ```
 *
 * @module
 */

import { POOL } from "./layout.ts";
import { Mutex } from "../sync/mutex.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import type { AioContext } from "./aio_context.ts";
import type { BottomHalf, SharedBottomHalf } from "./bottom_half.ts";
import { getCurrentAioContext } from "./thread_state.ts";
import {
  type ThreadPoolJob,
  ThreadPoolRequest,
  type ThreadPoolRequestOwner,
  type ThreadPoolResult,
  type ThreadPoolSubmitOptions,
} from "./thread_pool_request.ts";
import { jobHandlerId, PAYLOAD_INITIAL_BYTES, PoolRequests } from "./_pool_requests.ts";
import { PoolWorkers, type PoolWorkerShared, SpawnError } from "./_pool_workers.ts";

export {
  type ThreadPoolJob,
  ThreadPoolRequest,
  type ThreadPoolRequestOwner,
  type ThreadPoolRequestStatus,
  type ThreadPoolResult,
  type ThreadPoolSubmitOptions,
} from "./thread_pool_request.ts";

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
/** Name of the pool's spawn bottom half (QEMU's new_thread_bh), which creates Workers. */
export const POOL_SPAWN_BH = "thread-pool-spawn";

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
  /** Workers alive or starting (cur_threads), including those not created yet. */
  workers: number;
  /** Workers counted in `workers` whose Worker the spawn BH has not created yet (new_threads). */
  pendingSpawns: number;
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

const pools = new WeakMap<AioContext, ThreadPool>();

/**
 * Checks thread-pool-min/max as QEMU does (min >= 0, max > 0, min <= max,
 * integers). Throws a RangeError. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validatePoolMinMax } from "./thread_pool.ts";
 * validatePoolMinMax(0, 64);
 * assert.throws(() => validatePoolMinMax(4, 2), RangeError);
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
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { threadPoolFor } from "./thread_pool.ts";
 * const ctx = new AioContext();
 * const pool = threadPoolFor(ctx, { maxWorkers: 4 });
 * assert.equal(threadPoolFor(ctx), pool);
 * assert.throws(() => threadPoolFor(ctx, { maxWorkers: 2 }), /options apply only/);
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
 * A thread pool bound to one AioContext (see the module doc). Create it with
 * {@link threadPoolFor}, or with `new ThreadPool(ctx, options)` (one pool per
 * context). All methods: the context's home thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { ThreadPool } from "./thread_pool.ts";
 * const ctx = new AioContext();
 * const pool = new ThreadPool(ctx, { maxWorkers: 2, idleTimeoutMs: 100 });
 * assert.equal(pool.maxWorkers, 2);
 * await pool.destroy();
 * ctx.destroy();
 * ```
 */
export class ThreadPool implements ThreadPoolRequestOwner {
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
  readonly #lock: Mutex;
  readonly #requests: PoolRequests;
  readonly #workers: PoolWorkers;
  readonly #bh: SharedBottomHalf;
  readonly #spawnBh: BottomHalf;
  readonly #destroyTimeoutMs: number;
  #nextId = 1;
  /** new_threads: counted in cur_threads, Worker not created yet. Home thread. */
  #newThreads = 0;
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

  /**
   * Creates the pool of `ctx` and counts `minWorkers` workers (the spawn BH
   * creates them from the context's next polls). Throws if
   * `ctx` already has one, or (RangeError) on invalid options. The context's
   * home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { ThreadPool } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = new ThreadPool(ctx, { name: "disk-io" });
   * assert.throws(() => new ThreadPool(ctx), /already has a thread pool/);
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
    this.#lock = new Mutex({ name: `${this.name}.lock`, stats: options.lockStats ?? false });
    this.#requests = new PoolRequests(
      capacity,
      maxPayload,
      this.#lock,
      (id, sab) => this.#workers.shareBuffer(id, sab),
      () => this.#spawnLater(1),
    );
    this.#workers = new PoolWorkers(this.name, this.#requests.control, this.#lock);
    this.#min = min;
    this.#max = max;
    // Last, so that nothing above can fail with the BHs allocated (the
    // shared one first: only its allocation can fail).
    this.#bh = ctx.sharedBhNew(this.#completionBh, undefined, POOL_COMPLETION_BH);
    this.#spawnBh = ctx.bhNew(this.#spawnOne, undefined, { name: POOL_SPAWN_BH });
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

  /**
   * The shared state word (POOL_SLOT_STATE) of a request-table slot, for
   * {@link ThreadPoolRequest.status}. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { POOL_SLOT_STATE } from "./layout.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * assert.equal(pool.slotState(0), POOL_SLOT_STATE.FREE);
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  slotState(slot: number): number {
    return this.#requests.slotState(slot);
  }

  /**
   * thread-pool-min now. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * assert.equal(pool.minWorkers, 0);
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
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * assert.equal(pool.maxWorkers, 64);
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
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("../sync/thread_id.ts", import.meta.url)}#currentThreadId` });
   * assert.equal(pool.outstanding, 1);
   * while (req.result === null) ctx.poll(true);
   * assert.equal(pool.outstanding, 0);
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  get outstanding(): number {
    return this.#requests.inflight.length;
  }

  // ---------------------------------------------------------------- submit

  /**
   * Submits a job (thread_pool_submit_aio). Encodes the arguments now (a
   * DataCloneError for uncloneable ones: nothing is queued then), queues the
   * request, counts a new worker if none is idle and fewer than `maxWorkers`
   * exist (the spawn BH creates it: never inside this call), and returns at
   * once: the completion callback runs later from the pool's completion BH,
   * never inside this call. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * // A job that throws: validatePoolMinMax(4, 2) runs in a worker.
   * const fn = { module: new URL("./thread_pool.ts", import.meta.url), name: "validatePoolMinMax" };
   * let got = "";
   * pool.submit({ fn, args: [4, 2] }, {
   *   onComplete: (r) => (got = r.status === "error" ? r.error.remote.name : r.status),
   * });
   * assert.equal(got, ""); // never inside submit
   * while (got === "") ctx.poll(true);
   * assert.equal(got, "RangeError");
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
    const bytes = this.#requests.encodeArgs(args);
    if (bytes !== null && bytes.length > this.maxPayloadBytes) {
      throw new RangeError(
        `thread pool "${this.name}": encoded arguments are ${bytes.length} bytes, more than ` +
          `maxPayloadBytes (${this.maxPayloadBytes}); pass a SharedArrayBuffer instead`,
      );
    }
    const req = new ThreadPoolRequest<T>(this, this.#nextId++, id, options.onComplete);
    if (this.#requests.add(req as unknown as ThreadPoolRequest<unknown>, bytes)) {
      this.#overflowed++;
    }
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
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { aioCoWake, coEnter, Coroutine } from "./coroutine.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const fn = `${new URL("../sync/thread_id.ts", import.meta.url)}#currentThreadId`;
   * let worker = 0;
   * const co = Coroutine.create(function* () {
   *   worker = yield* pool.submitCo<number>({ fn }, () => aioCoWake(co));
   * }, null);
   * coEnter(co, ctx); // runs until the first yield
   * while (!co.terminated) ctx.poll(true);
   * assert.ok(worker > 0);
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

  /** What every worker's init message shares. */
  #workerShared(): PoolWorkerShared {
    const q = this.#requests;
    return {
      type: "init",
      control: q.control.buffer as SharedArrayBuffer,
      slots: q.slots.buffer as SharedArrayBuffer,
      workers: this.#workers.table.buffer as SharedArrayBuffer,
      payloads: q.payloads,
      buffers: q.buffers,
      lock: this.#lock.handle,
      ctx: this.ctx.handle,
      bh: this.#bh.index,
      idleTimeoutMs: this.idleTimeoutMs,
    };
  }

  /**
   * spawn_thread's second half: `n` workers were counted in cur_threads;
   * the spawn BH creates their Workers. Home thread.
   */
  #spawnLater(n: number): void {
    this.#newThreads += n;
    this.#spawnBh.schedule();
  }

  /**
   * spawn_thread_bh_fn: creates one counted Worker and leaves the next to
   * the next BH pass, so that one pass never stalls the loop for more than
   * one Worker's start. If creating it fails and no worker is left, the
   * queued requests fail (delivered by the completion BH). Home thread.
   */
  readonly #spawnOne = (): void => {
    if (this.#newThreads === 0 || this.#destroying) return;
    this.#newThreads--;
    if (this.#newThreads > 0) this.#spawnBh.schedule();
    try {
      this.#workers.spawnCounted(this.#workerShared());
    } catch (err) {
      if (!(err instanceof SpawnError)) throw err;
      if (err.workersLeft === 0) {
        const failed = this.#requests.failQueued(`thread pool "${this.name}"`, err.cause ?? err);
        if (failed > 0) this.#bh.schedule();
      }
    }
  };

  // ---------------------------------------------------------------- cancel

  /**
   * Cancels `req` if it is still queued (see {@link ThreadPoolRequest.cancel}).
   * Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("../sync/thread_id.ts", import.meta.url)}#currentThreadId` });
   * const cancelled = pool.cancel(req);
   * while (req.result === null) ctx.poll(true);
   * assert.equal(cancelled, req.result.status === "cancelled");
   * assert.equal(pool.cancel(req), false); // delivered: nothing to cancel
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  cancel<T>(request: ThreadPoolRequest<T>): boolean {
    if (currentThreadId() !== this.#home) this.#assertHome("cancel");
    const req = request as unknown as ThreadPoolRequest<unknown>;
    const q = this.#requests;
    if (req.cancelled || req.result !== null || !q.inflight.includes(req)) return false;
    if (!q.unqueue(req)) return false;
    req.cancelled = true;
    // thread_pool_cancel: mark done with -ECANCELED and let the BH deliver it.
    this.#bh.schedule();
    return true;
  }

  // ------------------------------------------------------------ completion

  /** thread_pool_completion_bh. */
  readonly #completionBh = (): void => {
    this.#workers.reap();
    const q = this.#requests;
    restart: for (;;) {
      const list = q.inflight;
      for (let i = 0; i < list.length; i++) {
        const req = list[i];
        if (!q.isDone(req)) continue;
        list.splice(i, 1);
        const result = q.collect(req, (t) => this.#workers.threadName(t));
        if (result.status === "ok") this.#completed++;
        else if (result.status === "error") this.#failed++;
        else this.#cancelled++;
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

  // ------------------------------------------------------------- min / max

  /**
   * Changes thread-pool-min/max (thread_pool_update_params): counts workers
   * up to `min` (the spawn BH creates them), and wakes surplus idle workers so that they exit (busy ones
   * exit after their job). RangeError as {@link validatePoolMinMax}. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * pool.setMinMax(0, 8);
   * assert.equal(pool.maxWorkers, 8);
   * assert.throws(() => pool.setMinMax(2, 1), RangeError);
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
    this.#workers.reap();
    const c = this.#requests.control;
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
      // Surplus workers re-check cur > max when woken. Pairs with the
      // idle workers' load of REQUEST_SEQ under the lock before they wait.
      Atomics.add(c, POOL.REQUEST_SEQ, 1);
      Atomics.notify(c, POOL.REQUEST_SEQ, cur - max);
    }
    if (spawn > 0) this.#spawnLater(spawn);
  }

  // ------------------------------------------------------------ statistics

  /**
   * Statistics so far (worker counters are a snapshot). Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("../sync/thread_id.ts", import.meta.url)}#currentThreadId` });
   * while (req.result === null) ctx.poll(true);
   * const s = pool.stats();
   * assert.equal(s.submitted, 1);
   * assert.equal(s.completed + s.cancelled, 1);
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  stats(): ThreadPoolStats {
    if (!this.#destroyed) this.#workers.reap();
    const c = this.#requests.control;
    // Snapshots: written under the lock with Atomics.store, read without it.
    const ld = (i: number): number => Atomics.load(c, i);
    return {
      name: this.name,
      submitted: this.#submitted,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      inFlight: this.#requests.inflight.length,
      queued: ld(POOL.QUEUE_LEN) + this.#requests.overflow.length,
      queueDepthMax: ld(POOL.QUEUE_MAX),
      overflowed: this.#overflowed,
      started: ld(POOL.STARTED),
      workers: ld(POOL.CUR_THREADS),
      pendingSpawns: this.#newThreads,
      idleWorkers: ld(POOL.IDLE_THREADS),
      busyWorkers: ld(POOL.BUSY_THREADS),
      maxBusyWorkers: ld(POOL.MAX_BUSY),
      workersSpawned: ld(POOL.SPAWNED),
      workersExited: ld(POOL.EXITED),
      idleTimeouts: ld(POOL.IDLE_TIMEOUTS),
      spawnFailures: this.#workers.spawnFailures,
      workerErrors: this.#workers.workerErrors,
      minWorkers: this.#min,
      maxWorkers: ld(POOL.MAX_THREADS),
    };
  }

  /**
   * The pool lock (its statistics are zero unless created with `lockStats`).
   * Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext({ name: "disk" });
   * const pool = threadPoolFor(ctx, { lockStats: true });
   * assert.equal(pool.lock.name, "pool@disk.lock");
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
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx, { minWorkers: 1 });
   * await pool.destroy();
   * assert.equal(pool.stats().workers, 0);
   * ctx.destroy();
   * ```
   */
  destroy(): Promise<void> {
    this.#beginDestroy();
    return this.#workers.waitExit(this.#destroyTimeoutMs).then(() => this.#finishDestroy());
  }

  /**
   * Blocking form of {@link ThreadPool.destroy}: waits with a bounded
   * `Atomics.wait` (at most `timeoutMs`, default the pool's
   * `destroyTimeoutMs`). For event-loop threads (IOThreads, the main loop),
   * which may block; not for the orchestrator during a run. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * pool.destroySync(1000);
   * assert.equal(pool.destroyed, true);
   * ctx.destroy();
   * ```
   */
  destroySync(timeoutMs: number = this.#destroyTimeoutMs): void {
    this.#beginDestroy();
    this.#workers.waitExitSync(timeoutMs);
    this.#finishDestroy();
  }

  #beginDestroy(): void {
    this.#assertHome("destroy");
    const outstanding = this.#requests.inflight.length;
    if (outstanding > 0) {
      throw new Error(
        `thread pool "${this.name}": destroy with ${outstanding} outstanding ` +
          `request(s); wait for their completions (poll the context) first`,
      );
    }
    this.#destroying = true;
    const c = this.#requests.control;
    // Under the lock: workers check STOPPING and MAX under it.
    this.#lock.lock();
    Atomics.store(c, POOL.STOPPING, 1);
    Atomics.store(c, POOL.MAX_THREADS, 0);
    // Spawns counted but never created are taken back.
    Atomics.store(c, POOL.CUR_THREADS, Atomics.load(c, POOL.CUR_THREADS) - this.#newThreads);
    Atomics.store(c, POOL.SPAWNED, Atomics.load(c, POOL.SPAWNED) - this.#newThreads);
    this.#lock.unlock();
    this.#newThreads = 0;
    // Wake every idle worker. Pairs with the idle workers' load of
    // REQUEST_SEQ under the lock before they wait.
    Atomics.add(c, POOL.REQUEST_SEQ, 1);
    Atomics.notify(c, POOL.REQUEST_SEQ);
  }

  #finishDestroy(): void {
    const killed = this.#workers.killAll();
    this.#destroyed = true;
    this.#bh.delete();
    this.#spawnBh.delete();
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
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * await pool.destroy();
   * assert.equal(pool.destroyed, true);
   * ctx.destroy();
   * ```
   */
  get destroyed(): boolean {
    return this.#destroyed;
  }
}
