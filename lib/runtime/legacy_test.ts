import assert from "node:assert/strict";
import { qemuAioSetEventNotifier, qemuAioWait, qemuBhNew, timerNew, timerNewMs } from "./legacy.ts";
import { bqlLock, bqlUnlock } from "./main_loop.ts";
import { ClockType, Scale } from "./clock.ts";
import { EventNotifier } from "../sync/event_notifier.ts";

// From the IOThread and from the main loop: see main_loop_test.ts and
// io_thread_test.ts (they need real threads). Here: the orchestrator.

Deno.test("legacy helpers: refused without the BQL, naming the thread", () => {
  const calls: [string, () => unknown][] = [
    ["qemuBhNew", () => qemuBhNew(() => {})],
    ["timerNew", () => timerNew(ClockType.REALTIME, Scale.NS, () => {})],
    ["timerNewMs", () => timerNewMs(ClockType.REALTIME, () => {})],
    ["qemuAioSetEventNotifier", () => qemuAioSetEventNotifier(new EventNotifier(), null)],
    ["qemuAioWait", () => qemuAioWait()],
  ];
  for (const [name, call] of calls) {
    assert.throws(
      call,
      new RegExp(`${name} called without the BQL by thread 0 \\(orchestrator\\)`),
    );
  }
});

Deno.test("legacy helpers: with the BQL but outside the main-loop thread, refused", () => {
  bqlLock();
  try {
    assert.throws(() => qemuBhNew(() => {}), /not the main-loop thread/);
  } finally {
    bqlUnlock();
  }
});
