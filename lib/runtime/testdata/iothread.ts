// Test fixtures that run inside IoThreads and the main loop (called with
// IoThread.run / MainLoop.run). Importing this module registers nothing: a
// test that needs THROWING_HANDLER / RECORD_HANDLER in a thread runs
// registerTestHandlers there. Not part of the public API.

import { EventNotifier, type EventNotifierHandle } from "../../sync/event_notifier.ts";
import { CONTEXT, REGISTRY } from "../../sync/layout.ts";
import { defaultRegistry } from "../../sync/registry.ts";
import { currentThreadId, currentThreadName } from "../../sync/thread_id.ts";
import { aioWaitKick, aioWaitWhile } from "../aio_wait.ts";
import { ClockType, Scale } from "../clock.ts";
import { type AioContextHandle, RemoteAioContext } from "../context_handle.ts";
import { registerHandler } from "../handler_ref.ts";
import { qemuAioWait, qemuBhNew, timerNewMs } from "../legacy.ts";
import {
  bqlLock,
  bqlLocked,
  bqlUnlock,
  currentAioContext,
  getMainAioContext,
} from "../main_loop.ts";
import { vcpuStopRequested } from "../vcpu_thread.ts";
import { currentRole, getCurrentAioContext } from "../thread_state.ts";
import { HANDLER_ID } from "../handler_ids.ts";

/** Handler id that throws when run (registered by {@link registerTestHandlers}). */
export const THROWING_HANDLER: number = HANDLER_ID.TEST_THROW;
/**
 * Handler id that records its arguments in the `record` buffer: [0] calls,
 * [1..3] the arguments of the last call, [4] the thread it ran in
 * (registered by {@link registerTestHandlers}).
 */
export const RECORD_HANDLER: number = HANDLER_ID.TEST_RECORD;

/**
 * Registers THROWING_HANDLER and RECORD_HANDLER in the calling thread;
 * RECORD_HANDLER writes into `record` (it does nothing without one). Run it
 * in the thread that dispatches them, at setup.
 */
export function registerTestHandlers(record?: SharedArrayBuffer): boolean {
  const r = record === undefined ? null : new Int32Array(record);
  registerHandler(THROWING_HANDLER, function explode(a0: number) {
    throw new Error(`exploded with ${a0}`);
  });
  registerHandler(RECORD_HANDLER, function recordArgs(a0: number, a1: number, a2: number) {
    if (r === null) return;
    r[0]++;
    r[1] = a0;
    r[2] = a1;
    r[3] = a2;
    r[4] = currentThreadId();
    // Publishes [1..4]: pairs with the test's Atomics.load / waitAsync of [0].
    Atomics.notify(r, 0);
  });
  return true;
}

/** Who am I: thread id, name, role, context name and poll parameters. */
export function whoAmI(): Record<string, unknown> {
  const ctx = getCurrentAioContext();
  return {
    threadId: currentThreadId(),
    threadName: currentThreadName(),
    role: currentRole(),
    ctx: ctx?.name ?? null,
    pollParams: ctx?.pollParams() ?? null,
    bqlLocked: bqlLocked(),
  };
}

/** Adds two numbers (a trivial handler). */
export function add(a: number, b: number): number {
  return a + b;
}

/** Throws a recognisable error. */
export function fail(message: string): never {
  throw new TypeError(message);
}

/** Resolves after a macrotask (an async handler). */
export async function later(v: string): Promise<string> {
  await new Promise((r) => setTimeout(r, 1));
  return `later:${v}`;
}

/**
 * Throws from a timer callback outside any handler (an uncaught error in the
 * Worker). Returns a promise, so the thread runs its JavaScript event loop
 * (where the timer fires) while the handler is pending.
 */
export function throwUncaughtSoon(): Promise<boolean> {
  setTimeout(() => {
    throw new Error("uncaught in a setTimeout");
  }, 0);
  return new Promise((resolve) => setTimeout(() => resolve(true), 50));
}

/** Schedules RECORD_HANDLER(a0, a1, a2) into another context (IOThread → IOThread). */
export function scheduleInto(
  target: AioContextHandle,
  a0: number,
  a1: number,
  a2: number,
): boolean {
  RemoteAioContext.fromHandle(target).scheduleOneshot(RECORD_HANDLER, a0, a1, a2);
  return true;
}

/** Legacy helpers: exercise each; returns the message of the first error or "ok". */
export function useLegacyHelpers(): string {
  try {
    let ran = 0;
    const bh = qemuBhNew(() => ran++);
    bh.schedule();
    qemuAioWait();
    bh.delete();
    const t = timerNewMs(ClockType.REALTIME, () => ran++);
    t.mod(0);
    qemuAioWait();
    t.del();
    return ran === 2 ? "ok" : `ran ${ran}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Name of the main context as this thread sees it. */
export function mainContextName(): string {
  return getMainAioContext().name;
}

/** Tries to wait on another context from this thread; returns the error message or "waited". */
export function waitOn(target: AioContextHandle): string {
  try {
    let done = false;
    getCurrentAioContext()!.scheduleOneshot(() => (done = true));
    return aioWaitWhile(RemoteAioContext.fromHandle(target), () => !done) ? "waited" : "no wait";
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * In the main loop: optionally acquire `target`, then aioWaitWhile(target,
 * flag == 0). Another thread sets the flag (acquiring `target` first when
 * `acquire` is set) and calls aioWaitKick. Returns whether it polled.
 */
export function mainWaitForFlag(
  target: AioContextHandle,
  flagSab: SharedArrayBuffer,
  acquire: boolean,
): boolean {
  const r = RemoteAioContext.fromHandle(target);
  const flag = new Int32Array(flagSab);
  if (acquire) r.acquire();
  try {
    Atomics.store(flag, 1, 1); // "I am about to wait"
    Atomics.notify(flag, 1);
    return aioWaitWhile(r, () => Atomics.load(flag, 0) === 0);
  } finally {
    if (acquire) r.release();
  }
}

/** In another thread: wait until the waiter announced itself, then set the flag and kick. */
export function setFlagAndKick(
  target: AioContextHandle,
  flagSab: SharedArrayBuffer,
  acquire: boolean,
): boolean {
  const flag = new Int32Array(flagSab);
  while (Atomics.load(flag, 1) === 0) Atomics.wait(flag, 1, 0, 10);
  if (!acquire) {
    // Be sure the main loop is really waiting (inside aioWaitWhile and
    // asleep in its poll), so that the wait has to be ended by our kick.
    const reg = defaultRegistry();
    const main = getMainAioContext();
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (
      Atomics.load(reg.words, REGISTRY.WAITERS) === 0 ||
      Atomics.load(reg.words, reg.contextBase(main.id) + CONTEXT.NOTIFY_ME) === 0
    ) Atomics.wait(nap, 0, 0, 1);
  }
  const r = RemoteAioContext.fromHandle(target);
  if (acquire) r.acquire(); // blocks unless the waiter released it around its poll
  Atomics.store(flag, 0, 1);
  if (acquire) r.release();
  aioWaitKick();
  return true;
}

/** Creates a BH in this thread's context and leaves it alive (a leak at stop). */
export function leakBh(): boolean {
  getCurrentAioContext()!.bhNew(() => {}, undefined, { name: "leaky-bh" });
  return true;
}

/** Busy for `ms` milliseconds while holding nothing (simulates a slow handler). */
export function busy(ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
}

/** Registers an event notifier handler that counts into `sab[0]`. */
export function countNotifier(h: EventNotifierHandle, sab: SharedArrayBuffer): boolean {
  const n = EventNotifier.fromHandle(h);
  const c = new Int32Array(sab);
  getCurrentAioContext()!.setEventNotifier(n, (x) => {
    x.testAndClear();
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
  });
  return true;
}

/** Removes the handler registered by countNotifier. */
export function uncountNotifier(h: EventNotifierHandle): boolean {
  getCurrentAioContext()!.setEventNotifier(EventNotifier.fromHandle(h), null);
  return true;
}

/** Arms a REALTIME ms timer that counts into `sab[0]` after `ms`. */
export function timerCount(sab: SharedArrayBuffer, ms: number): boolean {
  const ctx = getCurrentAioContext()!;
  const c = new Int32Array(sab);
  const t = ctx.timerNew(ClockType.REALTIME, Scale.MS, () => {
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
  });
  t.mod(ctx.clocks.now(ClockType.REALTIME) / 1e6 + ms);
  return true;
}

let echoConn: Deno.TcpConn | null = null;

/**
 * Connects to 127.0.0.1:`port` and echoes back, upper-cased, every chunk
 * read, through host-I/O handlers of this thread's context (so the thread
 * waits in Atomics.waitAsync raced with the socket).
 */
export async function hostEcho(port: number): Promise<boolean> {
  const ctx = getCurrentAioContext()!;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  echoConn = conn;
  const pending: Uint8Array[] = [];
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const update = (): void => {
    ctx.setHostIoHandler(conn, {
      read: (data) => {
        if (data === null) return;
        pending.push(enc.encode(dec.decode(data).toUpperCase()));
        update();
      },
      write: pending.length > 0
        ? () => {
          const out = pending.shift() ?? null;
          if (pending.length === 0) queueMicrotask(update);
          return out;
        }
        : undefined,
    });
  };
  update();
  return true;
}

/** Removes the echo handler and closes its connection. */
export function hostEchoClose(): boolean {
  if (echoConn !== null) {
    getCurrentAioContext()!.setHostIoHandler(echoConn, null);
    echoConn.close();
    echoConn = null;
  }
  return true;
}

/** In a vCPU: identity, and the current context without and with the BQL. */
export function vcpuWhoAmI(): Record<string, unknown> {
  const unlocked = currentAioContext()?.name ?? null;
  bqlLock();
  const locked = currentAioContext()?.name ?? null;
  const lockedHeld = bqlLocked();
  bqlUnlock();
  return {
    threadId: currentThreadId(),
    threadName: currentThreadName(),
    role: currentRole(),
    own: getCurrentAioContext()?.name ?? null,
    unlocked,
    locked,
    lockedHeld,
    stopRequested: vcpuStopRequested(),
  };
}

/**
 * Guest code in a vCPU: counts rounds in word 0 of `sab` (notifying it)
 * until the vCPU is asked to stop; returns the count.
 */
export function vcpuSpinUntilStopped(sab: SharedArrayBuffer): number {
  const a = new Int32Array(sab);
  while (!vcpuStopRequested()) {
    Atomics.add(a, 0, 1);
    Atomics.notify(a, 0);
    Atomics.wait(a, 1, 0, 1);
  }
  return Atomics.load(a, 0);
}

/** Guest code in a vCPU: a device kick, i.e. a oneshot RECORD_HANDLER into context `h`. */
export function vcpuKick(h: AioContextHandle, a0: number): boolean {
  new RemoteAioContext(h).scheduleOneshot(RECORD_HANDLER, a0, 0, 0);
  return true;
}

/**
 * A handler whose promise never settles: sets word 0 of `sab` to 1 (and
 * notifies it) once it runs, then returns a promise nothing resolves.
 */
export function neverSettles(sab: SharedArrayBuffer): Promise<never> {
  const a = new Int32Array(sab);
  Atomics.store(a, 0, 1);
  Atomics.notify(a, 0);
  return new Promise<never>(() => {});
}

/**
 * A handler that does not return while word 1 of `sab` is 0 (a synchronous
 * loop that never yields, as far as the thread can tell): sets word 0 to 1
 * once it runs, then spins on word 1 without waiting. The test releases it
 * by storing 1 in word 1, so that its Worker can end (Deno cannot end a
 * Worker that runs synchronous code).
 */
export function spinUntilReleased(sab: SharedArrayBuffer): number {
  const a = new Int32Array(sab);
  Atomics.store(a, 0, 1);
  Atomics.notify(a, 0);
  let n = 0;
  // Pairs with the test's Atomics.store(1) releasing the handler.
  while (Atomics.load(a, 1) === 0) n++;
  return n;
}
