/**
 * BlockBackend: a device's view of a block node (QEMU's BlockBackend and its
 * `child_root` edge). It counts its own requests, queues new ones while its
 * node is drained and restarts them, in order, when the drain ends; it tells
 * its device (BlockDevOps) when a drain starts and ends; and it decides
 * whether its node may change AioContext (QEMU: only when allowed, or when
 * no device is attached).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlockGraph } from "./block_graph.ts";
 * import { BlockBackend } from "./block_backend.ts";
 * import { NullDriver } from "./null_driver.ts";
 * import { AioContext } from "../runtime/aio_context.ts";
 * const ctx = new AioContext();
 * const g = new BlockGraph({ mainContext: ctx.id });
 * const node = g.addNode({ nodeName: "null0", driver: new NullDriver() , driverName: "null" });
 * const blk = new BlockBackend(g, { name: "blk0" });
 * blk.insert(node);
 * let ok: boolean | null = null;
 * blk.read(0, 512, (r) => (ok = r.ok));
 * assert.equal(ok, null); // completions never run inside the call
 * ctx.poll(false);
 * assert.equal(ok, true);
 * ctx.destroy();
 * ```
 *
 * @module
 */

import type { BdrvChild, BlockGraph, BlockNode, ChildClass } from "./block_graph.ts";
import type { BlockRequest, ContextId, RequestResult } from "./driver.ts";

/** Device callbacks (QEMU's BlockDevOps drained_begin / drained_end / drained_poll). */
export interface BlockDevOps {
  /** The node's drain started: stop taking requests from the guest. */
  drainedBegin?(): void;
  /** The drain ended: take requests again. */
  drainedEnd?(): void;
  /** Whether the device still has activity a drain must wait for. */
  drainedPoll?(): boolean;
}

/** Options of {@link BlockBackend}. */
export interface BlockBackendOptions {
  /** Name (empty for an anonymous backend). */
  name?: string;
  /** The backend's context until a node moves it (blk_new's ctx; default: the graph's main context). */
  ctx?: ContextId;
  /** Allow AioContext changes of its node even with a device attached. */
  allowAioContextChange?: boolean;
  /** Never queue requests while drained (QEMU's disable_request_queuing). */
  disableRequestQueuing?: boolean;
}

/**
 * A BlockBackend. All methods: the graph's thread (requests complete in the
 * node's context, which is the graph's thread in this single-thread form).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlockGraph } from "./block_graph.ts";
 * import { BlockBackend } from "./block_backend.ts";
 * const g = new BlockGraph({ mainContext: 0 });
 * const blk = new BlockBackend(g, { name: "blk" });
 * assert.equal(blk.quiesceCounter, 0);
 * ```
 */
export class BlockBackend {
  /** Name ("" when anonymous). */
  readonly name: string;
  /** Nested drains of its node seen through the root edge. */
  quiesceCounter = 0;
  /** Requests started and not completed. */
  inFlight = 0;
  /** Allow context changes with a device attached. */
  allowAioContextChange: boolean;
  /** Never queue while drained. */
  readonly disableRequestQueuing: boolean;
  readonly #graph: BlockGraph;
  #root: BdrvChild | null = null;
  #ctx: ContextId;
  #dev: BlockDevOps | null = null;
  readonly #queued: (() => void)[] = [];
  #queuedTotal = 0;

  /**
   * Creates a backend with no node. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * const blk = new BlockBackend(new BlockGraph({ mainContext: 0 }));
   * assert.equal(blk.name, "");
   * assert.equal(blk.node, null);
   * ```
   */
  constructor(graph: BlockGraph, options: BlockBackendOptions = {}) {
    this.#graph = graph;
    this.name = options.name ?? "";
    this.allowAioContextChange = options.allowAioContextChange ?? false;
    this.disableRequestQueuing = options.disableRequestQueuing ?? false;
    this.#ctx = options.ctx ?? graph.mainContext;
  }

  /** The root edge's class (child_root). */
  static readonly childRoot: ChildClass = {
    name: "BlockBackend",
    drainedBegin(edge) {
      const blk = edge.parent as BlockBackend;
      if (blk.quiesceCounter++ === 0) blk.#dev?.drainedBegin?.();
    },
    drainedEnd(edge) {
      const blk = edge.parent as BlockBackend;
      if (blk.quiesceCounter <= 0) throw new Error(`BlockBackend "${blk.name}": unbalanced drain`);
      if (--blk.quiesceCounter === 0) {
        blk.#dev?.drainedEnd?.();
        blk.#restartQueued();
      }
    },
    drainedPoll(edge) {
      const blk = edge.parent as BlockBackend;
      return (blk.#dev?.drainedPoll?.() ?? false) || blk.inFlight > 0;
    },
    parentAioContext(edge) {
      return (edge.parent as BlockBackend).#ctx;
    },
    canSetAioCtx(edge) {
      const blk = edge.parent as BlockBackend;
      if (blk.allowAioContextChange) return null;
      if (blk.name !== "" && blk.#dev === null) return null;
      return "Cannot change iothread of active block backend";
    },
    setAioCtx(edge, ctx) {
      (edge.parent as BlockBackend).#ctx = ctx;
    },
  };

  /**
   * The backend's AioContext (follows its root node). Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * assert.equal(new BlockBackend(new BlockGraph({ mainContext: 2 })).aioContext, 2);
   * ```
   */
  get aioContext(): ContextId {
    return this.#ctx;
  }

  /**
   * The root node, or null. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * assert.equal(new BlockBackend(new BlockGraph({ mainContext: 0 })).node, null);
   * ```
   */
  get node(): BlockNode | null {
    return this.#root?.child ?? null;
  }

  /**
   * Requests queued while drained, total so far (statistic). Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * assert.equal(new BlockBackend(new BlockGraph({ mainContext: 0 })).queuedTotal, 0);
   * ```
   */
  get queuedTotal(): number {
    return this.#queuedTotal;
  }

  /**
   * blk_insert_bs: attaches `node` as root. If the node is in another
   * context, it moves into the backend's; if a parent of the node refuses,
   * the backend moves into the node's context instead (when it may: see
   * {@link BlockBackend.setAioContext}); if neither can move, the insert
   * throws and attaches nothing. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const blk = new BlockBackend(g, { name: "b" });
   * blk.insert(g.addNode({ nodeName: "n" }));
   * assert.equal(blk.node?.nodeName, "n");
   * ```
   */
  insert(node: BlockNode): void {
    if (this.#root !== null) throw new Error(`BlockBackend "${this.name}" already has a node`);
    this.#root = this.#graph.attachParent(node, BlockBackend.childRoot, this, "root");
  }

  /**
   * blk_remove_bs: detaches the root node. The backend keeps its context;
   * the node goes back to the main context (draining it first), unless
   * another of its parents refuses to move. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const blk = new BlockBackend(g, { name: "b" });
   * const n = g.addNode({ nodeName: "n" });
   * blk.insert(n);
   * blk.setAioContext(4);
   * blk.remove();
   * assert.equal(blk.node, null);
   * assert.deepEqual(n.parents, []);
   * assert.deepEqual([n.aioContext, blk.aioContext], [0, 4]);
   * ```
   */
  remove(): void {
    if (this.#root === null) return;
    this.#graph.detachChild(this.#root);
    this.#root = null;
  }

  /**
   * Attaches a device and its callbacks (blk_attach_dev + blk_set_dev_ops).
   * Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * const blk = new BlockBackend(new BlockGraph({ mainContext: 0 }));
   * blk.attachDevice({});
   * assert.throws(() => blk.attachDevice({}), /already has a device/);
   * ```
   */
  attachDevice(ops: BlockDevOps): void {
    if (this.#dev !== null) throw new Error(`BlockBackend "${this.name}" already has a device`);
    this.#dev = ops;
  }

  /**
   * Detaches the device. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const blk = new BlockBackend(g, { name: "b" });
   * const n = g.addNode({ nodeName: "n" });
   * blk.insert(n);
   * blk.attachDevice({});
   * assert.throws(() => g.trySetAioContext(n, 1), /Cannot change iothread of active block backend/);
   * blk.detachDevice();
   * g.trySetAioContext(n, 1); // a named backend without a device follows its node
   * assert.equal(blk.aioContext, 1);
   * ```
   */
  detachDevice(): void {
    this.#dev = null;
  }

  /**
   * blk_set_aio_context: moves the root node (this edge ignored as the
   * request's source) and the backend. Throws, changing nothing, when
   * another parent refuses. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const blk = new BlockBackend(g, { name: "b" });
   * blk.insert(g.addNode({ nodeName: "n" }));
   * blk.setAioContext(7);
   * assert.deepEqual([blk.aioContext, blk.node?.aioContext], [7, 7]);
   * ```
   */
  setAioContext(ctx: ContextId): void {
    if (this.#root !== null) this.#graph.trySetAioContext(this.#root.child, ctx, this.#root);
    this.#ctx = ctx;
  }

  /**
   * Starts a read; `done` runs exactly once, in the node's context. Queued
   * while the node is drained. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * import type { RequestResult } from "./driver.ts";
   * const blk = new BlockBackend(new BlockGraph({ mainContext: 0 }));
   * const r = await new Promise<RequestResult>((resolve) => blk.read(0, 512, resolve));
   * assert.deepEqual([r.ok, r.error?.message], [false, "no medium"]);
   * ```
   */
  read(offset: number, bytes: number, done: (r: RequestResult) => void): void {
    this.#start({ op: "read", offset, bytes }, done);
  }

  /**
   * Starts a write (see {@link BlockBackend.read}). Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * const blk = new BlockBackend(new BlockGraph({ mainContext: 0 }));
   * assert.throws(() => blk.write(-512, new Uint8Array(512), () => {}), /offset and bytes >= 0/);
   * ```
   */
  write(offset: number, data: Uint8Array, done: (r: RequestResult) => void): void {
    this.#start({ op: "write", offset, bytes: data.length, data }, done);
  }

  /**
   * Starts a flush (see {@link BlockBackend.read}). Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * import { BlockBackend } from "./block_backend.ts";
   * import type { RequestResult } from "./driver.ts";
   * const blk = new BlockBackend(new BlockGraph({ mainContext: 0 }));
   * const r = await new Promise<RequestResult>((resolve) => blk.flush(resolve));
   * assert.equal(r.ok, false); // no medium inserted
   * ```
   */
  flush(done: (r: RequestResult) => void): void {
    this.#start({ op: "flush", offset: 0, bytes: 0 }, done);
  }

  #start(req: BlockRequest, done: (r: RequestResult) => void): void {
    if (
      !Number.isSafeInteger(req.offset) || req.offset < 0 || !Number.isSafeInteger(req.bytes) ||
      req.bytes < 0
    ) {
      throw new RangeError(
        `BlockBackend "${this.name}": ${req.op} needs offset and bytes >= 0, got ` +
          `${req.offset} and ${req.bytes}`,
      );
    }
    if (this.quiesceCounter > 0 && !this.disableRequestQueuing) {
      this.#queuedTotal++;
      this.#queued.push(() => this.#run(req, done));
      return;
    }
    this.#run(req, done);
  }

  #run(req: BlockRequest, done: (r: RequestResult) => void): void {
    const node = this.node;
    if (node === null) {
      queueMicrotask(() => done({ ok: false, error: new Error("no medium") }));
      return;
    }
    const driver = node.driver;
    if (driver.submit === undefined) {
      throw new Error(`node "${node.nodeName}" (${node.driverName}) has no I/O driver`);
    }
    this.inFlight++;
    node.incInFlight();
    let called = false;
    driver.submit(node, req, (r) => {
      if (called) throw new Error(`node "${node.nodeName}": request completed twice`);
      called = true;
      this.inFlight--;
      node.decInFlight();
      done(r);
    });
  }

  #restartQueued(): void {
    // Restart in submission order; a request that finds the node drained
    // again (a callback drained it) is queued again behind the rest.
    const q = this.#queued.splice(0);
    for (const run of q) {
      if (this.quiesceCounter > 0) this.#queued.push(run);
      else run();
    }
  }
}
