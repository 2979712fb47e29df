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

/** Options of {@link HostedThread.join}. */
export interface JoinOptions {
  /**
   * Give up after this many milliseconds (a non-negative number): join then
   * rejects with a {@link JoinTimeoutError} and the thread runs on. Default:
   * wait as long as the thread runs.
   */
  timeoutMs?: number;
}

/** Options of {@link HostedThread.terminate}. */
export interface TerminateOptions {
  /**
   * How long to wait for the thread to leave (a non-negative number of
   * milliseconds; default 5000) before terminate() resolves false.
   */
  graceMs?: number;
}

/**
 * A {@link HostedThread.join} with `timeoutMs` that gave up: names the
 * thread, the time waited, whether stop() had been requested, and what the
 * thread was doing (the run() call it is stuck in, or its phase). The thread
 * runs on; {@link HostedThread.terminate} ends it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JoinTimeoutError } from "./hosted_thread.ts";
 * const e = new JoinTimeoutError("IO iot0", 100, false, "waiting for work in poll()");
 * assert.equal(
 *   e.message,
 *   "thread IO iot0 did not end within 100 ms of join() (stop() was not called): " +
 *     "it is waiting for work in poll()",
 * );
 * ```
 */
export class JoinTimeoutError extends Error {
  /** Thread name (e.g. `IO iot0`, `main-loop`, `CPU 0/aiolab`). */
  readonly thread: string;
  /** How long join() waited, in milliseconds. */
  readonly timeoutMs: number;
  /** What the thread was doing when join() gave up. */
  readonly activity: string;

  /**
   * Builds the error. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { JoinTimeoutError } from "./hosted_thread.ts";
   * const e = new JoinTimeoutError("main-loop", 5, true, "on its JavaScript event loop");
   * assert.equal(e.thread, "main-loop");
   * assert.match(e.message, /\(stop\(\) was requested\)/);
   * ```
   */
  constructor(thread: string, timeoutMs: number, stopRequested: boolean, activity: string) {
    super(
      `thread ${thread} did not end within ${timeoutMs} ms of join() ` +
        `(${stopRequested ? "stop() was requested" : "stop() was not called"}): it is ${activity}`,
    );
    this.name = "JoinTimeoutError";
    this.thread = thread;
    this.timeoutMs = timeoutMs;
    this.activity = activity;
  }
}

/** A non-negative number of milliseconds, or a TypeError/RangeError naming what was found. */
function checkMs(v: unknown, what: string): number {
  if (typeof v !== "number") {
    throw new TypeError(
      `${what}: expected a non-negative number of milliseconds, got ${
        typeof v === "string" ? `the string ${JSON.stringify(v)}` : `${typeof v} ${String(v)}`
      }`,
    );
  }
  if (!(v >= 0) || v === Infinity) {
    throw new RangeError(
      `${what}: expected a non-negative number of milliseconds, got the number ${v}`,
    );
  }
  return v;
}

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
   * What the thread is doing now, in words, from its status words: the
   * run() call it is inside (synchronous code that has not returned), or
   * its phase ("dispatching its AioContext (a bottom half, timer or handler
   * that has not returned)", "waiting for work in poll()", ...). A
   * diagnostic snapshot for watchdogs; cheap. Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "ht8" });
   * // A snapshot: starting, waiting in poll(), dispatching, ... (whichever it is now).
   * assert.match(iot.activity(), /^(starting|waiting for work|dispatching|on its JavaScript)/);
   * iot.stop();
   * await iot.join();
   * ```
   */
  activity(): string {
    return this.host.activity();
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
   * failed (or was terminated). Never hangs on a dead thread. With
   * `timeoutMs`, rejects with a {@link JoinTimeoutError} naming what the
   * thread is doing if it has not ended by then (it runs on: call
   * {@link HostedThread.terminate} to end it). Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoThread } from "./io_thread.ts";
   * import { JoinTimeoutError } from "./hosted_thread.ts";
   * const iot = await IoThread.create({ id: "ht4" });
   * await assert.rejects(iot.join({ timeoutMs: 10 }), JoinTimeoutError); // not stopped
   * iot.stop();
   * assert.equal((await iot.join({ timeoutMs: 60_000 }))?.name, "ht4");
   * ```
   */
  async join(options: JoinOptions = {}): Promise<S> {
    if (options.timeoutMs !== undefined) {
      const ms = checkMs(options.timeoutMs, `join of thread ${this.host.threadName}: timeoutMs`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<false>((res) => (timer = setTimeout(() => res(false), ms)));
      const ended = await Promise.race([this.host.ended().then(() => true), late]);
      clearTimeout(timer);
      if (!ended) {
        throw new JoinTimeoutError(
          this.host.threadName,
          ms,
          this.host.stopRequested,
          this.host.activity(),
        );
      }
    }
    return await this.host.join() as S;
  }

  /**
   * Ends a thread that does not stop: it leaves at its next chance without
   * waiting for its run() calls, promises or module loads, giving back its
   * thread id, its context slots, the BQL and (a main loop) the main-context
   * word; join() and the calls in flight then reject with the termination
   * error. Resolves true once the thread is gone; false if it did not leave
   * within `graceMs`: it is inside synchronous code that never returns, which
   * Deno cannot interrupt (Worker.terminate() waits for the code to return
   * too), so its id and slots stay reserved until that code returns and
   * then are given back; until then only the process's exit ends it. A no-op
   * on a thread that has ended. Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoThread } from "./io_thread.ts";
   * const iot = await IoThread.create({ id: "ht7" }); // never stopped
   * assert.equal(await iot.terminate(), true);
   * await assert.rejects(iot.join(), /terminated/);
   * ```
   */
  terminate(options: TerminateOptions = {}): Promise<boolean> {
    try {
      const grace = options.graceMs === undefined
        ? undefined
        : checkMs(options.graceMs, `terminate of thread ${this.host.threadName}: graceMs`);
      return this.host.terminate(grace);
    } catch (err) {
      return Promise.reject(err);
    }
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
