/**
 * The main loop's chores, as timers of the main context (so they run in
 * the main-loop thread under the BQL, which the main loop holds while it
 * dispatches): a VNC-like frame job, a QMP-like monitor command stream, a
 * BQL hog (a long monitor command such as pmemsave), extra timers, and for
 * the `tcg` model the interrupt injection (the main loop reads each
 * device's guest notifier and raises the queue's interrupt line under the
 * BQL, as QEMU's virtio_queue_guest_notifier_read does without irqfd).
 *
 * Periodic chores keep a fixed rate (each run is due one period after the
 * previous due time; a chore late by more than a period skips ahead). QMP
 * commands arrive as a Poisson process (seeded). Seed-era locking: a
 * command takes the AioContext lock of the device it touches; with
 * `drainFraction` it also drains the device (the wait releases that lock,
 * as AIO_WAIT_WHILE does). The main loop holds the BQL while it runs them, so
 * they show in its holds of the BQL (the lock's own timing, per thread).
 *
 * Every function here runs in the main-loop thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAIN_LOOP_CHORES_MODULE } from "./main_loop_chores.ts";
 * assert.match(MAIN_LOOP_CHORES_MODULE, /main_loop_chores\.ts$/);
 * ```
 *
 * @module
 */

import { EventNotifier } from "../sync/event_notifier.ts";
import { ClockType, Scale } from "../runtime/clock.ts";
import type { Timer } from "../runtime/timer.ts";
import { getCurrentAioContext } from "../runtime/thread_state.ts";
import type { MachinePlan } from "./machine_plan.ts";
import { graphDeviceContext, graphDrain } from "./machine_graph.ts";
import { Prng } from "./prng.ts";
import { spinUntil } from "./_spin.ts";

/** This module's URL (for `${MAIN_LOOP_CHORES_MODULE}#choresStart` and `#choresStop`). */
export const MAIN_LOOP_CHORES_MODULE: string = import.meta.url;

/** Counters of the chores (the main-loop thread). */
export interface ChoreCounts {
  /** VNC-like frames rendered. */
  frames: number;
  /** Monitor commands run. */
  qmp: number;
  /** Monitor commands that drained their device. */
  qmpDrains: number;
  /** BQL hog holds. */
  hogs: number;
  /** Extra timer runs. */
  timers: number;
  /** tcg interrupts injected. */
  injected: number;
}

interface Chores {
  readonly timers: Timer[];
  readonly notifiers: EventNotifier[];
  readonly counts: ChoreCounts;
}

let chores: Chores | null = null;

const nowNs = (): number => performance.now() * 1e6;

/** Spins for `ns` on the thread's clock; returns the time spent. */
function spin(ns: number): number {
  const t0 = nowNs();
  return spinUntil(nowNs, t0 + ns) - t0;
}

/**
 * Starts the plan's chores in the main context. Main loop (a run() call),
 * after graphSetup.
 *
 * @example
 * ```ts ignore
 * await mainLoop.run(`${MAIN_LOOP_CHORES_MODULE}#choresStart`, plan);
 * ```
 */
export function choresStart(plan: MachinePlan): boolean {
  const ctx = getCurrentAioContext()!;
  if (chores !== null) throw new Error("choresStart: the chores already run");
  const counts: ChoreCounts = { frames: 0, qmp: 0, qmpDrains: 0, hogs: 0, timers: 0, injected: 0 };
  const c: Chores = { timers: [], notifiers: [], counts };
  const now = (): number => ctx.clocks.now(ClockType.REALTIME);
  /** A timer that runs `fn` at due times from `nextDue` (it returns the next due time). */
  const every = (name: string, first: number, fn: (due: number) => number): void => {
    let due = first;
    const t = ctx.timerNew(
      ClockType.REALTIME,
      Scale.NS,
      () => {
        const next = fn(due);
        const n = now();
        due = next > n ? next : n + (next - due);
        t.modNs(due);
      },
      undefined,
      name,
    );
    t.modNs(due);
    c.timers.push(t);
  };
  const ml = plan.mainLoop;
  const start = now();
  if (ml.vnc !== null && ml.vnc.period > 0) {
    const { period, work } = ml.vnc;
    every("vnc-frame", start + period, (due) => {
      spin(work);
      counts.frames++;
      return due + period;
    });
  }
  if (ml.bqlHog !== null && ml.bqlHog.hold > 0 && ml.bqlHog.every > 0) {
    const { hold: h, every: e } = ml.bqlHog;
    every("bql-hog", start + e, (due) => {
      spin(h);
      counts.hogs++;
      return due + e;
    });
  }
  ml.timers.forEach((tm, i) => {
    if (tm.period <= 0) return;
    every(`timer${i}`, start + tm.period, (due) => {
      spin(tm.work);
      counts.timers++;
      return due + tm.period;
    });
  });
  if (ml.qmp !== null && ml.qmp.rate > 0 && plan.devices.length > 0) {
    const { rate, work, drainFraction } = ml.qmp;
    const draws = new Prng(plan.seed, 0x50000);
    const mean = 1e9 / rate;
    let device = 0;
    every("qmp", start + draws.exponential(mean), (due) => {
      const d = device;
      device = (device + 1) % plan.devices.length;
      const seed = plan.locking === "seed";
      const lock = seed ? graphDeviceContext(plan, d) : null;
      lock?.acquire();
      try {
        spin(work);
        if (draws.next() < drainFraction) {
          graphDrain(d);
          counts.qmpDrains++;
        }
      } finally {
        lock?.release();
      }
      counts.qmp++;
      return due + draws.exponential(mean);
    });
  }
  if (plan.accel === "tcg") {
    for (const q of plan.queues) {
      const irq = EventNotifier.fromHandle(plan.devices[q.device].handle.queues[q.queue].irq);
      const line = EventNotifier.fromHandle(q.irqLine);
      ctx.setEventNotifier(irq, (n) => {
        if (n.testAndClear()) {
          line.set();
          counts.injected++;
        }
      });
      c.notifiers.push(irq);
    }
  }
  chores = c;
  return true;
}

/**
 * Stops the chores; returns their counts. Main loop.
 *
 * @example
 * ```ts ignore
 * const counts = await mainLoop.run(`${MAIN_LOOP_CHORES_MODULE}#choresStop`);
 * ```
 */
export function choresStop(): ChoreCounts {
  const c = chores;
  if (c === null) throw new Error("choresStop: no chores run (choresStart first)");
  const ctx = getCurrentAioContext()!;
  for (const t of c.timers) {
    t.del();
    t.deinit();
  }
  for (const n of c.notifiers) ctx.setEventNotifier(n, null);
  chores = null;
  return c.counts;
}
