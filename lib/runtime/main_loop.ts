/**
 * The main loop and the BQL (Big QEMU Lock).
 *
 * {@link MainLoop} hosts the main AioContext (qemu_aio_context) in its own
 * Worker. That thread holds the BQL while it dispatches and releases it only
 * while it waits (main_loop_wait); nested polls keep it. Any thread may take
 * the BQL with {@link bqlLock} (vCPU threads do, around device emulation) and
 * reach the main context with {@link getMainAioContext}.
 *
 * QEMU names: `qemu_mutex_lock_iothread` / `bql_lock` = {@link bqlLock},
 * `qemu_mutex_unlock_iothread` / `bql_unlock` = {@link bqlUnlock},
 * `qemu_mutex_iothread_locked` / `bql_locked` = {@link bqlLocked},
 * `qemu_get_aio_context` = {@link getMainAioContext}.
 *
 * @example
 * ```ts
 * import { bqlLock, bqlUnlock, getMainAioContext, MainLoop } from "./main_loop.ts";
 * const main = await MainLoop.create();
 * bqlLock(); // the main loop cannot dispatch while we hold it
 * bqlUnlock();
 * getMainAioContext().notify();
 * main.stop();
 * await main.join();
 * ```
 *
 * @module
 */

import type { MutexStats } from "../sync/mutex.ts";
import { POLL_OFF, type PollParams, resolvePollParams } from "./adaptive_poll.ts";
import { defaultRegistry } from "../sync/registry.ts";
import type { AioContext } from "./aio_context.ts";
import { RemoteAioContext } from "./context_handle.ts";
import { getCurrentAioContext, mainContextHandle, setMainContextHandle } from "./thread_state.ts";
import { ThreadHost } from "./_thread_host.ts";
import type { AioThreadError } from "./aio_thread_error.ts";
import { EventLoopThread } from "./event_loop_thread.ts";

/**
 * Options of {@link MainLoop.create}. The poll parameters of the main
 * context ({@link PollParams}) default to 0: QEMU's main loop does not busy-poll.
 */
export interface MainLoopOptions extends Partial<PollParams> {
  /** Module URLs to import in the main-loop thread before it starts. */
  preload?: (string | URL)[];
  /** Called in the orchestrator when the main loop fails. */
  onError?: (err: AioThreadError) => void;
}

let mainRemote: RemoteAioContext | null = null;
/** A main loop is starting or running (set before create() awaits anything). Orchestrator. */
let claimed = false;

/**
 * The main-loop thread. Create it before IoThreads so they know the main
 * context. Methods are for the orchestrating thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MainLoop } from "./main_loop.ts";
 * await using main = await MainLoop.create();
 * assert.equal(main.getAioContext().name, "main");
 * // run(), stop(), join(), error: see EventLoopThread
 * ```
 */
export class MainLoop extends EventLoopThread {
  private constructor(host: ThreadHost) {
    super(host);
  }

  /**
   * Starts the main-loop thread (qemu_init_main_loop). Only one may run per
   * process. Throws a TypeError or RangeError (before any thread starts) for
   * poll parameters that are not non-negative integers. Orchestrator.
   *
   * @example
   * ```ts
   * import { MainLoop } from "./main_loop.ts";
   * const main = await MainLoop.create();
   * main.stop();
   * await main.join();
   * ```
   */
  static async create(options: MainLoopOptions = {}): Promise<MainLoop> {
    const poll = resolvePollParams(options, POLL_OFF, "MainLoop");
    // Claimed before the first await, so that a concurrent create() is refused too.
    if (claimed || mainContextHandle() !== null) {
      throw new Error(
        "a main loop is already running in this process (qemu_init_main_loop runs once): " +
          "stop and join it before creating another",
      );
    }
    claimed = true;
    let ctxId = -1;
    let host: ThreadHost;
    try {
      host = new ThreadHost({
        threadName: "main-loop",
        role: "main-loop",
        ctx: { name: "main", poll },
        preload: options.preload ?? [],
        onError: options.onError,
        // However it ends (stop, failure, terminate): afterwards this process has no main loop.
        onEnd: () => {
          if (ctxId >= 0 && mainContextHandle()?.id === ctxId) setMainContextHandle(null);
          mainRemote = null;
          claimed = false;
        },
      });
    } catch (err) {
      claimed = false;
      throw err;
    }
    await host.start();
    ctxId = host.context.id;
    setMainContextHandle(host.contextHandle);
    return new MainLoop(host);
  }
}

/**
 * The main context as seen from the calling thread (qemu_get_aio_context).
 * Throws when no main loop was running when this thread started. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getMainAioContext, MainLoop } from "./main_loop.ts";
 * const main = await MainLoop.create();
 * assert.equal(getMainAioContext().name, "main");
 * main.stop();
 * await main.join();
 * ```
 */
export function getMainAioContext(): RemoteAioContext {
  const h = mainContextHandle();
  if (h === null) {
    throw new Error(
      "no main loop: create one with MainLoop.create() before the threads that use it",
    );
  }
  if (
    mainRemote === null || mainRemote.handle.id !== h.id ||
    mainRemote.handle.generation !== h.generation
  ) mainRemote = new RemoteAioContext(h);
  return mainRemote;
}

/**
 * qemu_get_current_aio_context in full (QEMU_SEMANTICS.md 1.2): the context
 * this thread runs ({@link getCurrentAioContext}); else, while this thread
 * holds the BQL (a vCPU thread inside device emulation, say), the main
 * context, reached through its handle; else null. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bqlLock, bqlUnlock, currentAioContext, MainLoop } from "./main_loop.ts";
 * const main = await MainLoop.create();
 * assert.equal(currentAioContext(), null); // the orchestrator runs no context
 * bqlLock();
 * assert.equal(currentAioContext()?.name, "main");
 * bqlUnlock();
 * main.stop();
 * await main.join();
 * ```
 */
export function currentAioContext(): AioContext | RemoteAioContext | null {
  const own = getCurrentAioContext();
  if (own !== null) return own;
  if (mainContextHandle() !== null && bqlLocked()) return getMainAioContext();
  return null;
}

/**
 * Takes the BQL (bql_lock / qemu_mutex_lock_iothread). Any thread; not
 * recursive. The orchestrator should not hold it across awaits.
 *
 * @example
 * ```ts
 * import { bqlLock, bqlUnlock } from "./main_loop.ts";
 * bqlLock();
 * bqlUnlock();
 * ```
 */
export function bqlLock(): void {
  defaultRegistry().bql.lock();
}

/**
 * Releases the BQL (bql_unlock). The holder only.
 *
 * @example
 * ```ts
 * import { bqlLock, bqlUnlock } from "./main_loop.ts";
 * bqlLock();
 * bqlUnlock();
 * ```
 */
export function bqlUnlock(): void {
  defaultRegistry().bql.unlock();
}

/**
 * Whether the calling thread holds the BQL (bql_locked). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bqlLocked } from "./main_loop.ts";
 * assert.equal(bqlLocked(), false);
 * ```
 */
export function bqlLocked(): boolean {
  return defaultRegistry().bql.heldByMe();
}

/**
 * BQL statistics: acquisitions, contention, wait and hold times per thread.
 * Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bqlStats } from "./main_loop.ts";
 * assert.equal(bqlStats().name, "bql");
 * ```
 */
export function bqlStats(): MutexStats {
  return defaultRegistry().bql.stats();
}
