// Orchestrator side of every thread aiolab hosts (IoThread, MainLoop,
// VcpuThread): spawns the Worker (_worker.ts), runs the cold-path protocol
// (_protocol.ts), and turns every way a thread can end (stop, a throwing
// handler, an uncaught Worker error, terminate) into a settled join(), and
// gives back the thread's id and context slots once its Worker is gone.
// Orchestrator only.

import { CONTEXT, REGISTRY } from "../sync/layout.ts";
import { THREAD_PHASE, THREAD_STATUS } from "./layout.ts";
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
  /** Called once when the thread has ended, however it ended (before join() settles). */
  onEnd?: () => void;
}

interface Pending {
  ref: string;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** How long terminate() waits for a thread to leave, by default. */
export const TERMINATE_GRACE_MS = 5000;

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
  readonly #onEnd?: () => void;
  readonly #role: HostedRole;
  /** The thread's status words (THREAD_STATUS); the thread writes PHASE and CALL. */
  readonly #status: Int32Array<SharedArrayBuffer> = new Int32Array(
    new SharedArrayBuffer(THREAD_STATUS.WORDS * 4),
  );
  /** A vCPU's stop request (shared with the thread); null for event-loop threads. */
  readonly #stopRequest: EventNotifier | null;
  #nextCall = 1;
  #started = false;
  #ctx: RemoteAioContext | null = null;
  #error: AioThreadError | null = null;
  /** join() has settled: no more calls; the Worker may still be running (terminate of stuck code). */
  #exited = false;
  /** The Worker is gone and its id and slots were given back. */
  #released = false;
  #stopping = false;
  readonly #ready: Promise<void>;
  readonly #done: Promise<AioContextStats | null>;
  readonly #gone: Promise<void>;
  #resolveReady!: () => void;
  #rejectReady!: (e: unknown) => void;
  #resolveDone!: (s: AioContextStats | null) => void;
  #resolveGone!: () => void;

  /** Starts the Worker; await {@link ThreadHost.start} before using it. */
  constructor(spec: HostSpec) {
    const reg = defaultRegistry();
    this.threadName = spec.threadName;
    this.threadId = reg.allocThreadId();
    this.#onError = spec.onError;
    this.#onEnd = spec.onEnd;
    this.#role = spec.role;
    this.#stopRequest = spec.role === "vcpu"
      ? new EventNotifier({ name: `${spec.threadName}.stop` })
      : null;
    this.#ready = new Promise((res, rej) => {
      this.#resolveReady = res;
      this.#rejectReady = rej;
    });
    this.#done = new Promise((res) => (this.#resolveDone = res));
    this.#gone = new Promise((res) => (this.#resolveGone = res));
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
      this.#release();
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
      status: this.#status.buffer,
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
        this.#release();
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

  /**
   * The Worker is gone (it said so, or died of an uncaught error): ends it
   * for good and gives back what it may still hold: its context slots, the
   * main-context word, then its thread id (last, so that no other thread is
   * homed under that id while slots still name it). Once.
   */
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#worker.terminate();
    const reg = defaultRegistry();
    if (this.#role === "main-loop" && this.#ctx !== null) {
      // Only if it still names this loop's context; pairs with the loads of MAIN_CONTEXT.
      Atomics.compareExchange(reg.words, REGISTRY.MAIN_CONTEXT, this.#ctx.id + 1, 0);
    }
    reg.releaseContextsOf(this.threadId);
    reg.freeThreadId(this.threadId);
    this.#resolveGone();
  }

  /** Settles everything waiting on the thread: pending calls, start, join. Once. */
  #finish(stats: AioContextStats | null): void {
    if (this.#exited) return;
    this.#exited = true;
    const gone = this.#error ??
      new AioThreadError(this.threadName, null, {
        name: "Error",
        message: "thread exited",
        stack: "",
      });
    for (const p of this.#pending.values()) {
      p.reject(
        this.#error ?? new AioThreadError(this.threadName, p.ref, {
          name: "Error",
          message: "the thread exited before this run() returned " +
            "(stop() ends the loop without waiting for run() calls in flight)",
          stack: "",
        }),
      );
    }
    this.#pending.clear();
    this.#rejectReady(gone);
    this.#onEnd?.();
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
    try {
      this.#worker.postMessage(msg);
    } catch (err) {
      return Promise.reject(
        new TypeError(
          `run() of ${refText} on thread ${this.threadName}: its arguments cannot be ` +
            `structured-cloned (${(err as Error).message}); pass data (numbers, strings, ` +
            "arrays, plain objects, SharedArrayBuffers, handles), not functions or class instances",
          { cause: err },
        ),
      );
    }
    const p = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { ref: refText, resolve: resolve as (v: unknown) => void, reject });
    });
    if (this.#ctx !== null && this.#ctx.alive) {
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
      // A context already gone (the thread is ending) needs no stop.
      if (this.#ctx.alive) this.#ctx.scheduleOneshot(BUILTIN_HANDLER.STOP);
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

  /** Resolves once the thread has ended (join() would settle at once). */
  ended(): Promise<void> {
    return this.#done.then(() => {});
  }

  /** Whether stop() was called. */
  get stopRequested(): boolean {
    return this.#stopping;
  }

  /**
   * What the thread is doing now, in words ("running run() of …", "waiting
   * for work in poll()", …), from its status words: for a join that timed
   * out, and for terminate.
   */
  activity(): string {
    const call = Atomics.load(this.#status, THREAD_STATUS.CALL);
    const pending = [...this.#pending.values()].map((p) => p.ref);
    const inFlight = pending.length === 0 ? "" : `; run() calls in flight: ${pending.join(", ")}`;
    if (call !== 0) {
      const ref = this.#pending.get(call)?.ref ?? `call ${call}`;
      return `running run() of ${ref} (synchronous code that has not returned)`;
    }
    switch (Atomics.load(this.#status, THREAD_STATUS.PHASE)) {
      case THREAD_PHASE.STARTING:
        return `starting${inFlight}`;
      case THREAD_PHASE.DISPATCHING:
        return "dispatching its AioContext (a bottom half, timer or handler that has " +
          `not returned)${inFlight}`;
      case THREAD_PHASE.WAITING:
        return `waiting for work in poll()${inFlight}`;
      case THREAD_PHASE.EVENT_LOOP:
        return `on its JavaScript event loop${inFlight}`;
      default:
        return `exiting${inFlight}`;
    }
  }

  /**
   * Ends the thread without its cooperation: it leaves at its next chance
   * (after its current poll or synchronous call) without waiting for calls,
   * promises or module loads, giving back its context slots and the BQL.
   * Resolves true once it is gone (ids and slots free), false if it did not
   * leave within `graceMs` (it runs synchronous code that Deno cannot
   * interrupt: its ids and slots stay reserved until that code returns).
   * Either way join() and pending calls reject with the termination error.
   */
  async terminate(graceMs = TERMINATE_GRACE_MS): Promise<boolean> {
    if (this.#released) return true;
    if (!this.#exited && this.#error === null) {
      // Not a failure of the thread (onError is not called), but join() and
      // the calls in flight must not pretend it ended normally.
      this.#error = new AioThreadError(this.threadName, null, {
        name: "Error",
        message: `terminated by terminate() while ${this.activity()}`,
        stack: "",
      });
    }
    // Read by the thread's loop after each poll; pairs with its Atomics.load(TERMINATE).
    Atomics.store(this.#status, THREAD_STATUS.TERMINATE, 1);
    if (this.#ctx !== null) notifyContext(defaultRegistry().words, this.#ctx.id);
    else this.#worker.postMessage({ type: "terminate" });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((res) => (timer = setTimeout(() => res(false), graceMs)));
    const gone = await Promise.race([this.#gone.then(() => true as const), late]);
    clearTimeout(timer);
    this.#finish(null);
    return gone;
  }
}
