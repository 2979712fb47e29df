/**
 * Drained sections requested from a coroutine (QEMU's
 * bdrv_co_yield_to_drain): a coroutine must not poll, so the drain runs
 * from a oneshot bottom half in the graph's main context while the
 * coroutine waits, and the coroutine is woken when it is done.
 *
 * @example
 * ```ts ignore
 * const co = Coroutine.create(function* () {
 *   yield* coDrainedBegin(graph, node);
 *   // ... node is quiesced here ...
 *   yield* coDrainedEnd(graph, node);
 * }, null);
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
 * ```ts ignore
 * yield* coDrainedBegin(graph, node);
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
 * ```ts ignore
 * yield* coDrainedEnd(graph, node);
 * ```
 */
export function coDrainedEnd(graph: BlockGraph, node: BlockNode): Co<void> {
  return bounce(graph, node, "end");
}
