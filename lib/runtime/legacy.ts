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
 * import { qemuBhNew } from "./legacy.ts";
 * try {
 *   qemuBhNew(() => {}); // the orchestrator is no main-loop thread
 * } catch (e) {
 *   console.log((e as Error).message);
 * }
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
 * ```ts ignore
 * import { qemuBhNew } from "./legacy.ts";
 * const bh = qemuBhNew(() => {}); // inside the main loop
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
 * ```ts ignore
 * import { timerNew } from "./legacy.ts";
 * import { ClockType, Scale } from "./clock.ts";
 * const t = timerNew(ClockType.REALTIME, Scale.MS, () => {});
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
 * ```ts ignore
 * import { timerNewMs } from "./legacy.ts";
 * import { ClockType } from "./clock.ts";
 * const t = timerNewMs(ClockType.REALTIME, () => {});
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
 * ```ts ignore
 * import { qemuAioSetEventNotifier } from "./legacy.ts";
 * qemuAioSetEventNotifier(notifier, (n) => n.testAndClear());
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
 * ```ts ignore
 * import { qemuAioWait } from "./legacy.ts";
 * qemuAioWait();
 * ```
 */
export function qemuAioWait(): boolean {
  return mainContextForLegacy("qemuAioWait").poll(true);
}
