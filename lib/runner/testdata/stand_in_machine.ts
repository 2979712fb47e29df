// A stand-in for the guest model (lib/machine/machine.ts) with the same
// `Machine` contract (LAB_API.md), for the runner's tests while the real
// machine is built elsewhere: real Workers (stand_in_thread.ts) on real
// timers record into real shared histograms, and collect() returns a
// MachineReport-shaped report. The placement's name selects a fault:
// "stuck" (a context thread stops making progress) or "throws" (a device
// handler throws); "noisy" prints to stderr and stdout besides its messages. Test fixture; not part of the API.

import { type HistogramSnapshot, SharedHistogram } from "../../measure/histogram.ts";
import { encodeHistogram } from "../../measure/hdr_export.ts";
import { type IntervalRow, type SeriesEvent, TimeSeries } from "../../measure/time_series.ts";
import type {
  HistogramReport,
  MachineError as ThreadErrorReport,
  MachineOptions,
  MachineReport,
  MachineSample,
  ThreadHeartbeat,
} from "../../machine/machine.ts";
import { emptyHistogramReport } from "../../result/machine_report.ts";
import { CTL, DOING, type ThreadInit } from "./stand_in_thread.ts";

const THREAD = new URL("./stand_in_thread.ts", import.meta.url);

/** lib/measure's encoding, with an empty histogram stored as "" (as older documents have it). */
function histReport(s: HistogramSnapshot): HistogramReport {
  const r = encodeHistogram(s);
  return r.count > 0 ? r : { ...r, hdr: "" };
}

interface Thread {
  name: string;
  context: string | null;
  worker: Worker;
  jitter: SharedHistogram;
}

/** The stand-in machine. Run-child main thread only. */
export class Machine {
  readonly #ctl = new Int32Array(new SharedArrayBuffer(4 * (CTL.FIRST + 64)));
  readonly #waits = new Float64Array(new SharedArrayBuffer(8 * 32));
  readonly #threads: Thread[] = [];
  readonly #placement: string;
  readonly #intervalNs: number;
  readonly #hists: Record<string, SharedHistogram> = {};
  readonly #counters: Record<string, Int32Array> = {};
  readonly #deviceContext: Record<string, string> = {};
  readonly #errors: ThreadErrorReport[] = [];
  #series: TimeSeries;
  #rows: IntervalRow[] = [];
  #events: SeriesEvent[] = [];
  #t0 = performance.now();
  #t1: number | null = null;
  #terminated: string[] = [];

  private constructor(opts: MachineOptions) {
    this.#placement = opts.placement;
    this.#intervalNs = opts.run.probes.timeSeriesInterval;
    const p = opts.run.placements[opts.placement];
    for (const d of opts.run.devices) {
      this.#hists[d.id] = new SharedHistogram();
      this.#counters[d.id] = new Int32Array(new SharedArrayBuffer(4));
      this.#deviceContext[d.id] = p.queueContexts[d.id]?.[0] ?? "main";
    }
    this.#series = new TimeSeries(this.#hists, { intervalNs: this.#intervalNs });
  }

  /** Starts one Worker per context and one vCPU; idle until begin(). */
  static async start(opts: MachineOptions): Promise<Machine> {
    const m = new Machine(opts);
    if (opts.placement === "noisy") {
      // A run that talks besides its messages: the lab must keep what it said.
      console.error("Warning: the noisy stand-in writes to stderr");
      console.log("a stray line on stdout");
      console.log("another");
    }
    const fault = opts.placement === "stuck" || opts.placement === "throws"
      ? opts.placement
      : "none";
    const contexts = ["main", ...Object.keys(opts.run.placements[opts.placement].iothreads)];
    const specs: { name: string; context: string | null; role: ThreadInit["role"] }[] = [
      ...contexts.map((c) => ({
        name: c === "main" ? "main-loop" : c,
        context: c,
        role: "context" as const,
      })),
      { name: "vcpu0", context: null, role: "vcpu" as const },
    ];
    await Promise.all(specs.map((s, index) => {
      const worker = new Worker(THREAD, { type: "module", name: s.name });
      const jitter = new SharedHistogram();
      const t: Thread = { name: s.name, context: s.context, worker, jitter };
      m.#threads.push(t);
      worker.addEventListener("error", (ev) => {
        ev.preventDefault();
        m.#errors.push({ thread: s.name, handler: null, message: ev.message, stack: "" });
      });
      return new Promise<void>((resolve) => {
        worker.addEventListener("message", (e: MessageEvent) => {
          const msg = e.data;
          if (msg.type === "ready") resolve();
          if (msg.type === "error") {
            m.#errors.push({
              thread: s.name,
              handler: msg.handler,
              message: msg.message,
              stack: msg.stack ?? "",
            });
          }
        });
        const init: ThreadInit = {
          name: s.name,
          index,
          role: s.role,
          fault,
          ctl: m.#ctl.buffer as SharedArrayBuffer,
          waits: m.#waits.buffer as SharedArrayBuffer,
          jitter: jitter.handle,
          devices: s.context === null ? [] : m.#devicesOf(s.context),
          holdUs: s.context === "main" ? 300 : 0,
        };
        worker.postMessage({ type: "init", init });
      });
    }));
    return m;
  }

  #devicesOf(context: string): ThreadInit["devices"] {
    return Object.keys(this.#deviceContext)
      .filter((d) => this.#deviceContext[d] === context)
      .map((d) => ({
        name: d,
        hist: this.#hists[d].handle,
        counter: this.#counters[d].buffer as SharedArrayBuffer,
      }));
  }

  /** Starts the workload. */
  begin(): void {
    // Pairs with each thread's Atomics.load(STATE).
    Atomics.store(this.#ctl, CTL.STATE, 1);
  }

  /** Clears every measurement; measuring starts now. */
  resetMeasurements(): void {
    for (const h of Object.values(this.#hists)) h.reset();
    for (const c of Object.values(this.#counters)) Atomics.store(c, 0, 0);
    for (const t of this.#threads) t.jitter.reset();
    this.#waits.fill(0);
    this.#series = new TimeSeries(this.#hists, { intervalNs: this.#intervalNs });
    this.#rows = [];
    this.#events = [];
    this.#t0 = performance.now();
  }

  /** Closes the current interval. */
  sample(nowNs: number): MachineSample {
    this.#series.tick(nowNs);
    const rows = this.#series.drainRows();
    this.#rows.push(...rows);
    const devices: MachineSample["devices"] = {};
    for (const r of rows) {
      devices[r.device] = { completions: r.completions, p50Ns: r.p50, p99Ns: r.p99, maxNs: r.max };
    }
    return { devices };
  }

  /** Moves a device's handling to the thread of context `to`. */
  async move(device: string, to: string): Promise<void> {
    const from = this.#threads.find((t) => t.context === this.#deviceContext[device]);
    const target = this.#threads.find((t) => t.context === to);
    if (from === undefined || target === undefined) {
      throw new RangeError(`cannot move ${device} to ${to}: no such context`);
    }
    const ack = (t: Thread, type: string) =>
      new Promise<void>((resolve) => {
        const on = (e: MessageEvent) => {
          if (e.data.type === type && e.data.device === device) {
            t.worker.removeEventListener("message", on);
            resolve();
          }
        };
        t.worker.addEventListener("message", on);
      });
    const dropped = ack(from, "dropped");
    from.worker.postMessage({ type: "drop", device });
    await dropped;
    const hosted = ack(target, "hosted");
    target.worker.postMessage({
      type: "host",
      device: {
        name: device,
        hist: this.#hists[device].handle,
        counter: this.#counters[device].buffer,
      },
    });
    await hosted;
    this.#deviceContext[device] = to;
    this.#series.mark(`${device} moved to ${to}`);
  }

  /** Per-thread progress. */
  heartbeat(): ThreadHeartbeat[] {
    return this.#threads.map((t, i) => ({
      thread: t.name,
      // Pairs with the thread's Atomics.add / Atomics.store of its words.
      progress: Atomics.load(this.#ctl, CTL.FIRST + 2 * i),
      doing: DOING[Atomics.load(this.#ctl, CTL.FIRST + 2 * i + 1)] ?? "unknown",
    }));
  }

  /** The first thread error so far. */
  failure(): ThreadErrorReport | null {
    return this.#errors[0] ?? null;
  }

  /** Stops every thread; terminates those that do not stop within 500 ms. */
  async stop(): Promise<void> {
    if (this.#t1 === null) this.#t1 = performance.now();
    this.#series.tick();
    this.#rows.push(...this.#series.drainRows());
    this.#events.push(...this.#series.drainEvents());
    Atomics.store(this.#ctl, CTL.STATE, 2);
    await Promise.all(this.#threads.map((t) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#terminated.push(t.name);
          resolve();
        }, 500);
        t.worker.addEventListener("message", (e: MessageEvent) => {
          if (e.data.type === "stopped") {
            clearTimeout(timer);
            resolve();
          }
        });
      })
    ));
    for (const t of this.#threads) t.worker.terminate();
  }

  /** The report. */
  collect(): MachineReport & { terminatedThreads: string[] } {
    const durationNs = ((this.#t1 ?? performance.now()) - this.#t0) * 1e6;
    const devices: MachineReport["devices"] = {};
    for (const d of Object.keys(this.#hists)) {
      const latency = histReport(this.#series.total(d));
      devices[d] = {
        issued: latency.count,
        completions: latency.count,
        dropped: 0,
        inFlight: 0,
        latency,
        stages: {
          queued: emptyHistogramReport(),
          dispatch: emptyHistogramReport(),
          service: emptyHistogramReport(),
          completion: emptyHistogramReport(),
        },
        stageSampleEvery: 16,
        contexts: [this.#deviceContext[d]],
      };
    }
    const contexts: MachineReport["contexts"] = {};
    for (const t of this.#threads) {
      if (t.context === null) continue;
      contexts[t.context] = {
        thread: t.name,
        dispatchNs: 0,
        pollNs: 0,
        sleepNs: 0,
        polls: 0,
        pollsWithWork: 0,
        wakeups: 0,
        jitter: histReport(t.jitter.snapshot()),
      };
    }
    const vcpuIndex = this.#threads.findIndex((t) => t.context === null);
    const bqlWaitNs = this.#waits[vcpuIndex];
    return {
      placement: this.#placement,
      devices,
      contexts,
      locks: {
        bql: {
          acquisitions: 0,
          contended: 0,
          contendedShare: 0,
          waitTotalNs: bqlWaitNs,
          holdTotalNs: 0,
          wait: null,
          hold: null,
          byThread: {},
        },
      },
      vcpus: [{ thread: "vcpu0", computeNs: 0, bqlWaitNs, ioWaitNs: 0 }],
      timeSeries: {
        intervalNs: this.#intervalNs,
        rows: this.#rows,
        events: this.#events,
        rowsDropped: 0,
      },
      measurementOverheadNs: 0,
      lockMeasurementNs: 0,
      durationNs,
      errors: [...this.#errors],
      terminatedThreads: this.#terminated,
    };
  }
}
