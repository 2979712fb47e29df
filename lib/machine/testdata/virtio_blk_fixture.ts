// Fixtures of virtio_blk_test.ts, run in aiolab threads by module reference:
// the main loop's side (graph, moves), the hosting threads' setup, and a
// vCPU-like guest that keeps requests in flight.

import { aioWaitWhile } from "../../runtime/aio_wait.ts";
import type { AioContextHandle } from "../../runtime/context_handle.ts";
import { getCurrentAioContext } from "../../runtime/thread_state.ts";
import { BlockGraph, type BlockNode } from "../../block/block_graph.ts";
import { BlockBackend } from "../../block/block_backend.ts";
import { VIRTIO_BLK_OP } from "../layout.ts";
import {
  hostVirtioBlk,
  registerVirtioBlkHandlers,
  virtioBlkAttach,
  virtioBlkDetach,
  type VirtioBlkHandle,
  virtioBlkHooks,
} from "../virtio_blk.ts";
import { VirtioBlkGuest } from "../virtio_blk_guest.ts";

let graph: BlockGraph | null = null;
let node: BlockNode | null = null;

/** Main loop: build the graph with the device's node in the main context. */
export function mainSetup(dev: VirtioBlkHandle, contexts: AioContextHandle[]): number {
  const main = getCurrentAioContext()!;
  host(dev);
  graph = new BlockGraph({
    mainContext: main.id,
    waitWhile: (_ctx, cond) => void aioWaitWhile(null, cond),
  });
  node = graph.addNode({
    nodeName: dev.name,
    driver: virtioBlkHooks(dev, contexts),
    driverName: dev.driver.kind,
    inFlightBuffer: dev.words,
  });
  // virtio-blk with an iothread lets its node move (allow_aio_context_change).
  const blk = new BlockBackend(graph, { name: `${dev.name}-blk`, allowAioContextChange: true });
  blk.insert(node);
  blk.attachDevice({});
  virtioBlkAttach(dev.id, main.id);
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

/** Main loop: a move the graph attempts; returns the error text ("moved" if it worked). */
export function mainTryMove(ctxId: number): string {
  try {
    graph!.trySetAioContext(node!, ctxId);
    return "moved";
  } catch (err) {
    return (err as Error).message;
  }
}

/** Main loop: where the node is now. */
export function mainWhere(): number {
  return node!.aioContext;
}

/** Main loop: drain the node and detach the device (end of test). */
export function mainTeardown(dev: VirtioBlkHandle): boolean {
  graph!.trySetAioContext(node!, getCurrentAioContext()!.id);
  graph!.drainedBegin(node!);
  virtioBlkDetach(dev.id);
  graph!.drainedEnd(node!);
  graph = null;
  node = null;
  return true;
}

/** Any thread: the setup a hosting thread does (handlers, then the device). */
export function host(dev: VirtioBlkHandle): boolean {
  registerVirtioBlkHandlers();
  hostVirtioBlk(dev);
  return true;
}

/**
 * Guest (vCPU-like): submit `total` reads keeping `depth` in flight; wait
 * for completions through the interrupt notifier in this thread's context.
 * Returns per-request completion counts and checks, for every completion,
 * that the thread which completed it is the home thread of the context that
 * owned the node then (`homes`: context id → thread id).
 */
export function guestRun(
  dev: VirtioBlkHandle,
  total: number,
  depth: number,
  homes: Record<number, number>,
) {
  const ctx = getCurrentAioContext()!;
  const guest = new VirtioBlkGuest(dev);
  const seen = new Uint8Array(total);
  const byCtx: Record<number, number> = {};
  let wrongThread = 0;
  let failed = 0;
  let outstanding = 0;
  guest.listen(ctx, (reqId, ok, threadId, ctxId) => {
    seen[reqId]++;
    outstanding--;
    if (!ok) failed++;
    if (homes[ctxId] !== threadId) wrongThread++;
    byCtx[ctxId] = (byCtx[ctxId] ?? 0) + 1;
  });
  let submitted = 0;
  try {
    while (submitted < total || outstanding > 0) {
      let pushed = false;
      while (outstanding < depth && submitted < total) {
        guest.submit(submitted++, VIRTIO_BLK_OP.READ, 0, 512);
        outstanding++;
        pushed = true;
      }
      if (pushed) guest.kick();
      ctx.poll(true);
    }
  } finally {
    guest.unlisten();
  }
  let twice = 0;
  let missing = 0;
  for (const c of seen) {
    if (c === 0) missing++;
    if (c > 1) twice++;
  }
  return { missing, twice, wrongThread, failed, byCtx };
}
