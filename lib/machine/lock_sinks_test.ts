import assert from "node:assert/strict";
import { installLockSinks, removeLockSinks } from "./lock_sinks.ts";
import { lockTimingSink } from "../sync/lock_timing.ts";
import { Mutex } from "../sync/mutex.ts";
import { SharedHistogram } from "../measure/histogram.ts";

Deno.test("lock sinks: each lock records into its own pair; removal stops recording", () => {
  const locks = [{ name: "a", slot: 41, context: null }, { name: "b", slot: 42, context: "x" }];
  const h = locks.map(() => ({ wait: new SharedHistogram(), hold: new SharedHistogram() }));
  assert.throws(() => installLockSinks(locks, []), /2 locks but 0 histogram pairs/);
  installLockSinks(locks, h.map((p) => ({ wait: p.wait.handle, hold: p.hold.handle })));
  const a = new Mutex({ stats: true });
  a.setTimingSlot(41);
  const b = new Mutex({ stats: true });
  b.setTimingSlot(42);
  a.lock();
  a.unlock();
  b.lock();
  b.unlock();
  b.lock();
  b.unlock();
  removeLockSinks(locks);
  assert.equal(lockTimingSink(41), null);
  a.lock();
  a.unlock();
  // Uncontended: holds only (a free lock's wait is 0, counted by the statistics).
  assert.deepEqual(h.map((p) => [p.wait.snapshot().totalCount, p.hold.snapshot().totalCount]), [
    [0, 1],
    [0, 2],
  ]);
});
