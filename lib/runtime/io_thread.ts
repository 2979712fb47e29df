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
 * import assert from "node:assert/strict";
 * import { IoThread } from "./io_thread.ts";
 * const iot = await IoThread.create({ id: "iot0" });
 * const answer = await iot.run<number>(
 *   { module: new URL("./handler_ref.ts", import.meta.url), name: "handlerId" },
 *   300,
 * );
 * assert.equal(answer, 300); // computed inside the IOThread
 * iot.stop();
 * await iot.join();
 * ```
 *
 * @module
 */

import { type PollParams, resolvePollParams } from "./adaptive_poll.ts";
import { ThreadHost } from "./_thread_host.ts";
import type { AioThreadError } from "./aio_thread_error.ts";
import { EventLoopThread } from "./event_loop_thread.ts";

/** Default IOThread poll-max-ns (QEMU's, from 2016 NVMe measurements). */
export const DEFAULT_POLL_MAX_NS = 32768;

/** Poll parameters of a new IOThread: poll-max-ns 32768, poll-grow 0, poll-shrink 0 (QEMU's). */
export const DEFAULT_IOTHREAD_POLL: Readonly<PollParams> = Object.freeze({
  pollMaxNs: DEFAULT_POLL_MAX_NS,
  pollGrow: 0,
  pollShrink: 0,
});

/**
 * Options of {@link IoThread.create} (the iothread object's properties). The
 * poll parameters ({@link PollParams}) default to {@link DEFAULT_IOTHREAD_POLL}.
 */
export interface IoThreadOptions extends Partial<PollParams> {
  /** Object id; the thread is named `IO <id>`. */
  id: string;
  /** Module URLs to import in the thread before it starts (register handlers there). */
  preload?: (string | URL)[];
  /** Called in the orchestrator when the thread fails. */
  onError?: (err: AioThreadError) => void;
}

/** Ids of the IoThreads starting or running (object ids are unique). Orchestrator. */
const liveIds = new Set<string>();

/**
 * An IOThread. Methods are for the orchestrating thread that created it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IoThread } from "./io_thread.ts";
 * await using iot = await IoThread.create({ id: "iot1", pollMaxNs: 0 });
 * assert.equal(iot.getAioContext().name, "iot1");
 * ```
 */
export class IoThread extends EventLoopThread {
  /** Object id. */
  readonly id: string;

  private constructor(id: string, host: ThreadHost) {
    super(host);
    this.id = id;
  }

  /**
   * Starts an IOThread and waits until its context exists. Throws a
   * TypeError for a bad id, an Error for the id of an IoThread that is
   * starting or running (QEMU refuses duplicate object ids; the id is free
   * again once that thread has ended), and a TypeError or RangeError (before
   * any thread starts) for poll parameters that are not non-negative
   * integers. Orchestrator.
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
    const id = options.id;
    const poll = resolvePollParams(options, DEFAULT_IOTHREAD_POLL, `IoThread "${id}"`);
    // Claimed before the first await, so that a concurrent create() is refused too.
    if (liveIds.has(id)) {
      throw new Error(
        `IoThread id "${id}" is already in use by a live IOThread (object ids are unique, ` +
          "as in QEMU): stop and join that thread first, or choose another id",
      );
    }
    liveIds.add(id);
    let host: ThreadHost;
    try {
      host = new ThreadHost({
        threadName: `IO ${id}`,
        role: "iothread",
        ctx: { name: id, poll },
        preload: options.preload ?? [],
        onError: options.onError,
        onEnd: () => liveIds.delete(id),
      });
    } catch (err) {
      liveIds.delete(id);
      throw err;
    }
    await host.start();
    return new IoThread(id, host);
  }
}
