/**
 * The block graph: BlockDriverState nodes, the edges between them
 * (BdrvChild with a child class), drained sections and AioContext changes,
 * with QEMU's semantics (QEMU_SEMANTICS.md §1.14-1.15, invariants 29-34).
 *
 * Threads. The graph is global state: every function here runs in the
 * thread that owns the graph (QEMU: the main thread holding the BQL; in
 * aiolab the thread that created the {@link BlockGraph}) and throws when
 * called from another. What crosses threads is a node's in-flight counter
 * (a shared word: completions in other threads decrement it and call
 * `aioWaitKick`) and, for AioContext changes, the attach/detach steps,
 * which the graph hands to an injectable {@link ContextExecutor}.
 *
 * Drain semantics are the modern ones (QEMU 7.2+): callbacks fire only on
 * the 0→1 and 1→0 transitions of a node's quiesce counter; begin quiesces
 * parents first, then the driver, and polls once at the top level until
 * nothing is in flight; end re-enables the driver first, then the parents,
 * and never polls. AioContext changes follow the seed era's
 * `bdrv_try_set_aio_context` check-then-set flow over the whole connected
 * component, made all-or-nothing as in 7.2's transaction: every node and
 * parent is checked first (a parent may refuse), then all nodes are drained,
 * detached from their old context (notifiers, then driver) and attached to
 * the new one (driver, then notifiers), then undrained. Because every
 * caller goes through the check, the set step asserts a parent's
 * context-change callback instead of checking it, as the seed says.
 *
 * Graph changes keep a subtree in one context, as QEMU's bdrv_attach_child
 * and bdrv_root_unref_child do: attaching a child from another context
 * moves the child (else the parent) or refuses; detaching an edge whose
 * parent states a context sends the child back to the main context unless
 * a remaining parent keeps it. A node created under drain_all is born
 * drained and its driver is told (bdrv_open_driver); deleting it undrains it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlockGraph } from "./block_graph.ts";
 * const g = new BlockGraph({ mainContext: 0 });
 * const base = g.addNode({ nodeName: "base" });
 * const top = g.addNode({ nodeName: "top" });
 * g.attachChild(top, base, "backing");
 * g.drainedBegin(base);
 * assert.deepEqual([base.quiesceCounter, top.quiesceCounter], [1, 1]); // parents are quiesced too
 * g.drainedEnd(base);
 * ```
 *
 * @module
 */

import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import type { ContextId, DriverHooks } from "./driver.ts";

/**
 * Runs the per-context steps of an AioContext change. The default runs
 * them inline (all contexts in the graph's thread); a cross-thread executor
 * runs `fn` in the thread that homes `ctx` and waits for it.
 */
export interface ContextExecutor {
  /** Runs `fn` where context `ctx` lives. */
  runIn(ctx: ContextId, fn: () => void): void;
}

/** What a parent is to its child (QEMU's BdrvChildClass). */
export interface ChildClass {
  /** Name used in errors ("Changing iothreads is not supported by <name>"). */
  readonly name: string;
  /** The parent's reaction to its child's drain starting (0→1). */
  drainedBegin?(edge: BdrvChild): void;
  /** The parent's reaction to its child's drain ending (1→0). */
  drainedEnd?(edge: BdrvChild): void;
  /** Whether the parent still has activity the drain must wait for. */
  drainedPoll?(edge: BdrvChild): boolean;
  /**
   * The context the parent runs in (QEMU's get_parent_aio_context). Attaching
   * a child in another context moves one of them so that both share it;
   * detaching the edge sends the child back to the main context. A class
   * without it states no context of its own: neither happens.
   */
  parentAioContext?(edge: BdrvChild): ContextId;
  /**
   * Check phase of a context change: null if the parent agrees (after
   * checking its own graph through `visit`), else the reason it refuses.
   */
  canSetAioCtx?(
    edge: BdrvChild,
    ctx: ContextId,
    visit: (node: BlockNode) => string | null,
  ): string | null;
  /** Set phase: the parent follows its child into `ctx` (moving its own graph through `move`). */
  setAioCtx?(edge: BdrvChild, ctx: ContextId, move: (node: BlockNode) => void): void;
}

/** An edge parent → child (QEMU's BdrvChild). */
export class BdrvChild {
  /** Name of the edge ("file", "backing", "root", ...). */
  readonly name: string;
  /** The child node. */
  readonly child: BlockNode;
  /** The parent's class. */
  readonly klass: ChildClass;
  /** The parent object (a BlockNode for node parents, else the class's object). */
  readonly parent: unknown;
  /** True while this edge has told its parent that the child is drained. */
  quiescedParent = false;

  /**
   * Use {@link BlockGraph.attachChild} or a parent's attach. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const edge = g.attachChild(g.addNode({ nodeName: "p" }), g.addNode({ nodeName: "c" }), "file");
   * assert.equal(edge.name, "file");
   * ```
   */
  constructor(name: string, child: BlockNode, klass: ChildClass, parent: unknown) {
    this.name = name;
    this.child = child;
    this.klass = klass;
    this.parent = parent;
  }
}

/** AioContext notifier pair (bdrv_add_aio_context_notifier). */
export interface AioContextNotifier {
  /** Called after the node was attached to `ctx` (in the new context). */
  attached: (ctx: ContextId, opaque: unknown) => void;
  /** Called before the node is detached (in the old context). */
  detached: (opaque: unknown) => void;
  /** Passed to both. */
  opaque: unknown;
}

/** Options of {@link BlockGraph.addNode}. */
export interface NodeOptions {
  /** Unique node name. */
  nodeName: string;
  /** Initial context (default: the graph's main context). */
  ctx?: ContextId;
  /** Driver hooks. */
  driver?: DriverHooks;
  /** Driver name for errors and queries. */
  driverName?: string;
  /**
   * The in-flight word to use (4+ bytes; the first Int32), when requests are
   * counted by another thread's code that already holds it. Default: new.
   */
  inFlightBuffer?: SharedArrayBuffer;
}

/**
 * A BlockDriverState as the graph sees it. Its in-flight counter lives in
 * shared memory so that completions in any thread can decrement it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlockGraph } from "./block_graph.ts";
 * const g = new BlockGraph({ mainContext: 0 });
 * const n = g.addNode({ nodeName: "disk0" });
 * n.incInFlight();
 * assert.equal(n.inFlight, 1);
 * n.decInFlight();
 * ```
 */
export class BlockNode {
  /** Node name. */
  readonly nodeName: string;
  /** Driver name. */
  readonly driverName: string;
  /** Driver hooks. */
  readonly driver: DriverHooks;
  /** Edges to parents. Graph thread. */
  readonly parents: BdrvChild[] = [];
  /** Edges to children. Graph thread. */
  readonly children: BdrvChild[] = [];
  /** Nested drains in force (quiesce_counter). Graph thread. */
  quiesceCounter = 0;
  #ctx: ContextId;
  readonly #inFlight: Int32Array;
  readonly #notifiers: (AioContextNotifier & { deleted: boolean })[] = [];
  #walking = 0;
  #kick: () => void;

  /**
   * Use {@link BlockGraph.addNode}. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const n = new BlockGraph({ mainContext: 3 }).addNode({ nodeName: "x" });
   * assert.equal(n.aioContext, 3);
   * ```
   */
  constructor(options: NodeOptions & { ctx: ContextId }, kick: () => void) {
    this.nodeName = options.nodeName;
    this.driverName = options.driverName ?? "none";
    this.driver = options.driver ?? {};
    this.#ctx = options.ctx;
    this.#inFlight = new Int32Array(options.inFlightBuffer ?? new SharedArrayBuffer(4), 0, 1);
    this.#kick = kick;
  }

  /**
   * bdrv_get_aio_context. Any thread (a snapshot).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * assert.equal(new BlockGraph({ mainContext: 0 }).addNode({ nodeName: "x" }).aioContext, 0);
   * ```
   */
  get aioContext(): ContextId {
    return this.#ctx;
  }

  /** @internal set by the graph's detach/attach steps */
  setContext(ctx: ContextId): void {
    this.#ctx = ctx;
  }

  /**
   * The shared in-flight word (post it to the threads that complete requests). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const n = new BlockGraph({ mainContext: 0 }).addNode({ nodeName: "x" });
   * assert.equal(n.inFlightBuffer.byteLength, 4);
   * ```
   */
  get inFlightBuffer(): SharedArrayBuffer {
    return this.#inFlight.buffer as SharedArrayBuffer;
  }

  /**
   * Requests in flight (bs->in_flight). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * assert.equal(new BlockGraph({ mainContext: 0 }).addNode({ nodeName: "x" }).inFlight, 0);
   * ```
   */
  get inFlight(): number {
    return Atomics.load(this.#inFlight, 0);
  }

  /**
   * bdrv_inc_in_flight. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const n = new BlockGraph({ mainContext: 0 }).addNode({ nodeName: "x" });
   * n.incInFlight();
   * assert.equal(n.inFlight, 1);
   * n.decInFlight();
   * ```
   */
  incInFlight(): void {
    Atomics.add(this.#inFlight, 0, 1);
  }

  /**
   * bdrv_dec_in_flight: decrements and wakes drain waiters (bdrv_wakeup →
   * aio_wait_kick). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const n = new BlockGraph({ mainContext: 0 }).addNode({ nodeName: "x" });
   * n.incInFlight();
   * n.decInFlight();
   * assert.equal(n.inFlight, 0);
   * ```
   */
  decInFlight(): void {
    // Pairs with the drain's Atomics.load in `inFlight` (re-checked after
    // the kick wakes its poll).
    if (Atomics.sub(this.#inFlight, 0, 1) <= 0) {
      Atomics.add(this.#inFlight, 0, 1);
      throw new Error(`node "${this.nodeName}": in-flight counter would go negative`);
    }
    this.#kick();
  }

  /**
   * bdrv_add_aio_context_notifier. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const n = g.addNode({ nodeName: "x" });
   * const seen: number[] = [];
   * n.addAioContextNotifier({ attached: (ctx) => seen.push(ctx), detached: () => {}, opaque: null });
   * g.trySetAioContext(n, 4);
   * assert.deepEqual(seen, [4]);
   * ```
   */
  addAioContextNotifier(n: AioContextNotifier): void {
    this.#notifiers.push({ ...n, deleted: false });
  }

  /**
   * bdrv_remove_aio_context_notifier: removes the matching live entry (same
   * callbacks and opaque); throws if there is none. While the list is being
   * walked the entry is only flagged and reaped by the next walk. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const n = new BlockGraph({ mainContext: 0 }).addNode({ nodeName: "x" });
   * const cb = { attached: () => {}, detached: () => {}, opaque: 1 };
   * n.addAioContextNotifier(cb);
   * n.removeAioContextNotifier(cb);
   * assert.throws(() => n.removeAioContextNotifier(cb), /no such AioContext notifier/);
   * ```
   */
  removeAioContextNotifier(n: AioContextNotifier): void {
    const i = this.#notifiers.findIndex((e) =>
      !e.deleted && e.attached === n.attached && e.detached === n.detached && e.opaque === n.opaque
    );
    if (i < 0) {
      throw new Error(`node "${this.nodeName}": no such AioContext notifier to remove`);
    }
    if (this.#walking > 0) this.#notifiers[i].deleted = true;
    else this.#notifiers.splice(i, 1);
  }

  /** @internal walks live notifiers, reaping flagged ones first. */
  walkNotifiers(fn: (n: AioContextNotifier) => void): void {
    for (let i = this.#notifiers.length - 1; i >= 0; i--) {
      if (this.#notifiers[i].deleted && this.#walking === 0) this.#notifiers.splice(i, 1);
    }
    this.#walking++;
    try {
      for (const n of [...this.#notifiers]) if (!n.deleted) fn(n);
    } finally {
      this.#walking--;
    }
  }
}

/** Options of {@link BlockGraph}. */
export interface BlockGraphOptions {
  /** The main context: where new nodes start. */
  mainContext: ContextId;
  /**
   * AIO_WAIT_WHILE(ctx, cond): runs an event loop until `cond()` is false.
   * `ctx` is the context the condition depends on (BDRV_POLL_WHILE passes
   * the node's), or null when several are involved (drain_all). Normally
   * `(ctx, cond) => aioWaitWhile(...)`. The default throws when `cond()` is
   * true (for graphs whose requests complete synchronously).
   */
  waitWhile?: (ctx: ContextId | null, cond: () => boolean) => void;
  /** aio_wait_kick for in-flight completions (default: nothing). */
  kick?: () => void;
  /** Runs per-context steps of AioContext changes (default: inline). */
  executor?: ContextExecutor;
}

const NO_WAIT = (_ctx: ContextId | null, cond: () => boolean): void => {
  if (cond()) {
    throw new Error("block graph: drain must wait but no waitWhile was configured");
  }
};

/** child_of_bds: a node's edge to one of its children. */
export const childOfBds: ChildClass = {
  name: "child_of_bds",
  drainedBegin(edge) {
    // Quiesce the parent node WITHOUT polling; propagates further up.
    (edge.parent as { graph: BlockGraph }).graph.quiesce(edge.parent as BlockNodeWithGraph, null);
  },
  drainedEnd(edge) {
    (edge.parent as { graph: BlockGraph }).graph.unquiesce(edge.parent as BlockNodeWithGraph, null);
  },
  drainedPoll(edge) {
    return (edge.parent as BlockNodeWithGraph).graph.busy(edge.parent as BlockNodeWithGraph, edge);
  },
  parentAioContext(edge) {
    return (edge.parent as BlockNode).aioContext;
  },
  canSetAioCtx(edge, _ctx, visit) {
    return visit(edge.parent as BlockNode);
  },
  setAioCtx(edge, _ctx, move) {
    move(edge.parent as BlockNode);
  },
};

type BlockNodeWithGraph = BlockNode & { graph: BlockGraph };

/**
 * The graph and its global-state operations. All methods: the graph's
 * thread (the thread that created it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlockGraph } from "./block_graph.ts";
 * const g = new BlockGraph({ mainContext: 0 });
 * const n = g.addNode({ nodeName: "n" });
 * g.drainAllBegin();
 * assert.equal(n.quiesceCounter, 1);
 * g.drainAllEnd();
 * ```
 */
export class BlockGraph {
  /** Where new nodes start. */
  readonly mainContext: ContextId;
  readonly #nodes = new Map<string, BlockNodeWithGraph>();
  readonly #waitWhile: (ctx: ContextId | null, cond: () => boolean) => void;
  readonly #kick: () => void;
  readonly #executor: ContextExecutor;
  readonly #home: number;
  /** bdrv_drain_all_count. */
  #drainAllCount = 0;

  /**
   * Creates an empty graph owned by the calling thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0, waitWhile: (_ctx, cond) => { while (cond()) {} } });
   * assert.equal(g.mainContext, 0);
   * assert.deepEqual(g.nodes(), []);
   * ```
   */
  constructor(options: BlockGraphOptions) {
    this.mainContext = options.mainContext;
    this.#waitWhile = options.waitWhile ?? NO_WAIT;
    this.#kick = options.kick ?? (() => {});
    this.#executor = options.executor ?? { runIn: (_ctx, fn) => fn() };
    this.#home = currentThreadId();
  }

  #gs(what: string): void {
    if (currentThreadId() !== this.#home) {
      throw new Error(
        `${what}: global-state block-graph operation called from thread ${currentThreadId()} ` +
          `(${currentThreadName()}); only the graph's thread ${this.#home} (the main loop) may`,
      );
    }
  }

  /**
   * Creates a node. While a drain_all is active the node is born drained
   * (its counter is the number of drain_alls in force) and its driver's
   * drainBegin is called once, so that the drain_all's end balances it.
   * Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const n = g.addNode({ nodeName: "disk" });
   * assert.equal(g.node("disk"), n);
   * assert.throws(() => g.addNode({ nodeName: "disk" }), /already in use/);
   * ```
   */
  addNode(options: NodeOptions): BlockNode {
    this.#gs("addNode");
    if (this.#nodes.has(options.nodeName)) {
      throw new Error(`node name "${options.nodeName}" is already in use`);
    }
    const node = new BlockNode(
      { ...options, ctx: options.ctx ?? this.mainContext },
      this.#kick,
    ) as BlockNodeWithGraph;
    Object.defineProperty(node, "graph", { value: this, enumerable: false });
    this.#nodes.set(options.nodeName, node);
    // Born drained (bdrv_new); the driver is told as bdrv_open_driver does,
    // once, since driver callbacks follow the counter's 0→1 and 1→0
    // transitions and the last drainAllEnd calls drainEnd once.
    node.quiesceCounter = this.#drainAllCount;
    if (node.quiesceCounter > 0) node.driver.drainBegin?.(node);
    return node;
  }

  /**
   * Looks a node up by name. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * g.addNode({ nodeName: "a" });
   * assert.equal(g.node("a")?.nodeName, "a");
   * ```
   */
  node(name: string): BlockNode | undefined {
    return this.#nodes.get(name);
  }

  /**
   * All nodes. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * assert.equal(new BlockGraph({ mainContext: 0 }).nodes().length, 0);
   * ```
   */
  nodes(): BlockNode[] {
    return [...this.#nodes.values()];
  }

  /**
   * Removes a node that has no parents and nothing in flight (undrained if a
   * drain_all is active, as deletion does in QEMU). Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * g.removeNode(g.addNode({ nodeName: "a" }));
   * assert.equal(g.node("a"), undefined);
   * ```
   */
  removeNode(node: BlockNode): void {
    this.#gs("removeNode");
    if (node.parents.length > 0) {
      throw new Error(`node "${node.nodeName}" still has parents`);
    }
    if (node.inFlight > 0) throw new Error(`node "${node.nodeName}" has requests in flight`);
    for (const edge of [...node.children]) this.detachChild(edge);
    const n = node as BlockNodeWithGraph;
    for (let i = 0; i < this.#drainAllCount && n.quiesceCounter > 0; i++) this.unquiesce(n, null);
    this.#nodes.delete(node.nodeName);
  }

  /**
   * Attaches `child` under node `parent` as edge `name` (child_of_bds). When
   * the two are in different contexts, the child's component moves into the
   * parent's context or, if it cannot, the parent's component moves into
   * the child's; if neither can, the attach is refused and nothing changes
   * (see {@link BlockGraph.attachParent}). Attaching to a drained child
   * drains the parent at once. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const qcow = g.addNode({ nodeName: "qcow" });
   * const file = g.addNode({ nodeName: "file" });
   * g.attachChild(qcow, file, "file");
   * assert.equal(qcow.children[0].child, file);
   * assert.throws(() => g.attachChild(file, qcow, "backing"), /would make a cycle/);
   * ```
   */
  attachChild(parent: BlockNode, child: BlockNode, name: string): BdrvChild {
    return this.attachParent(child, childOfBds, parent, name, parent);
  }

  /**
   * Attaches an arbitrary parent (a BlockBackend, a job) to `child` with
   * its class. `node` is the parent node for node parents. As QEMU's
   * bdrv_attach_child: if the class states a context
   * ({@link ChildClass.parentAioContext}) other than the child's, the child
   * (with its component, but not yet through this edge) is moved into the
   * parent's context; if a parent of the child refuses, the parent is moved
   * into the child's context instead (through the class's canSetAioCtx /
   * setAioCtx, this edge ignored); if that is refused too, the attach throws
   * with both reasons, attaching and moving nothing. If the child is
   * drained, the parent is drained immediately. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const n = g.addNode({ nodeName: "n" });
   * const edge = g.attachParent(n, { name: "user" }, {}, "root");
   * assert.equal(n.parents[0], edge);
   * // A parent without canSetAioCtx refuses context changes.
   * assert.throws(() => g.trySetAioContext(n, 1), /not supported by user/);
   * ```
   */
  attachParent(
    child: BlockNode,
    klass: ChildClass,
    parent: unknown,
    name: string,
    node?: BlockNode,
  ): BdrvChild {
    this.#gs("attachParent");
    if (node !== undefined && (node === child || this.#reaches(child, node))) {
      throw new Error(`attaching "${child.nodeName}" under "${node.nodeName}" would make a cycle`);
    }
    const edge = new BdrvChild(name, child, klass, parent);
    const parentCtx = klass.parentAioContext?.(edge);
    if (parentCtx !== undefined && parentCtx !== child.aioContext) {
      this.#joinContexts(edge, parentCtx, node);
    }
    child.parents.push(edge);
    node?.children.push(edge);
    if (child.quiesceCounter > 0) {
      edge.quiescedParent = true;
      klass.drainedBegin?.(edge);
    }
    return edge;
  }

  /** bdrv_attach_child_common's context step: move the child, else the parent, else refuse. */
  #joinContexts(edge: BdrvChild, parentCtx: ContextId, node: BlockNode | undefined): void {
    const child = edge.child;
    const childCtx = child.aioContext;
    const whyChild = this.#changeContext(parentCtx, new Set(), (visit) => visit(child), null);
    if (whyChild === null) return;
    const klass = edge.klass;
    const whyParent = klass.canSetAioCtx === undefined
      ? `Changing iothreads is not supported by ${klass.name}`
      : this.#changeContext(
        childCtx,
        new Set([edge]),
        (visit) => klass.canSetAioCtx!(edge, childCtx, visit),
        node === undefined ? edge : null,
      );
    if (whyParent === null) return;
    const parentName = node === undefined ? klass.name : `"${node.nodeName}"`;
    throw new Error(
      `cannot attach "${child.nodeName}" (context ${childCtx}) under ${parentName} ` +
        `(context ${parentCtx}) as "${edge.name}": the child cannot move (${whyChild}) and ` +
        `the parent cannot move (${whyParent}); nothing was changed`,
    );
  }

  #reaches(from: BlockNode, to: BlockNode): boolean {
    for (const e of from.children) {
      if (e.child === to || this.#reaches(e.child, to)) return true;
    }
    return false;
  }

  /**
   * Detaches an edge; a parent that was drained through it is undrained.
   * As QEMU's bdrv_root_unref_child, when the parent stated a context
   * ({@link ChildClass.parentAioContext}), the child then goes back to the
   * main context with its component, unless one of its remaining parents
   * refuses (then it stays where it is: that parent still needs it there,
   * which is not an error). Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const e = g.attachChild(g.addNode({ nodeName: "p" }), g.addNode({ nodeName: "c" }), "file");
   * g.detachChild(e);
   * assert.deepEqual(e.child.parents, []);
   * ```
   */
  detachChild(edge: BdrvChild): void {
    this.#gs("detachChild");
    const i = edge.child.parents.indexOf(edge);
    if (i < 0) throw new Error(`edge "${edge.name}" is not attached`);
    edge.child.parents.splice(i, 1);
    if (edge.parent instanceof BlockNode) {
      const j = edge.parent.children.indexOf(edge);
      if (j >= 0) edge.parent.children.splice(j, 1);
    }
    if (edge.quiescedParent) {
      edge.quiescedParent = false;
      edge.klass.drainedEnd?.(edge);
    }
    const child = edge.child;
    if (
      edge.klass.parentAioContext !== undefined && child.aioContext !== this.mainContext &&
      this.#nodes.get(child.nodeName) === child
    ) {
      this.#changeContext(this.mainContext, new Set(), (visit) => visit(child), null);
    }
  }

  // ------------------------------------------------------------- drain

  /** @internal bdrv_do_drained_begin_quiesce: count, and on 0→1 tell parents then the driver. */
  quiesce(node: BlockNodeWithGraph, ignore: BdrvChild | null): void {
    if (node.quiesceCounter++ === 0) {
      for (const edge of [...node.parents]) {
        if (edge === ignore || edge.quiescedParent) continue;
        edge.quiescedParent = true;
        edge.klass.drainedBegin?.(edge);
      }
      node.driver.drainBegin?.(node);
    }
  }

  /** @internal bdrv_do_drained_end: on 1→0 the driver first, then parents. Never polls. */
  unquiesce(node: BlockNodeWithGraph, ignore: BdrvChild | null): void {
    if (node.quiesceCounter <= 0) {
      throw new Error(`drainedEnd of node "${node.nodeName}" without a matching drainedBegin`);
    }
    if (--node.quiesceCounter === 0) {
      node.driver.drainEnd?.(node);
      for (const edge of [...node.parents]) {
        if (edge === ignore || !edge.quiescedParent) continue;
        edge.quiescedParent = false;
        edge.klass.drainedEnd?.(edge);
      }
    }
  }

  /** @internal bdrv_drain_poll: anything in flight here or busy in a parent. */
  busy(node: BlockNodeWithGraph, ignore: BdrvChild | null): boolean {
    if (node.inFlight > 0) return true;
    for (const edge of node.parents) {
      if (edge === ignore) continue;
      if (edge.klass.drainedPoll?.(edge)) return true;
    }
    return false;
  }

  /**
   * bdrv_drained_begin: quiesces the node and its ancestors (parents first,
   * then the driver; callbacks only on 0→1), then polls until nothing is in
   * flight and no parent is busy. Nests. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const n = g.addNode({ nodeName: "n" });
   * g.drainedBegin(n);
   * g.drainedBegin(n);
   * assert.equal(n.quiesceCounter, 2);
   * g.drainedEnd(n);
   * g.drainedEnd(n);
   * ```
   */
  drainedBegin(node: BlockNode, ignoreParent: BdrvChild | null = null): void {
    this.#gs("drainedBegin");
    const n = this.#own(node);
    this.quiesce(n, ignoreParent);
    this.#waitWhile(n.aioContext, () => this.busy(n, ignoreParent));
  }

  /**
   * bdrv_drained_end: on the last end, re-enables the driver, then the
   * parents (queued requests restart). Never polls. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const n = g.addNode({ nodeName: "n" });
   * g.drainedBegin(n);
   * g.drainedEnd(n);
   * assert.equal(n.quiesceCounter, 0);
   * ```
   */
  drainedEnd(node: BlockNode, ignoreParent: BdrvChild | null = null): void {
    this.#gs("drainedEnd");
    this.unquiesce(this.#own(node), ignoreParent);
  }

  /**
   * bdrv_drain_all_begin: quiesces every node, then polls until no node is
   * busy. Nodes created meanwhile are born drained. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * g.drainAllBegin();
   * assert.equal(g.addNode({ nodeName: "late" }).quiesceCounter, 1);
   * g.drainAllEnd();
   * ```
   */
  drainAllBegin(): void {
    this.#gs("drainAllBegin");
    this.#drainAllCount++;
    for (const n of this.#nodes.values()) this.quiesce(n, null);
    this.#waitWhile(null, () => {
      for (const n of this.#nodes.values()) if (this.busy(n, null)) return true;
      return false;
    });
  }

  /**
   * bdrv_drain_all_end: undrains every node once. Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * g.drainAllBegin();
   * g.drainAllEnd();
   * assert.throws(() => g.drainAllEnd(), /without drainAllBegin/);
   * ```
   */
  drainAllEnd(): void {
    this.#gs("drainAllEnd");
    if (this.#drainAllCount === 0) throw new Error("drainAllEnd without drainAllBegin");
    for (const n of this.#nodes.values()) this.unquiesce(n, null);
    this.#drainAllCount--;
  }

  #own(node: BlockNode): BlockNodeWithGraph {
    const n = this.#nodes.get(node.nodeName);
    if (n !== node) throw new Error(`node "${node.nodeName}" does not belong to this graph`);
    return n;
  }

  // -------------------------------------------------- AioContext changes

  /**
   * bdrv_try_set_aio_context (seed-era name; modern bdrvTryChangeAioContext):
   * moves `node` and its whole connected component to `ctx`, or nothing.
   * Every node and parent is checked first; a refusal throws with the
   * parent's reason and changes nothing. Then all moving nodes are drained,
   * detached (notifiers' `detached`, then the driver) in their old context,
   * attached (driver, then notifiers' `attached`) in the new one, and
   * undrained. `ignore` is the edge the request comes from (a
   * BlockBackend moving its root). Graph thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BlockGraph } from "./block_graph.ts";
   * const g = new BlockGraph({ mainContext: 0 });
   * const n = g.addNode({ nodeName: "n" });
   * g.trySetAioContext(n, 5);
   * assert.equal(n.aioContext, 5);
   * ```
   */
  trySetAioContext(node: BlockNode, ctx: ContextId, ignore: BdrvChild | null = null): void {
    this.#gs("trySetAioContext");
    this.#own(node);
    const visited = new Set<BdrvChild>(ignore === null ? [] : [ignore]);
    const refused = this.#changeContext(ctx, visited, (visit) => visit(node), null);
    if (refused !== null) {
      throw new Error(
        `cannot move node "${node.nodeName}" to context ${ctx}: ${refused} (nothing was changed)`,
      );
    }
  }

  /**
   * The check-then-set move. `start` runs the check from its origin (a node,
   * or a parent's canSetAioCtx) with `visited` edges skipped; on a refusal
   * nothing changes and the reason is returned. Otherwise every collected
   * node is drained, detached, attached and undrained, non-node parents
   * follow, and so does `extra` (a parent edge not yet linked). Graph thread.
   */
  #changeContext(
    ctx: ContextId,
    visited: Set<BdrvChild>,
    start: (visit: (n: BlockNode) => string | null) => string | null,
    extra: BdrvChild | null,
  ): string | null {
    // Check phase (bdrv_can_set_aio_context): collect the component.
    const nodes: BlockNode[] = [];
    const seen = new Set<BlockNode>();
    const agreed: BdrvChild[] = [];
    const visit = (n: BlockNode): string | null => {
      if (n.aioContext === ctx || seen.has(n)) return null;
      seen.add(n);
      nodes.push(n);
      for (const edge of n.parents) {
        if (visited.has(edge)) continue;
        visited.add(edge);
        if (edge.klass.canSetAioCtx === undefined) {
          return `Changing iothreads is not supported by ${edge.klass.name}`;
        }
        const why = edge.klass.canSetAioCtx(edge, ctx, visit);
        if (why !== null) return why;
        agreed.push(edge);
      }
      for (const edge of n.children) {
        if (visited.has(edge)) continue;
        visited.add(edge);
        const why = visit(edge.child);
        if (why !== null) return why;
      }
      return null;
    };
    const refused = start(visit);
    if (refused !== null) return refused;
    if (nodes.length === 0 && extra === null) return null;
    // Set phase: drain everything that moves, then detach all, then attach all.
    for (const n of nodes) this.drainedBegin(n);
    try {
      // Parents that are not nodes (BlockBackends, jobs) follow; every one of
      // them passed the check, so its callback must exist (asserted).
      const parentEdges = agreed.filter((e) => !(e.parent instanceof BlockNode));
      if (extra !== null) parentEdges.push(extra);
      for (const n of nodes) {
        const old = n.aioContext;
        this.#executor.runIn(old, () => {
          n.walkNotifiers((nt) => nt.detached(nt.opaque));
          n.driver.detachAioContext?.(n);
        });
      }
      for (const n of nodes) {
        n.setContext(ctx);
        this.#executor.runIn(ctx, () => {
          n.driver.attachAioContext?.(n, ctx);
          n.walkNotifiers((nt) => nt.attached(ctx, nt.opaque));
        });
      }
      for (const e of parentEdges) {
        if (e.klass.setAioCtx === undefined) {
          throw new Error(`assertion failed: ${e.klass.name} passed the check but cannot set`);
        }
        e.klass.setAioCtx(e, ctx, () => {});
      }
    } finally {
      for (const n of nodes) this.drainedEnd(n);
    }
    return null;
  }
}
