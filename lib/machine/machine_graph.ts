/**
 * The machine's block graph, in the main loop: one node per device (its
 * driver hooks are the device's, `virtioBlkHooks`), each behind a
 * BlockBackend that allows AioContext changes (virtio-blk with an
 * iothread). A device whose queues share one context is attached through
 * the graph and moves with it ({@link graphMove}: trySetAioContext, a
 * drained section); a device whose queues are spread over several contexts
 * (iothread-vq-mapping) has its queues attached by each context's thread
 * (context_probe.ts) and does not move, as in QEMU.
 *
 * The graph's waits are AIO_WAIT_WHILE in the main loop; when the waiting
 * thread holds the node's AioContext lock (seed era, a monitor command
 * that drains), the wait releases it, as QEMU's does.
 *
 * Every function here runs in the main-loop thread, under the BQL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MACHINE_GRAPH_MODULE } from "./machine_graph.ts";
 * assert.match(MACHINE_GRAPH_MODULE, /machine_graph\.ts$/);
 * ```
 *
 * @module
 */

import { aioWaitKick, aioWaitWhile } from "../runtime/aio_wait.ts";
import { RemoteAioContext } from "../runtime/context_handle.ts";
import { getCurrentAioContext } from "../runtime/thread_state.ts";
import { BlockBackend } from "../block/block_backend.ts";
import { BlockGraph, type BlockNode } from "../block/block_graph.ts";
import type { MachinePlan } from "./machine_plan.ts";
import { virtioBlkAttach, virtioBlkDetach, virtioBlkHooks } from "./virtio_blk.ts";

/** This module's URL (for `${MACHINE_GRAPH_MODULE}#graphSetup` and the others). */
export const MACHINE_GRAPH_MODULE: string = import.meta.url;

interface GraphState {
  readonly graph: BlockGraph;
  readonly nodes: BlockNode[];
  /** Whether each device is attached through the graph (its queues share a context). */
  readonly whole: boolean[];
  readonly remotes: Map<number, RemoteAioContext>;
  readonly ctxIds: Map<string, number>;
}

let state: GraphState | null = null;

function stateOrThrow(what: string): GraphState {
  if (state === null) {
    throw new Error(`${what}: the machine graph is not set up (graphSetup first)`);
  }
  return state;
}

/**
 * Builds the graph and places every device whose queues share a context
 * there (through trySetAioContext). Main loop, after every context's
 * thread ran probeStart.
 *
 * @example
 * ```ts ignore
 * await mainLoop.run(`${MACHINE_GRAPH_MODULE}#graphSetup`, plan);
 * ```
 */
export function graphSetup(plan: MachinePlan): boolean {
  if (state !== null) throw new Error("graphSetup: the machine graph is already set up");
  const main = getCurrentAioContext()!;
  const handles = plan.contexts.map((c) => c.handle!);
  const remotes = new Map(handles.map((h) => [h.id, new RemoteAioContext(h)]));
  const ctxIds = new Map(plan.contexts.map((c) => [c.id, c.handle!.id]));
  const graph = new BlockGraph({
    mainContext: main.id,
    waitWhile: (ctx, cond) => {
      const r = ctx === null ? undefined : remotes.get(ctx);
      void aioWaitWhile(r !== undefined && r.acquiredByMe() ? r : null, cond);
    },
    kick: aioWaitKick,
  });
  const nodes: BlockNode[] = [];
  const whole: boolean[] = [];
  for (const d of plan.devices) {
    const node = graph.addNode({
      nodeName: d.name,
      driver: virtioBlkHooks(d.handle, handles),
      driverName: d.handle.driver.kind,
      inFlightBuffer: d.handle.words,
    });
    const blk = new BlockBackend(graph, { name: `${d.name}-blk`, allowAioContextChange: true });
    blk.insert(node);
    blk.attachDevice({});
    const one = new Set(d.contexts).size === 1;
    if (one) {
      virtioBlkAttach(d.handle.id, main.id);
      const to = ctxIds.get(d.contexts[0])!;
      if (to !== main.id) graph.trySetAioContext(node, to);
    }
    nodes.push(node);
    whole.push(one);
  }
  state = { graph, nodes, whole, remotes, ctxIds };
  return true;
}

/**
 * Moves device `device` (all its queues) to context `to` (`main` or an
 * IOThread id) through a drained section; returns the node's context id
 * after the move. Throws, changing nothing, for a device that cannot move.
 * Main loop.
 *
 * @example
 * ```ts ignore
 * await mainLoop.run(`${MACHINE_GRAPH_MODULE}#graphMove`, 0, "io1");
 * ```
 */
export function graphMove(device: number, to: string): number {
  const s = stateOrThrow("graphMove");
  const ctxId = s.ctxIds.get(to);
  if (ctxId === undefined) {
    throw new Error(
      `move: no context "${to}" in this machine; expected one of ${
        [...s.ctxIds.keys()].join(", ")
      }`,
    );
  }
  const node = s.nodes[device];
  if (!s.whole[device]) {
    throw new Error(
      `move: device ${node.nodeName} has its queues spread over several contexts ` +
        `(iothread-vq-mapping) and cannot move (QEMU cannot move such a device either)`,
    );
  }
  s.graph.trySetAioContext(node, ctxId);
  return node.aioContext;
}

/**
 * Drains device `device` (bdrv_drained_begin ... end): waits until its
 * requests in flight have completed. Main loop (a monitor command).
 *
 * @example
 * ```ts ignore
 * graphDrain(0);
 * ```
 */
export function graphDrain(device: number): void {
  const s = stateOrThrow("graphDrain");
  const node = s.nodes[device];
  s.graph.drainedBegin(node);
  s.graph.drainedEnd(node);
}

/**
 * The remote handle of the context device `device` is in now (its first
 * queue's, for a spread device). Main loop.
 *
 * @example
 * ```ts ignore
 * graphDeviceContext(0).acquire();
 * ```
 */
export function graphDeviceContext(plan: MachinePlan, device: number): RemoteAioContext {
  const s = stateOrThrow("graphDeviceContext");
  const id = s.whole[device]
    ? s.nodes[device].aioContext
    : s.ctxIds.get(plan.devices[device].contexts[0])!;
  return s.remotes.get(id)!;
}

/**
 * Begins a drained section on every device (teardown: waits until nothing
 * is in flight). Main loop, after the vCPUs stopped.
 *
 * @example
 * ```ts ignore
 * await mainLoop.run(`${MACHINE_GRAPH_MODULE}#graphQuiesce`);
 * ```
 */
export function graphQuiesce(): boolean {
  const s = stateOrThrow("graphQuiesce");
  for (const n of s.nodes) s.graph.drainedBegin(n);
  return true;
}

/**
 * Ends the teardown: moves every graph-attached device back to the main
 * context, detaches it, ends the drained sections and drops the graph.
 * Main loop, after graphQuiesce (and after spread queues were detached).
 *
 * @example
 * ```ts ignore
 * await mainLoop.run(`${MACHINE_GRAPH_MODULE}#graphTeardown`, plan);
 * ```
 */
export function graphTeardown(plan: MachinePlan): boolean {
  const s = stateOrThrow("graphTeardown");
  const main = getCurrentAioContext()!;
  try {
    for (let i = 0; i < s.nodes.length; i++) {
      if (!s.whole[i]) continue;
      if (s.nodes[i].aioContext !== main.id) s.graph.trySetAioContext(s.nodes[i], main.id);
      virtioBlkDetach(plan.devices[i].handle.id);
    }
  } finally {
    for (const n of s.nodes) s.graph.drainedEnd(n);
    state = null;
  }
  return true;
}
