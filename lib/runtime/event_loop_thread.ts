/**
 * EventLoopThread: what IoThread and MainLoop share: a Worker running one
 * AioContext, driven from the orchestrating thread (run code in it by
 * handler reference, stop it, join it, see how it failed).
 *
 * @example
 * ```ts
 * import { IoThread } from "./io_thread.ts";
 * import { EventLoopThread } from "./event_loop_thread.ts";
 * const iot = await IoThread.create({ id: "elt" });
 * console.log(iot instanceof EventLoopThread); // true
 * await iot[Symbol.asyncDispose]();
 * ```
 *
 * @module
 */

import type { AioContextStats } from "./aio_context.ts";
import type { AioThreadError } from "./aio_thread_error.ts";
import type { AioContextHandle, RemoteAioContext } from "./context_handle.ts";
import type { HandlerRef } from "./handler_ref.ts";
import type { ThreadHost } from "./_thread_host.ts";

/**
 * An event-loop thread (see {@link IoThread} and {@link MainLoop}). Created
 * only by their `create()`; methods are for the orchestrating thread.
 *
 * @example
 * ```ts
 * import { IoThread } from "./io_thread.ts";
 * const t = await IoThread.create({ id: "elt2" });
 * t.stop();
 * await t.join();
 * ```
 */
export class EventLoopThread {
  /** @internal the orchestrator side of the Worker */
  protected readonly host: ThreadHost;

  /** @internal use IoThread.create / MainLoop.create */
  protected constructor(host: ThreadHost) {
    this.host = host;
  }

  /**
   * The thread's context, as a handle usable from this thread
   * (iothread_get_aio_context). Pass `.handle` to other Workers. Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot3" });
   * iot.getAioContext().notify();
   * iot.stop();
   * await iot.join();
   * ```
   */
  getAioContext(): RemoteAioContext {
    return this.host.context;
  }

  /**
   * Structured-cloneable handle of the thread's context. Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot4" });
   * console.log(iot.contextHandle.name); // "iot4"
   * iot.stop();
   * await iot.join();
   * ```
   */
  get contextHandle(): AioContextHandle {
    return this.host.contextHandle;
  }

  /**
   * The thread's aiolab thread id. Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot5" });
   * console.log(iot.threadId > 0); // true
   * iot.stop();
   * await iot.join();
   * ```
   */
  get threadId(): number {
    return this.host.threadId;
  }

  /**
   * Runs handler `ref` (a module export) inside the thread, in its context's
   * BH phase, with structured-cloneable `args`; resolves with its
   * structured-cloneable result (a returned promise is awaited), rejects
   * with an {@link AioThreadError} if it throws. Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot6" });
   * const id = await iot.run(`${new URL("./handler_ref.ts", import.meta.url).href}#handlerId`, 42);
   * console.log(id); // 42
   * iot.stop();
   * await iot.join();
   * ```
   */
  run<T = unknown>(ref: HandlerRef, ...args: unknown[]): Promise<T> {
    return this.host.run<T>(ref, args);
  }

  /**
   * Asks the thread to stop (iothread_stop: a oneshot BH clears `running`).
   * Idempotent. Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot7" });
   * iot.stop();
   * iot.stop();
   * await iot.join();
   * ```
   */
  stop(): void {
    this.host.stop();
  }

  /**
   * Waits for the thread to end and returns its context statistics; rejects
   * with the thread's error if it failed. Never hangs on a dead thread.
   * Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot8" });
   * iot.stop();
   * const stats = await iot.join();
   * console.log(stats?.name); // "iot8"
   * ```
   */
  join(): Promise<AioContextStats | null> {
    return this.host.join();
  }

  /**
   * The error that stopped the thread, if any. Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot9" });
   * console.log(iot.error); // null
   * iot.stop();
   * await iot.join();
   * ```
   */
  get error(): AioThreadError | null {
    return this.host.error;
  }

  /**
   * Stops and joins (for `await using`). Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot10" });
   * await iot[Symbol.asyncDispose]();
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.stop();
    await this.join();
  }
}
