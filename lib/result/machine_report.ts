/**
 * The report of one run as a result document stores it: the validated
 * contract of what the guest model (lib/machine `Machine.collect()`)
 * produces, as a zod schema so that a loaded document is checked field by
 * field. lib/machine's `MachineReport` interface is the producer's side of
 * the same shape; lib/runner/_machine_seam_test.ts asserts, at compile
 * time, that the two are the same type (apart from the index signatures
 * that keep unknown fields here). The schema keeps fields it does not know
 * (a newer machine may report more), so a document round-trips through
 * {@linkcode machineReportSchema} unchanged. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyHistogramReport, histogramReportSchema } from "./machine_report.ts";
 * const h = histogramReportSchema.parse(emptyHistogramReport());
 * assert.equal(h.count, 0);
 * ```
 *
 * @module
 */

import { z } from "zod";

const ns = z.number().finite().nonnegative();
const count = z.number().int().nonnegative();

/** An encoded histogram plus its summary (lib/measure `encodeHdr` and `summary()`), in ns. */
export interface HistogramReport {
  /** HdrHistogram V2 compressed, base64 (`""` for an empty histogram that was not encoded). */
  hdr: string;
  /** Records. */
  count: number;
  /** Smallest record, ns (0 when empty). */
  minNs: number;
  /** Largest record, ns (0 when empty). */
  maxNs: number;
  /** Mean, ns. */
  meanNs: number;
  /** Median, ns. */
  p50Ns: number;
  /** 90th percentile, ns. */
  p90Ns: number;
  /** 99th percentile, ns. */
  p99Ns: number;
  /** 99.9th percentile, ns. */
  p999Ns: number;
  /** 99.99th percentile, ns. */
  p9999Ns: number;
  /** Fields a newer producer added. */
  [extra: string]: unknown;
}

const histogram = z.looseObject({
  hdr: z.string(),
  count,
  minNs: ns,
  maxNs: ns,
  meanNs: ns,
  p50Ns: ns,
  p90Ns: ns,
  p99Ns: ns,
  p999Ns: ns,
  p9999Ns: ns,
});

/** Schema of a {@linkcode HistogramReport}. */
export const histogramReportSchema: z.ZodType<HistogramReport> = histogram;

/**
 * A histogram report with no records (what a run that measured nothing
 * reports). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyHistogramReport } from "./machine_report.ts";
 * assert.equal(emptyHistogramReport().p99Ns, 0);
 * ```
 */
export function emptyHistogramReport(): HistogramReport {
  return {
    hdr: "",
    count: 0,
    minNs: 0,
    maxNs: 0,
    meanNs: 0,
    p50Ns: 0,
    p90Ns: 0,
    p99Ns: 0,
    p999Ns: 0,
    p9999Ns: 0,
  };
}

/** One device of a run. */
export interface DeviceReport {
  /** Requests issued (open loop: intended arrivals). */
  issued: number;
  /** Requests completed in the measured time. */
  completions: number;
  /** Open loop: arrivals that could not be issued (queue full). */
  dropped: number;
  /** Requests still in flight when the machine stopped (issued = completions + dropped + inFlight). */
  inFlight: number;
  /** Total latency (from the intended issue time in open loop). */
  latency: HistogramReport;
  /** The latency split into its stages, sampled one request in {@linkcode DeviceReport.stageSampleEvery}. */
  stages: {
    queued: HistogramReport;
    dispatch: HistogramReport;
    service: HistogramReport;
    completion: HistogramReport;
  };
  /** One request in N has its stages recorded. */
  stageSampleEvery: number;
  /** Context of each queue. */
  contexts: string[];
  /** Fields a newer machine added. */
  [extra: string]: unknown;
}

/** One AioContext of a run. */
export interface ContextReport {
  /** The thread that runs it. */
  thread: string;
  /** Time dispatching handlers, ns. */
  dispatchNs: number;
  /** Time busy-polling, ns. */
  pollNs: number;
  /** Time asleep, ns. */
  sleepNs: number;
  /** Polls. */
  polls: number;
  /** Polls that found work. */
  pollsWithWork: number;
  /** Wakeups from sleep. */
  wakeups: number;
  /** Lateness of the jitter-probe timer. */
  jitter: HistogramReport;
  /** Bound on the thread's offset to the shared time base, ns: its stage stamps are exact to within it (wide on a loaded host). Absent in older documents. */
  clockUncertaintyNs?: number;
  /** CPUs its thread was pinned to; absent when not pinned. */
  cpus?: number[];
  /** Fields a newer machine added. */
  [extra: string]: unknown;
}

/** One thread's use of one lock. */
export interface LockThreadReport {
  /** Acquisitions. */
  acquisitions: number;
  /** Acquisitions that had to wait. */
  contended: number;
  /** Time waiting, ns. */
  waitTotalNs: number;
  /** Time holding, ns. */
  holdTotalNs: number;
  /** Its waits, one per acquisition (0 when the lock was free), or null when the thread recorded no timings. */
  wait: HistogramReport | null;
  /** Its holds, one per release, or null as for `wait`. */
  hold: HistogramReport | null;
  /** Fields a newer machine added. */
  [extra: string]: unknown;
}

/** One lock of a run (`"bql"`, `"aio:<ctx>"`). */
export interface LockReport {
  /** Acquisitions. */
  acquisitions: number;
  /** Acquisitions that had to wait. */
  contended: number;
  /** `contended / acquisitions` (0 without acquisitions). */
  contendedShare: number;
  /** Time waiting, ns, summed over threads. */
  waitTotalNs: number;
  /** Time holding, ns, summed over threads. */
  holdTotalNs: number;
  /** Waits of every machine thread merged, or null when the lock is not timed. */
  wait: HistogramReport | null;
  /** Holds of every machine thread merged, or null when the lock is not timed. */
  hold: HistogramReport | null;
  /** Per thread name: only threads that took it. */
  byThread: Record<string, LockThreadReport>;
  /** Fields a newer machine added. */
  [extra: string]: unknown;
}

/** One vCPU thread of a run. */
export interface VcpuReport {
  /** Thread name. */
  thread: string;
  /** Time computing, ns. */
  computeNs: number;
  /** Time waiting for the BQL, ns. */
  bqlWaitNs: number;
  /** Time waiting for I/O completions, ns. */
  ioWaitNs: number;
  /** Bound on the thread's offset to the shared time base, ns: its timestamps are exact to within it. Absent in older documents. */
  clockUncertaintyNs?: number;
  /** CPUs its thread was pinned to; absent when not pinned. */
  cpus?: number[];
  /** Fields a newer machine added. */
  [extra: string]: unknown;
}

/** An error a thread of the run raised. */
export interface ThreadErrorReport {
  /** Thread name. */
  thread: string;
  /** Handler that threw, or null when not in a handler. */
  handler: string | null;
  /** Error message. */
  message: string;
  /** Stack trace (`""` when none). */
  stack: string;
  /** Fields a newer machine added. */
  [extra: string]: unknown;
}

/** Everything one run measured (`MachineReport` of lib/machine). */
export interface MachineReport {
  /** The placement built. */
  placement: string;
  /** Per device id. */
  devices: Record<string, DeviceReport>;
  /** Per context id (`"main"` and each IOThread). */
  contexts: Record<string, ContextReport>;
  /** Per lock. */
  locks: Record<string, LockReport>;
  /** Per vCPU thread. */
  vcpus: VcpuReport[];
  /** Time series (lib/measure TimeSeries rows and events). */
  timeSeries: {
    intervalNs: number;
    rows: unknown[];
    events: unknown[];
    rowsDropped: number;
    [extra: string]: unknown;
  };
  /** Measured cost of measuring, per request, ns (the request path, plus the locks' share). */
  measurementOverheadNs: number;
  /** Measured cost of the lock statistics and timings, per acquisition, ns. */
  lockMeasurementNs: number;
  /** Measured time, ns. */
  durationNs: number;
  /** Errors raised by the run's threads. */
  errors: ThreadErrorReport[];
  /** Fields a newer machine added. */
  [extra: string]: unknown;
}

const threadError = z.looseObject({
  thread: z.string(),
  handler: z.string().nullable(),
  message: z.string(),
  stack: z.string(),
});

/** Schema of a {@linkcode ThreadErrorReport}. */
export const threadErrorReportSchema: z.ZodType<ThreadErrorReport> = threadError;

const machineReport = z.looseObject({
  placement: z.string(),
  devices: z.record(
    z.string(),
    z.looseObject({
      issued: count,
      completions: count,
      dropped: count,
      inFlight: count,
      latency: histogram,
      stages: z.looseObject({
        queued: histogram,
        dispatch: histogram,
        service: histogram,
        completion: histogram,
      }),
      stageSampleEvery: count,
      contexts: z.array(z.string()),
    }),
  ),
  contexts: z.record(
    z.string(),
    z.looseObject({
      thread: z.string(),
      dispatchNs: ns,
      pollNs: ns,
      sleepNs: ns,
      polls: count,
      pollsWithWork: count,
      wakeups: count,
      jitter: histogram,
      clockUncertaintyNs: ns.optional(),
      cpus: z.array(count).optional(),
    }),
  ),
  locks: z.record(
    z.string(),
    z.looseObject({
      acquisitions: count,
      contended: count,
      contendedShare: z.number().min(0).max(1),
      waitTotalNs: ns,
      holdTotalNs: ns,
      wait: histogram.nullable(),
      hold: histogram.nullable(),
      byThread: z.record(
        z.string(),
        z.looseObject({
          acquisitions: count,
          contended: count,
          waitTotalNs: ns,
          holdTotalNs: ns,
          wait: histogram.nullable(),
          hold: histogram.nullable(),
        }),
      ),
    }),
  ),
  vcpus: z.array(z.looseObject({
    thread: z.string(),
    computeNs: ns,
    bqlWaitNs: ns,
    ioWaitNs: ns,
    clockUncertaintyNs: ns.optional(),
    cpus: z.array(count).optional(),
  })),
  timeSeries: z.looseObject({
    intervalNs: z.number().positive(),
    rows: z.array(z.unknown()),
    events: z.array(z.unknown()),
    rowsDropped: count,
  }),
  measurementOverheadNs: ns,
  lockMeasurementNs: ns,
  durationNs: ns,
  errors: z.array(threadError),
});

/** Schema of a {@linkcode MachineReport}. */
export const machineReportSchema: z.ZodType<MachineReport> = machineReport;

// Compile-time: the schema's output is the declared interface at every level
// (apart from the index signatures that keep unknown fields): a field in one
// and not the other fails `deno check` here. lib/runner/_machine_seam_test.ts
// checks lib/machine's MachineReport against the same interface.
type Known<T> = T extends readonly (infer E)[] ? Known<E>[]
  : T extends object ? {
      [K in keyof T as string extends K ? (unknown extends T[K] ? never : K) : K]: Known<T[K]>;
    }
  : T;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
const _schemaIsTheInterface: Equal<Known<z.infer<typeof machineReport>>, Known<MachineReport>> =
  true;
