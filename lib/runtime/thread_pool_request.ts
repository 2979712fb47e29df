/**
 * What goes into a thread pool and what comes out: {@link ThreadPoolJob},
 * {@link ThreadPoolRequest} (QEMU's ThreadPoolElement) and
 * {@link ThreadPoolResult}. The pool itself is in `thread_pool.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ThreadPoolJob } from "./thread_pool_request.ts";
 * const job: ThreadPoolJob = {
 *   fn: { module: new URL("../sync/thread_id.ts", import.meta.url), name: "currentThreadId" },
 * };
 * assert.equal(job.args, undefined);
 * ```
 *
 * @module
 */

import type { AioThreadError } from "./aio_thread_error.ts";
import type { HandlerRef } from "./handler_ref.ts";
import { POOL_SLOT_STATE } from "./layout.ts";

/**
 * What to run: a handler reference and its arguments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ThreadPoolJob } from "./thread_pool_request.ts";
 * const job: ThreadPoolJob = { fn: `${new URL("./thread_pool.ts", import.meta.url)}#validatePoolMinMax`, args: [0, 4] };
 * assert.equal(job.args?.length, 2);
 * ```
 */
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
    /** The job threw, its module or result could not be handled, or no worker could start. */
    status: "error";
    /** The error, naming worker thread and job; `error.remote` holds name, message, stack. */
    error: AioThreadError;
    /** aiolab thread id of the worker that ran it; -1 when no worker could start to run it. */
    workerThread: number;
  }
  | {
    /** Cancelled while queued (QEMU's -ECANCELED); the job never ran. */
    status: "cancelled";
  };

/** Where a request is: see {@link ThreadPoolRequest.status}. */
export type ThreadPoolRequestStatus = "queued" | "running" | "done" | "completed";

/** Options of `ThreadPool.submit`. */
export interface ThreadPoolSubmitOptions<T = unknown> {
  /**
   * Completion callback (QEMU's cb + opaque): runs in the submitting
   * thread, from the pool's completion BH, one at a time. Optional (QEMU's
   * NULL callback): the result is then only kept on the request.
   */
  onComplete?: (result: ThreadPoolResult<T>, request: ThreadPoolRequest<T>) => void;
}

/** What a request needs from its pool (the `ThreadPool` it was submitted to). */
export interface ThreadPoolRequestOwner {
  /** The shared state word (POOL_SLOT_STATE) of a request-table slot. */
  slotState(slot: number): number;
  /** Cancels a queued request (see {@link ThreadPoolRequest.cancel}). */
  cancel<T>(request: ThreadPoolRequest<T>): boolean;
}

/**
 * One submitted request (QEMU's ThreadPoolElement / BlockAIOCB). Created by
 * `ThreadPool.submit`; used in the submitting thread only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { threadPoolFor } from "./thread_pool.ts";
 * const ctx = new AioContext();
 * const pool = threadPoolFor(ctx);
 * const req = pool.submit({ fn: `${new URL("../sync/thread_id.ts", import.meta.url)}#currentThreadId` });
 * while (req.status !== "completed") ctx.poll(true);
 * assert.equal(req.result?.status, "ok");
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
  /** @internal failed before any worker ran it (none could start), not delivered yet */
  failure: AioThreadError | null = null;
  #result: ThreadPoolResult<T> | null = null;
  readonly #pool: ThreadPoolRequestOwner;

  /**
   * Use `ThreadPool.submit`. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ThreadPoolRequest } from "./thread_pool_request.ts";
   * const owner = { slotState: () => 0, cancel: () => false };
   * const req = new ThreadPoolRequest(owner, 1, 0, undefined);
   * assert.equal(req.status, "queued"); // not in a table slot yet
   * ```
   */
  constructor(
    pool: ThreadPoolRequestOwner,
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
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("../sync/thread_id.ts", import.meta.url)}#currentThreadId` });
   * assert.notEqual(req.status, "completed"); // never inside submit
   * while (req.status !== "completed") ctx.poll(true);
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  get status(): ThreadPoolRequestStatus {
    if (this.#result !== null) return "completed";
    if (this.cancelled || this.failure !== null) return "done";
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
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("../sync/thread_id.ts", import.meta.url)}#currentThreadId` });
   * const before = req.result;
   * while (req.result === null) ctx.poll(true);
   * assert.equal(before, null);
   * assert.ok(req.result.status === "ok" && req.result.value === req.result.workerThread);
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
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { threadPoolFor } from "./thread_pool.ts";
   * const ctx = new AioContext();
   * const pool = threadPoolFor(ctx);
   * const req = pool.submit({ fn: `${new URL("../sync/thread_id.ts", import.meta.url)}#currentThreadId` });
   * const cancelled = req.cancel(); // true unless a worker took it already
   * while (req.result === null) ctx.poll(true);
   * assert.equal(cancelled, req.result.status === "cancelled");
   * await pool.destroy();
   * ctx.destroy();
   * ```
   */
  cancel(): boolean {
    return this.#pool.cancel(this);
  }
}
