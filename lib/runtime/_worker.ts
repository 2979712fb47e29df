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
import { THREAD_PHASE, THREAD_STATUS } from "./layout.ts";
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
let threadId = 0;
/** This thread's status words (THREAD_STATUS). */
let status: Int32Array<ArrayBufferLike> = new Int32Array(THREAD_STATUS.WORDS);
/** Handlers whose returned promise has not settled yet. */
let inFlight = 0;
/** What this thread does with a run() call once its handler is resolved. */
let onCall: (msg: CallMessage) => void = () => {
  throw new Error(`${threadName}: call before init`);
};
/** What a vCPU does when asked to stop (event-loop threads stop through a BH). */
let onStop: () => void = () => {};
/** What a vCPU does when terminated (event-loop threads see THREAD_STATUS.TERMINATE). */
let onTerminate: () => void = () => {};

/** The phase this thread published last (it is the word's only writer). */
let phaseNow = -1;

/**
 * Publishes what this thread does now (a diagnostic for the orchestrator);
 * a store only on a change (the loop calls it on every iteration, and a
 * sequentially consistent store is a full barrier).
 */
function setPhase(phase: number): void {
  if (phase === phaseNow) return;
  phaseNow = phase;
  // Pairs with the orchestrator's Atomics.load(PHASE) (a snapshot).
  Atomics.store(status, THREAD_STATUS.PHASE, phase);
}

/** Whether terminate() was requested. Pairs with the orchestrator's Atomics.store(TERMINATE). */
function terminateRequested(): boolean {
  return Atomics.load(status, THREAD_STATUS.TERMINATE) !== 0;
}

let left = false;

/**
 * Leaves at once (terminate): gives back what this thread holds (the main
 * context word, the BQL, every context slot homed here) without waiting for
 * calls, promises or module loads, then exits.
 */
function leaveNow(mainCtx: number | null): void {
  if (left) return;
  left = true;
  setPhase(THREAD_PHASE.EXITING);
  if (mainCtx !== null) {
    // Only if it still names our context; pairs with the loads of MAIN_CONTEXT.
    Atomics.compareExchange(reg.words, REGISTRY.MAIN_CONTEXT, mainCtx + 1, 0);
  }
  if (reg.bql.heldByMe()) reg.bql.unlock();
  reg.releaseContextsOf(threadId);
  post({ type: "exited", stats: null });
  self.close();
}

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
  // Names the call while its synchronous part runs (read by join timeouts).
  Atomics.store(status, THREAD_STATUS.CALL, msg.id);
  try {
    v = fn(...msg.args);
  } catch (err) {
    reply(msg, false, err);
    return;
  } finally {
    Atomics.store(status, THREAD_STATUS.CALL, 0);
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
  threadId = init.threadId;
  for (const url of init.preload) await import(url);
  registerBuiltinHandler(BUILTIN_HANDLER.NOOP, () => {}, "noop");
  registerCoroutineHandlers();
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * poll(true) until the loop must end (`goOn` false), something needs the
 * JavaScript event loop, or host-I/O handlers appear. A synchronous loop of
 * its own: inside the async runEventLoop the same loop costs ~25 ns more
 * per iteration, and a request served by a busy-polling thread takes two.
 */
function pollBlocking(c: AioContext, goOn: () => boolean, needsEventLoop: () => boolean): void {
  do c.poll(true); while (goOn() && !needsEventLoop() && c.hostIoCount() === 0);
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
  const waiting = (): void => setPhase(THREAD_PHASE.WAITING);
  const dispatching = (): void => setPhase(THREAD_PHASE.DISPATCHING);
  if (main) {
    // The main loop holds the BQL except while it waits (main_loop_wait).
    reg.bql.lock();
    c.setWaitHooks(() => {
      waiting();
      reg.bql.unlock();
    }, () => {
      reg.bql.lock();
      dispatching();
    }, true);
    Atomics.store(reg.words, REGISTRY.MAIN_CONTEXT, c.id + 1);
  } else {
    c.setWaitHooks(waiting, dispatching, false);
  }
  post({ type: "ready", ctx: c.handle });

  let failed = false;
  const fatal = (err: unknown): void => {
    post({ type: "fatal", handler: c.currentHandler(), error: errorInfo(err) });
    failed = true;
    running = false;
  };
  // Handler modules still loading; awaited with a macrotask bound, since a
  // load may never complete (the loop must still see stop and terminate).
  let loads: Promise<void> | null = null;
  const goOn = (): boolean => running && !terminateRequested();
  const needsEventLoop = (): boolean => mailboxPending() || c.needsEventLoop() || inFlight > 0;
  // The same two checks from plain reads, for the busy loop: snapshots, since a message or a
  // terminate also wakes the context, and the next iteration (after its atomics) sees them.
  const goOnSeen = (): boolean => running && status[THREAD_STATUS.TERMINATE] === 0;
  const needsEventLoopSeen = (): boolean =>
    reg.words[mailbox] > 0 || c.needsEventLoop() || inFlight > 0;
  while (goOn()) {
    dispatching();
    try {
      if (c.hostIoCount() > 0) await c.pollAsync();
      else pollBlocking(c, goOnSeen, needsEventLoopSeen);
    } catch (err) {
      fatal(err);
      break;
    }
    // The JavaScript event loop: messages, module loads, handlers' promises.
    // It polls without blocking meanwhile, so that BHs (stop's among them)
    // run even while a load or a promise never settles.
    while (goOn() && needsEventLoop()) {
      setPhase(THREAD_PHASE.EVENT_LOOP);
      if (loads === null && c.needsEventLoop()) loads = c.settle().finally(() => (loads = null));
      if (loads !== null) await Promise.race([loads, macrotask()]);
      await macrotask();
      if (!goOn()) break;
      dispatching();
      try {
        c.poll(false);
      } catch (err) {
        fatal(err);
        break;
      }
    }
  }
  if (terminateRequested()) {
    leaveNow(main ? c.id : null);
    return;
  }
  setPhase(THREAD_PHASE.EXITING);

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
  // Every exit path frees the slots still homed here: a failed thread's
  // context, one whose destroy threw, contexts handlers left behind.
  reg.releaseContextsOf(threadId);
  post({ type: "exited", stats });
  self.close();
}

async function runVcpu(init: InitMessage): Promise<void> {
  await setUp(init);
  setThreadRole("vcpu");
  setMainContextHandle(init.main);
  setPhase(THREAD_PHASE.EVENT_LOOP);
  installVcpuStop(EventNotifier.fromHandle(init.stop!));
  let stopping = false;
  let calls = 0;
  const exitIfDone = (): void => {
    if (!stopping || calls > 0 || inFlight > 0 || left) return;
    if (reg.bql.heldByMe()) reg.bql.unlock();
    setPhase(THREAD_PHASE.EXITING);
    reg.releaseContextsOf(threadId);
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
  onTerminate = () => leaveNow(null);
  post({ type: "ready", ctx: null });
}

self.onmessage = (e: MessageEvent<HostMessage>) => {
  const msg = e.data;
  switch (msg.type) {
    case "init": {
      status = new Int32Array(msg.status);
      const start = msg.role === "vcpu" ? runVcpu : runEventLoop;
      start(msg).catch((err) => {
        post({ type: "fatal", handler: null, error: errorInfo(err) });
        // Contexts created before the failure (reg is set once setUp began).
        if (threadId !== 0) reg.releaseContextsOf(threadId);
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
    case "terminate":
      onTerminate();
      break;
    default:
      throw new Error(`${threadName}: unknown message ${JSON.stringify(msg)}`);
  }
};
