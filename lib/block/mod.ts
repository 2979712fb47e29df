/**
 * The block layer: the node graph with drained sections and AioContext
 * changes, BlockBackends (a device's view, queueing while drained), the
 * driver contract and the null and file drivers, and a copy job. The graph is global state: it runs in the thread that owns
 * it, and hands per-context steps of a move to a ContextExecutor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlockBackend, BlockGraph, NullDriver } from "./mod.ts";
 * import { AioContext } from "../runtime/aio_context.ts";
 * const ctx = new AioContext();
 * const graph = new BlockGraph({ mainContext: ctx.id });
 * const blk = new BlockBackend(graph, { name: "disk0" });
 * blk.insert(graph.addNode({ nodeName: "null0", driver: new NullDriver(), driverName: "null" }));
 * let ok = false;
 * blk.read(0, 4096, (r) => (ok = r.ok));
 * ctx.poll(false);
 * assert.equal(ok, true);
 * ctx.destroy();
 * ```
 *
 * @module
 */

export {
  type AioContextNotifier,
  BdrvChild,
  BlockGraph,
  type BlockGraphOptions,
  BlockNode,
  type ChildClass,
  type ContextExecutor,
  type NodeOptions,
} from "./block_graph.ts";
export {
  type BlockRequest,
  type ContextId,
  type DriverHooks,
  type DriverNode,
  type IoDriver,
  type RequestResult,
} from "./driver.ts";
export {
  type DriverSpec,
  type FileDriverSpec,
  type NullDriverSpec,
  openDriver,
  type OpenedDriver,
} from "./driver_spec.ts";
export { BlockBackend, type BlockBackendOptions, type BlockDevOps } from "./block_backend.ts";
export { NullDriver, type NullDriverOptions, type TaggedDone } from "./null_driver.ts";
export { FileDriver, type FileDriverOptions } from "./file_driver.ts";
export { CopyJob, type CopyJobOptions } from "./copy_job.ts";
export { coDrainedBegin, coDrainedEnd } from "./co_drain.ts";
