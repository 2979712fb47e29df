/**
 * Drained sections requested from a coroutine (QEMU's
 * bdrv_co_yield_to_drain): a coroutine must not poll, so the drain runs
 * from a oneshot bottom half in the graph's main context while the
 * coroutine waits, and the coroutine is woken when it is done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "../runtime/aio_context.ts";
 * import { aioCoEnter, Coroutine } from "../runtime/coroutine.ts";
 * import { BlockGraph } from "./block_graph.ts";
 * import { coDrainedBegin, coDrainedEnd } from "./co_drain.ts";
 * const ctx = new AioContext();
 * const graph = new BlockGraph({ mainContext: ctx.id });
 * const node = graph.addNode({ nodeName: "n" });
 * const seen: number[] = [];
 * const co = Coroutine.create(function* () {
 *   yield* coDrainedBegin(graph, node);
 *   seen.push(node.quiesceCounter); // the node is quiesced here
 *   yield* coDrainedEnd(graph, node);
 *   seen.push(node.quiesceCounter);
 * }, null);
 * aioCoEnter(ctx, co);
 * for (let i = 0; i < 10 && !co.terminated; i++) ctx.poll(false);
 * assert.deepEqual(seen, [1, 0]);
 * ctx.destroy();
 * ```
 *
 * @module
 */

import { aioCoWake, type Co, requireCoroutine } from "../runtime/coroutine.ts";
import { localContext } from "../runtime/thread_state.ts";
import type { BlockGraph, BlockNode } from "./block_graph.ts";

function* bounce(graph: BlockGraph, node: BlockNode, what: "begin" | "end"): Co<void> {
  const co = requireCoroutine(`coDrained${what === "begin" ? "Begin" : "End"}`);
  const main = localContext(graph.mainContext);
  if (main === undefined) {
    throw new Error(`coroutine drain: the graph's main context is not homed in this thread`);
  }
  // Hold the node busy meanwhile (QEMU takes an in-flight reference).
  node.incInFlight();
  let done = false;
  let failure: unknown = null;
  main.scheduleOneshot(
    () => {
      try {
        node.decInFlight();
        if (what === "begin") graph.drainedBegin(node);
        else graph.drainedEnd(node);
      } catch (err) {
        failure = err;
      }
      done = true;
      aioCoWake(co);
    },
    undefined,
    `co-drained-${what}`,
  );
  while (!done) yield;
  if (failure !== null) throw failure;
}

/**
 * bdrv_drained_begin from coroutine context. Coroutine context, in the
 * graph's thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "../runtime/aio_context.ts";
 * import { aioCoEnter, Coroutine } from "../runtime/coroutine.ts";
 * import { BlockGraph } from "./block_graph.ts";
 * import { coDrainedBegin, coDrainedEnd } from "./co_drain.ts";
 * const ctx = new AioContext();
 * const graph = new BlockGraph({ mainContext: ctx.id });
 * const node = graph.addNode({ nodeName: "n" });
 * const co = Coroutine.create(function* () {
 *   yield* coDrainedBegin(graph, node);
 * }, null);
 * aioCoEnter(ctx, co);
 * assert.equal(node.quiesceCounter, 0); // the drain waits for a BH
 * ctx.poll(false);
 * assert.equal(node.quiesceCounter, 1);
 * const end = Coroutine.create(function* () {
 *   yield* coDrainedEnd(graph, node);
 * }, null);
 * aioCoEnter(ctx, end);
 * ctx.poll(false);
 * ctx.destroy();
 * ```
 */
export function coDrainedBegin(graph: BlockGraph, node: BlockNode): Co<void> {
  return bounce(graph, node, "begin");
}

/**
 * bdrv_drained_end from coroutine context. Coroutine context, in the
 * graph's thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "../runtime/aio_context.ts";
 * import { aioCoEnter, Coroutine } from "../runtime/coroutine.ts";
 * import { BlockGraph } from "./block_graph.ts";
 * import { coDrainedBegin, coDrainedEnd } from "./co_drain.ts";
 * const ctx = new AioContext();
 * const graph = new BlockGraph({ mainContext: ctx.id });
 * const node = graph.addNode({ nodeName: "n" });
 * graph.drainedBegin(node);
 * const co = Coroutine.create(function* () {
 *   yield* coDrainedEnd(graph, node);
 * }, null);
 * aioCoEnter(ctx, co);
 * ctx.poll(false);
 * assert.equal(node.quiesceCounter, 0);
 * assert.equal(co.terminated, true);
 * ctx.destroy();
 * ```
 */
export function coDrainedEnd(graph: BlockGraph, node: BlockNode): Co<void> {
  return bounce(graph, node, "end");
}
