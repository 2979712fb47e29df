// Orchestrator side of every thread aiolab hosts (IoThread, MainLoop,
// VcpuThread): spawns the Worker (_worker.ts), runs the cold-path protocol
// (_protocol.ts), and turns every way a thread can end (stop, a throwing
// handler, an uncaught Worker error) into a settled join(). Orchestrator only.

import { CONTEXT } from "../sync/layout.ts";
import { EventNotifier } from "../sync/event_notifier.ts";
import { defaultRegistry, notifyContext } from "../sync/registry.ts";
import type { AioContextStats } from "./aio_context.ts";
import { type AioContextHandle, RemoteAioContext } from "./context_handle.ts";
import { BUILTIN_HANDLER, type HandlerRef } from "./handler_ref.ts";
import { mainContextHandle } from "./thread_state.ts";
import type { CallMessage, HostedRole, InitMessage, WorkerMessage } from "./_protocol.ts";
import { AioThreadError, type ErrorInfo } from "./aio_thread_error.ts";

/** What a host needs to start its Worker. */
export interface HostSpec {
  threadName: string;
  role: HostedRole;
  /** The context of an event-loop thread; null for a vCPU. */
  ctx: InitMessage["ctx"];
  preload: (string | URL)[];
  onError?: (err: AioThreadError) => void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Turns a handler reference into the string form the Worker resolves. */
function refString(ref: HandlerRef): string {
  if (typeof ref === "number") {
    throw new TypeError(
      'run() needs a module reference ({ module, name } or "url#name"): ' +
        "integer ids are thread-local registrations (use scheduleOneshot for them)",
    );
  }
  if (typeof ref === "string") return ref;
  return `${new URL(String(ref.module)).href}#${ref.name}`;
}

/** One hosted thread, seen from the orchestrator. */
export class ThreadHost {
  readonly threadName: string;
  readonly threadId: number;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #onError?: (err: AioThreadError) => void;
  /** A vCPU's stop request (shared with the thread); null for event-loop threads. */
  readonly #stopRequest: EventNotifier | null;
  #nextCall = 1;
  #started = false;
  #ctx: RemoteAioContext | null = null;
  #error: AioThreadError | null = null;
  #exited = false;
  #stopping = false;
  readonly #ready: Promise<void>;
  readonly #done: Promise<AioContextStats | null>;
  #resolveReady!: () => void;
  #rejectReady!: (e: unknown) => void;
  #resolveDone!: (s: AioContextStats | null) => void;

  /** Starts the Worker; await {@link ThreadHost.start} before using it. */
  constructor(spec: HostSpec) {
    const reg = defaultRegistry();
    this.threadName = spec.threadName;
    this.threadId = reg.allocThreadId();
    this.#onError = spec.onError;
    this.#stopRequest = spec.role === "vcpu"
      ? new EventNotifier({ name: `${spec.threadName}.stop` })
      : null;
    this.#ready = new Promise((res, rej) => {
      this.#resolveReady = res;
      this.#rejectReady = rej;
    });
    this.#done = new Promise((res) => (this.#resolveDone = res));
    // Avoids an unhandled rejection when nobody awaits ready() yet.
    this.#ready.catch(() => {});
    this.#worker = new Worker(new URL("./_worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<WorkerMessage>) => this.#onMessage(e.data);
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#fail(null, {
        name: "Error",
        message: `uncaught in worker: ${e.message}`,
        stack: `${e.filename}:${e.lineno}:${e.colno}`,
      });
      this.#finish(null);
    };
    const init: InitMessage = {
      type: "init",
      registry: reg.handle,
      threadId: this.threadId,
      threadName: spec.threadName,
      role: spec.role,
      ctx: spec.ctx,
      stop: this.#stopRequest?.handle ?? null,
      main: mainContextHandle(),
      preload: spec.preload.map((u) => new URL(String(u)).href),
    };
    this.#worker.postMessage(init);
  }

  /**
   * Waits until the thread is ready (its context exists); if it fails to
   * start, waits for it to end and rethrows its error.
   */
  async start(): Promise<void> {
    try {
      await this.#ready;
    } catch (err) {
      await this.#done;
      throw err;
    }
  }

  #onMessage(msg: WorkerMessage): void {
    switch (msg.type) {
      case "ready":
        if (msg.ctx !== null) this.#ctx = new RemoteAioContext(msg.ctx);
        this.#started = true;
        this.#resolveReady();
        break;
      case "result": {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        if (p === undefined) break;
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new AioThreadError(this.threadName, msg.handler, msg.error));
        break;
      }
      case "fatal":
        this.#fail(msg.handler, msg.error);
        break;
      case "exited":
        this.#finish(msg.stats);
        break;
    }
  }

  #fail(handler: string | null, info: ErrorInfo): void {
    const err = new AioThreadError(this.threadName, handler, info);
    if (this.#error === null) this.#error = err;
    this.#rejectReady(err);
    this.#onError?.(err);
  }

  #finish(stats: AioContextStats | null): void {
    if (this.#exited) return;
    this.#exited = true;
    const gone = this.#error ??
      new AioThreadError(this.threadName, null, {
        name: "Error",
        message: "thread exited",
        stack: "",
      });
    for (const p of this.#pending.values()) p.reject(gone);
    this.#pending.clear();
    this.#rejectReady(gone);
    this.#worker.terminate();
    defaultRegistry().freeThreadId(this.threadId);
    this.#resolveDone(stats);
  }

  /** The thread's context; throws for a thread that runs none (a vCPU). */
  get context(): RemoteAioContext {
    if (this.#ctx === null) {
      throw new Error(
        this.#started
          ? `thread ${this.threadName} runs no AioContext`
          : `thread ${this.threadName} is not started`,
      );
    }
    return this.#ctx;
  }

  get contextHandle(): AioContextHandle {
    return this.context.handle;
  }

  get error(): AioThreadError | null {
    return this.#error;
  }

  /** Sends a run() call; see EventLoopThread.run and VcpuThread.run. */
  run<T>(ref: HandlerRef, args: unknown[]): Promise<T> {
    if (this.#exited || !this.#started) {
      return Promise.reject(
        this.#error ?? new Error(`thread ${this.threadName} is not running`),
      );
    }
    let refText: string;
    try {
      refText = refString(ref);
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this.#nextCall++;
    const msg: CallMessage = { type: "call", id, ref: refText, args };
    const p = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
    this.#worker.postMessage(msg);
    if (this.#ctx !== null) {
      // After the post: the event-loop thread leaves its blocking loop for
      // its JavaScript event loop until it has handled as many messages as
      // were counted. Pairs with the Worker's Atomics.load(MAILBOX). (A vCPU
      // waits on its JavaScript event loop and sees the message anyway.)
      const reg = defaultRegistry();
      Atomics.add(reg.words, reg.contextBase(this.#ctx.id) + CONTEXT.MAILBOX, 1);
      notifyContext(reg.words, this.#ctx.id);
    }
    return p;
  }

  /** Asks the thread to stop; idempotent. */
  stop(): void {
    if (this.#stopping || this.#exited || !this.#started) return;
    this.#stopping = true;
    if (this.#ctx !== null) {
      // iothread_stop: a oneshot BH in the thread's context clears `running`.
      this.#ctx.scheduleOneshot(BUILTIN_HANDLER.STOP);
    } else {
      // A vCPU: guest code sees the request (vcpuStopRequested); the thread
      // exits once its calls have returned.
      this.#stopRequest!.set();
      this.#worker.postMessage({ type: "stop" });
    }
  }

  /** Waits for the thread to end; rejects with its error if it failed. */
  async join(): Promise<AioContextStats | null> {
    const stats = await this.#done;
    if (this.#error !== null) throw this.#error;
    return stats;
  }
}
