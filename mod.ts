/**
 * aiolab: QEMU's AioContext / IOThread event-loop runtime on real threads
 * (Deno Workers) with real locks (SharedArrayBuffer + Atomics), and the lab
 * built on it that measures how event-loop placement affects I/O latency.
 *
 * This module is the short public API, readable in one sitting:
 * - the runtime: {@link AioContext} (bottom halves, event notifiers, timers,
 *   `poll`), {@link IoThread}, {@link MainLoop} and the BQL,
 *   {@link VcpuThread}, AIO_WAIT_WHILE, coroutines and the thread pool;
 * - the locks it is built from: {@link Mutex}, {@link RecMutex},
 *   {@link EventNotifier};
 * - the block layer: {@link BlockGraph} with drained sections and
 *   AioContext moves, {@link BlockBackend}, the null and file drivers;
 * - the guest model: a virtio-blk-like device ({@link createVirtioBlk},
 *   {@link VirtioBlkGuest});
 * - measurement: the shared {@link TimeBase} and {@link SharedHistogram};
 * - scenarios: {@link defineScenario}, {@link loadScenario}.
 *
 * Everything else (plumbing for those who extend a layer) is in the
 * subpath modules: `./lib/sync/mod.ts`, `./lib/runtime/mod.ts`,
 * `./lib/block/mod.ts`, `./lib/machine/mod.ts`, `./lib/measure/mod.ts`,
 * `./lib/scenario/mod.ts`, `./lib/analysis/mod.ts`, `./lib/result/mod.ts`
 * and `./lib/runner/mod.ts` (deno.json exports them as `./sync`,
 * `./runtime`, `./block`, `./machine`, `./measure`, `./scenario`,
 * `./analysis`, `./result` and `./runner`).
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

// Locks and notifiers.
export {
  EventNotifier,
  type EventNotifierHandle,
  Mutex,
  type MutexStats,
  RecMutex,
} from "./lib/sync/mod.ts";

// The event loop and its threads.
export {
  AioContext,
  type AioContextHandle,
  type AioContextOptions,
  type AioContextStats,
  AioThreadError,
  aioWaitKick,
  aioWaitWhile,
  BottomHalf,
  bqlLock,
  bqlLocked,
  bqlUnlock,
  ClockType,
  getCurrentAioContext,
  getMainAioContext,
  type HandlerRef,
  IoThread,
  type IoThreadOptions,
  MainLoop,
  type MainLoopOptions,
  ManualTimeSource,
  type PollParams,
  registerHandler,
  RemoteAioContext,
  Scale,
  SharedBottomHalf,
  Timer,
  unregisterHandler,
  VcpuThread,
  type VcpuThreadOptions,
} from "./lib/runtime/mod.ts";

// Coroutines and the thread pool.
export {
  aioCoEnter,
  aioCoSchedule,
  aioCoWake,
  type Co,
  coEnter,
  CoMutex,
  CoQueue,
  Coroutine,
  coSelf,
  coSleep,
  inCoroutine,
  ThreadPool,
  threadPoolFor,
  type ThreadPoolJob,
} from "./lib/runtime/mod.ts";

// The block layer.
export {
  BlockBackend,
  BlockGraph,
  BlockNode,
  type BlockRequest,
  coDrainedBegin,
  coDrainedEnd,
  CopyJob,
  type DriverHooks,
  type DriverSpec,
  FileDriver,
  type IoDriver,
  NullDriver,
  type RequestResult,
} from "./lib/block/mod.ts";

// The guest model.
export {
  createVirtioBlk,
  hostVirtioBlk,
  registerVirtioBlkHandlers,
  VirtioBlkGuest,
  type VirtioBlkHandle,
} from "./lib/machine/mod.ts";

// Measurement.
export { HistogramSnapshot, SharedHistogram, TimeBase } from "./lib/measure/mod.ts";

// Scenarios.
export {
  type DefinedScenario,
  defineScenario,
  loadScenario,
  ScenarioError,
  type ScenarioInput,
} from "./lib/scenario/mod.ts";
