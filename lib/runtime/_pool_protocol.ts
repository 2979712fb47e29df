// Messages from a thread pool (thread_pool.ts) to its workers
// (_pool_worker.ts). Cold path only: requests and results travel through
// shared memory (POOL, POOL_SLOT, POOL_WORKER in lib/runtime/layout.ts).

import type { MutexHandle } from "../sync/mutex.ts";
import type { RegistryHandle } from "../sync/registry.ts";
import type { AioContextHandle } from "./context_handle.ts";

/** Home thread → worker, once, right after spawning it. */
export interface PoolWorkerInit {
  /** Message type. */
  type: "init";
  /** Process registry. */
  registry: RegistryHandle;
  /** The worker's aiolab thread id (allocated by the home thread). */
  threadId: number;
  /** The worker's thread name. */
  threadName: string;
  /** Index of the worker's block in the worker table. */
  worker: number;
  /** POOL words and queue. */
  control: SharedArrayBuffer;
  /** Request table (POOL_SLOT blocks). */
  slots: SharedArrayBuffer;
  /** Worker table (POOL_WORKER blocks). */
  workers: SharedArrayBuffer;
  /** Payload buffer of each slot. */
  payloads: SharedArrayBuffer[];
  /** Shared buffers known so far (id = index). */
  buffers: SharedArrayBuffer[];
  /** The pool lock. */
  lock: MutexHandle;
  /** The submitting context (for the completion BH). */
  ctx: AioContextHandle;
  /** Index of the completion BH in the context's shared BH table. */
  bh: number;
  /** Idle timeout, ms (may be Infinity). */
  idleTimeoutMs: number;
}

/** Home thread → every live worker: a shared buffer first used after they started. */
export interface PoolWorkerBuffer {
  /** Message type. */
  type: "buffer";
  /** Id in the pool's shared-buffer table. */
  id: number;
  /** The buffer. */
  sab: SharedArrayBuffer;
}
