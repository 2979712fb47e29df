/**
 * The `null` block driver: the counterpart of QEMU's null-aio (§1.16). Every
 * read, write and flush completes after about `latencyNs` on a REALTIME
 * timer in the node's AioContext, or from a bottom half there when
 * `latencyNs` is 0: a oneshot per request, or, in a context whose owner
 * turned batching on ({@link NullDriver.batchCompletions}, as a device does
 * for the context serving it), one bottom half per context that completes
 * every request submitted since it last ran (the cost of a schedule, not of
 * a new BH, per request; still never inside submit); with a latency, one
 * timer per such context completes each request at its deadline (the
 * requests wait in submission order, which is deadline order), instead of a
 * timer per request.
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

import type { AioContext } from "../runtime/aio_context.ts";
import type { BottomHalf } from "../runtime/bottom_half.ts";
import type { Timer } from "../runtime/timer.ts";
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
const NOOP = (): void => {};

/** A tagged completion callback ({@link NullDriver.submitTagged}): one function for many requests. */
export type TaggedDone = (tag: number, r: RequestResult) => void;

/**
 * Zero-latency completions of one attached context: its BH and what it
 * completes when it runs, in parallel arrays reused from run to run (no
 * allocation per request once they have grown). The context's home thread only.
 */
interface Batch {
  readonly bh: BottomHalf;
  /** Completion callbacks in submission order: `(r)` ones where the tag is -1, else tagged. */
  fns: (((r: RequestResult) => void) | TaggedDone)[];
  tags: number[];
  results: RequestResult[];
  /** Entries in use. */
  n: number;
  /** The pair of arrays the next run's submissions go to. */
  spare: { fns: Batch["fns"]; tags: number[]; results: RequestResult[] };
  /** batchCompletions(ctx, true) calls not yet matched by a false. */
  refs: number;
}

/**
 * Completions with a latency of one attached context: one REALTIME timer
 * there, armed for the oldest request's deadline, and the requests in a ring
 * in submission order, which is deadline order (every request waits the same
 * latency on a monotonic clock). Parallel arrays reused from request to
 * request (no allocation per request once they have grown). The context's
 * home thread only.
 */
interface DelayLine {
  readonly ctx: AioContext;
  readonly timer: Timer;
  /** Per entry: deadline (REALTIME ns), completion callback (`(r)` where the tag is -1, else tagged), tag, result. */
  deadlines: number[];
  fns: (((r: RequestResult) => void) | TaggedDone)[];
  tags: number[];
  results: RequestResult[];
  /** Index of the oldest entry; entries in use. The arrays' length is a power of two. */
  head: number;
  n: number;
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
  /** Delay lines by attached context, when latencyNs > 0 (home thread of each). */
  readonly #lines = new Map<ContextId, DelayLine>();

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
   * complete from one bottom half of the context instead of a oneshot each;
   * with a latency, from one timer of the context (armed for the oldest
   * request's deadline) instead of a timer each, every request still at its
   * own deadline. Each `true` needs its `false` before the context is
   * destroyed (the BH or timer lives until then); what they still hold at
   * the last `false` completes from a oneshot (latency 0) or from a timer
   * each at its deadline. No-op for a context not homed here. The context's
   * home thread.
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
    const ctx = localContext(ctxId);
    if (ctx === undefined) return;
    if (this.latencyNs !== 0) {
      this.#delayLine(ctx, on);
      return;
    }
    const had = this.#batches.get(ctxId);
    if (on) {
      if (had !== undefined) {
        had.refs++;
        return;
      }
      const b: Batch = {
        bh: ctx.bhNew(() => this.#complete(b), undefined, { name: "null-aio-complete" }),
        fns: [],
        tags: [],
        results: [],
        n: 0,
        spare: { fns: [], tags: [], results: [] },
        refs: 1,
      };
      this.#batches.set(ctxId, b);
      return;
    }
    if (had === undefined || --had.refs > 0) return;
    this.#batches.delete(ctxId);
    had.bh.delete();
    if (had.n > 0) {
      ctx.scheduleOneshot(() => this.#complete(had), undefined, "null-aio-complete");
    }
  }

  /** batchCompletions with a latency: makes or counts (`on`), or releases, the context's delay line. */
  #delayLine(ctx: AioContext, on: boolean): void {
    const had = this.#lines.get(ctx.id);
    if (on) {
      if (had !== undefined) {
        had.refs++;
        return;
      }
      const size = 16;
      const line: DelayLine = {
        ctx,
        timer: ctx.timerNew(
          ClockType.REALTIME,
          Scale.NS,
          () => this.#expire(line),
          undefined,
          "null-aio-latency",
        ),
        deadlines: new Array<number>(size).fill(0),
        fns: new Array(size).fill(NOOP),
        tags: new Array<number>(size).fill(0),
        results: new Array<RequestResult>(size).fill(OK),
        head: 0,
        n: 0,
        refs: 1,
      };
      this.#lines.set(ctx.id, line);
      return;
    }
    if (had === undefined || --had.refs > 0) return;
    this.#lines.delete(ctx.id);
    had.timer.del();
    had.timer.deinit();
    // What is still waiting completes at its own deadline, a timer each.
    while (had.n > 0) {
      const i = had.head;
      const deadline = had.deadlines[i];
      const fn = had.fns[i];
      const tag = had.tags[i];
      const r = had.results[i];
      had.head = (i + 1) & (had.deadlines.length - 1);
      had.n--;
      const complete = (): void => {
        t.deinit();
        this.completed++;
        if (tag < 0) (fn as (r: RequestResult) => void)(r);
        else (fn as TaggedDone)(tag, r);
      };
      const t = ctx.timerNew(ClockType.REALTIME, Scale.NS, complete, undefined, "null-aio-latency");
      t.modNs(deadline);
    }
  }

  /** Queues one request on a delay line, arming its timer when it was empty. */
  #delay(
    line: DelayLine,
    fn: ((r: RequestResult) => void) | TaggedDone,
    tag: number,
    r: RequestResult,
  ): void {
    let size = line.deadlines.length;
    if (line.n === size) {
      // Full: unroll into arrays twice as long, oldest first.
      const order = (a: unknown[]) => a.slice(line.head).concat(a.slice(0, line.head));
      line.deadlines = order(line.deadlines).concat(new Array<number>(size).fill(0)) as number[];
      line.fns = order(line.fns).concat(new Array(size).fill(NOOP)) as DelayLine["fns"];
      line.tags = order(line.tags).concat(new Array<number>(size).fill(0)) as number[];
      line.results = order(line.results).concat(new Array(size).fill(OK)) as RequestResult[];
      line.head = 0;
      size *= 2;
    }
    const deadline = line.ctx.clocks.now(ClockType.REALTIME) + this.latencyNs;
    const i = (line.head + line.n) & (size - 1);
    line.deadlines[i] = deadline;
    line.fns[i] = fn;
    line.tags[i] = tag;
    line.results[i] = r;
    if (line.n++ === 0) line.timer.modNs(deadline);
  }

  /**
   * The delay line's timer: completes every request whose deadline has
   * passed, oldest first, then re-arms for the next one. A callback that
   * throws leaves the rest for the timer, re-armed first.
   */
  #expire(line: DelayLine): void {
    const now = line.ctx.clocks.now(ClockType.REALTIME);
    try {
      while (line.n > 0 && line.deadlines[line.head] <= now) {
        const i = line.head;
        // Read each time: a callback's submissions may have grown the arrays.
        const mask = line.deadlines.length - 1;
        const fn = line.fns[i];
        const tag = line.tags[i];
        const r = line.results[i];
        line.fns[i] = NOOP;
        line.results[i] = OK;
        line.head = (i + 1) & mask;
        line.n--;
        this.completed++;
        if (tag < 0) (fn as (r: RequestResult) => void)(r);
        else (fn as TaggedDone)(tag, r);
      }
    } finally {
      if (line.n > 0 && !line.timer.pending()) line.timer.modNs(line.deadlines[line.head]);
    }
  }

  /** The batch BH: completes what was submitted before it ran (later ones reschedule it). */
  #complete(b: Batch): void {
    const { fns, tags, results } = b;
    const n = b.n;
    // Submissions from the callbacks below go to the spare arrays.
    b.fns = b.spare.fns;
    b.tags = b.spare.tags;
    b.results = b.spare.results;
    b.n = 0;
    let i = 0;
    try {
      for (; i < n; i++) {
        this.completed++;
        const tag = tags[i];
        const r = results[i];
        if (tag < 0) (fns[i] as (r: RequestResult) => void)(r);
        else (fns[i] as TaggedDone)(tag, r);
      }
    } finally {
      if (++i < n) {
        // A callback threw: the requests after it complete on the next run.
        const rest = n - i;
        const m = b.n;
        b.fns = fns.slice(i, n).concat(b.fns.slice(0, m));
        b.tags = tags.slice(i, n).concat(b.tags.slice(0, m));
        b.results = results.slice(i, n).concat(b.results.slice(0, m));
        b.n = rest + m;
        b.spare = { fns: [], tags: [], results: [] };
        b.bh.schedule();
      } else {
        // Dropped references (the arrays keep their length for reuse); a loop, not fill():
        // at queue depth 1 the builtin's call costs more than the stores.
        for (let k = 0; k < n; k++) {
          fns[k] = NOOP;
          results[k] = OK;
        }
        const spare = b.spare;
        spare.fns = fns;
        spare.tags = tags;
        spare.results = results;
      }
    }
  }

  #result(req: BlockRequest): RequestResult {
    if (req.op !== "flush" && req.offset + req.bytes > this.size) {
      return {
        ok: false,
        error: new RangeError(
          `null driver: ${req.op} of ${req.bytes} bytes at ${req.offset} is beyond the size ${this.size}`,
        ),
      };
    }
    if (req.op === "read") {
      return this.readZeroes ? { ok: true, data: new Uint8Array(req.bytes) } : READ_OK;
    }
    return OK;
  }

  /**
   * {@link NullDriver.submit} without a closure per request: `done(tag, r)`
   * runs once for the request, with the caller's numeric `tag` (>= 0). One
   * `done` can serve every request of a queue, so a zero-latency request
   * in a batching context allocates nothing. The node's context's home thread.
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
   * const seen: number[] = [];
   * const done = (tag: number) => seen.push(tag);
   * d.submitTagged(node, "read", 0, 512, 7, done);
   * d.submitTagged(node, "write", 512, 512, 8, done);
   * ctx.poll(false);
   * assert.deepEqual(seen, [7, 8]);
   * d.batchCompletions(ctx.id, false);
   * ctx.destroy();
   * ```
   */
  submitTagged(
    node: DriverNode,
    op: BlockRequest["op"],
    offset: number,
    bytes: number,
    tag: number,
    done: TaggedDone,
  ): void {
    const batch = this.latencyNs === 0 ? this.#batches.get(node.aioContext) : undefined;
    const line = batch === undefined ? this.#lines.get(node.aioContext) : undefined;
    if ((batch === undefined && line === undefined) || !(tag >= 0)) {
      this.submit(node, { op, offset, bytes }, (r) => done(tag, r));
      return;
    }
    const result = op !== "flush" && offset + bytes > this.size
      ? this.#result({ op, offset, bytes })
      : op === "read"
      ? (this.readZeroes ? { ok: true, data: new Uint8Array(bytes) } : READ_OK)
      : OK;
    if (batch !== undefined) this.#push(batch, done, tag, result);
    else this.#delay(line!, done, tag, result);
  }

  #push(
    b: Batch,
    fn: ((r: RequestResult) => void) | TaggedDone,
    tag: number,
    r: RequestResult,
  ): void {
    const i = b.n++;
    if (i < b.fns.length) {
      b.fns[i] = fn;
      b.tags[i] = tag;
      b.results[i] = r;
    } else {
      b.fns.push(fn);
      b.tags.push(tag);
      b.results.push(r);
    }
    // Scheduled once per run: a BH already scheduled stays so.
    if (i === 0) b.bh.schedule();
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
    const result = this.#result(req);
    const batch = this.latencyNs === 0 ? this.#batches.get(node.aioContext) : undefined;
    if (batch !== undefined) {
      this.#push(batch, done, -1, result);
      return;
    }
    const line = this.latencyNs === 0 ? undefined : this.#lines.get(node.aioContext);
    if (line !== undefined) {
      this.#delay(line, done, -1, result);
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
