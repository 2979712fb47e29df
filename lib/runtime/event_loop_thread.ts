/**
 * EventLoopThread: what IoThread and MainLoop share: a hosted thread
 * ({@link HostedThread}) running one AioContext, whose context other
 * threads reach through its handle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IoThread } from "./io_thread.ts";
 * import { EventLoopThread } from "./event_loop_thread.ts";
 * const iot = await IoThread.create({ id: "elt" });
 * assert.ok(iot instanceof EventLoopThread);
 * await iot[Symbol.asyncDispose]();
 * ```
 *
 * @module
 */

import type { AioContextStats } from "./aio_context.ts";
import type { AioContextHandle, RemoteAioContext } from "./context_handle.ts";
import { HostedThread } from "./hosted_thread.ts";

/**
 * An event-loop thread (see IoThread and MainLoop). Created only by their
 * `create()`; methods are for the orchestrating thread. `run()` executes in
 * its context's BH phase; `stop()` is QEMU's iothread_stop (a oneshot BH
 * clears `running`); `join()` resolves to its context statistics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IoThread } from "./io_thread.ts";
 * const t = await IoThread.create({ id: "elt2" });
 * t.stop();
 * const stats = await t.join();
 * assert.equal(stats?.name, "elt2");
 * ```
 */
export class EventLoopThread extends HostedThread<AioContextStats | null> {
  /**
   * The thread's context, as a handle usable from this thread
   * (iothread_get_aio_context). Pass `.handle` to other Workers. Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot3" });
   * assert.equal(iot.getAioContext().name, "iot3");
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
   * import assert from "node:assert/strict";
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot4" });
   * assert.equal(iot.contextHandle.name, "iot4");
   * iot.stop();
   * await iot.join();
   * ```
   */
  get contextHandle(): AioContextHandle {
    return this.host.contextHandle;
  }
}
