// Fixtures of dataplane_test.ts: the main loop's side (graph, moves) and a
// vCPU-like guest that keeps requests in flight. Preloaded with dataplane.ts.

import { EventNotifier } from "../sync/event_notifier.ts";
import { MpscRing } from "../sync/mpsc_ring.ts";
import { aioWaitWhile } from "../runtime/aio_wait.ts";
import type { AioContextHandle } from "../runtime/context_handle.ts";
import { getCurrentAioContext } from "../runtime/thread_state.ts";
import { BlockGraph, type BlockNode } from "./block_graph.ts";
import { BlockBackend } from "./block_backend.ts";
import {
  DATAPLANE_OP,
  dataplaneAttach,
  dataplaneDetach,
  type DataplaneHandle,
  dataplaneHooks,
  dataplaneRegister,
} from "./dataplane.ts";

let graph: BlockGraph | null = null;
let node: BlockNode | null = null;

/** Main loop: build the graph with the device's node in the main context. */
export function mainSetup(dev: DataplaneHandle, contexts: AioContextHandle[]): number {
  const main = getCurrentAioContext()!;
  dataplaneRegister(dev);
  graph = new BlockGraph({
    mainContext: main.id,
    waitWhile: (_ctx, cond) => void aioWaitWhile(null, cond),
  });
  node = graph.addNode({
    nodeName: dev.name,
    driver: dataplaneHooks(dev, contexts),
    driverName: "null",
    inFlightBuffer: dev.words,
  });
  // virtio-blk with an iothread lets its node move (allow_aio_context_change).
  const blk = new BlockBackend(graph, { name: `${dev.name}-blk`, allowAioContextChange: true });
  blk.insert(node);
  blk.attachDevice({});
  dataplaneAttach(dev.id, main.id);
  return main.id;
}

/** Main loop: move the node (and the device with it) to context `ctxId`. */
export function mainMove(ctxId: number): number {
  graph!.trySetAioContext(node!, ctxId);
  return node!.aioContext;
}

/** Main loop: a move that a refusing parent blocks; returns the error text. */
export function mainRefusedMove(ctxId: number): string {
  const edge = graph!.attachParent(node!, { name: "no-move-user" }, {}, "pin");
  try {
    graph!.trySetAioContext(node!, ctxId);
    return "moved";
  } catch (err) {
    return (err as Error).message;
  } finally {
    graph!.detachChild(edge);
  }
}

/** Main loop: where the node is now. */
export function mainWhere(): number {
  return node!.aioContext;
}

/** Main loop: drain the node and detach the device (end of test). */
export function mainTeardown(dev: DataplaneHandle): boolean {
  graph!.trySetAioContext(node!, getCurrentAioContext()!.id);
  graph!.drainedBegin(node!);
  dataplaneDetach(dev.id);
  graph!.drainedEnd(node!);
  graph = null;
  node = null;
  return true;
}

/** Any thread: make the device hostable here. */
export function register(dev: DataplaneHandle): boolean {
  return dataplaneRegister(dev);
}

/**
 * Guest (vCPU-like): submit `total` reads keeping `depth` in flight; wait
 * for completions through the interrupt notifier in this thread's context.
 * Returns per-request completion counts and checks, for every completion,
 * that the thread which completed it is the home thread of the context that
 * owned the node then (`homes`: context id → thread id).
 */
export function guestRun(
  dev: DataplaneHandle,
  total: number,
  depth: number,
  homes: Record<number, number>,
) {
  const ctx = getCurrentAioContext()!;
  const vq = MpscRing.fromHandle(dev.vq);
  const cq = MpscRing.fromHandle(dev.cq);
  const kick = EventNotifier.fromHandle(dev.kick);
  const irq = EventNotifier.fromHandle(dev.irq);
  const seen = new Uint8Array(total);
  const byCtx: Record<number, number> = {};
  let wrongThread = 0;
  let failed = 0;
  let outstanding = 0;
  ctx.setEventNotifier(irq, (n) => {
    n.testAndClear();
    cq.drain((reqId, ok, threadId, ctxId) => {
      seen[reqId]++;
      outstanding--;
      if (ok !== 1) failed++;
      if (homes[ctxId] !== threadId) wrongThread++;
      byCtx[ctxId] = (byCtx[ctxId] ?? 0) + 1;
    });
  });
  let submitted = 0;
  try {
    while (submitted < total || outstanding > 0) {
      let pushed = false;
      while (outstanding < depth && submitted < total) {
        vq.push(submitted++, DATAPLANE_OP.READ, 0, 512);
        outstanding++;
        pushed = true;
      }
      if (pushed) kick.set();
      ctx.poll(true);
    }
  } finally {
    ctx.setEventNotifier(irq, null);
  }
  let twice = 0;
  let missing = 0;
  for (const c of seen) {
    if (c === 0) missing++;
    if (c > 1) twice++;
  }
  return { missing, twice, wrongThread, failed, byCtx };
}
