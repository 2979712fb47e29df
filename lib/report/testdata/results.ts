// Result documents for the report's tests: the real default-suite result
// (a 2-placement, 2-repetition run of `aiolab run default`), and documents
// built here the way the lab records them (real SharedHistograms drained
// per interval by a real TimeSeries on a manual clock, encoded with
// lib/measure encodeHdr), every one validated by lib/result loadResult:
// empty (no runs), single placement with a live move, partial (a failed
// and a stopped run), a sweep, and locks with per-thread histograms in the
// shapes a producer may write them.

import { SeededRandom } from "../../analysis/random.ts";
import { encodeHistogram } from "../../measure/hdr_export.ts";
import { SharedHistogram } from "../../measure/histogram.ts";
import { TimeSeries } from "../../measure/time_series.ts";
import {
  loadResult,
  type Manifest,
  type ResultDocument,
  type RunRecord,
  summarize,
} from "../../result/document.ts";
import type { HistogramReport, LockReport, MachineReport } from "../../result/machine_report.ts";
import defaultJson from "./default_result.json" with { type: "json" };

/**
 * The real default-suite result (placements "main" and "iothread", 2
 * repetitions each). It was written before locks reported `byThread`: each
 * lock gets one built from its `perThread` totals (no per-thread
 * histograms, as then), so that it loads whichever of the two shapes
 * lib/result's schema asks for.
 */
export function defaultResult(): ResultDocument {
  const raw = structuredClone(defaultJson) as unknown as {
    runs: { report: { locks: Record<string, Record<string, unknown>> } | null }[];
  };
  for (const run of raw.runs) {
    for (const lock of Object.values(run.report?.locks ?? {})) {
      if (lock.byThread !== undefined || !Array.isArray(lock.perThread)) continue;
      lock.byThread = Object.fromEntries(
        (lock.perThread as { thread: string }[]).map(({ thread, ...totals }) => [
          thread,
          { ...totals, wait: null, hold: null },
        ]),
      );
    }
  }
  return loadResult(JSON.stringify(raw), "default_result.json");
}

function histogramOf(values: readonly number[]): HistogramReport {
  const h = new SharedHistogram();
  for (const v of values) h.record(v);
  return encodeHistogram(h.snapshot());
}

/**
 * Where per-thread lock histograms are written: nowhere ("totals"), in
 * `byThread` (the lab's shape) or in the older `perThread` list. Every
 * lock carries both `byThread` and `perThread` totals, so that it loads
 * whichever of the two lib/result's schema asks for.
 */
export type LockShape = "totals" | "byThread" | "perThread-histograms";

/** One placement of a built result. */
export interface BuiltPlacement {
  /** Mean of the exponential part of every latency, ns. */
  meanNs: number;
  /** Constant part of every latency, ns (default 20 µs). */
  offsetNs?: number;
  /** The contexts the devices run in (default ["main"]); "main" is always a context. */
  iothreads?: string[];
  /** Share of an IOThread's time spent polling (default 0.2). */
  pollShare?: number;
}

/** Options of {@link buildResult}. */
export interface BuildOptions {
  /** Seed of every draw (default 1). */
  seed?: number;
  /** Scenario name (default "built"). */
  scenario?: string;
  /** Placements by name. */
  placements: Record<string, BuiltPlacement>;
  /** Repetitions per placement (default 2). */
  repetitions?: number;
  /** Devices (default ["disk0"]). */
  devices?: string[];
  /** Sweep points (default one point without a label). */
  sweeps?: Record<string, number>[];
  /** A multiplier of the latency per sweep point (default: the first swept value / the first point's). */
  sweepFactor?: (sweep: Record<string, number>) => number;
  /** Intervals per run (default 8). */
  intervals?: number;
  /** Interval length, ns (default 20 ms). */
  intervalNs?: number;
  /** Runs that fail (no report). */
  failed?: { placement: string; repetition: number }[];
  /** Runs that were stopped after `intervals` intervals. */
  stopped?: { placement: string; repetition: number; intervals: number }[];
  /** Events marked in every run of a placement, at a share of the run (0..1). */
  events?: { placement: string; at: number; name: string }[];
  /** How per-thread lock histograms are written (default "totals": none, as today's lab). */
  locks?: LockShape;
  /** Start time of the invocation (default 2026-12-01T10:00:00.000Z). */
  startTime?: string;
}

const SHA = "0".repeat(64);

function manifest(o: BuildOptions, runs: RunRecord[], planned: number): Manifest {
  const start = o.startTime ?? "2026-12-01T10:00:00.000Z";
  const partial = runs.length < planned || runs.some((r) => r.status !== "completed");
  return {
    aiolabVersion: "0.1.0",
    gitCommit: null,
    deno: "2.9.6",
    v8: "15.0",
    typescript: "6.0",
    os: "linux",
    arch: "x86_64",
    cpu: "test",
    cores: 2,
    clockResolutionNs: 100,
    noiseFloor: {
      idleJitter: { samples: 100, p50Ns: 60_000, p99Ns: 200_000, maxNs: 900_000 },
      handoffRoundTrip: { samples: 100, p50Ns: 25_000, p99Ns: 90_000, maxNs: 300_000 },
      elapsedMs: 100,
    },
    scenario: { name: o.scenario ?? "built", file: "built.ts", text: "", sha256: SHA },
    seed: o.seed ?? 1,
    overrides: {},
    commandLine: ["aiolab", "run", "built.ts"],
    startTime: start,
    endTime: start,
    partial,
    interrupted: runs.some((r) => r.status === "stopped"),
    plannedRuns: planned,
    warnings: [],
  };
}

function lockReport(
  threads: { thread: string; waits: number[]; holds: number[] }[],
  shape: LockShape,
  withHistograms: boolean,
): LockReport {
  const all = (k: "waits" | "holds") => threads.flatMap((t) => t[k]);
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const totals = threads.map((t) => ({
    acquisitions: t.holds.length,
    contended: t.waits.filter((w) => w > 0).length,
    waitTotalNs: sum(t.waits),
    holdTotalNs: sum(t.holds),
  }));
  const histograms = (i: number, where: LockShape) =>
    shape === where
      ? { wait: histogramOf(threads[i].waits), hold: histogramOf(threads[i].holds) }
      : { wait: null, hold: null };
  const acquisitions = sum(totals.map((t) => t.acquisitions));
  const contended = sum(totals.map((t) => t.contended));
  const lock = {
    acquisitions,
    contended,
    contendedShare: acquisitions === 0 ? 0 : contended / acquisitions,
    waitTotalNs: sum(all("waits")),
    holdTotalNs: sum(all("holds")),
    wait: withHistograms ? histogramOf(all("waits")) : null,
    hold: withHistograms ? histogramOf(all("holds")) : null,
    byThread: Object.fromEntries(
      threads.map((t, i) => [t.thread, { ...totals[i], ...histograms(i, "byThread") }]),
    ),
    perThread: threads.map((t, i) => {
      const h = histograms(i, "perThread-histograms");
      return { thread: t.thread, ...totals[i], ...(h.wait === null ? {} : h) };
    }),
  };
  return lock as unknown as LockReport;
}

function machineReport(
  o: BuildOptions,
  rng: SeededRandom,
  placement: string,
  p: BuiltPlacement,
  factor: number,
  intervals: number,
): MachineReport {
  const devices = o.devices ?? ["disk0"];
  const intervalNs = o.intervalNs ?? 20e6;
  const iothreads = p.iothreads ?? [];
  const contextOf = (i: number) =>
    iothreads.length === 0 ? "main" : iothreads[i % iothreads.length];
  const hists = Object.fromEntries(devices.map((d) => [d, new SharedHistogram()]));
  const stages = devices.map(() => ({
    queued: new SharedHistogram(),
    dispatch: new SharedHistogram(),
    service: new SharedHistogram(),
    completion: new SharedHistogram(),
  }));
  const origin = 5e8; // the rows' clock starts after a warm-up, as the lab's does
  let now = origin;
  const ts = new TimeSeries(hists, { clock: () => now, intervalNs });
  for (let k = 0; k < intervals; k++) {
    devices.forEach((d, i) => {
      for (let used = 0; used < intervalNs;) {
        const dispatch = factor * (2_000 + rng.exponential(p.meanNs * 0.2));
        const service = factor * ((p.offsetNs ?? 20_000) + rng.exponential(p.meanNs * 0.7));
        const completion = factor * (1_000 + rng.exponential(p.meanNs * 0.1));
        const total = dispatch + service + completion;
        hists[d].record(total);
        stages[i].queued.record(0);
        stages[i].dispatch.record(dispatch);
        stages[i].service.record(service);
        stages[i].completion.record(completion);
        used += total;
      }
    });
    now += intervalNs;
    ts.tick();
  }
  const durationNs = intervals * intervalNs;
  for (const e of o.events ?? []) {
    if (e.placement === placement) ts.mark(e.name, origin + e.at * durationNs);
  }
  const contextNames = ["main", ...iothreads];
  const contexts = Object.fromEntries(contextNames.map((c) => {
    const busy = c === "main" ? 0.15 : 0.3 + 0.2 * rng.next();
    const poll = c === "main" ? 0 : (p.pollShare ?? 0.2);
    const jitter: number[] = [];
    for (let i = 0; i < 300; i++) {
      jitter.push(5_000 + rng.exponential(c === "main" ? 80_000 : 20_000));
    }
    return [c, {
      thread: c === "main" ? "main-loop" : `IO ${c}`,
      dispatchNs: busy * durationNs,
      pollNs: poll * durationNs,
      sleepNs: Math.max(0, 1 - busy - poll) * durationNs,
      polls: 1000,
      pollsWithWork: 700,
      wakeups: 600,
      jitter: histogramOf(jitter),
    }];
  }));
  const shape = o.locks ?? "totals";
  const draws = (n: number, mean: number, zeroShare = 0) =>
    Array.from({ length: n }, () => rng.next() < zeroShare ? 0 : rng.exponential(mean));
  const locks: Record<string, LockReport> = {
    bql: lockReport(
      [
        { thread: "main-loop", waits: draws(200, 3_000, 0.8), holds: draws(200, 40_000) },
        { thread: "CPU 0/aiolab", waits: draws(50, 30_000, 0.3), holds: draws(50, 5_000) },
      ],
      shape,
      true,
    ),
  };
  for (const c of contextNames) {
    locks[`aio:${c}`] = lockReport(
      [{
        thread: c === "main" ? "main-loop" : `IO ${c}`,
        waits: draws(100, 1_000, 0.9),
        holds: draws(100, 10_000),
      }],
      shape,
      false,
    );
  }
  return {
    placement,
    devices: Object.fromEntries(devices.map((d, i) => {
      const total = ts.total(d);
      return [d, {
        issued: total.totalCount,
        completions: total.totalCount,
        dropped: 0,
        inFlight: 0,
        latency: encodeHistogram(total),
        stages: {
          queued: encodeHistogram(stages[i].queued.snapshot()),
          dispatch: encodeHistogram(stages[i].dispatch.snapshot()),
          service: encodeHistogram(stages[i].service.snapshot()),
          completion: encodeHistogram(stages[i].completion.snapshot()),
        },
        stageSampleEvery: 1,
        contexts: [contextOf(i)],
      }];
    })),
    contexts,
    locks,
    vcpus: [{
      thread: "CPU 0/aiolab",
      computeNs: 0.1 * durationNs,
      bqlWaitNs: 0.01 * durationNs,
      ioWaitNs: 0.85 * durationNs,
    }],
    timeSeries: { intervalNs, rows: ts.drainRows(), events: ts.drainEvents(), rowsDropped: 0 },
    measurementOverheadNs: 800,
    lockMeasurementNs: 50,
    durationNs,
    errors: [],
  };
}

/** A result document built from `o`, checked by lib/result `loadResult`. */
export function buildResult(o: BuildOptions): ResultDocument {
  const rng = new SeededRandom(o.seed ?? 1);
  const repetitions = o.repetitions ?? 2;
  const sweeps = o.sweeps ?? [{}];
  const firstValue = (s: Record<string, number>) => Object.values(s)[0] ?? 1;
  const factorOf = o.sweepFactor ??
    ((s: Record<string, number>) => firstValue(s) / firstValue(sweeps[0]));
  const runs: RunRecord[] = [];
  let planned = 0;
  sweeps.forEach((sweep, sweepIndex) => {
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      for (const [placement, p] of Object.entries(o.placements)) {
        planned++;
        const failed = (o.failed ?? []).some((f) =>
          f.placement === placement && f.repetition === repetition
        );
        const stopped = (o.stopped ?? []).find((f) =>
          f.placement === placement && f.repetition === repetition
        );
        const report = failed ? null : machineReport(
          o,
          rng,
          placement,
          p,
          factorOf(sweep),
          stopped?.intervals ?? o.intervals ?? 8,
        );
        runs.push({
          index: runs.length,
          scenario: o.scenario ?? "built",
          placement,
          sweepIndex,
          sweep,
          repetition,
          seed: (o.seed ?? 1) + repetition - 1,
          status: failed ? "failed" : stopped ? "stopped" : "completed",
          error: failed
            ? {
              thread: "IO io0",
              handler: "virtio-blk",
              message: "the handler threw",
              stack: "",
              doing: null,
            }
            : null,
          startTime: o.startTime ?? "2026-12-01T10:00:00.000Z",
          elapsedMs: 200,
          exitCode: failed ? 1 : 0,
          lastProgress: null,
          report,
        });
      }
    }
  });
  const doc: ResultDocument = {
    schemaVersion: 1,
    manifest: manifest(o, runs, planned),
    runs,
    summary: summarize(runs),
  };
  return loadResult(JSON.stringify(doc), "built.json");
}

/** A result with no runs (interrupted before the first run). */
export function emptyResult(): ResultDocument {
  const doc = buildResult({ placements: {} });
  return { ...doc, manifest: { ...doc.manifest, partial: true, interrupted: true } };
}

/** One placement (an IOThread) with a live move to a second IOThread half-way through. */
export function singlePlacementResult(): ResultDocument {
  return buildResult({
    scenario: "single",
    placements: { iothread: { meanNs: 60_000, iothreads: ["io0", "io1"] } },
    events: [
      { placement: "iothread", at: 0.45, name: "drain begin" },
      { placement: "iothread", at: 0.5, name: "disk0 moved to io1" },
    ],
  });
}

/** Two placements, one run failed and one stopped part-way (Ctrl-C). */
export function partialResult(): ResultDocument {
  return buildResult({
    scenario: "partial",
    placements: {
      main: { meanNs: 150_000 },
      iothread: { meanNs: 60_000, iothreads: ["io0"] },
    },
    failed: [{ placement: "iothread", repetition: 2 }],
    stopped: [{ placement: "main", repetition: 2, intervals: 3 }],
  });
}

/** A sweep over queue depth (1, 4, 16) of two placements; latency grows with the depth. */
export function sweepResult(): ResultDocument {
  return buildResult({
    scenario: "sweep",
    placements: {
      main: { meanNs: 120_000 },
      iothread: { meanNs: 50_000, iothreads: ["io0"] },
    },
    sweeps: [{ "devices.disk0.queueDepth": 1 }, { "devices.disk0.queueDepth": 4 }, {
      "devices.disk0.queueDepth": 16,
    }],
    sweepFactor: (s) => Math.sqrt(s["devices.disk0.queueDepth"]),
    intervals: 5,
  });
}

/** Two devices on two IOThreads, locks with per-thread histograms in `shape`. */
export function lockThreadsResult(shape: LockShape): ResultDocument {
  return buildResult({
    scenario: "locks",
    placements: { iothreads: { meanNs: 50_000, iothreads: ["io0", "io1"] } },
    devices: ["disk0", "disk1"],
    repetitions: 1,
    locks: shape,
  });
}

/** Every fixture by name, as the chart tests run them (fresh documents on each call). */
export function fixtures(): Record<string, ResultDocument[]> {
  return {
    default: [defaultResult()],
    empty: [emptyResult()],
    single: [singlePlacementResult()],
    partial: [partialResult()],
    sweep: [sweepResult()],
    compare: [defaultResult(), partialResult()],
  };
}
