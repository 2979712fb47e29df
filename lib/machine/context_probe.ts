/**
 * What every event-loop thread of a machine (the main loop and each
 * IOThread) runs at setup and teardown: it hosts every device (so that any
 * device can move there), stamps device stages on the run's shared time
 * base, times its context's sleeps through the context's wait hooks, and
 * runs the context's jitter probe: a periodic timer whose lateness goes
 * into the context's jitter histogram (cyclictest inside the event loop).
 * The same timer publishes the context's statistics (CTX_STAT) since the
 * last epoch restart, at most every 10 ms (reading them allocates, and a
 * 1 ms probe would otherwise feed the context's garbage collector), and
 * restarts them at the first run after the orchestrator starts a new epoch.
 *
 * The jitter probe itself ({@link jitterProbeTimer}) also runs without a
 * machine: {@link idleProbeStart} and {@link idleProbeStop} run it in an
 * otherwise idle context, which is how the runner's calibration measures
 * the noise floor of the very probe the runs use.
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
import { assertThreadAffinity } from "../runtime/thread_affinity.ts";
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

/** Period of the statistics timer when the jitter probe is off, and the longest interval between two publications, ns. */
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
  /** Clock reading of the last publication. */
  publishedAt: number;
  /** The measurement ended (probeFreeze): figures and jitter stay as they were. */
  frozen: boolean;
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

/**
 * Publishes the statistics when a new epoch started, when `force`, or when
 * the last publication is {@link STATS_PERIOD_NS} old.
 */
function publish(p: Probe, now: number, force = true): void {
  if (p.frozen) {
    p.stats[CTX_STAT.HEARTBEAT]++; // the watchdog still sees the thread alive
    return;
  }
  // Pairs with the orchestrator's Atomics.add(EPOCH): a new epoch restarts the figures.
  const e = Atomics.load(p.ctl, MACHINE_CTL.EPOCH);
  if (e !== p.epoch) {
    p.epoch = e;
    p.base = raw(p, now);
  } else if (!force && now - p.publishedAt < STATS_PERIOD_NS) {
    return;
  }
  p.publishedAt = now;
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
 * The jitter probe (cyclictest inside an event loop): a REALTIME timer of
 * `ctx` due every `periodNs` on a fixed schedule, armed here for one period
 * from now. At each run it calls `tick` with the clock reading and the
 * lateness (now minus the due time, ns), then re-arms itself for the next
 * due time; a run late by more than a period skips the missed ones (each
 * lateness counts once). Delete and deinit the returned timer to stop it.
 * The context's home thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "../runtime/aio_context.ts";
 * import { jitterProbeTimer } from "./context_probe.ts";
 * const ctx = new AioContext();
 * const late: number[] = [];
 * const t = jitterProbeTimer(ctx, 1e6, (_now, lateNs) => late.push(lateNs));
 * while (late.length < 3) ctx.poll(true);
 * assert.ok(late.every((ns) => ns >= 0));
 * t.del();
 * t.deinit();
 * ctx.destroy();
 * ```
 */
export function jitterProbeTimer(
  ctx: AioContext,
  periodNs: number,
  tick: (now: number, lateNs: number) => void,
): Timer {
  if (!(Number.isFinite(periodNs) && periodNs > 0)) {
    throw new RangeError(`jitterProbeTimer: expected a period > 0 ns, got ${periodNs}`);
  }
  const clocks = ctx.clocks;
  let expected = clocks.now(ClockType.REALTIME) + periodNs;
  const timer = ctx.timerNew(
    ClockType.REALTIME,
    Scale.NS,
    () => {
      const now = clocks.now(ClockType.REALTIME);
      const late = now - expected;
      expected += periodNs;
      if (expected <= now) expected = now + periodNs; // late by more than a period: skip ahead
      timer.modNs(expected);
      tick(now, late);
    },
    undefined,
    "jitter-probe",
  );
  timer.modNs(expected);
  return timer;
}

/** The idle probe of this thread (idleProbeStart .. idleProbeStop). */
let idle: { timer: Timer; samples: Float64Array; count: number } | null = null;

/**
 * Starts the jitter probe alone in this thread's context (no machine, no
 * device): at most `samples` lateness values of a timer due every
 * `periodNs`, kept until {@link idleProbeStop}. The runner's calibration
 * runs it in an idle IOThread. Returns true. The context's thread (an
 * `EventLoopThread.run` call).
 *
 * @example
 * ```ts ignore
 * await iothread.run(`${CONTEXT_PROBE_MODULE}#idleProbeStart`, 1e6, 300);
 * ```
 */
export function idleProbeStart(periodNs: number, samples: number): boolean {
  const ctx = getCurrentAioContext();
  if (ctx === null) {
    throw new Error("idleProbeStart: run it in an event-loop thread (main loop or IOThread)");
  }
  if (idle !== null) {
    throw new Error(`idleProbeStart: context ${ctx.name} already has an idle probe`);
  }
  if (!(Number.isInteger(samples) && samples > 0)) {
    throw new RangeError(`idleProbeStart: expected a number of samples > 0, got ${samples}`);
  }
  const state = { timer: null as unknown as Timer, samples: new Float64Array(samples), count: 0 };
  state.timer = jitterProbeTimer(ctx, periodNs, (_now, lateNs) => {
    if (state.count < state.samples.length) state.samples[state.count++] = lateNs;
  });
  idle = state;
  return true;
}

/**
 * How many lateness values the idle probe of this thread has so far. The
 * context's thread.
 *
 * @example
 * ```ts ignore
 * const n = await iothread.run<number>(`${CONTEXT_PROBE_MODULE}#idleProbeCount`);
 * ```
 */
export function idleProbeCount(): number {
  if (idle === null) throw new Error("idleProbeCount: no idle probe runs (idleProbeStart first)");
  return idle.count;
}

/**
 * Stops the idle probe and returns its lateness values (ns, in order). The
 * context's thread.
 *
 * @example
 * ```ts ignore
 * const lateNs = await iothread.run<number[]>(`${CONTEXT_PROBE_MODULE}#idleProbeStop`);
 * ```
 */
export function idleProbeStop(): number[] {
  const s = idle;
  if (s === null) throw new Error("idleProbeStop: no idle probe runs (idleProbeStart first)");
  idle = null;
  s.timer.del();
  s.timer.deinit();
  return Array.from(s.samples.subarray(0, s.count));
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
  assertThreadAffinity(ctx.name, plan.contexts[ctxIndex].cpus);
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
  const probing = cp.jitterPeriodNs > 0;
  const timer = jitterProbeTimer(ctx, period, (now, lateNs) => {
    if (probing && !p.frozen) jitter.record(lateNs);
    publish(p, now, false);
  });
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
    publishedAt: 0,
    frozen: false,
  };
  probe = p;
  p.stats[CTX_STAT.CLOCK_UNCERTAINTY_NS] = tb.uncertaintyNs;
  // File drivers submit to the context's thread pool, whose Workers take
  // tens of ms each to create (a pthread takes microseconds in QEMU): keep
  // one warm per request this context serves at start (thread-pool-min),
  // so that the spawns happen before the measurement, not inside it.
  let warm = 0;
  for (const d of plan.devices) {
    if (d.handle.driver.kind !== "file") continue;
    warm += d.contexts.filter((c) => c === cp.id).length * d.queueDepth;
  }
  if (warm > 0) {
    const pool = threadPoolFor(ctx);
    pool.setMinMax(Math.min(warm, pool.maxWorkers), pool.maxWorkers);
  }
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
 * Publishes the final statistics (unless probeFreeze kept those of the end
 * of the measurement), stops the probe, restores the wait hooks
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
 * Ends the measurement in this context: publishes the statistics of this
 * moment and keeps them (and the jitter histogram) as they are from now on,
 * while the machine drains and stops; the probe's timer still beats the
 * heartbeat. The Machine calls it in every context when stop() begins. The
 * context's thread.
 *
 * @example
 * ```ts ignore
 * await iothread.run(`${CONTEXT_PROBE_MODULE}#probeFreeze`);
 * ```
 */
export function probeFreeze(): boolean {
  const p = probeOrThrow("probeFreeze");
  publish(p, p.ctx.clocks.now(ClockType.REALTIME));
  p.frozen = true;
  return true;
}

/**
 * Publishes the statistics now (so that the orchestrator reads figures of
 * this moment; nothing after probeFreeze). The context's thread.
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
