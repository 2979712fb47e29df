/**
 * SharedArrayBuffer primitives: the shared-word layout, a futex mutex with
 * statistics, a recursive mutex, an eventfd-like notifier, a bounded MPSC
 * ring, the process registry (thread and context ids, notify protocol,
 * BQL, handler names), and how a found value reads in an error message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Mutex } from "./mod.ts";
 * const m = new Mutex({ stats: true });
 * m.lock();
 * m.unlock();
 * assert.equal(m.stats().acquired, 1);
 * ```
 *
 * @module
 */

export * from "./layout.ts";
export { currentThreadId, currentThreadName, setCurrentThread } from "./thread_id.ts";
export {
  DEFAULT_MUTEX_SPIN,
  Mutex,
  type MutexHandle,
  type MutexOptions,
  type MutexStats,
  type MutexThreadStats,
} from "./mutex.ts";
export {
  type DurationRecorder,
  type LockTimingSink,
  lockTimingSink,
  MAX_LOCK_TIMING_SLOT,
  setLockTimingSink,
} from "./lock_timing.ts";
export { RecMutex, type RecMutexHandle, type RecMutexStats } from "./rec_mutex.ts";
export { EventNotifier, type EventNotifierHandle } from "./event_notifier.ts";
export { MpscRing, type MpscRingHandle, type MpscRingOptions } from "./mpsc_ring.ts";
export { SpscRing, type SpscRingHandle, type SpscRingOptions } from "./spsc_ring.ts";
export {
  defaultRegistry,
  installRegistry,
  notifyContext,
  Registry,
  registryFor,
  type RegistryHandle,
} from "./registry.ts";
export { describeValue } from "./describe_value.ts";
