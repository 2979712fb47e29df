/**
 * Installs, in the calling thread, the lock timing sinks of its share of
 * a machine plan's {@link LockTimingPlan}: for each measured lock, this
 * thread's wait and hold histograms. Called by each context thread
 * (context_probe.ts) and each vCPU (vcpu_guest.ts) at start, removed at
 * the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { installLockSinks, removeLockSinks } from "./lock_sinks.ts";
 * import { Mutex } from "../sync/mutex.ts";
 * import { SharedHistogram } from "../measure/histogram.ts";
 * const wait = new SharedHistogram();
 * const hold = new SharedHistogram();
 * const locks = [{ name: "l", slot: 40, context: null }];
 * installLockSinks(locks, [{ wait: wait.handle, hold: hold.handle }]);
 * const m = new Mutex({ stats: true });
 * m.setTimingSlot(40);
 * m.lock();
 * m.unlock();
 * removeLockSinks(locks);
 * assert.equal(wait.snapshot().totalCount, 0); // the lock was free: no wait to record
 * assert.equal(hold.snapshot().totalCount, 1);
 * ```
 *
 * @module
 */

import { setLockTimingSink } from "../sync/lock_timing.ts";
import { SharedHistogram } from "../measure/histogram.ts";
import type { LockHistograms, LockPlan } from "./machine_plan.ts";

/**
 * Installs this thread's sinks: lock `locks[i]` records into `hists[i]`.
 * The calling thread.
 *
 * @example
 * ```ts ignore
 * installLockSinks(plan.lockTiming.locks, plan.lockTiming.vcpus[index]);
 * ```
 */
export function installLockSinks(
  locks: readonly LockPlan[],
  hists: readonly LockHistograms[],
): void {
  if (hists.length !== locks.length) {
    throw new Error(`installLockSinks: ${locks.length} locks but ${hists.length} histogram pairs`);
  }
  locks.forEach((l, i) => {
    setLockTimingSink(l.slot, {
      wait: SharedHistogram.fromHandle(hists[i].wait),
      hold: SharedHistogram.fromHandle(hists[i].hold),
    });
  });
}

/**
 * Removes this thread's sinks of `locks`. The calling thread.
 *
 * @example
 * ```ts ignore
 * removeLockSinks(plan.lockTiming.locks);
 * ```
 */
export function removeLockSinks(locks: readonly LockPlan[]): void {
  for (const l of locks) setLockTimingSink(l.slot, null);
}
