/**
 * aiolab: QEMU's AioContext / IOThread event-loop runtime on real threads
 * (Deno Workers) with real locks (SharedArrayBuffer + Atomics), for
 * measuring how event-loop placement affects I/O latency.
 *
 * This module re-exports the public API: the runtime (AioContext, IoThread,
 * MainLoop, the BQL, timers, AIO_WAIT_WHILE), the shared-memory primitives
 * it is built from (Mutex, RecMutex, EventNotifier, MpscRing) and the block
 * layer (BlockGraph with drained sections and AioContext changes,
 * BlockBackend, the null and file drivers) and the guest model (a
 * virtio-blk-like device that moves with its node).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext, EventNotifier } from "./mod.ts";
 * const ctx = new AioContext({ name: "demo" });
 * const e = new EventNotifier();
 * let reads = 0;
 * ctx.setEventNotifier(e, (n) => {
 *   n.testAndClear();
 *   reads++;
 * });
 * e.set(); // from any thread, via e.handle
 * assert.equal(ctx.poll(false), true);
 * assert.equal(reads, 1);
 * ctx.setEventNotifier(e, null);
 * ctx.destroy();
 * ```
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IoThread } from "./mod.ts";
 * const iot = await IoThread.create({ id: "iot0" }); // a Worker running an AioContext
 * // Functions cross threads by name: a module URL and an export.
 * const where = await iot.run({
 *   module: new URL("./lib/sync/thread_id.ts", import.meta.url),
 *   name: "currentThreadName",
 * });
 * assert.equal(where, "IO iot0");
 * iot.stop();
 * await iot.join();
 * ```
 *
 * @module
 */

export * from "./lib/runtime/mod.ts";
export {
  EventNotifier,
  type EventNotifierHandle,
  MpscRing,
  type MpscRingHandle,
  type MpscRingOptions,
  Mutex,
  type MutexHandle,
  type MutexOptions,
  type MutexStats,
  type MutexThreadStats,
  RecMutex,
  type RecMutexHandle,
  type RecMutexStats,
  type RegistryHandle,
} from "./lib/sync/mod.ts";
export * from "./lib/block/mod.ts";
export * from "./lib/machine/mod.ts";
