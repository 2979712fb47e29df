/**
 * The `null` block driver: the counterpart of QEMU's null-aio (§1.16). Every
 * read, write and flush completes after about `latencyNs` on a REALTIME
 * timer in the node's AioContext, or from a bottom half there when
 * `latencyNs` is 0: a oneshot per request, or, in a context whose owner
 * turned batching on ({@link NullDriver.batchCompletions}, as a device does
 * for the context serving it), one bottom half per context that completes
 * every request submitted since it last ran (the cost of a schedule, not of
 * a new BH, per request; still never inside submit).
 * Reads fill the buffer with zeroes only with
 * `readZeroes` (otherwise the data is null: "left untouched"). The size is
 * reported, and requests beyond it fail.
 *
 * The node's context must be homed in the calling thread (the driver
 * resolves it with `localContext`), since completions are scheduled there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NullDriver } from "./null_driver.ts";
 * const d = new NullDriver({ latencyNs: 1000, readZeroes: true });
 * assert.equal(d.size, 1073741824);
 * ```
 *
 * @module
 */

import type { BottomHalf } from "../runtime/bottom_half.ts";
import { ClockType, Scale } from "../runtime/clock.ts";
import { localContext } from "../runtime/thread_state.ts";
import type {
  BlockRequest,
  ContextId,
  DriverHooks,
  DriverNode,
  IoDriver,
  RequestResult,
} from "./driver.ts";

/** Results shared by every successful request (frozen: callers only read them). */
const OK: RequestResult = Object.freeze({ ok: true });
const READ_OK: RequestResult = Object.freeze({ ok: true, data: null });

/**
 * Zero-latency completions of one attached context: its BH and what it
 * completes when it runs. The context's home thread only.
 */
interface Batch {
  readonly bh: BottomHalf;
  /** Completion callbacks, in submission order, and their results. */
  done: ((r: RequestResult) => void)[];
  results: RequestResult[];
  /** Emptied arrays the next run's submissions go to. */
  spareDone: ((r: RequestResult) => void)[];
  spareResults: RequestResult[];
  /** batchCompletions(ctx, true) calls not yet matched by a false. */
  refs: number;
}

/** Options of {@link NullDriver} (null-co/null-aio's). */
export interface NullDriverOptions {
  /** Reported size in bytes. Default 1 GiB. */
  size?: number;
  /** Completion delay, ns (>= 0). Default 0. */
  latencyNs?: number;
  /** Reads return zeroes. Default false. */
  readZeroes?: boolean;
}

/**
 * A null driver instance. Used by the node's context's home thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NullDriver } from "./null_driver.ts";
 * assert.equal(new NullDriver().latencyNs, 0);
 * ```
 */
export class NullDriver implements DriverHooks, IoDriver {
  /** Reported size, bytes. */
  readonly size: number;
  /** Completion delay, ns. */
  readonly latencyNs: number;
  /** Reads return zeroes. */
  readonly readZeroes: boolean;
  /** Requests completed (statistic). */
  completed = 0;
  /** Contexts attached to / detached from (statistics; QEMU's null driver keeps no per-context state). */
  attaches = 0;
  /** See {@link NullDriver.attaches}. */
  detaches = 0;
  /** Zero-latency batches by attached context (home thread of each). */
  readonly #batches = new Map<ContextId, Batch>();

  /**
   * Validates the options (negative latency is an error, as in QEMU).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NullDriver } from "./null_driver.ts";
   * const d = new NullDriver({ size: 4096 });
   * assert.equal(d.size, 4096);
   * assert.throws(() => new NullDriver({ latencyNs: -1 }), /latency-ns must be an integer >= 0/);
   * ```
   */
  constructor(options: NullDriverOptions = {}) {
    const size = options.size ?? 2 ** 30;
    const latencyNs = options.latencyNs ?? 0;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`null driver: size must be an integer >= 0, got ${size}`);
    }
    if (!Number.isSafeInteger(latencyNs) || latencyNs < 0) {
      throw new RangeError(`null driver: latency-ns must be an integer >= 0, got ${latencyNs}`);
    }
    this.size = size;
    this.latencyNs = latencyNs;
    this.readZeroes = options.readZeroes ?? false;
  }

  /**
   * bdrv_attach_aio_context: nothing to move for this driver. New context's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NullDriver } from "./null_driver.ts";
   * const d = new NullDriver();
   * assert.equal(d.attaches, 0);
   * ```
   */
  attachAioContext(): void {
    this.attaches++;
  }

  /**
   * bdrv_detach_aio_context: nothing to release. Old context's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NullDriver } from "./null_driver.ts";
   * assert.equal(new NullDriver().detaches, 0);
   * ```
   */
  detachAioContext(): void {
    this.detaches++;
  }

  /**
   * Turns completion batching on (`on` true) or off for context `ctxId` of
   * this thread, counted: with latency 0, requests of nodes in that context
   * complete from one bottom half of the context instead of a oneshot each.
   * Each `true` needs its `false` before the context is destroyed (the BH
   * lives until then); what the BH still holds at the last `false`
   * completes from a oneshot. No-op with a latency, or for a context not
   * homed here. The context's home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "../runtime/aio_context.ts";
   * import { NullDriver } from "./null_driver.ts";
   * const ctx = new AioContext();
   * const d = new NullDriver();
   * d.batchCompletions(ctx.id, true);
   * const node = { nodeName: "n", aioContext: ctx.id };
   * let done = 0;
   * for (let i = 0; i < 3; i++) d.submit(node, { op: "read", offset: 0, bytes: 512 }, () => done++);
   * assert.equal(done, 0); // never inside submit
   * ctx.poll(false); // one BH run completes all three
   * assert.equal(done, 3);
   * d.batchCompletions(ctx.id, false);
   * ctx.destroy();
   * ```
   */
  batchCompletions(ctxId: ContextId, on: boolean): void {
    if (this.latencyNs !== 0) return;
    const ctx = localContext(ctxId);
    if (ctx === undefined) return;
    const had = this.#batches.get(ctxId);
    if (on) {
      if (had !== undefined) {
        had.refs++;
        return;
      }
      const b: Batch = {
        bh: ctx.bhNew(() => this.#complete(b), undefined, { name: "null-aio-complete" }),
        done: [],
        results: [],
        spareDone: [],
        spareResults: [],
        refs: 1,
      };
      this.#batches.set(ctxId, b);
      return;
    }
    if (had === undefined || --had.refs > 0) return;
    this.#batches.delete(ctxId);
    had.bh.delete();
    if (had.done.length > 0) {
      ctx.scheduleOneshot(() => this.#complete(had), undefined, "null-aio-complete");
    }
  }

  /** The batch BH: completes what was submitted before it ran (later ones reschedule it). */
  #complete(b: Batch): void {
    const done = b.done;
    const results = b.results;
    // Submissions from the callbacks below go to the spare pair (no allocation per run).
    b.done = b.spareDone;
    b.results = b.spareResults;
    let i = 0;
    try {
      for (; i < done.length; i++) {
        this.completed++;
        done[i](results[i]);
      }
    } finally {
      if (++i < done.length) {
        // A callback threw: the requests after it complete on the next run.
        b.done = done.slice(i).concat(b.done);
        b.results = results.slice(i).concat(b.results);
        b.spareDone = [];
        b.spareResults = [];
        b.bh.schedule();
      } else {
        done.length = 0;
        results.length = 0;
        b.spareDone = done;
        b.spareResults = results;
      }
    }
  }

  /**
   * Runs `req` and completes it in the node's context. The node's context's
   * home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "../runtime/aio_context.ts";
   * import { BlockGraph } from "./block_graph.ts";
   * import { NullDriver } from "./null_driver.ts";
   * const ctx = new AioContext();
   * const d = new NullDriver({ readZeroes: true });
   * const n = new BlockGraph({ mainContext: ctx.id }).addNode({ nodeName: "n", driver: d });
   * let data: Uint8Array | null | undefined;
   * d.submit(n, { op: "read", offset: 0, bytes: 4 }, (r) => (data = r.data));
   * ctx.poll(false);
   * assert.deepEqual(data, new Uint8Array(4));
   * ctx.destroy();
   * ```
   */
  submit(node: DriverNode, req: BlockRequest, done: (r: RequestResult) => void): void {
    const ctx = localContext(node.aioContext);
    if (ctx === undefined) {
      throw new Error(
        `null driver: node "${node.nodeName}" is in context ${node.aioContext}, which is not ` +
          `homed in this thread`,
      );
    }
    let result: RequestResult;
    if (req.op !== "flush" && req.offset + req.bytes > this.size) {
      result = {
        ok: false,
        error: new RangeError(
          `null driver: ${req.op} of ${req.bytes} bytes at ${req.offset} is beyond the size ${this.size}`,
        ),
      };
    } else if (req.op === "read") {
      result = this.readZeroes ? { ok: true, data: new Uint8Array(req.bytes) } : READ_OK;
    } else {
      result = OK;
    }
    const batch = this.latencyNs === 0 ? this.#batches.get(node.aioContext) : undefined;
    if (batch !== undefined) {
      batch.done.push(done);
      batch.results.push(result);
      batch.bh.schedule();
      return;
    }
    const complete = (): void => {
      this.completed++;
      done(result);
    };
    if (this.latencyNs === 0) {
      ctx.scheduleOneshot(complete, undefined, "null-aio-complete");
    } else {
      const t = ctx.timerNew(ClockType.REALTIME, Scale.NS, complete, undefined, "null-aio-latency");
      t.modNs(ctx.clocks.now(ClockType.REALTIME) + this.latencyNs);
    }
  }
}
