/**
 * IoThread: QEMU's `-object iothread`: a dedicated thread (a Deno Worker)
 * that runs one AioContext with `while (running) poll(true)`, busy-polling
 * first when `pollMaxNs` is non-zero (default 32768 ns, as in QEMU).
 *
 * The orchestrating thread creates it, hands its context's handle to other
 * threads ({@link IoThread.getAioContext}), runs code inside it by handler
 * reference ({@link IoThread.run}), and stops it with QEMU's protocol: a
 * oneshot BH in the thread clears `running`, then {@link IoThread.join}. A
 * handler that throws inside the thread stops it and surfaces as an
 * {@link AioThreadError} naming the thread, the handler and the stack; join()
 * settles however the thread ended.
 *
 * @example
 * ```ts
 * import { IoThread } from "./io_thread.ts";
 * const iot = await IoThread.create({ id: "iot0" });
 * const answer = await iot.run<number>(
 *   { module: new URL("./handler_ref.ts", import.meta.url), name: "handlerId" },
 *   300,
 * );
 * console.log(answer); // 300, computed inside the IOThread
 * iot.stop();
 * await iot.join();
 * ```
 *
 * @module
 */

import { validatePollParams } from "./adaptive_poll.ts";
import type { AioContextStats } from "./aio_context.ts";
import type { AioContextHandle, RemoteAioContext } from "./context_handle.ts";
import type { HandlerRef } from "./handler_ref.ts";
import { ThreadHost } from "./_thread_host.ts";
import type { AioThreadError } from "./aio_thread_error.ts";

/** Default IOThread poll-max-ns (QEMU's, from 2016 NVMe measurements). */
export const DEFAULT_POLL_MAX_NS = 32768;

/** Options of {@link IoThread.create} (the iothread object's properties). */
export interface IoThreadOptions {
  /** Object id; the thread is named `IO <id>`. */
  id: string;
  /** poll-max-ns: longest busy-poll before sleeping. Default 32768; 0 disables. */
  pollMaxNs?: number;
  /** poll-grow (0 = double). */
  pollGrow?: number;
  /** poll-shrink (0 = reset to 0). */
  pollShrink?: number;
  /** Module URLs to import in the thread before it starts (register handlers there). */
  preload?: (string | URL)[];
  /** Called in the orchestrator when the thread fails. */
  onError?: (err: AioThreadError) => void;
}

/**
 * An IOThread. Methods are for the orchestrating thread that created it.
 *
 * @example
 * ```ts
 * import { IoThread } from "./io_thread.ts";
 * await using iot = await IoThread.create({ id: "iot1", pollMaxNs: 0 });
 * console.log(iot.getAioContext().name); // "iot1"
 * ```
 */
export class IoThread {
  /** Object id. */
  readonly id: string;
  readonly #host: ThreadHost;

  private constructor(id: string, host: ThreadHost) {
    this.id = id;
    this.#host = host;
  }

  /**
   * Starts an IOThread and waits until its context exists. Throws a
   * RangeError for invalid poll parameters. Orchestrator.
   *
   * @example
   * ```ts
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "iot2" });
   * iot.stop();
   * await iot.join();
   * ```
   */
  static async create(options: IoThreadOptions): Promise<IoThread> {
    if (typeof options.id !== "string" || options.id === "") {
      throw new TypeError(`IoThread id must be a non-empty string, got ${String(options.id)}`);
    }
    const params = {
      maxNs: options.pollMaxNs ?? DEFAULT_POLL_MAX_NS,
      grow: options.pollGrow ?? 0,
      shrink: options.pollShrink ?? 0,
    };
    validatePollParams(params);
    const host = new ThreadHost({
      threadName: `IO ${options.id}`,
      role: "iothread",
      ctx: {
        name: options.id,
        pollMaxNs: params.maxNs,
        pollGrow: params.grow,
        pollShrink: params.shrink,
      },
      preload: (options.preload ?? []).map((u) => new URL(String(u)).href),
      onError: options.onError,
    });
    try {
      await host.ready();
    } catch (err) {
      await host.join().catch(() => {});
      throw err;
    }
    return new IoThread(options.id, host);
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
    return this.#host.context;
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
    return this.#host.contextHandle;
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
    return this.#host.threadId;
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
    return this.#host.run<T>(ref, args);
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
    this.#host.stop();
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
    return this.#host.join();
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
    return this.#host.error;
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
