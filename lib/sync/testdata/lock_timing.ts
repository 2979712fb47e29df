// Test fixtures for lock_timing_test.ts: functions that run inside real
// Workers (via runInThread), install this thread's lock timing sink and
// drive a shared Mutex.

import { setLockTimingSink } from "../lock_timing.ts";
import type { MutexHandle } from "../mutex.ts";
import { currentThreadId } from "../thread_id.ts";
import type { BarrierHandle } from "../../testing/barrier.ts";
import { hammer, holdUntilContended } from "./mutex.ts";

/** What one thread's sink received. */
export interface SinkTally {
  /** The thread's id. */
  threadId: number;
  /** Waits received. */
  waits: number;
  /** Holds received. */
  holds: number;
  /** Sum of the waits, ns (in the order they came). */
  waitSumNs: number;
  /** Sum of the holds, ns. */
  holdSumNs: number;
  /** Waits above 0. */
  nonZeroWaits: number;
}

/** A sink that tallies into `t`. */
export function tallySink(t: SinkTally): Parameters<typeof setLockTimingSink>[1] {
  return {
    wait: {
      record: (ns) => {
        t.waits++;
        t.waitSumNs += ns;
        if (ns > 0) t.nonZeroWaits++;
      },
    },
    hold: {
      record: (ns) => {
        t.holds++;
        t.holdSumNs += ns;
      },
    },
  };
}

/** An empty tally for this thread. */
export function newTally(): SinkTally {
  return {
    threadId: currentThreadId(),
    waits: 0,
    holds: 0,
    waitSumNs: 0,
    holdSumNs: 0,
    nonZeroWaits: 0,
  };
}

/** `hammer` with this thread's sink installed for `slot`; returns the tally. */
export function timedHammer(
  h: MutexHandle,
  sync: SharedArrayBuffer,
  start: BarrierHandle,
  n: number,
  slot: number,
): SinkTally {
  const t = newTally();
  setLockTimingSink(slot, tallySink(t));
  try {
    hammer(h, sync, start, n);
  } finally {
    setLockTimingSink(slot, null);
  }
  return t;
}

/** `holdUntilContended` with this thread's sink installed for `slot`; returns the tally. */
export function timedHoldUntilContended(
  h: MutexHandle,
  sync: SharedArrayBuffer,
  slot: number,
): SinkTally {
  const t = newTally();
  setLockTimingSink(slot, tallySink(t));
  try {
    holdUntilContended(h, sync);
  } finally {
    setLockTimingSink(slot, null);
  }
  return t;
}
