/**
 * The Machine: a guest machine of one run (one placement of one scenario
 * point) on real threads. {@link Machine.start} builds it from a
 * RunScenario and a placement: the main loop (which holds the BQL except
 * while it waits), one IOThread per placement iothread (with its polling
 * options), every device with each queue served in the context the
 * placement assigns, the main-loop chores, a jitter probe in every context,
 * and the vCPU threads, idle until {@link Machine.begin}. The orchestrating
 * thread then resets the measurements after the warm-up, samples the time
 * series, runs scenario events ({@link Machine.move}), stops the machine
 * and collects a JSON-serializable {@link MachineReport}.
 *
 * Where the pieces live: machine_plan.ts (the plan every thread shares),
 * vcpu_guest.ts (the vCPUs), context_probe.ts (every event-loop thread),
 * machine_graph.ts and main_loop_chores.ts (the main loop).
 *
 * Memory does not grow with the run's length: histograms and statistics
 * are fixed SharedArrayBuffers; the time series keeps a ring sized for the
 * run (`timeSeriesRows`) and counts what it had to overwrite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "./machine.ts";
 * import { expandScenario } from "../scenario/expand.ts";
 * import { validateScenario } from "../scenario/validate.ts";
 * const [point] = expandScenario(validateScenario({
 *   name: "tiny",
 *   devices: [{ id: "disk0", driver: { kind: "null", latency: "20us" } }],
 *   placements: { main: {} },
 * }));
 * const m = await Machine.start({ run: point.scenario, placement: "main", seed: 1 });
 * m.begin();
 * m.resetMeasurements();
 * await new Promise((r) => setTimeout(r, 100));
 * await m.stop();
 * const r = m.collect();
 * assert.ok(r.devices.disk0.completions > 0);
 * assert.equal(r.devices.disk0.completions, r.devices.disk0.latency.count);
 * ```
 *
 * @module
 */

import { EventNotifier } from "../sync/event_notifier.ts";
import { MAX_LOCK_TIMING_SLOT, setLockTimingSink } from "../sync/lock_timing.ts";
import { Mutex, type MutexStats } from "../sync/mutex.ts";
import { RecMutex } from "../sync/rec_mutex.ts";
import { defaultRegistry } from "../sync/registry.ts";
import type { AioThreadError } from "../runtime/aio_thread_error.ts";
import type { EventLoopThread } from "../runtime/event_loop_thread.ts";
import { IoThread } from "../runtime/io_thread.ts";
import { bqlStats, MainLoop } from "../runtime/main_loop.ts";
import { VcpuThread } from "../runtime/vcpu_thread.ts";
import { HistogramSnapshot, SharedHistogram } from "../measure/histogram.ts";
import { type EncodedHistogram, encodeHistogram } from "../measure/hdr_export.ts";
import { TimeBase } from "../measure/time_base.ts";
import { withThreadAffinity } from "../runtime/thread_affinity.ts";
import { TimeSeries } from "../measure/time_series.ts";
import type { RunScenario } from "../scenario/types.ts";
import { CONTEXT_PROBE_MODULE } from "./context_probe.ts";
import { CTX_STAT, MACHINE_CTL, QUEUE_STAT, VCPU_CTL, VCPU_DOING, VCPU_TIME } from "./layout.ts";
import { MACHINE_GRAPH_MODULE } from "./machine_graph.ts";
import {
  type LockHistograms,
  MACHINE_HISTOGRAM_HIGHEST_NS,
  type MachinePlan,
  planMachine,
} from "./machine_plan.ts";
import { MAIN_LOOP_CHORES_MODULE } from "./main_loop_chores.ts";
import { VCPU_GUEST_MODULE, type VcpuGuestResult } from "./vcpu_guest.ts";

/** Options of {@link Machine.start}. */
export interface MachineOptions {
  /** The expanded scenario point (lib/scenario expandScenario(...)[i].scenario). */
  run: RunScenario;
  /** Key of run.placements to build. */
  placement: string;
  /** Seed of every arrival schedule and burst draw (same for every placement). */
  seed: number;
  /** How long stop() lets in-flight requests complete, ms. Default 500. */
  drainMs?: number;
  /** How long stop() waits for each thread to end, ms. Default 5000. */
  joinTimeoutMs?: number;
}

/** Per thread: a progress counter that grows while the thread makes progress, and what it does. */
export interface ThreadHeartbeat {
  /** Thread name. */
  thread: string;
  /** Grows while the thread makes progress. */
  progress: number;
  /** What the thread is doing now. */
  doing: string;
}

/** A live view of the interval just closed. */
export interface MachineSample {
  /** Per device: completions and latency of the interval just closed. */
  devices: Record<string, { completions: number; p50Ns: number; p99Ns: number; maxNs: number }>;
}

// The report types below are the producer's side of the result contract
// (lib/result machine_report.ts, a zod schema of the same shape);
// lib/runner/_machine_seam_test.ts asserts at compile time that they are
// equal. They are type aliases, not interfaces, so that a report is
// assignable as it is to the contract's types, which keep unknown fields.

/** An encoded histogram plus its summary (lib/measure `encodeHistogram`). */
export type HistogramReport = EncodedHistogram;

/** What was measured of one device. */
export type DeviceReport = {
  /** Requests issued (open loop: intended arrivals, dropped ones included). */
  issued: number;
  /** Completions seen by the vCPUs. */
  completions: number;
  /** Open loop: arrivals that could not be issued (queue full). */
  dropped: number;
  /** Requests still in flight when the machine stopped (issued = completions + dropped + inFlight). */
  inFlight: number;
  /** Total latency of every request (from the intended issue time in open loop). */
  latency: HistogramReport;
  /** Sampled stages: intended -> issued, issued -> taken by the handler, -> backend done, -> seen by the vCPU. */
  stages: {
    queued: HistogramReport;
    dispatch: HistogramReport;
    service: HistogramReport;
    completion: HistogramReport;
  };
  /** One request in N has its stages recorded. */
  stageSampleEvery: number;
  /** Context of each queue at start. */
  contexts: string[];
};

/** What was measured of one context. */
export type ContextReport = {
  /** Thread name. */
  thread: string;
  /** Time neither asleep nor busy-polling (dispatching handlers, BHs, timers), ns. */
  dispatchNs: number;
  /** Time busy-polling, ns. */
  pollNs: number;
  /** Time asleep, ns. */
  sleepNs: number;
  /** poll() calls. */
  polls: number;
  /** poll() calls that made progress. */
  pollsWithWork: number;
  /** Blocking waits (each ends in a wakeup or a timeout). */
  wakeups: number;
  /** Lateness of the jitter-probe timer. */
  jitter: HistogramReport;
  /** Bound on the thread's offset to the shared time base, ns: its stage stamps are exact to within it (wide on a loaded host). Absent in older documents. */
  clockUncertaintyNs?: number;
  /** CPUs its thread was pinned to (the placement's `cpus`, checked in the thread); absent when not pinned. */
  cpus?: number[];
};

/** One thread's use of one lock. */
export type LockThreadReport = {
  /** Acquisitions. */
  acquisitions: number;
  /** Acquisitions that found the lock held. */
  contended: number;
  /** Total wait, ns. */
  waitTotalNs: number;
  /** Total hold, ns. */
  holdTotalNs: number;
  /** Its waits, one per acquisition (0 when the lock was free: the lock path records contended waits only, the report adds the free ones); null for a thread that records no timings (not a machine thread). */
  wait: HistogramReport | null;
  /** Its holds, one per release; null as for `wait`. */
  hold: HistogramReport | null;
};

/** What was measured of one lock. */
export type LockReport = {
  /** Acquisitions, every thread. */
  acquisitions: number;
  /** Acquisitions that found the lock held. */
  contended: number;
  /** contended / acquisitions (0 without acquisitions). */
  contendedShare: number;
  /** Total wait, ns, every thread. */
  waitTotalNs: number;
  /** Total hold, ns, every thread. */
  holdTotalNs: number;
  /** Waits of every machine thread merged; null when the lock is not timed (an AioContext lock outside the seed era). */
  wait: HistogramReport | null;
  /** Holds of every machine thread merged; null as for `wait`. */
  hold: HistogramReport | null;
  /** Per thread name (`main-loop`, `IO <id>`, `CPU <i>/aiolab`, ...): only threads that took it. */
  byThread: Record<string, LockThreadReport>;
};

/** What was measured of one vCPU. */
export type VcpuReport = {
  /** Thread name. */
  thread: string;
  /** Time in compute bursts, ns. */
  computeNs: number;
  /** Time waiting for the BQL, ns. */
  bqlWaitNs: number;
  /** Time waiting for completions, ns. */
  ioWaitNs: number;
  /** Bound on the thread's offset to the shared time base, ns: its timestamps are exact to within it. Absent in older documents. */
  clockUncertaintyNs?: number;
  /** CPUs its thread was pinned to (the placement's `cpus.vcpus`, checked in the thread); absent when not pinned. */
  cpus?: number[];
};

/** A failure seen during the run. */
export type MachineError = {
  /** Thread name. */
  thread: string;
  /** Handler, when known. */
  handler: string | null;
  /** Message. */
  message: string;
  /** Stack. */
  stack: string;
};

/** Everything measured since resetMeasurements(), JSON-serializable. */
export type MachineReport = {
  /** Placement name. */
  placement: string;
  /** Per device. */
  devices: Record<string, DeviceReport>;
  /** `main` and each IOThread id. */
  contexts: Record<string, ContextReport>;
  /** `bql`, and each context's AioContext lock (`aio:<ctx>`) in the seed locking era (in the modern era only if something took it). */
  locks: Record<string, LockReport>;
  /** Per vCPU. */
  vcpus: VcpuReport[];
  /** The time series: lib/measure IntervalRow rows and SeriesEvent events. */
  timeSeries: { intervalNs: number; rows: unknown[]; events: unknown[]; rowsDropped: number };
  /** Measured cost of measuring, per request (ns): clock reads and histogram records of the request path, plus lockMeasurementNs times the lock acquisitions per completion. */
  measurementOverheadNs: number;
  /** Measured cost of the lock statistics and timings, per acquisition (ns): a timed lock/unlock pair against a bare one. */
  lockMeasurementNs: number;
  /** Measured time, ns. */
  durationNs: number;
  /** Failures. */
  errors: MachineError[];
};

const DOING_NAMES: Record<number, string> = {
  [VCPU_DOING.IDLE]: "idle (before begin)",
  [VCPU_DOING.COMPUTE]: "computing",
  [VCPU_DOING.BQL_WAIT]: "waiting for the BQL",
  [VCPU_DOING.EXIT]: "in an exit, holding the BQL",
  [VCPU_DOING.IO_WAIT]: "waiting for a completion",
  [VCPU_DOING.STOPPED]: "stopped",
};

function emptySnapshot(): HistogramSnapshot {
  return new HistogramSnapshot({ highestNs: MACHINE_HISTOGRAM_HIGHEST_NS });
}

/** Resolves with the promise's value, or with `timedOut` after `ms`. */
async function within<T, U>(p: Promise<T>, ms: number, timedOut: U): Promise<T | U> {
  let id: ReturnType<typeof setTimeout> | undefined;
  const timer = new Promise<U>((r) => (id = setTimeout(() => r(timedOut), ms)));
  try {
    return await Promise.race([p, timer]);
  } finally {
    clearTimeout(id);
  }
}

function errorOf(thread: string, handler: string | null, err: unknown): MachineError {
  const e = err as Partial<AioThreadError> & Error;
  if (e !== null && typeof e === "object" && typeof e.thread === "string") {
    return {
      thread: e.thread,
      handler: e.handler ?? null,
      message: e.remote?.message ?? e.message,
      stack: e.remote?.stack ?? e.stack ?? "",
    };
  }
  return {
    thread,
    handler,
    message: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack ?? "" : "",
  };
}

/** Measures the cost of a clock read and of a histogram record, ns each. */
function measureOverhead(tb: TimeBase, every: number): number {
  const h = new SharedHistogram({ highestNs: MACHINE_HISTOGRAM_HIGHEST_NS });
  const n = 20_000;
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += tb.now();
  const t1 = performance.now();
  for (let i = 0; i < n; i++) h.record(20_000 + (i & 1023));
  const t2 = performance.now();
  if (sink === 0) throw new Error("unreachable");
  const clockNs = ((t1 - t0) * 1e6) / n;
  const recordNs = ((t2 - t1) * 1e6) / n;
  // Per request: a read at issue and one at completion, the total record;
  // one request in `every` adds two stamp reads and four stage records.
  return 2 * clockNs + recordNs + (2 * clockNs + 4 * recordNs) / every;
}

/** Timing slot of the lock-overhead probe (no plan uses it). */
const PROBE_TIMING_SLOT = MAX_LOCK_TIMING_SLOT;

/**
 * Measures what the lock statistics and timings cost per acquisition, ns:
 * uncontended lock/unlock pairs of a lock with statistics and a timing
 * sink (two clock reads, two histogram records) against a bare lock; the
 * best of 5 rounds of each.
 */
function measureLockOverhead(): number {
  const bare = new Mutex();
  const timed = new Mutex({ stats: true });
  timed.setTimingSlot(PROBE_TIMING_SLOT);
  const sink = {
    wait: new SharedHistogram({ highestNs: MACHINE_HISTOGRAM_HIGHEST_NS }),
    hold: new SharedHistogram({ highestNs: MACHINE_HISTOGRAM_HIGHEST_NS }),
  };
  setLockTimingSink(PROBE_TIMING_SLOT, sink);
  const n = 5_000;
  const pairs = (m: Mutex): number => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      m.lock();
      m.unlock();
    }
    return ((performance.now() - t0) * 1e6) / n;
  };
  let bareNs = Infinity, timedNs = Infinity;
  try {
    for (let r = 0; r < 5; r++) {
      bareNs = Math.min(bareNs, pairs(bare));
      timedNs = Math.min(timedNs, pairs(timed));
    }
  } finally {
    setLockTimingSink(PROBE_TIMING_SLOT, null);
  }
  return Math.max(0, timedNs - bareNs);
}

/**
 * A running guest machine. Every method: the orchestrating thread that
 * started it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "./machine.ts";
 * import { expandScenario } from "../scenario/expand.ts";
 * import { validateScenario } from "../scenario/validate.ts";
 * const [point] = expandScenario(validateScenario({
 *   name: "idle",
 *   devices: [{ id: "disk0" }],
 *   placements: { io: { iothreads: { io0: {} }, map: { disk0: "io0" } } },
 * }));
 * const m = await Machine.start({ run: point.scenario, placement: "io", seed: 1 });
 * assert.deepEqual(m.heartbeat().map((h) => h.thread), ["main-loop", "IO io0", "CPU 0/aiolab"]);
 * await m.stop();
 * assert.deepEqual(m.collect().errors, []);
 * ```
 */
export class Machine {
  readonly #plan: MachinePlan;
  readonly #tb: TimeBase;
  readonly #main: MainLoop;
  readonly #iothreads: Map<string, IoThread>;
  readonly #vcpus: VcpuThread[];
  #guests: Promise<VcpuGuestResult | "failed">[] = [];
  readonly #errors: MachineError[];
  readonly #ctl: Int32Array;
  readonly #vcpuCtl: Int32Array;
  readonly #qstat: Int32Array;
  readonly #deviceHists: Record<string, SharedHistogram>;
  /** Per plan queue, its total histogram and the snapshot #gather drains it into (no allocation per sample). */
  readonly #queueTotals: SharedHistogram[];
  readonly #queueScratch: HistogramSnapshot[];
  readonly #intervalNs: number;
  readonly #rowCapacity: number;
  readonly #drainMs: number;
  readonly #joinTimeoutMs: number;
  readonly #overheadNs: number;
  readonly #lockOverheadNs: number;
  #series: TimeSeries;
  #epoch = 0;
  #measureStart: number;
  #measureEnd = -1;
  #bqlBase: MutexStats | null = null;
  #aioBase = new Map<string, MutexStats>();
  #stopped = false;
  #stopping: Promise<void> | null = null;
  #threadNames = new Map<number, string>();

  private constructor(
    plan: MachinePlan,
    tb: TimeBase,
    main: MainLoop,
    iothreads: Map<string, IoThread>,
    vcpus: VcpuThread[],
    errors: MachineError[],
    run: RunScenario,
    opts: MachineOptions,
  ) {
    this.#plan = plan;
    this.#tb = tb;
    this.#main = main;
    this.#iothreads = iothreads;
    this.#vcpus = vcpus;
    this.#errors = errors;
    this.#ctl = new Int32Array(plan.ctl);
    this.#vcpuCtl = new Int32Array(plan.vcpuCtl);
    this.#qstat = new Int32Array(plan.queueStat);
    this.#queueTotals = plan.queues.map((q) => SharedHistogram.fromHandle(q.hist.total));
    this.#queueScratch = this.#queueTotals.map((h) => h.newSnapshot());
    this.#deviceHists = Object.fromEntries(
      plan.devices.map((
        d,
      ) => [d.name, new SharedHistogram({ highestNs: MACHINE_HISTOGRAM_HIGHEST_NS })]),
    );
    this.#intervalNs = run.probes.timeSeriesInterval;
    const intervals = Math.ceil((run.warmup + run.duration) / this.#intervalNs) + 64;
    this.#rowCapacity = Math.max(1, intervals * plan.devices.length);
    this.#drainMs = opts.drainMs ?? 500;
    this.#joinTimeoutMs = opts.joinTimeoutMs ?? 5000;
    this.#overheadNs = measureOverhead(tb, plan.stageSampleEvery);
    this.#lockOverheadNs = measureLockOverhead();
    this.#series = this.#newSeries();
    this.#measureStart = tb.now();
    this.#threadNames.set(main.threadId, "main-loop");
    for (const [id, t] of iothreads) this.#threadNames.set(t.threadId, `IO ${id}`);
    for (const v of vcpus) this.#threadNames.set(v.threadId, v.threadName);
  }

  #newSeries(): TimeSeries {
    return new TimeSeries(this.#deviceHists, {
      intervalNs: this.#intervalNs,
      rowCapacity: this.#rowCapacity,
      clock: () => this.#tb.now(),
    });
  }

  /**
   * Starts every thread (main loop + BQL, IOThreads, devices hosted in the
   * contexts the placement assigns per queue, vCPU threads, main-loop
   * chores, one jitter probe per context); the guest workload is idle
   * until begin(). On a failure it stops what it started and rethrows.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "./machine.ts";
   * import { expandScenario } from "../scenario/expand.ts";
   * import { validateScenario } from "../scenario/validate.ts";
   * const [point] = expandScenario(validateScenario({
   *   name: "x", devices: [{ id: "d" }], placements: { main: {} },
   * }));
   * await assert.rejects(
   *   Machine.start({ run: point.scenario, placement: "other", seed: 1 }),
   *   /expected one of the placements: main/,
   * );
   * ```
   */
  static async start(opts: MachineOptions): Promise<Machine> {
    const plan = planMachine(opts.run, opts.placement, opts.seed);
    for (const d of opts.run.devices) {
      if (d.driver.kind !== "file") continue;
      const f = await Deno.open(d.driver.path, { read: true, write: true, create: true });
      try {
        if ((await f.stat()).size < d.driver.size) await f.truncate(d.driver.size);
      } finally {
        f.close();
      }
    }
    const errors: MachineError[] = [];
    const onError = (err: AioThreadError): void => void errors.push(errorOf(err.thread, null, err));
    const tb = TimeBase.create();
    plan.timeBase = tb.handle;
    let main: MainLoop | null = null;
    const iothreads = new Map<string, IoThread>();
    const vcpus: VcpuThread[] = [];
    try {
      // Pinned threads (the placement's cpus): a Worker's thread takes the affinity of the
      // thread that creates it, and each create() makes its Worker before its first await.
      const mainPlan = plan.contexts.find((c) => c.iothread === null)!;
      main = await withThreadAffinity(mainPlan.cpus, () => MainLoop.create({ onError }));
      for (const c of plan.contexts) {
        if (c.iothread === null) {
          c.handle = main.contextHandle;
          continue;
        }
        const io = c.iothread;
        const t = await withThreadAffinity(
          c.cpus,
          () => IoThread.create({ id: c.id, ...io, onError }),
        );
        iothreads.set(c.id, t);
        c.handle = t.contextHandle;
      }
      for (const l of plan.lockTiming.locks) {
        const c = plan.contexts.find((x) => x.id === l.context);
        if (c === undefined) defaultRegistry().bql.setTimingSlot(l.slot);
        else RecMutex.fromHandle(c.handle!.lock).setTimingSlot(l.slot);
      }
      const threadOf = (id: string): EventLoopThread => id === "main" ? main! : iothreads.get(id)!;
      await Promise.all(
        plan.contexts.map((c, i) =>
          threadOf(c.id).run(`${CONTEXT_PROBE_MODULE}#probeStart`, plan, i)
        ),
      );
      await main.run(`${MACHINE_GRAPH_MODULE}#graphSetup`, plan);
      for (let d = 0; d < plan.devices.length; d++) {
        const dev = plan.devices[d];
        if (new Set(dev.contexts).size === 1) continue;
        for (const c of new Set(dev.contexts)) {
          const qs = dev.contexts.flatMap((x, q) => (x === c ? [q] : []));
          await threadOf(c).run(`${CONTEXT_PROBE_MODULE}#probeAttachQueues`, plan, d, qs);
        }
      }
      await main.run(`${MAIN_LOOP_CHORES_MODULE}#choresStart`, plan);
      for (let i = 0; i < plan.vcpus; i++) {
        vcpus.push(
          await withThreadAffinity(plan.vcpuCpus, () => VcpuThread.create({ index: i, onError })),
        );
      }
      const m = new Machine(plan, tb, main, iothreads, vcpus, errors, opts.run, opts);
      m.#guests = vcpus.map((v, i) =>
        v.run<VcpuGuestResult>(`${VCPU_GUEST_MODULE}#vcpuGuestRun`, plan, i, m.#drainMs).catch(
          (err) => {
            errors.push(errorOf(v.threadName, "vcpuGuestRun", err));
            return "failed" as const;
          },
        )
      );
      // Wait until every vCPU is set up, so that begin() starts the workload at once.
      const vctl = new Int32Array(plan.vcpuCtl);
      const ready = () =>
        vcpus.every((_, i) => Atomics.load(vctl, i * VCPU_CTL.WORDS + VCPU_CTL.READY) === 1);
      const deadline = performance.now() + 60_000;
      while (!ready()) {
        if (errors.length > 0) throw new Error(`machine start failed: ${errors[0].message}`);
        if (performance.now() > deadline) {
          throw new Error("machine start: the vCPUs did not get ready in 60 s");
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      return m;
    } catch (err) {
      Atomics.store(new Int32Array(plan.ctl), MACHINE_CTL.STOP, 1);
      const all: { stop(): void; join(): Promise<unknown> }[] = [...vcpus, ...iothreads.values()];
      if (main !== null) all.push(main);
      for (const t of all) t.stop();
      await Promise.all(all.map((t) => within(t.join().catch(() => {}), 5000, null)));
      await tb.close();
      throw err;
    }
  }

  /**
   * Starts the guest workload (the warm-up begins).
   *
   * @example
   * ```ts ignore
   * machine.begin();
   * ```
   */
  begin(): void {
    // Pairs with the vCPUs' Atomics.wait / load of GO.
    Atomics.store(this.#ctl, MACHINE_CTL.GO, 1);
    Atomics.notify(this.#ctl, MACHINE_CTL.GO);
  }

  /**
   * End of warm-up: every histogram and counter restarts; measuring starts
   * now. The vCPUs restart their own (at their next loop turn, acknowledged
   * through VCPU_CTL.EPOCH_ACK), the contexts at their next probe run.
   *
   * @example
   * ```ts ignore
   * machine.resetMeasurements();
   * ```
   */
  resetMeasurements(): void {
    this.#epoch = Atomics.add(this.#ctl, MACHINE_CTL.EPOCH, 1) + 1;
    // A vCPU halted until a slow completion (a file driver whose pool is still starting)
    // would restart only after it: woken, it restarts now, and its books start with the
    // measured time (else its completions are counted but its latencies never gathered).
    for (const w of this.#plan.vcpuWake) EventNotifier.fromHandle(w).set();
    for (const c of this.#plan.contexts) SharedHistogram.fromHandle(c.jitter).reset();
    for (const h of Object.values(this.#deviceHists)) h.reset();
    // Lock counts first, histograms after (and the reverse in #lockReport):
    // a live lock's histograms then hold at most one event per thread that
    // its counts miss (the acquisition or release in progress at the edge).
    this.#bqlBase = bqlStats();
    this.#aioBase.clear();
    for (const c of this.#plan.contexts) this.#aioBase.set(c.id, this.#remote(c.id).lockStats());
    const lt = this.#plan.lockTiming;
    for (const h of [...lt.contexts.flat(), ...lt.vcpus.flat()]) {
      SharedHistogram.fromHandle(h.wait).reset();
      SharedHistogram.fromHandle(h.hold).reset();
    }
    this.#series = this.#newSeries();
    this.#measureStart = this.#tb.now();
  }

  #remote(ctx: string) {
    return ctx === "main" ? this.#main.getAioContext() : this.#iothreads.get(ctx)!.getAioContext();
  }

  /** Moves what the vCPUs recorded since the epoch into the devices' interval histograms. */
  #gather(): void {
    for (let i = 0; i < this.#plan.queues.length; i++) {
      const q = this.#plan.queues[i];
      const base = q.vcpu * VCPU_CTL.WORDS + VCPU_CTL.EPOCH_ACK;
      // Pairs with the vCPU's store of EPOCH_ACK after its restart.
      if (Atomics.load(this.#vcpuCtl, base) !== this.#epoch) continue;
      const dev = this.#plan.devices[q.device].name;
      this.#deviceHists[dev].add(this.#queueTotals[i].drainInto(this.#queueScratch[i]));
    }
  }

  /**
   * Cheap live view for progress and the time series; call about every
   * probes.timeSeriesInterval ns. Closes the current interval.
   *
   * @example
   * ```ts ignore
   * const s = machine.sample(performance.now() * 1e6);
   * ```
   */
  sample(nowNs: number): MachineSample {
    if (this.#measureEnd >= 0) return { devices: {} };
    this.#gather();
    this.#series.tick(nowNs);
    return this.#lastRows();
  }

  #pendingRows: unknown[] = [];

  #lastRows(): MachineSample {
    const rows = this.#series.drainRows();
    this.#pendingRows.push(...rows);
    const out: MachineSample = { devices: {} };
    for (const r of rows) {
      out.devices[r.device] = {
        completions: r.completions,
        p50Ns: r.p50,
        p99Ns: r.p99,
        maxNs: r.max,
      };
    }
    return out;
  }

  /**
   * A scenario event: moves a device (all its queues) to context `to`
   * ("main" or an IOThread id) through a drained section, as the monitor
   * would (trySetAioContext); marks the event in the time series.
   *
   * @example
   * ```ts ignore
   * await machine.move("disk0", "io1");
   * ```
   */
  async move(device: string, to: string): Promise<void> {
    const d = this.#plan.devices.findIndex((x) => x.name === device);
    if (d < 0) {
      throw new Error(
        `move: no device "${device}"; expected one of ${
          this.#plan.devices.map((x) => x.name).join(", ")
        }`,
      );
    }
    this.#series.mark(`move ${device} to ${to}: begin`);
    await this.#main.run(`${MACHINE_GRAPH_MODULE}#graphMove`, d, to);
    this.#series.mark(`move ${device} to ${to}: end`);
  }

  /**
   * Per thread: a progress counter that grows while the thread makes
   * progress, and what it is doing (for the runner's watchdog).
   *
   * @example
   * ```ts ignore
   * for (const h of machine.heartbeat()) console.log(h.thread, h.progress, h.doing);
   * ```
   */
  heartbeat(): ThreadHeartbeat[] {
    const stats = new Float64Array(this.#plan.ctxStat);
    const out: ThreadHeartbeat[] = this.#plan.contexts.map((c) => ({
      thread: c.id === "main" ? "main-loop" : `IO ${c.id}`,
      progress: stats[c.index * CTX_STAT.WORDS + CTX_STAT.HEARTBEAT],
      doing: (c.id === "main" ? this.#main : this.#iothreads.get(c.id))?.activity() ??
        "running its event loop",
    }));
    this.#vcpus.forEach((v, i) => {
      const b = i * VCPU_CTL.WORDS;
      out.push({
        thread: v.threadName,
        // Snapshots of the vCPU's counters (Atomics: whole values).
        progress: Atomics.load(this.#vcpuCtl, b + VCPU_CTL.PROGRESS) >>> 0,
        doing: DOING_NAMES[Atomics.load(this.#vcpuCtl, b + VCPU_CTL.DOING)] ?? "unknown",
      });
    });
    return out;
  }

  /**
   * The first failure a thread of the machine reported so far (a handler
   * that threw, a guest that failed), or null. Cheap: the run polls it to
   * end a failed run at once instead of at the end of its duration.
   *
   * @example
   * ```ts ignore
   * const failed = machine.failure(); // { thread, handler, message, stack } or null
   * ```
   */
  failure(): MachineError | null {
    return this.#errors[0] ?? null;
  }

  /**
   * Stops the guests, lets in-flight requests complete (bounded), stops
   * and joins every thread. A thread that does not end within the join
   * timeout is reported in the errors (lib/runtime offers no way to
   * terminate a Worker from outside; the run's process ends it).
   * Idempotent.
   *
   * @example
   * ```ts ignore
   * await machine.stop();
   * ```
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const plan = this.#plan;
    const step = async (thread: string, what: string, p: () => Promise<unknown>): Promise<void> => {
      try {
        const r = await within(p(), this.#joinTimeoutMs, "timeout" as const);
        if (r === "timeout") {
          this.#errors.push({
            thread,
            handler: what,
            message: `${thread}: ${what} did not finish within ${this.#joinTimeoutMs} ms`,
            stack: "",
          });
        }
      } catch (err) {
        this.#errors.push(errorOf(thread, what, err));
      }
    };
    // The measurement ends now, before the guests drain and the threads stop:
    // every context keeps the figures of this moment (probeFreeze).
    const contextThreads: [string, EventLoopThread][] = [
      ["main-loop", this.#main],
      ...[...this.#iothreads.entries()].map((
        [id, t],
      ): [string, EventLoopThread] => [`IO ${id}`, t]),
    ];
    await Promise.all(
      contextThreads.map(([n, t]) =>
        step(n, "probeFreeze", () => t.run(`${CONTEXT_PROBE_MODULE}#probeFreeze`))
      ),
    );
    const stopAt = this.#tb.now();
    // Pairs with the vCPUs' Atomics.load(STOP); the wake notifiers end a halt.
    Atomics.store(this.#ctl, MACHINE_CTL.STOP, 1);
    Atomics.notify(this.#ctl, MACHINE_CTL.GO);
    for (const w of plan.vcpuWake) EventNotifier.fromHandle(w).set();
    await Promise.all(
      this.#vcpus.map((v, i) =>
        step(v.threadName, "vcpuGuestRun", () => this.#guests[i] ?? Promise.resolve())
      ),
    );
    for (const v of this.#vcpus) v.stop();
    await Promise.all(this.#vcpus.map((v) => step(v.threadName, "join", () => v.join())));
    this.#measureEnd = stopAt;
    this.#gather();
    this.#series.tick(this.#measureEnd);
    this.#lastRows();
    this.#finalLocks = this.#lockReports();
    const main = this.#main;
    const threads: [string, EventLoopThread][] = [
      ["main", main],
      ...[...this.#iothreads.entries()],
    ];
    const name = (id: string) => (id === "main" ? "main-loop" : `IO ${id}`);
    await step("main-loop", "choresStop", () => main.run(`${MAIN_LOOP_CHORES_MODULE}#choresStop`));
    await step("main-loop", "graphQuiesce", () => main.run(`${MACHINE_GRAPH_MODULE}#graphQuiesce`));
    for (const [id, t] of threads) {
      await step(
        name(id),
        "probeDetachQueues",
        () => t.run(`${CONTEXT_PROBE_MODULE}#probeDetachQueues`, plan),
      );
    }
    await step(
      "main-loop",
      "graphTeardown",
      () => main.run(`${MACHINE_GRAPH_MODULE}#graphTeardown`, plan),
    );
    for (const [id, t] of threads) {
      await step(name(id), "probeStop", () => t.run(`${CONTEXT_PROBE_MODULE}#probeStop`));
    }
    for (const [, t] of threads) t.stop();
    await Promise.all(threads.map(([id, t]) => step(name(id), "join", () => t.join())));
    await this.#tb.close();
    this.#stopped = true;
  }

  #finalLocks: Record<string, LockReport> | null = null;

  #threadName(id: number): string {
    return this.#threadNames.get(id) ?? (id === 0 ? "orchestrator" : `thread ${id}`);
  }

  /** Per thread name, lock `lock`'s histograms of that thread (every machine thread). */
  #lockHistograms(lock: number): Map<string, LockHistograms> {
    const lt = this.#plan.lockTiming;
    const out = new Map<string, LockHistograms>();
    this.#plan.contexts.forEach((c, i) => {
      out.set(c.id === "main" ? "main-loop" : `IO ${c.id}`, lt.contexts[i][lock]);
    });
    this.#vcpus.forEach((v, i) => out.set(v.threadName, lt.vcpus[i][lock]));
    return out;
  }

  /**
   * One lock's report: each thread's histograms when the lock is timed
   * (`lock`: its index in the plan's lockTiming.locks, or null), then its
   * statistics since `base` per thread (read after the histograms, see
   * resetMeasurements). The whole-lock histograms merge the very snapshots
   * the threads report.
   */
  #lockReport(
    stats: () => MutexStats,
    base: MutexStats | undefined,
    lock: number | null,
  ): LockReport {
    const snaps = new Map<string, { wait: HistogramSnapshot; hold: HistogramSnapshot }>();
    if (lock !== null) {
      for (const [name, h] of this.#lockHistograms(lock)) {
        snaps.set(name, {
          wait: SharedHistogram.fromHandle(h.wait).snapshot(),
          hold: SharedHistogram.fromHandle(h.hold).snapshot(),
        });
      }
    }
    const now = stats();
    const b = new Map((base?.perThread ?? []).map((t) => [t.threadId, t]));
    const byThread: Record<string, LockThreadReport> = {};
    const wait = emptySnapshot();
    const hold = emptySnapshot();
    let acquisitions = 0, contended = 0, waitTotalNs = 0, holdTotalNs = 0;
    for (const t of now.perThread) {
      const o = b.get(t.threadId);
      const acq = t.acquired - (o?.acquired ?? 0);
      if (acq <= 0) continue;
      const name = this.#threadName(t.threadId);
      const s = snaps.get(name);
      const r: LockThreadReport = {
        acquisitions: acq,
        contended: t.contended - (o?.contended ?? 0),
        waitTotalNs: t.waitTotalNs - (o?.waitTotalNs ?? 0),
        holdTotalNs: t.holdTotalNs - (o?.holdTotalNs ?? 0),
        wait: null,
        hold: null,
      };
      if (s !== undefined) {
        // The sinks get contended waits only; the uncontended ones waited 0.
        const free = r.acquisitions - r.contended;
        if (free > 0) s.wait.recordValue(0, free);
        wait.add(s.wait);
        hold.add(s.hold);
        r.wait = encodeHistogram(s.wait);
        r.hold = encodeHistogram(s.hold);
      }
      byThread[name] = r;
      acquisitions += r.acquisitions;
      contended += r.contended;
      waitTotalNs += r.waitTotalNs;
      holdTotalNs += r.holdTotalNs;
    }
    return {
      acquisitions,
      contended,
      contendedShare: acquisitions > 0 ? contended / acquisitions : 0,
      waitTotalNs,
      holdTotalNs,
      wait: lock === null ? null : encodeHistogram(wait),
      hold: lock === null ? null : encodeHistogram(hold),
      byThread,
    };
  }

  #lockReports(): Record<string, LockReport> {
    const plan = this.#plan;
    const timed = plan.lockTiming.locks;
    const locks: Record<string, LockReport> = {
      bql: this.#lockReport(
        bqlStats,
        this.#bqlBase ?? undefined,
        timed.findIndex((l) => l.context === null),
      ),
    };
    for (const c of plan.contexts) {
      try {
        const i = timed.findIndex((l) => l.context === c.id);
        const remote = this.#remote(c.id);
        const r = this.#lockReport(
          () => remote.lockStats(),
          this.#aioBase.get(c.id),
          i >= 0 ? i : null,
        );
        // Outside the seed era the lock is not taken; listed only if something did.
        if (i >= 0 || r.acquisitions > 0) locks[`aio:${c.id}`] = r;
      } catch (err) {
        this.#errors.push(errorOf("orchestrator", `lockStats ${c.id}`, err));
      }
    }
    return locks;
  }

  /**
   * Everything measured since resetMeasurements(), JSON-serializable. Call
   * after stop() for final figures (before it, a snapshot of now).
   *
   * @example
   * ```ts ignore
   * await machine.stop();
   * const report = machine.collect();
   * ```
   */
  collect(): MachineReport {
    const plan = this.#plan;
    if (!this.#stopped) this.#gather();
    const devices: Record<string, DeviceReport> = {};
    plan.devices.forEach((d, di) => {
      let issued = 0, completions = 0, dropped = 0, inFlight = 0;
      const stages = {
        queued: emptySnapshot(),
        dispatch: emptySnapshot(),
        service: emptySnapshot(),
        completion: emptySnapshot(),
      };
      const total = emptySnapshot();
      total.add(this.#series.total(d.name));
      if (!this.#stopped) total.add(this.#deviceHists[d.name].snapshot());
      for (const q of plan.queues) {
        if (q.device !== di) continue;
        const b = q.slot * QUEUE_STAT.WORDS;
        // Snapshots of the vCPU's counters.
        issued += Atomics.load(this.#qstat, b + QUEUE_STAT.ISSUED);
        completions += Atomics.load(this.#qstat, b + QUEUE_STAT.COMPLETED);
        dropped += Atomics.load(this.#qstat, b + QUEUE_STAT.DROPPED);
        inFlight += Atomics.load(this.#qstat, b + QUEUE_STAT.OUTSTANDING);
        for (const k of ["queued", "dispatch", "service", "completion"] as const) {
          stages[k].add(SharedHistogram.fromHandle(q.hist[k]).snapshot());
        }
      }
      devices[d.name] = {
        issued,
        completions,
        dropped,
        inFlight,
        latency: encodeHistogram(total),
        stages: {
          queued: encodeHistogram(stages.queued),
          dispatch: encodeHistogram(stages.dispatch),
          service: encodeHistogram(stages.service),
          completion: encodeHistogram(stages.completion),
        },
        stageSampleEvery: plan.stageSampleEvery,
        contexts: [...d.contexts],
      };
    });
    const cs = new Float64Array(plan.ctxStat);
    const contexts: Record<string, ContextReport> = {};
    for (const c of plan.contexts) {
      const b = c.index * CTX_STAT.WORDS;
      const sleepNs = cs[b + CTX_STAT.SLEEP_NS];
      const pollNs = cs[b + CTX_STAT.POLL_NS];
      contexts[c.id] = {
        thread: c.id === "main" ? "main-loop" : `IO ${c.id}`,
        dispatchNs: Math.max(0, cs[b + CTX_STAT.ELAPSED_NS] - sleepNs - pollNs),
        pollNs,
        sleepNs,
        polls: cs[b + CTX_STAT.POLLS],
        pollsWithWork: cs[b + CTX_STAT.PROGRESS],
        wakeups: cs[b + CTX_STAT.WAITS],
        jitter: encodeHistogram(SharedHistogram.fromHandle(c.jitter).snapshot()),
        clockUncertaintyNs: cs[b + CTX_STAT.CLOCK_UNCERTAINTY_NS],
        ...(c.cpus === null ? {} : { cpus: [...c.cpus] }),
      };
    }
    const vt = new Float64Array(plan.vcpuTime);
    const vcpus: VcpuReport[] = this.#vcpus.map((v, i) => ({
      thread: v.threadName,
      computeNs: vt[i * VCPU_TIME.WORDS + VCPU_TIME.COMPUTE_NS],
      bqlWaitNs: vt[i * VCPU_TIME.WORDS + VCPU_TIME.BQL_WAIT_NS],
      ioWaitNs: vt[i * VCPU_TIME.WORDS + VCPU_TIME.IO_WAIT_NS],
      clockUncertaintyNs: vt[i * VCPU_TIME.WORDS + VCPU_TIME.CLOCK_UNCERTAINTY_NS],
      ...(plan.vcpuCpus === null ? {} : { cpus: [...plan.vcpuCpus] }),
    }));
    const end = this.#measureEnd >= 0 ? this.#measureEnd : this.#tb.now();
    const locks = this.#finalLocks ?? this.#lockReports();
    const acquired = Object.values(locks).reduce((n, l) => n + l.acquisitions, 0);
    const completed = Object.values(devices).reduce((n, d) => n + d.completions, 0);
    const lockShare = completed > 0 ? (this.#lockOverheadNs * acquired) / completed : 0;
    return {
      placement: plan.placement,
      devices,
      contexts,
      locks,
      vcpus,
      timeSeries: {
        intervalNs: this.#intervalNs,
        rows: [...this.#pendingRows, ...this.#series.drainRows()],
        events: this.#series.drainEvents(),
        rowsDropped: this.#series.rowsDropped,
      },
      measurementOverheadNs: this.#overheadNs + lockShare,
      lockMeasurementNs: this.#lockOverheadNs,
      durationNs: end - this.#measureStart,
      errors: [...this.#errors],
    };
  }
}
