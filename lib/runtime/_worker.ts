/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// Worker entry of every thread aiolab hosts (_thread_host.ts).
//
// Event-loop threads (IOThreads, the main loop) run QEMU's iothread_run:
// `while (running) aio_poll(ctx, true)`, and return to the JavaScript event
// loop only when a cold-path message or a module load is pending (a thread
// blocked in Atomics.wait sees no messages); run() calls execute as oneshot
// BHs of their context.
//
// A vCPU thread runs no AioContext (QEMU_SEMANTICS.md 1.2): it stays on its
// JavaScript event loop, run() calls execute the guest code directly, and it
// exits when stopped once the calls in flight have settled.

import { CONTEXT, REGISTRY } from "../sync/layout.ts";
import { EventNotifier } from "../sync/event_notifier.ts";
import { installRegistry, type Registry } from "../sync/registry.ts";
import { setCurrentThread } from "../sync/thread_id.ts";
import { AioContext } from "./aio_context.ts";
import { registerCoroutineHandlers } from "./co_core.ts";
import {
  BUILTIN_HANDLER,
  type Handler,
  handlerId,
  loadHandler,
  registerBuiltinHandler,
} from "./handler_ref.ts";
import { setCurrentAioContext, setMainContextHandle, setThreadRole } from "./thread_state.ts";
import type { CallMessage, HostMessage, InitMessage, WorkerMessage } from "./_protocol.ts";
import { errorInfo } from "./aio_thread_error.ts";
import { installVcpuStop } from "./_vcpu_state.ts";

let reg: Registry;
let threadName = "worker";
/** Handlers whose returned promise has not settled yet. */
let inFlight = 0;
/** What this thread does with a run() call once its handler is resolved. */
let onCall: (msg: CallMessage) => void = () => {
  throw new Error(`${threadName}: call before init`);
};
/** What a vCPU does when asked to stop (event-loop threads stop through a BH). */
let onStop: () => void = () => {};

function post(msg: WorkerMessage): void {
  self.postMessage(msg);
}

function reply(msg: CallMessage, ok: boolean, v: unknown): void {
  if (ok) {
    try {
      post({ type: "result", id: msg.id, ok: true, value: v });
      return;
    } catch (err) {
      v = err; // not structured-cloneable
    }
  }
  post({ type: "result", id: msg.id, ok: false, error: errorInfo(v), handler: msg.ref });
}

/** Calls `fn` with the call's arguments and replies, awaiting a returned promise. */
function invoke(msg: CallMessage, fn: Handler, settled: () => void): void {
  let v: unknown;
  try {
    v = fn(...msg.args);
  } catch (err) {
    reply(msg, false, err);
    return;
  }
  if (!(v instanceof Promise)) {
    reply(msg, true, v);
    return;
  }
  inFlight++;
  v.then((x) => reply(msg, true, x), (e) => reply(msg, false, e)).finally(() => {
    inFlight--;
    settled();
  });
}

/** Resolves the call's handler (loading its module), then `run`s it; `done` after either. */
function resolveCall(msg: CallMessage, run: (fn: Handler) => void, done: () => void): void {
  let id: number;
  try {
    id = handlerId(msg.ref);
  } catch (err) {
    reply(msg, false, err);
    done();
    return;
  }
  loadHandler(id).then(run, (err) => reply(msg, false, err)).finally(done);
}

/** What every hosted thread does first: identity, registry, preloads, main context, built-ins. */
async function setUp(init: InitMessage): Promise<void> {
  reg = installRegistry(init.registry);
  setCurrentThread(init.threadId, init.threadName);
  threadName = init.threadName;
  for (const url of init.preload) await import(url);
  registerBuiltinHandler(BUILTIN_HANDLER.NOOP, () => {}, "noop");
  registerCoroutineHandlers();
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function runEventLoop(init: InitMessage): Promise<void> {
  await setUp(init);
  const c = new AioContext({ name: init.ctx!.name, ...init.ctx!.poll });
  const main = init.role === "main-loop";
  setCurrentAioContext(init.role, c);
  setMainContextHandle(main ? c.handle : init.main);
  let running = true;
  registerBuiltinHandler(BUILTIN_HANDLER.STOP, () => (running = false), "iothread-stop");
  const mailbox = reg.contextBase(c.id) + CONTEXT.MAILBOX;
  // Pairs with the sender's Atomics.add(MAILBOX) after its postMessage.
  const mailboxPending = (): boolean => Atomics.load(reg.words, mailbox) > 0;
  onCall = (msg) =>
    resolveCall(
      msg,
      (fn) => c.scheduleOneshot(() => invoke(msg, fn, () => {}), undefined, msg.ref),
      // Handled: pairs with the loop's Atomics.load(MAILBOX).
      () => Atomics.sub(reg.words, mailbox, 1),
    );
  if (main) {
    // The main loop holds the BQL except while it waits (main_loop_wait).
    reg.bql.lock();
    c.setWaitHooks(() => reg.bql.unlock(), () => reg.bql.lock(), true);
    Atomics.store(reg.words, REGISTRY.MAIN_CONTEXT, c.id + 1);
  }
  post({ type: "ready", ctx: c.handle });

  let failed = false;
  const fatal = (err: unknown): void => {
    post({ type: "fatal", handler: c.currentHandler(), error: errorInfo(err) });
    failed = true;
    running = false;
  };
  while (running) {
    try {
      if (c.hostIoCount() > 0) await c.pollAsync();
      else c.poll(true);
    } catch (err) {
      fatal(err);
      break;
    }
    while (mailboxPending() || c.needsEventLoop() || inFlight > 0) {
      await c.settle();
      await macrotask();
      if (inFlight > 0 && !mailboxPending()) {
        try {
          c.poll(false);
        } catch (err) {
          fatal(err);
          break;
        }
      }
    }
  }

  if (main) {
    Atomics.store(reg.words, REGISTRY.MAIN_CONTEXT, 0);
    if (reg.bql.heldByMe()) reg.bql.unlock();
  }
  const stats = c.stats();
  if (!failed) {
    try {
      c.destroy();
    } catch (err) {
      fatal(err);
    }
  }
  post({ type: "exited", stats });
  self.close();
}

async function runVcpu(init: InitMessage): Promise<void> {
  await setUp(init);
  setThreadRole("vcpu");
  setMainContextHandle(init.main);
  installVcpuStop(EventNotifier.fromHandle(init.stop!));
  let stopping = false;
  let calls = 0;
  const exitIfDone = (): void => {
    if (!stopping || calls > 0 || inFlight > 0) return;
    if (reg.bql.heldByMe()) reg.bql.unlock();
    post({ type: "exited", stats: null });
    self.close();
  };
  onCall = (msg) => {
    if (stopping) {
      reply(msg, false, new Error(`${threadName} is stopping: run() refused`));
      return;
    }
    calls++;
    resolveCall(msg, (fn) => invoke(msg, fn, exitIfDone), () => {
      calls--;
      exitIfDone();
    });
  };
  onStop = () => {
    stopping = true;
    exitIfDone();
  };
  post({ type: "ready", ctx: null });
}

self.onmessage = (e: MessageEvent<HostMessage>) => {
  const msg = e.data;
  switch (msg.type) {
    case "init": {
      const start = msg.role === "vcpu" ? runVcpu : runEventLoop;
      start(msg).catch((err) => {
        post({ type: "fatal", handler: null, error: errorInfo(err) });
        post({ type: "exited", stats: null });
        self.close();
      });
      break;
    }
    case "call":
      onCall(msg);
      break;
    case "stop":
      onStop();
      break;
    default:
      throw new Error(`${threadName}: unknown message ${JSON.stringify(msg)}`);
  }
};
