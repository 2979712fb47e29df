/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// Worker entry of aiolab's event-loop threads (IOThreads and the main loop).
// It runs QEMU's iothread_run: `while (running) aio_poll(ctx, true)`, and
// returns to the JavaScript event loop only when a cold-path message or a
// module load is pending (a thread blocked in Atomics.wait sees no messages).

import { CONTEXT, REGISTRY } from "../sync/layout.ts";
import { installRegistry, type Registry } from "../sync/registry.ts";
import { setCurrentThread } from "../sync/thread_id.ts";
import { AioContext } from "./aio_context.ts";
import { registerCoroutineHandlers } from "./co_core.ts";
import { BUILTIN_HANDLER, handlerId, loadHandler, registerBuiltinHandler } from "./handler_ref.ts";
import { setCurrentAioContext, setMainContextHandle } from "./thread_state.ts";
import type { CallMessage, InitMessage, WorkerMessage } from "./_protocol.ts";
import { errorInfo } from "./aio_thread_error.ts";

let reg: Registry;
let ctx: AioContext | null = null;
let running = false;
let asyncPending = 0;
let threadName = "worker";

function post(msg: WorkerMessage): void {
  self.postMessage(msg);
}

function mailboxPending(): boolean {
  // Pairs with the sender's Atomics.add(MAILBOX) after its postMessage.
  return Atomics.load(reg.words, reg.contextBase(ctx!.id) + CONTEXT.MAILBOX) > 0;
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function onCall(msg: CallMessage): void {
  const c = ctx!;
  let id: number;
  try {
    id = handlerId(msg.ref);
  } catch (err) {
    post({ type: "result", id: msg.id, ok: false, error: errorInfo(err), handler: msg.ref });
    Atomics.sub(reg.words, reg.contextBase(c.id) + CONTEXT.MAILBOX, 1);
    return;
  }
  const reply = (ok: boolean, v: unknown): void => {
    if (ok) {
      try {
        post({ type: "result", id: msg.id, ok: true, value: v });
      } catch (err) {
        post({ type: "result", id: msg.id, ok: false, error: errorInfo(err), handler: msg.ref });
      }
    } else {
      post({ type: "result", id: msg.id, ok: false, error: errorInfo(v), handler: msg.ref });
    }
  };
  loadHandler(id).then(
    (fn) => {
      c.scheduleOneshot(
        () => {
          let v: unknown;
          try {
            v = fn(...msg.args);
          } catch (err) {
            reply(false, err);
            return;
          }
          if (v instanceof Promise) {
            asyncPending++;
            v.then((x) => reply(true, x), (e) => reply(false, e)).finally(() => asyncPending--);
          } else {
            reply(true, v);
          }
        },
        undefined,
        msg.ref,
      );
    },
    (err) => reply(false, err),
  ).finally(() => {
    // Handled: pairs with the loop's Atomics.load(MAILBOX).
    Atomics.sub(reg.words, reg.contextBase(c.id) + CONTEXT.MAILBOX, 1);
  });
}

function fatal(err: unknown): void {
  post({ type: "fatal", handler: ctx?.currentHandler() ?? null, error: errorInfo(err) });
}

async function start(init: InitMessage): Promise<void> {
  reg = installRegistry(init.registry);
  setCurrentThread(init.threadId, init.threadName);
  threadName = init.threadName;
  for (const url of init.preload) await import(url);
  const c = new AioContext({
    name: init.ctx.name,
    pollMaxNs: init.ctx.pollMaxNs,
    pollGrow: init.ctx.pollGrow,
    pollShrink: init.ctx.pollShrink,
  });
  ctx = c;
  setCurrentAioContext(init.role, c);
  setMainContextHandle(init.role === "main-loop" ? c.handle : init.main);
  registerBuiltinHandler(BUILTIN_HANDLER.STOP, () => (running = false), "iothread-stop");
  registerCoroutineHandlers();
  registerBuiltinHandler(BUILTIN_HANDLER.NOOP, () => {}, "noop");
  const main = init.role === "main-loop";
  if (main) {
    // The main loop holds the BQL except while it waits (main_loop_wait).
    reg.bql.lock();
    c.setWaitHooks(() => reg.bql.unlock(), () => reg.bql.lock(), true);
    Atomics.store(reg.words, REGISTRY.MAIN_CONTEXT, c.id + 1);
  }
  running = true;
  post({ type: "ready", ctx: c.handle });

  let failed = false;
  while (running) {
    try {
      if (c.hostIoCount() > 0) await c.pollAsync();
      else c.poll(true);
    } catch (err) {
      fatal(err);
      failed = true;
      break;
    }
    while (mailboxPending() || c.needsEventLoop() || asyncPending > 0) {
      await c.settle();
      await macrotask();
      if (asyncPending > 0 && !mailboxPending()) {
        try {
          c.poll(false);
        } catch (err) {
          fatal(err);
          failed = true;
          running = false;
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

self.onmessage = (e: MessageEvent<InitMessage | CallMessage>) => {
  const msg = e.data;
  if (msg.type === "init") {
    start(msg).catch((err) => {
      post({ type: "fatal", handler: null, error: errorInfo(err) });
      post({ type: "exited", stats: null });
      self.close();
    });
  } else if (msg.type === "call") {
    onCall(msg);
  } else {
    throw new Error(`${threadName}: unknown message ${JSON.stringify(msg)}`);
  }
};
