/**
 * The machine plan: everything the threads of a {@link Machine} need, as
 * one structured-cloneable object that the orchestrator builds from a
 * RunScenario and a placement ({@link planMachine}) and hands to every
 * thread (vCPUs, the main loop, IOThreads). It holds the devices, which
 * vCPU drives each queue and which context serves it, the workload, the
 * main-loop chores, and the shared buffers every thread records into
 * (control words, statistics words, histograms).
 *
 * Queues go to vCPUs round-robin over every (device, queue) pair, so each
 * queue has exactly one guest thread (the only consumer of its completion
 * ring and the only writer of its statistics). A device with ioeventfd off
 * is served in the main context whatever the placement says: QEMU runs a
 * device without ioeventfd in the vCPU under the BQL and completes it in
 * the main loop (no dataplane without ioeventfd).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planMachine } from "./machine_plan.ts";
 * import { expandScenario } from "../scenario/expand.ts";
 * import { validateScenario } from "../scenario/validate.ts";
 * const [point] = expandScenario(validateScenario({
 *   name: "p",
 *   devices: [{ id: "disk0", queues: 2 }],
 *   placements: { io: { iothreads: { io0: {} }, map: { disk0: "io0" } } },
 * }));
 * const plan = planMachine(point.scenario, "io", 1);
 * assert.deepEqual(plan.queues.map((q) => q.context), ["io0", "io0"]);
 * assert.deepEqual(plan.contexts.map((c) => c.id), ["main", "io0"]);
 * ```
 *
 * @module
 */

import type { EventNotifierHandle } from "../sync/event_notifier.ts";
import { EventNotifier } from "../sync/event_notifier.ts";
import type { AioContextHandle } from "../runtime/context_handle.ts";
import type { TimeBaseHandle } from "../measure/time_base.ts";
import { SharedHistogram, type SharedHistogramHandle } from "../measure/histogram.ts";
import type {
  Accel,
  BurstDistribution,
  Locking,
  ResolvedIothread,
  ResolvedMainLoop,
  RunScenario,
} from "../scenario/types.ts";
import { createVirtioBlk, type VirtioBlkHandle } from "./virtio_blk.ts";
import { CTX_STAT, MACHINE_CTL, QUEUE_STAT, VCPU_CTL, VCPU_TIME } from "./layout.ts";

/** Highest value the machine's histograms track, ns (at least 60 s, as the issue asks). */
export const MACHINE_HISTOGRAM_HIGHEST_NS = 120e9;

/** The histograms of one queue (recorded by the queue's vCPU only). */
export interface QueueHistograms {
  /** Total latency of every request (from the intended issue time in open loop). */
  total: SharedHistogramHandle;
  /** Sampled: intended issue time -> issued (0 in closed loop). */
  queued: SharedHistogramHandle;
  /** Sampled: issued -> taken by the device handler. */
  dispatch: SharedHistogramHandle;
  /** Sampled: taken -> backend completion. */
  service: SharedHistogramHandle;
  /** Sampled: backend completion -> seen by the vCPU. */
  completion: SharedHistogramHandle;
}

/** One queue of one device. */
export interface QueuePlan {
  /** Device index in {@link MachinePlan.devices}. */
  device: number;
  /** Queue index in the device. */
  queue: number;
  /** Index over every queue of the machine (statistics slot). */
  slot: number;
  /** vCPU that drives it. */
  vcpu: number;
  /** Context id that serves it at start (`main` or an IOThread id). */
  context: string;
  /** tcg: the interrupt line the main loop raises for this queue. */
  irqLine: EventNotifierHandle;
  /** The queue's histograms. */
  hist: QueueHistograms;
}

/** One device. */
export interface DevicePlan {
  /** Device id. */
  name: string;
  /** The device. */
  handle: VirtioBlkHandle;
  /** Requests in flight per queue (closed loop) or the queue's capacity (open loop). */
  queueDepth: number;
  /** Bytes per request. */
  requestSize: number;
  /** Share of reads. */
  readFraction: number;
  /** Kick through an ioeventfd without the BQL (true) or as an exit under the BQL (false). */
  ioeventfd: boolean;
  /** Bytes the requests address (offsets are drawn below it). */
  span: number;
  /** Arrival process; `rate` per second per device. */
  arrival: { kind: "closed" } | { kind: "constant" | "poisson"; rate: number };
  /** Contexts of the device's queues at start. */
  contexts: string[];
  /** Whether the device can move (all its queues in one context, ioeventfd on). */
  movable: boolean;
}

/** One event-loop context (the main loop or an IOThread). */
export interface ContextPlan {
  /** `main` or the IOThread id. */
  id: string;
  /** Index (statistics slot). */
  index: number;
  /** IOThread options (null for main). */
  iothread: ResolvedIothread<number> | null;
  /** Jitter-probe period, ns; 0 off. */
  jitterPeriodNs: number;
  /** Lateness of the jitter-probe timer. */
  jitter: SharedHistogramHandle;
  /** The context's handle, once its thread runs (Machine.start fills it in). */
  handle: AioContextHandle | null;
  /** CPUs its thread is pinned to (the placement's `cpus`), or null: not pinned. */
  cpus: number[] | null;
}

/** Everything the machine's threads share. Structured-cloneable. */
export interface MachinePlan {
  /** Placement name. */
  placement: string;
  /** Seed of every schedule. */
  seed: number;
  /** Notification model. */
  accel: Accel;
  /** Locking era. */
  locking: Locking;
  /** vCPU count. */
  vcpus: number;
  /** CPUs every vCPU thread is pinned to (the placement's `cpus.vcpus`), or null: not pinned. */
  vcpuCpus: number[] | null;
  /** Compute bursts (closed loop): shape and mean ns. */
  compute: { distribution: BurstDistribution; mean: number };
  /** BQL-taking exits per vCPU: rate per second, length ns. */
  exits: { rate: number; length: number };
  /** Stage sampling: one request in N per queue. */
  stageSampleEvery: number;
  /** Devices. */
  devices: DevicePlan[];
  /** Every queue of every device. */
  queues: QueuePlan[];
  /** Contexts: `main` first, then the IOThreads. */
  contexts: ContextPlan[];
  /** Main-loop chores. */
  mainLoop: ResolvedMainLoop<number>;
  /** Shared time base (filled in by Machine.start). */
  timeBase: TimeBaseHandle | null;
  /** Control words (MACHINE_CTL). */
  ctl: SharedArrayBuffer;
  /** Per-vCPU control words (VCPU_CTL). */
  vcpuCtl: SharedArrayBuffer;
  /** Per-vCPU times (VCPU_TIME, Float64). */
  vcpuTime: SharedArrayBuffer;
  /** Per-vCPU wake notifier: the orchestrator sets it at stop so that a halted vCPU looks. */
  vcpuWake: EventNotifierHandle[];
  /** Per-queue statistics (QUEUE_STAT). */
  queueStat: SharedArrayBuffer;
  /** Per-context statistics (CTX_STAT, Float64). */
  ctxStat: SharedArrayBuffer;
  /** The measured locks and their per-thread histograms (see {@link LockTimingPlan}). */
  lockTiming: LockTimingPlan;
}

/** Wait and hold histograms of one thread for one lock (recorded by that thread only). */
export interface LockHistograms {
  /** Each acquisition's wait, ns (0 when the lock was free). */
  wait: SharedHistogramHandle;
  /** Each hold, ns. */
  hold: SharedHistogramHandle;
}

/** One measured lock. */
export interface LockPlan {
  /** Report name: `bql`, or `aio:<context id>` for a context's AioContext lock. */
  name: string;
  /** Its lock timing slot (lib/sync lock_timing.ts), the same in every thread. */
  slot: number;
  /** The context whose AioContext lock it is, or null for the BQL. */
  context: string | null;
}

/**
 * Lock measurement: the BQL always, each context's AioContext lock in the
 * seed locking era (the only era that takes it). Every thread of the
 * machine installs, for each lock, a sink of its own histograms, so each
 * lock's waits and holds are split per thread; the orchestrator merges
 * them into whole-lock histograms.
 */
export interface LockTimingPlan {
  /** The measured locks. */
  locks: LockPlan[];
  /** Per context (plan.contexts order), per lock (locks order): its thread's histograms. */
  contexts: LockHistograms[][];
  /** Per vCPU, per lock: its histograms. */
  vcpus: LockHistograms[][];
}

/** Timing slot of the BQL; the AioContext lock of context i has slot BQL + 1 + i. */
export const BQL_TIMING_SLOT = 1;

function histogram(): SharedHistogram {
  return new SharedHistogram({ highestNs: MACHINE_HISTOGRAM_HIGHEST_NS });
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Builds the plan of placement `placement` of `run` (no thread starts).
 * Throws, naming what exists, for an unknown placement. Orchestrator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planMachine } from "./machine_plan.ts";
 * import { expandScenario } from "../scenario/expand.ts";
 * import { validateScenario } from "../scenario/validate.ts";
 * const [point] = expandScenario(validateScenario({
 *   name: "p",
 *   devices: [{ id: "disk0" }],
 *   placements: { main: {} },
 * }));
 * assert.throws(() => planMachine(point.scenario, "nope", 1), /placements: main/);
 * ```
 */
export function planMachine(
  run: RunScenario,
  placement: string,
  seed: number,
): MachinePlan {
  const p = run.placements[placement];
  if (p === undefined) {
    throw new Error(
      `scenario ${run.name}: no placement "${placement}"; expected one of the placements: ` +
        Object.keys(run.placements).join(", "),
    );
  }
  const contextIds = ["main", ...Object.keys(p.iothreads)];
  const contexts: ContextPlan[] = contextIds.map((id, index) => ({
    id,
    index,
    iothread: id === "main" ? null : p.iothreads[id],
    jitterPeriodNs: run.probes.jitterPeriodByContext[id] ?? run.probes.jitterPeriod,
    jitter: histogram().handle,
    handle: null,
    cpus: p.cpus[id] === undefined ? null : [...p.cpus[id]],
  }));
  const vcpus = Math.max(1, run.machine.vcpus);
  const devices: DevicePlan[] = [];
  const queues: QueuePlan[] = [];
  for (const d of run.devices) {
    const numQueues = d.queues;
    const wanted = p.queueContexts[d.id] ?? Array.from({ length: numQueues }, () => "main");
    const ctxs = d.ioeventfd ? wanted : wanted.map(() => "main");
    for (const c of ctxs) {
      if (!contextIds.includes(c)) {
        throw new Error(
          `placement ${placement}: device ${d.id} maps to context "${c}", which is not among ` +
            `its contexts (${contextIds.join(", ")})`,
        );
      }
    }
    const span = d.driver.kind === "file" ? d.driver.size : 1 << 30;
    const handle = createVirtioBlk({
      name: d.id,
      numQueues,
      queueSize: nextPow2(Math.max(2, d.queueDepth)),
      driver: d.driver.kind === "null"
        ? { kind: "null", latencyNs: d.driver.latency, size: span }
        : { kind: "file", filename: d.driver.path, size: d.driver.size },
      contextLock: p.locking === "seed",
      stageStamps: true,
    });
    const deviceIndex = devices.length;
    devices.push({
      name: d.id,
      handle,
      queueDepth: d.queueDepth,
      requestSize: d.requestSize,
      readFraction: d.readFraction,
      ioeventfd: d.ioeventfd,
      span,
      arrival: d.arrival.kind === "closed"
        ? { kind: "closed" }
        : { kind: d.arrival.kind, rate: d.arrival.rate },
      contexts: ctxs,
      movable: d.ioeventfd && new Set(ctxs).size === 1,
    });
    for (let q = 0; q < numQueues; q++) {
      const slot = queues.length;
      queues.push({
        device: deviceIndex,
        queue: q,
        slot,
        vcpu: slot % vcpus,
        context: ctxs[q],
        irqLine: new EventNotifier({ name: `${d.id}.${q}.irq-line` }).handle,
        hist: {
          total: histogram().handle,
          queued: histogram().handle,
          dispatch: histogram().handle,
          service: histogram().handle,
          completion: histogram().handle,
        },
      });
    }
  }
  return {
    placement,
    seed,
    accel: p.accel,
    locking: p.locking,
    vcpus,
    vcpuCpus: p.cpus.vcpus === undefined ? null : [...p.cpus.vcpus],
    compute: { distribution: run.machine.compute.distribution, mean: run.machine.compute.mean },
    exits: { rate: run.machine.exits.rate, length: run.machine.exits.length },
    stageSampleEvery: Math.max(1, run.probes.stageSampleEvery),
    devices,
    queues,
    contexts,
    mainLoop: run.mainLoop,
    timeBase: null,
    ctl: new SharedArrayBuffer(MACHINE_CTL.WORDS * 4),
    vcpuCtl: new SharedArrayBuffer(vcpus * VCPU_CTL.WORDS * 4),
    vcpuTime: new SharedArrayBuffer(vcpus * VCPU_TIME.WORDS * 8),
    vcpuWake: Array.from(
      { length: vcpus },
      (_, i) => new EventNotifier({ name: `vcpu${i}.wake` }).handle,
    ),
    queueStat: new SharedArrayBuffer(Math.max(1, queues.length) * QUEUE_STAT.WORDS * 4),
    ctxStat: new SharedArrayBuffer(contexts.length * CTX_STAT.WORDS * 8),
    lockTiming: planLockTiming(p.locking, contexts, vcpus),
  };
}

function planLockTiming(
  locking: Locking,
  contexts: ContextPlan[],
  vcpus: number,
): LockTimingPlan {
  const locks: LockPlan[] = [{ name: "bql", slot: BQL_TIMING_SLOT, context: null }];
  if (locking === "seed") {
    for (const c of contexts) {
      locks.push({ name: `aio:${c.id}`, slot: BQL_TIMING_SLOT + 1 + c.index, context: c.id });
    }
  }
  const perThread = (): LockHistograms[] =>
    locks.map(() => ({ wait: histogram().handle, hold: histogram().handle }));
  return {
    locks,
    contexts: contexts.map(perThread),
    vcpus: Array.from({ length: vcpus }, perThread),
  };
}
