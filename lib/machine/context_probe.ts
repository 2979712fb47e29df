/**
 * What every event-loop thread of a machine (the main loop and each
 * IOThread) runs at setup and teardown: it hosts every device (so that any
 * device can move there), stamps device stages on the run's shared time
 * base, times its context's sleeps through the context's wait hooks, and
 * runs the context's jitter probe: a periodic timer whose lateness goes
 * into the context's jitter histogram (cyclictest inside the event loop).
 * The same timer publishes the context's statistics (CTX_STAT) since the
 * last epoch restart, and restarts them when the orchestrator starts a new
 * epoch; so the statistics are as fresh as one probe period (10 ms when the
 * jitter probe is off).
 *
 * Every function here runs in the thread of the context it is given
 * (through `EventLoopThread.run`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONTEXT_PROBE_MODULE } from "./context_probe.ts";
 * assert.match(CONTEXT_PROBE_MODULE, /context_probe\.ts$/);
 * ```
 *
 * @module
 */

import { bqlLock, bqlUnlock } from "../runtime/main_loop.ts";
import { ClockType, Scale } from "../runtime/clock.ts";
import type { Timer } from "../runtime/timer.ts";
import { getCurrentAioContext } from "../runtime/thread_state.ts";
import { threadPoolFor } from "../runtime/thread_pool.ts";
import type { AioContext } from "../runtime/aio_context.ts";
import { SharedHistogram } from "../measure/histogram.ts";
import { TimeBase } from "../measure/time_base.ts";
import { CTX_STAT, MACHINE_CTL } from "./layout.ts";
import type { LockPlan, MachinePlan } from "./machine_plan.ts";
import { installLockSinks, removeLockSinks } from "./lock_sinks.ts";
import {
  hostVirtioBlk,
  registerVirtioBlkHandlers,
  setVirtioBlkStampClock,
  virtioBlkAttachQueues,
  virtioBlkDetachQueues,
} from "./virtio_blk.ts";

/** This module's URL (for `${CONTEXT_PROBE_MODULE}#probeStart` and the others). */
export const CONTEXT_PROBE_MODULE: string = import.meta.url;

/** Period of the statistics timer when the jitter probe is off, ns. */
const STATS_PERIOD_NS = 10e6;

/** The probe of this thread's context (this thread only). */
interface Probe {
  readonly ctx: AioContext;
  readonly main: boolean;
  readonly stats: Float64Array;
  readonly ctl: Int32Array;
  readonly timer: Timer;
  readonly attached: { device: number; queues: number[] }[];
  readonly fileDevices: boolean;
  epoch: number;
  base: {
    at: number;
    sleep: number;
    poll: number;
    polls: number;
    progress: number;
    waits: number;
    hits: number;
  };
  sleepNs: number;
}

let probe: Probe | null = null;
/** The locks whose sinks probeStart installed in this thread. */
let lockSinksOf: readonly LockPlan[] = [];

function raw(p: Probe, now: number) {
  const s = p.ctx.stats();
  return {
    at: now,
    sleep: p.sleepNs,
    poll: s.pollTotalNs,
    polls: s.polls,
    progress: s.progress,
    waits: s.blockingWaits,
    hits: s.pollHits,
  };
}

function publish(p: Probe, now: number): void {
  // Pairs with the orchestrator's Atomics.add(EPOCH): a new epoch restarts the figures.
  const e = Atomics.load(p.ctl, MACHINE_CTL.EPOCH);
  if (e !== p.epoch) {
    p.epoch = e;
    p.base = raw(p, now);
  }
  const r = raw(p, now);
  const s = p.stats;
  s[CTX_STAT.ELAPSED_NS] = r.at - p.base.at;
  s[CTX_STAT.SLEEP_NS] = r.sleep - p.base.sleep;
  s[CTX_STAT.POLL_NS] = r.poll - p.base.poll;
  s[CTX_STAT.POLLS] = r.polls - p.base.polls;
  s[CTX_STAT.PROGRESS] = r.progress - p.base.progress;
  s[CTX_STAT.WAITS] = r.waits - p.base.waits;
  s[CTX_STAT.POLL_HITS] = r.hits - p.base.hits;
  s[CTX_STAT.HEARTBEAT]++;
}

/**
 * Sets up this thread for the machine: time base, devices, sleep timing,
 * jitter probe and statistics for context `ctxIndex` of the plan. The
 * context's thread.
 *
 * @example
 * ```ts ignore
 * await iothread.run(`${CONTEXT_PROBE_MODULE}#probeStart`, plan, 1);
 * ```
 */
export function probeStart(plan: MachinePlan, ctxIndex: number): boolean {
  const ctx = getCurrentAioContext();
  if (ctx === null) {
    throw new Error("probeStart: run it in an event-loop thread (main loop or IOThread)");
  }
  if (probe !== null) throw new Error(`probeStart: context ${ctx.name} already has a probe`);
  const tb = TimeBase.attach(plan.timeBase!);
  setVirtioBlkStampClock(() => tb.now());
  registerVirtioBlkHandlers();
  for (const d of plan.devices) hostVirtioBlk(d.handle);
  const cp = plan.contexts[ctxIndex];
  const main = cp.id === "main";
  installLockSinks(plan.lockTiming.locks, plan.lockTiming.contexts[ctxIndex]);
  const jitter = SharedHistogram.fromHandle(cp.jitter);
  const period = cp.jitterPeriodNs > 0 ? cp.jitterPeriodNs : STATS_PERIOD_NS;
  const clocks = ctx.clocks;
  let expected = clocks.now(ClockType.REALTIME) + period;
  const timer = ctx.timerNew(
    ClockType.REALTIME,
    Scale.NS,
    () => {
      const now = clocks.now(ClockType.REALTIME);
      if (cp.jitterPeriodNs > 0) jitter.record(now - expected);
      expected += period;
      if (expected <= now) expected = now + period; // late by more than a period: skip ahead
      timer.modNs(expected);
      publish(p, now);
    },
    undefined,
    "jitter-probe",
  );
  const p: Probe = {
    ctx,
    main,
    stats: new Float64Array(plan.ctxStat, ctxIndex * CTX_STAT.WORDS * 8, CTX_STAT.WORDS),
    ctl: new Int32Array(plan.ctl),
    timer,
    attached: [],
    fileDevices: plan.devices.some((d) => d.handle.driver.kind === "file"),
    epoch: -1,
    base: { at: 0, sleep: 0, poll: 0, polls: 0, progress: 0, waits: 0, hits: 0 },
    sleepNs: 0,
  };
  probe = p;
  lockSinksOf = plan.lockTiming.locks;
  let slept = 0;
  // Sleep timing: the context's wait hooks (the main loop's also drop and
  // retake the BQL, as main_loop_wait does; the time to retake it is not sleep).
  ctx.setWaitHooks(
    () => {
      slept = clocks.now(ClockType.REALTIME);
      if (main) bqlUnlock();
    },
    () => {
      p.sleepNs += clocks.now(ClockType.REALTIME) - slept;
      if (main) bqlLock();
    },
    main,
  );
  timer.modNs(expected);
  publish(p, clocks.now(ClockType.REALTIME));
  return true;
}

/**
 * Attaches queues `queues` of device `device` in this thread's context (a
 * device whose queues are spread over several contexts). The context's thread.
 *
 * @example
 * ```ts ignore
 * await iothread.run(`${CONTEXT_PROBE_MODULE}#probeAttachQueues`, plan, 0, [1]);
 * ```
 */
export function probeAttachQueues(plan: MachinePlan, device: number, queues: number[]): boolean {
  const p = probeOrThrow("probeAttachQueues");
  virtioBlkAttachQueues(plan.devices[device].handle.id, p.ctx.id, queues);
  p.attached.push({ device, queues });
  return true;
}

/**
 * Detaches queues this thread attached (the orchestrator drains first:
 * the vCPUs have stopped and nothing is in flight). The context's thread.
 *
 * @example
 * ```ts ignore
 * await iothread.run(`${CONTEXT_PROBE_MODULE}#probeDetachQueues`, plan);
 * ```
 */
export function probeDetachQueues(plan: MachinePlan): boolean {
  const p = probeOrThrow("probeDetachQueues");
  for (const a of p.attached.splice(0)) {
    virtioBlkDetachQueues(plan.devices[a.device].handle.id, a.queues);
  }
  return true;
}

/**
 * Publishes the final statistics, stops the probe, restores the wait hooks
 * and shuts the context's thread pool down if a file driver used it. The
 * context's thread.
 *
 * @example
 * ```ts ignore
 * await iothread.run(`${CONTEXT_PROBE_MODULE}#probeStop`);
 * ```
 */
export async function probeStop(): Promise<boolean> {
  const p = probeOrThrow("probeStop");
  publish(p, p.ctx.clocks.now(ClockType.REALTIME));
  p.timer.del();
  p.timer.deinit();
  if (p.main) p.ctx.setWaitHooks(() => bqlUnlock(), () => bqlLock(), true);
  else p.ctx.setWaitHooks(() => {}, () => {}, false);
  probe = null;
  removeLockSinks(lockSinksOf);
  lockSinksOf = [];
  if (p.fileDevices) await threadPoolFor(p.ctx).destroy();
  return true;
}

/**
 * Publishes the statistics now (so that the orchestrator reads figures of
 * this moment). The context's thread.
 *
 * @example
 * ```ts ignore
 * await iothread.run(`${CONTEXT_PROBE_MODULE}#probePublish`);
 * ```
 */
export function probePublish(): boolean {
  const p = probeOrThrow("probePublish");
  publish(p, p.ctx.clocks.now(ClockType.REALTIME));
  return true;
}

function probeOrThrow(what: string): Probe {
  if (probe === null) {
    throw new Error(`${what}: this thread has no machine probe; run probeStart(plan, index) first`);
  }
  return probe;
}
