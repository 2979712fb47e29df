/**
 * The part of a result document (lib/result `ResultDocument`, the lab's
 * contract) that analysis reads, as structural types with the contract's
 * field names: a full `ResultDocument` is assignable to {@link ResultInput}.
 * Analysis never validates a document: lib/result's `loadResult` does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ResultInput } from "./input.ts";
 * const empty: ResultInput = { manifest: { noiseFloor: null }, runs: [], summary: [] };
 * assert.equal(empty.runs.length, 0);
 * ```
 *
 * @module
 */

/** An encoded histogram plus its summary (the contract's `HistogramReport`); analysis reads `hdr`. */
export interface HistogramReportInput {
  /** HdrHistogram V2 compressed, base64 (lib/measure `encodeHdr`); `""` for an empty histogram. */
  hdr: string;
  /** Records counted. */
  count: number;
}

/** The latency of a device split into its stages (the contract's `DeviceReport.stages`). */
export interface StagesInput {
  /** Intended issue time to issue (open loop; 0 in a closed loop). */
  queued: HistogramReportInput;
  /** Issue to the device's handler taking the request. */
  dispatch: HistogramReportInput;
  /** Taken to the backend's completion. */
  service: HistogramReportInput;
  /** Backend completion to the vCPU seeing it. */
  completion: HistogramReportInput;
}

/** One device of a run (the contract's `MachineReport.devices[name]`). */
export interface DeviceReportInput {
  /** Requests completed in the measured time. */
  completions: number;
  /** Total latency of every completed request. */
  latency: HistogramReportInput;
  /** The latency split into its stages (sampled); read by the report's charts. */
  stages?: StagesInput;
}

/** One AioContext of a run (the contract's `MachineReport.contexts[name]`). */
export interface ContextReportInput {
  /** Lateness of the context's jitter-probe timer. */
  jitter: HistogramReportInput;
  /** The thread that runs the context. */
  thread?: string;
  /** Time dispatching handlers, ns. */
  dispatchNs?: number;
  /** Time busy-polling, ns. */
  pollNs?: number;
  /** Time asleep, ns. */
  sleepNs?: number;
  /** Bound on the thread's offset to the shared time base, ns. */
  clockUncertaintyNs?: number;
}

/** One thread's use of one lock (the contract's `LockThreadReport`). */
export interface LockThreadInput {
  /** Thread name. */
  thread: string;
  /** Acquisitions. */
  acquisitions: number;
  /** Acquisitions that had to wait. */
  contended: number;
  /** Time waiting, ns. */
  waitTotalNs: number;
  /** Time holding, ns. */
  holdTotalNs: number;
}

/**
 * One lock of a run (the contract's `MachineReport.locks[name]`). Its
 * threads are read from `byThread` (a record by thread name, or a list with
 * `thread` fields, each with the totals of {@link LockThreadInput} and, when
 * recorded, `wait` and `hold` histograms) or from the older `perThread`
 * list; without per-thread histograms the lock's whole ones are used.
 */
export interface LockReportInput {
  /** Acquisitions. */
  acquisitions: number;
  /** Acquisitions that had to wait. */
  contended: number;
  /** Time waiting, ns, summed over threads. */
  waitTotalNs: number;
  /** Time holding, ns, summed over threads. */
  holdTotalNs: number;
  /** Wait histogram of the whole lock, or null when not recorded. */
  wait: HistogramReportInput | null;
  /** Hold histogram of the whole lock, or null when not recorded. */
  hold: HistogramReportInput | null;
  /** Totals per thread (documents written before `byThread`). */
  perThread?: LockThreadInput[];
  /** Per thread: totals and, when recorded, histograms (see the interface doc for the shapes read). */
  byThread?: unknown;
}

/** One vCPU thread of a run (the contract's `VcpuReport`). */
export interface VcpuReportInput {
  /** Thread name. */
  thread: string;
  /** Time computing, ns. */
  computeNs: number;
  /** Time waiting for the BQL, ns. */
  bqlWaitNs: number;
  /** Time waiting for I/O completions, ns. */
  ioWaitNs: number;
  /** Bound on the thread's offset to the shared time base, ns. */
  clockUncertaintyNs?: number;
}

/** What analysis reads of a run's `MachineReport`. */
export interface MachineReportInput {
  /** Per device. */
  devices: Record<string, DeviceReportInput>;
  /** Per context ("main" and each IOThread id). */
  contexts: Record<string, ContextReportInput>;
  /**
   * lib/measure `TimeSeries` rows (see `IntervalRowInput` in jitter.ts) and
   * scenario events (`{ atNs, name }`, on the rows' clock).
   */
  timeSeries: { intervalNs: number; rows: unknown[]; events?: unknown[] };
  /** Measured time, ns. */
  durationNs: number;
  /** Per lock (`"bql"`, `"aio:<ctx>"`); read by the report's charts. */
  locks?: Record<string, LockReportInput>;
  /** Per vCPU thread. */
  vcpus?: VcpuReportInput[];
}

/** One child run (the contract's `RunRecord`). */
export interface RunInput {
  /** Scenario name. */
  scenario: string;
  /** Placement name. */
  placement: string;
  /** Sweep label: swept option → value (empty without a sweep). */
  sweep: Record<string, number>;
  /** Repetition number. */
  repetition: number;
  /** How the run ended; analysis uses "completed" and "stopped" runs that have a report. */
  status: "completed" | "failed" | "stopped";
  /** What the run measured; `null` when it reported nothing. */
  report: MachineReportInput | null;
}

/** One summary row (the contract's `SummaryRow`); analysis reads `bqlWaitShare` from it. */
export interface SummaryRowInput {
  /** Scenario name. */
  scenario: string;
  /** Placement name. */
  placement: string;
  /** Sweep label. */
  sweep: Record<string, number>;
  /** Repetition number. */
  repetition: number;
  /** Device name. */
  device: string;
  /** BQL wait time over the run's duration, mean over vCPU threads, 0..1. */
  bqlWaitShare: number;
}

/** A latency distribution summarised by the noise-floor calibration. */
export interface NoiseSampleInput {
  /** Median, ns. */
  p50Ns: number;
  /** 99th percentile, ns. */
  p99Ns: number;
}

/**
 * The noise floor the lab measured before running (the contract's
 * `manifest.noiseFloor`). Analysis reads `idleJitter`: the lateness of a
 * jitter-probe timer on the idle host, the timing noise any latency
 * carries (see `noiseThreshold` in bootstrap.ts).
 */
export interface NoiseFloorInput {
  /** Idle jitter-probe lateness. */
  idleJitter: NoiseSampleInput;
}

/** What analysis reads of the manifest. */
export interface ManifestInput {
  /** The measured noise floor; `null` when calibration was skipped. */
  noiseFloor: NoiseFloorInput | null;
  /** The scenario (its name labels a document in a compare view). */
  scenario?: { name: string };
  /** When the invocation started, ISO 8601 (labels a document in a compare view). */
  startTime?: string;
  /** Not every planned run completed. */
  partial?: boolean;
}

/** What analysis reads of a result document (the contract's `ResultDocument`). */
export interface ResultInput {
  /** The manifest. */
  manifest: ManifestInput;
  /** One record per child run. */
  runs: RunInput[];
  /** Flat rows, one per run and device. */
  summary: SummaryRowInput[];
}
