// Orchestrator side of an aiolab event-loop thread: spawns the Worker, runs
// the cold-path protocol (_protocol.ts), and turns every way a thread can end
// (stop, a throwing handler, an uncaught Worker error) into a settled join().

import { CONTEXT } from "../sync/layout.ts";
import { defaultRegistry, notifyContext } from "../sync/registry.ts";
import type { AioContextStats } from "./aio_context.ts";
import { type AioContextHandle, RemoteAioContext } from "./context_handle.ts";
import { BUILTIN_HANDLER, type HandlerRef } from "./handler_ref.ts";
import { mainContextHandle } from "./thread_state.ts";
import type { CallMessage, InitMessage, WorkerMessage } from "./_protocol.ts";
import { AioThreadError, type ErrorInfo } from "./aio_thread_error.ts";

export { AioThreadError };

/** What a host needs to start its Worker. */
export interface HostSpec {
  threadName: string;
  role: "iothread" | "main-loop";
  ctx: InitMessage["ctx"];
  preload: string[];
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

export class ThreadHost {
  readonly threadName: string;
  readonly threadId: number;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #onError?: (err: AioThreadError) => void;
  #nextCall = 1;
  #ctx: RemoteAioContext | null = null;
  #error: AioThreadError | null = null;
  #exited = false;
  #stopping = false;
  #stats: AioContextStats | null = null;
  readonly #ready: Promise<void>;
  readonly #done: Promise<AioContextStats | null>;
  #resolveReady!: () => void;
  #rejectReady!: (e: unknown) => void;
  #resolveDone!: (s: AioContextStats | null) => void;

  constructor(spec: HostSpec) {
    const reg = defaultRegistry();
    this.threadName = spec.threadName;
    this.threadId = reg.allocThreadId();
    this.#onError = spec.onError;
    this.#ready = new Promise((res, rej) => {
      this.#resolveReady = res;
      this.#rejectReady = rej;
    });
    this.#done = new Promise((res) => (this.#resolveDone = res));
    // Avoid unhandled rejections when nobody awaits these yet.
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
      main: mainContextHandle(),
      preload: spec.preload,
    };
    this.#worker.postMessage(init);
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  #onMessage(msg: WorkerMessage): void {
    switch (msg.type) {
      case "ready":
        this.#ctx = new RemoteAioContext(msg.ctx);
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
        this.#stats = msg.stats;
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

  get context(): RemoteAioContext {
    if (this.#ctx === null) throw new Error(`thread ${this.threadName} is not started`);
    return this.#ctx;
  }

  get contextHandle(): AioContextHandle {
    return this.context.handle;
  }

  get error(): AioThreadError | null {
    return this.#error;
  }

  get running(): boolean {
    return this.#ctx !== null && !this.#exited;
  }

  get lastStats(): AioContextStats | null {
    return this.#stats;
  }

  run<T>(ref: HandlerRef, args: unknown[]): Promise<T> {
    if (this.#exited || this.#ctx === null) {
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
    // After the post: the thread leaves its blocking loop for its JavaScript
    // event loop until it has handled as many messages as were counted.
    const reg = defaultRegistry();
    Atomics.add(reg.words, reg.contextBase(this.#ctx.id) + CONTEXT.MAILBOX, 1);
    notifyContext(reg.words, this.#ctx.id);
    return p;
  }

  stop(): void {
    if (this.#stopping || this.#exited || this.#ctx === null) return;
    this.#stopping = true;
    // iothread_stop: a oneshot BH in the thread's context clears `running`.
    this.#ctx.scheduleOneshot(BUILTIN_HANDLER.STOP);
  }

  async join(): Promise<AioContextStats | null> {
    const stats = await this.#done;
    if (this.#error !== null) throw this.#error;
    return stats;
  }

  terminate(): void {
    this.#finish(null);
  }
}
