/**
 * A long-running background job: copy `length` bytes from one node to
 * another, as a coroutine in the nodes' AioContext, the pattern the seed
 * recommends (docs/devel/multiple-iothreads.txt: long-running coroutines
 * live in the BDS context, pause in drained sections, follow context moves
 * through AioContext notifiers).
 *
 * The job is a parent of both nodes (QEMU's `child_job`): a drain of either
 * node increments the job's pause count, and the drain waits (drained_poll)
 * until the job has reached a pause point, i.e. has no request of its own in
 * flight; the job resumes when the last drain ends. Its own requests go
 * through BlockBackends that never queue (QEMU's block jobs set
 * disable_request_queuing), so a job finishing its current chunk during a
 * drain cannot wait on a queued request. An AioContext change of the job's
 * nodes moves the job too: its notifier records the new context, and the
 * coroutine is re-entered there. Within one thread the same coroutine
 * continues; moving a job to another Worker would need a new coroutine
 * there (coroutines cannot migrate between threads).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "../runtime/aio_context.ts";
 * import { BlockGraph } from "./block_graph.ts";
 * import { CopyJob } from "./copy_job.ts";
 * import { NullDriver } from "./null_driver.ts";
 * const ctx = new AioContext();
 * const graph = new BlockGraph({ mainContext: ctx.id });
 * const src = graph.addNode({ nodeName: "src", driver: new NullDriver({ readZeroes: true }) });
 * const dst = graph.addNode({ nodeName: "dst", driver: new NullDriver() });
 * const job = new CopyJob(graph, { src, dst, length: 1 << 20, chunk: 65536 });
 * job.start();
 * while (!job.done && job.error === null) ctx.poll(true);
 * assert.equal(job.progress, 1 << 20);
 * ctx.destroy();
 * ```
 *
 * @module
 */

import type { AioContext } from "../runtime/aio_context.ts";
import { aioCoEnter, aioCoWake, type Co, Coroutine } from "../runtime/coroutine.ts";
import { localContext } from "../runtime/thread_state.ts";
import type { BdrvChild, BlockGraph, BlockNode, ChildClass } from "./block_graph.ts";
import { BlockBackend } from "./block_backend.ts";
import type { ContextId, RequestResult } from "./driver.ts";

/** Options of {@link CopyJob}. */
export interface CopyJobOptions {
  /** Node to read from. */
  src: BlockNode;
  /** Node to write to. */
  dst: BlockNode;
  /** Bytes to copy from offset 0. */
  length: number;
  /** Bytes per request. Default 64 KiB. */
  chunk?: number;
  /** Job id for errors. Default "copy". */
  id?: string;
}

/**
 * A copy job. Created, started and queried in the graph's thread; its
 * coroutine runs in the nodes' context, which in this form must be homed in
 * the same thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlockGraph } from "./block_graph.ts";
 * import { CopyJob } from "./copy_job.ts";
 * const graph = new BlockGraph({ mainContext: 0 });
 * const src = graph.addNode({ nodeName: "src" });
 * const dst = graph.addNode({ nodeName: "dst" });
 * const job = new CopyJob(graph, { src, dst, length: 4096 });
 * assert.deepEqual([job.chunk, job.progress, job.done], [65536, 0, false]);
 * ```
 */
export class CopyJob {
  /** Job id. */
  readonly id: string;
  /** Bytes to copy. */
  readonly length: number;
  /** Bytes per request. */
  readonly chunk: number;
  /** Bytes copied so far. */
  progress = 0;
  /** Nested pauses in force (drains of the job's nodes). */
  pauseCount = 0;
  /** True while the coroutine waits at a pause point. */
  paused = false;
  /** True while one of the job's own requests is in flight. */
  busy = false;
  /** True once every byte was copied. */
  done = false;
  /** Set if a request failed (the job stops). */
  error: Error | null = null;
  /** Times the job followed its nodes to another context. */
  moves = 0;
  readonly #srcBlk: BlockBackend;
  readonly #dstBlk: BlockBackend;
  readonly #edges: BdrvChild[] = [];
  #ctx: ContextId;
  #co: Coroutine | null = null;

  /**
   * Builds the job and attaches it as a parent of both nodes. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { CopyJob } from "./copy_job.ts";
   * const graph = new BlockGraph({ mainContext: 0 });
   * const src = graph.addNode({ nodeName: "src" });
   * const dst = graph.addNode({ nodeName: "dst", ctx: 1 });
   * assert.throws(() => new CopyJob(graph, { src, dst, length: 4096 }), /must share an AioContext/);
   * ```
   */
  constructor(graph: BlockGraph, options: CopyJobOptions) {
    this.id = options.id ?? "copy";
    this.length = options.length;
    this.chunk = options.chunk ?? 64 * 1024;
    if (!Number.isSafeInteger(this.length) || this.length < 0) {
      throw new RangeError(`copy job ${this.id}: length must be an integer >= 0`);
    }
    if (!Number.isSafeInteger(this.chunk) || this.chunk < 1) {
      throw new RangeError(`copy job ${this.id}: chunk must be an integer >= 1`);
    }
    if (options.src.aioContext !== options.dst.aioContext) {
      throw new Error(
        `copy job ${this.id}: source and target must share an AioContext, found ` +
          `"${options.src.nodeName}" in ${options.src.aioContext} and ` +
          `"${options.dst.nodeName}" in ${options.dst.aioContext}`,
      );
    }
    this.#ctx = options.src.aioContext;
    const klass = this.#childClass();
    // The job's I/O path: backends that never queue (the job must be able
    // to finish its current chunk while a drain waits for it).
    this.#srcBlk = new BlockBackend(graph, {
      name: "",
      ctx: this.#ctx,
      disableRequestQueuing: true,
      allowAioContextChange: true,
    });
    this.#dstBlk = new BlockBackend(graph, {
      name: "",
      ctx: this.#ctx,
      disableRequestQueuing: true,
      allowAioContextChange: true,
    });
    this.#srcBlk.insert(options.src);
    this.#dstBlk.insert(options.dst);
    for (const node of [options.src, options.dst]) {
      this.#edges.push(graph.attachParent(node, klass, this, "job"));
    }
    // Follow moves through the AioContext notifiers of the source node.
    options.src.addAioContextNotifier({
      attached: (ctx) => this.#follow(ctx),
      detached: () => {},
      opaque: this,
    });
  }

  /** The job's edge class (QEMU's child_job). */
  #childClass(): ChildClass {
    return {
      name: `job ${this.id}`,
      drainedBegin: () => {
        this.pauseCount++;
      },
      drainedEnd: () => {
        if (--this.pauseCount === 0 && this.paused) this.#resume();
      },
      // Busy until the job parks at a pause point.
      drainedPoll: () => this.busy,
      parentAioContext: () => this.#ctx,
      // The job moves with its nodes: check and move the other node too.
      canSetAioCtx: (_e, _ctx, visit) => {
        for (const e of this.#edges) {
          const why = visit(e.child);
          if (why !== null) return why;
        }
        return null;
      },
      setAioCtx: (_e, ctx) => {
        this.#follow(ctx);
      },
    };
  }

  /**
   * The context the job runs in. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { CopyJob } from "./copy_job.ts";
   * const graph = new BlockGraph({ mainContext: 0 });
   * const src = graph.addNode({ nodeName: "src" });
   * const dst = graph.addNode({ nodeName: "dst" });
   * const job = new CopyJob(graph, { src, dst, length: 4096 });
   * graph.trySetAioContext(src, 3); // the job and its other node follow
   * assert.deepEqual([job.aioContext, dst.aioContext, job.moves], [3, 3, 1]);
   * ```
   */
  get aioContext(): ContextId {
    return this.#ctx;
  }

  #follow(ctx: ContextId): void {
    if (ctx === this.#ctx) return;
    this.#ctx = ctx;
    this.moves++;
  }

  #context(): AioContext {
    const ctx = localContext(this.#ctx);
    if (ctx === undefined) {
      throw new Error(
        `copy job ${this.id}: context ${this.#ctx} is not homed in this thread (moving a job ` +
          `to another Worker needs a new coroutine there)`,
      );
    }
    return ctx;
  }

  #resume(): void {
    // Re-enter in the job's current context (it may have moved while paused).
    aioCoEnter(this.#context(), this.#co!);
  }

  /**
   * Starts the coroutine in the job's context. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "../runtime/aio_context.ts";
   * import { BlockGraph } from "./block_graph.ts";
   * import { CopyJob } from "./copy_job.ts";
   * import { NullDriver } from "./null_driver.ts";
   * const ctx = new AioContext();
   * const graph = new BlockGraph({ mainContext: ctx.id });
   * const src = graph.addNode({ nodeName: "src", driver: new NullDriver() });
   * const dst = graph.addNode({ nodeName: "dst", driver: new NullDriver() });
   * const job = new CopyJob(graph, { src, dst, length: 512, chunk: 512 });
   * job.start();
   * assert.equal(job.busy, true); // its first read is in flight
   * assert.throws(() => job.start(), /already started/);
   * while (!job.done && job.error === null) ctx.poll(true);
   * ctx.destroy();
   * ```
   */
  start(): void {
    if (this.#co !== null) throw new Error(`copy job ${this.id} already started`);
    this.#co = Coroutine.create(() => this.#run(), null, `job ${this.id}`);
    aioCoEnter(this.#context(), this.#co);
  }

  *#io(start: (cb: (r: RequestResult) => void) => void): Co<RequestResult> {
    let result: RequestResult | null = null;
    const co = this.#co!;
    start((r) => {
      result = r;
      aioCoWake(co);
    });
    while (result === null) yield;
    const r = result as RequestResult;
    if (!r.ok) throw r.error ?? new Error("request failed");
    return r;
  }

  *#run(): Co<void> {
    try {
      while (this.progress < this.length) {
        // Pause point (job_pause_point).
        while (this.pauseCount > 0) {
          this.paused = true;
          yield;
          this.paused = false;
        }
        const n = Math.min(this.chunk, this.length - this.progress);
        const offset = this.progress;
        this.busy = true;
        const r = yield* this.#io((cb) => this.#srcBlk.read(offset, n, cb));
        yield* this.#io((cb) => this.#dstBlk.write(offset, r.data ?? new Uint8Array(n), cb));
        this.busy = false;
        this.progress += n;
      }
      this.done = true;
    } catch (err) {
      this.busy = false;
      this.error = err instanceof Error ? err : new Error(String(err));
    }
  }
}
