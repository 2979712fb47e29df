/**
 * HostedThread: what every thread aiolab starts in a Worker shares, seen
 * from the orchestrating thread: its aiolab thread id, run code in it by
 * handler reference, stop it, join it, see how it failed. Its subclasses
 * are the event-loop threads ({@link EventLoopThread}: IoThread, MainLoop)
 * and the vCPU threads (VcpuThread), which run no AioContext.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HostedThread } from "./hosted_thread.ts";
 * import { VcpuThread } from "./vcpu_thread.ts";
 * const cpu = await VcpuThread.create({ index: 0 });
 * assert.ok(cpu instanceof HostedThread);
 * await cpu[Symbol.asyncDispose]();
 * ```
 *
 * @module
 */

import type { AioThreadError } from "./aio_thread_error.ts";
import type { HandlerRef } from "./handler_ref.ts";
import type { ThreadHost } from "./_thread_host.ts";

/**
 * A thread started in a Worker. Created only by the subclasses' `create()`;
 * methods are for the orchestrating thread. `S` is what {@link
 * HostedThread.join} resolves to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IoThread } from "./io_thread.ts";
 * const t = await IoThread.create({ id: "ht0" });
 * assert.ok(t.threadId > 0);
 * t.stop();
 * await t.join();
 * ```
 */
export class HostedThread<S> {
  /** @internal the orchestrator side of the Worker */
  protected readonly host: ThreadHost;

  /** @internal use the subclasses' create() */
  protected constructor(host: ThreadHost) {
    this.host = host;
  }

  /**
   * The thread's aiolab thread id. Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "ht1" });
   * assert.ok(iot.threadId > 0);
   * iot.stop();
   * await iot.join();
   * ```
   */
  get threadId(): number {
    return this.host.threadId;
  }

  /**
   * Runs handler `ref` (a module export) inside the thread with
   * structured-cloneable `args`; resolves with its structured-cloneable
   * result (a returned promise is awaited), rejects with an
   * {@link AioThreadError} if it throws (the thread lives on). In an
   * event-loop thread it runs in its context's BH phase; in a vCPU thread,
   * directly. Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "ht2" });
   * const ref = `${new URL("./handler_ref.ts", import.meta.url).href}#handlerId`;
   * assert.equal(await iot.run(ref, 42), 42);
   * iot.stop();
   * await iot.join();
   * ```
   */
  run<T = unknown>(ref: HandlerRef, ...args: unknown[]): Promise<T> {
    return this.host.run<T>(ref, args);
  }

  /**
   * Asks the thread to stop. Idempotent. Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "ht3" });
   * iot.stop();
   * iot.stop();
   * await iot.join();
   * ```
   */
  stop(): void {
    this.host.stop();
  }

  /**
   * Waits for the thread to end; rejects with the thread's error if it
   * failed. Never hangs on a dead thread. Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "ht4" });
   * iot.stop();
   * assert.equal((await iot.join())?.name, "ht4");
   * ```
   */
  join(): Promise<S> {
    return this.host.join() as Promise<S>;
  }

  /**
   * The error that stopped the thread, if any. Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "ht5" });
   * assert.equal(iot.error, null);
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
   * const iot = await IoThread.create({ id: "ht6" });
   * await iot[Symbol.asyncDispose]();
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.stop();
    await this.join();
  }
}
