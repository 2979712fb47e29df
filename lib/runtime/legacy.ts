/**
 * Legacy main-loop helpers, made checkable. The seed document
 * (docs/devel/multiple-iothreads.txt) says the old APIs that implicitly use
 * the main loop — qemu_bh_new, timer_new_ms, qemu_aio_set_fd_handler,
 * qemu_aio_wait — must not be used from IOThreads. Here they throw a clear
 * error when called from an IOThread, or from any thread that does not hold
 * the BQL, or outside the main-loop thread (whose context objects are the
 * only ones they can reach).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qemuBhNew } from "./legacy.ts";
 * import { bqlLock, bqlUnlock } from "./main_loop.ts";
 * assert.throws(() => qemuBhNew(() => {}), /without the BQL by thread 0 \(orchestrator\)/);
 * bqlLock();
 * assert.throws(() => qemuBhNew(() => {}), /not the main-loop thread/);
 * bqlUnlock();
 * ```
 *
 * @module
 */

import type { EventNotifier } from "../sync/event_notifier.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import type { AioContext, NotifierReadHandler } from "./aio_context.ts";
import type { BhCallback, BottomHalf } from "./bottom_half.ts";
import { type ClockType, Scale } from "./clock.ts";
import { currentRole, getCurrentAioContext } from "./thread_state.ts";
import type { Timer, TimerCallback } from "./timer.ts";

function mainContextForLegacy(what: string): AioContext {
  const role = currentRole();
  const who = `thread ${currentThreadId()} (${currentThreadName()})`;
  if (role === "iothread") {
    throw new Error(
      `${what} called from IOThread ${who}: legacy helpers use the main loop implicitly and ` +
        `must not be used from IOThreads (docs/devel/multiple-iothreads.txt); use the ` +
        `IOThread's own context (getCurrentAioContext()) instead`,
    );
  }
  if (!defaultRegistry().bql.heldByMe()) {
    throw new Error(`${what} called without the BQL by ${who}: take bqlLock() first`);
  }
  const ctx = getCurrentAioContext();
  if (role !== "main-loop" || ctx === null) {
    throw new Error(
      `${what} called from ${who}, which is not the main-loop thread: the main context's ` +
        `objects live there; use getMainAioContext().scheduleOneshot(...) instead`,
    );
  }
  return ctx;
}

/**
 * qemu_bh_new: a BH in the main context. Main-loop thread with the BQL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { bqlLock, bqlUnlock } from "./main_loop.ts";
 * import { setCurrentAioContext } from "./thread_state.ts";
 * import { qemuBhNew } from "./legacy.ts";
 * // The main-loop thread's start, as MainLoop.create runs it in its Worker (a
 * // doc test is a fresh thread too): its context, then the BQL.
 * const main = new AioContext({ name: "main" });
 * setCurrentAioContext("main-loop", main);
 * bqlLock();
 * let ran = 0;
 * const bh = qemuBhNew(() => ran++);
 * bh.schedule();
 * assert.equal(main.poll(false), true);
 * assert.equal(ran, 1);
 * bh.delete();
 * bqlUnlock();
 * main.destroy();
 * ```
 */
export function qemuBhNew(cb: BhCallback, opaque?: unknown): BottomHalf {
  return mainContextForLegacy("qemuBhNew").bhNew(cb, opaque);
}

/**
 * timer_new_ns / _us / _ms: a timer in the main context with the given
 * scale. Main-loop thread with the BQL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { bqlLock, bqlUnlock } from "./main_loop.ts";
 * import { setCurrentAioContext } from "./thread_state.ts";
 * import { ClockType, Scale } from "./clock.ts";
 * import { timerNew } from "./legacy.ts";
 * // The main-loop thread's start, as MainLoop.create runs it in its Worker (a
 * // doc test is a fresh thread too): its context, then the BQL.
 * const main = new AioContext({ name: "main" });
 * setCurrentAioContext("main-loop", main);
 * bqlLock();
 * let ran = 0;
 * const t = timerNew(ClockType.REALTIME, Scale.MS, () => ran++);
 * t.mod(0); // due at once
 * assert.equal(main.poll(false), true);
 * assert.equal(ran, 1);
 * bqlUnlock();
 * main.destroy();
 * ```
 */
export function timerNew(
  type: ClockType,
  scale: Scale,
  cb: TimerCallback,
  opaque?: unknown,
): Timer {
  return mainContextForLegacy("timerNew").timerNew(type, scale, cb, opaque);
}

/**
 * timer_new_ms: {@link timerNew} with millisecond scale. Main-loop thread
 * with the BQL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { bqlLock, bqlUnlock } from "./main_loop.ts";
 * import { setCurrentAioContext } from "./thread_state.ts";
 * import { ClockType } from "./clock.ts";
 * import { timerNewMs } from "./legacy.ts";
 * // The main-loop thread's start, as MainLoop.create runs it in its Worker (a
 * // doc test is a fresh thread too): its context, then the BQL.
 * const main = new AioContext({ name: "main" });
 * setCurrentAioContext("main-loop", main);
 * bqlLock();
 * const t = timerNewMs(ClockType.REALTIME, () => {});
 * t.mod(5_000);
 * assert.equal(main.timers.armed, 1);
 * t.del();
 * bqlUnlock();
 * main.destroy();
 * ```
 */
export function timerNewMs(type: ClockType, cb: TimerCallback, opaque?: unknown): Timer {
  return mainContextForLegacy("timerNewMs").timerNew(type, Scale.MS, cb, opaque);
}

/**
 * qemu_aio_set_fd_handler / qemu_aio_set_event_notifier: register a
 * notifier handler in the main context. Main-loop thread with the BQL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { bqlLock, bqlUnlock } from "./main_loop.ts";
 * import { setCurrentAioContext } from "./thread_state.ts";
 * import { EventNotifier } from "../sync/event_notifier.ts";
 * import { qemuAioSetEventNotifier } from "./legacy.ts";
 * // The main-loop thread's start, as MainLoop.create runs it in its Worker (a
 * // doc test is a fresh thread too): its context, then the BQL.
 * const main = new AioContext({ name: "main" });
 * setCurrentAioContext("main-loop", main);
 * bqlLock();
 * const e = new EventNotifier();
 * let reads = 0;
 * qemuAioSetEventNotifier(e, (n) => {
 *   n.testAndClear();
 *   reads++;
 * });
 * e.set();
 * assert.equal(main.poll(false), true);
 * assert.equal(reads, 1);
 * qemuAioSetEventNotifier(e, null);
 * bqlUnlock();
 * main.destroy();
 * ```
 */
export function qemuAioSetEventNotifier(
  notifier: EventNotifier,
  read: NotifierReadHandler | null,
): void {
  mainContextForLegacy("qemuAioSetEventNotifier").setEventNotifier(notifier, read);
}

/**
 * qemu_aio_wait: one blocking iteration of the main context. Main-loop
 * thread with the BQL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { bqlLock, bqlUnlock } from "./main_loop.ts";
 * import { setCurrentAioContext } from "./thread_state.ts";
 * import { qemuAioWait } from "./legacy.ts";
 * // The main-loop thread's start, as MainLoop.create runs it in its Worker (a
 * // doc test is a fresh thread too): its context, then the BQL.
 * const main = new AioContext({ name: "main" });
 * setCurrentAioContext("main-loop", main);
 * bqlLock();
 * let ran = false;
 * main.scheduleOneshot(() => (ran = true));
 * assert.equal(qemuAioWait(), true); // blocks until there is progress: here at once
 * assert.equal(ran, true);
 * bqlUnlock();
 * main.destroy();
 * ```
 */
export function qemuAioWait(): boolean {
  return mainContextForLegacy("qemuAioWait").poll(true);
}
