/**
 * HdrHistogram interval logs (`.hlog`, log format 1.3), one per device of a
 * result document, in the form HistogramLogAnalyzer and HdrHistogram's
 * `HistogramLogReader` open: a format-version comment, `#[StartTime: ...]`
 * and `#[BaseTime: ...]` (both the invocation's start, seconds since the
 * epoch), the legend line, then one interval line per run of that device:
 * `Tag=<placement>.<device>,<start s>,<length s>,<max ms>,<histogram>`.
 *
 * Each interval is one whole run (a repetition of a placement): it starts
 * at the run's start time relative to the base, lasts the run's measured
 * time, and carries the run's latency histogram in ns exactly as the result
 * stores it (V2 compressed, base64); the maximum is given in ms (the usual
 * ratio of 10^6 for ns values). Per-100-ms histograms are not kept in a
 * result (its time series holds p50, p99 and max per interval), so finer
 * intervals cannot be written. A sweep point adds its values to the tag
 * (`main.disk0[qd=4;size=4096]`); tags never hold commas or blanks. Runs
 * without a report or without completions have no histogram and appear as a
 * comment line. Pure: no Deno APIs, no I/O; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hlogTag } from "./hlog.ts";
 * assert.equal(hlogTag("main", "disk0", {}), "main.disk0");
 * assert.equal(hlogTag("io thread", "d,1", { size: 4096, qd: 4 }), "io_thread.d_1[qd=4;size=4096]");
 * ```
 *
 * @module
 */

/** What the interval log reads of a result document (lib/result `ResultDocument` fits). */
export interface HlogInput {
  /** The manifest's start time and scenario name. */
  manifest: { startTime: string; scenario: { name: string } };
  /** The runs. */
  runs: readonly {
    placement: string;
    sweep: Record<string, number>;
    repetition: number;
    startTime: string;
    status: string;
    report: {
      durationNs: number;
      devices: Record<string, { latency: { hdr: string; count: number; maxNs: number } }>;
    } | null;
  }[];
}

/** One interval log: the device it is about, a file name for it and its text. */
export interface HlogFile {
  /** Device id. */
  device: string;
  /** `<scenario>.<device>.hlog`, with characters outside `[A-Za-z0-9._-]` as `_`. */
  fileName: string;
  /** The log's text (LF line ends). */
  text: string;
}

/** The log format version written. */
export const HLOG_FORMAT_VERSION = "1.3";

/**
 * The tag of an interval: `<placement>.<device>`, then the sweep values in
 * brackets (`;`-separated, keys sorted), with commas and blanks as `_`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hlogTag } from "./hlog.ts";
 * assert.equal(hlogTag("iothread", "disk0", {}), "iothread.disk0");
 * ```
 */
export function hlogTag(placement: string, device: string, sweep: Record<string, number>): string {
  const keys = Object.keys(sweep).sort();
  const label = keys.length === 0 ? "" : `[${keys.map((k) => `${k}=${sweep[k]}`).join(";")}]`;
  return `${placement}.${device}${label}`.replace(/[\s,]/g, "_");
}

function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_");
}

function seconds(x: number): string {
  return x.toFixed(3);
}

/**
 * One interval log per device of `doc`, devices in sorted order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hlogFiles } from "./hlog.ts";
 * const doc = { manifest: { startTime: "2026-01-01T00:00:00.000Z", scenario: { name: "s" } }, runs: [] };
 * assert.deepEqual(hlogFiles(doc), []);
 * ```
 */
export function hlogFiles(doc: HlogInput): HlogFile[] {
  const base = Date.parse(doc.manifest.startTime) / 1000;
  if (!Number.isFinite(base)) {
    throw new RangeError(
      `expected the manifest's startTime as an ISO 8601 time, found "${doc.manifest.startTime}"`,
    );
  }
  const devices = [
    ...new Set(doc.runs.flatMap((r) => r.report === null ? [] : Object.keys(r.report.devices))),
  ].sort();
  const scenario = doc.manifest.scenario.name;
  return devices.map((device) => {
    const lines = [
      `#[Histogram log format version ${HLOG_FORMAT_VERSION}]`,
      `#[StartTime: ${seconds(base)} (seconds since epoch), ${doc.manifest.startTime}]`,
      `#[BaseTime: ${seconds(base)} (seconds since epoch)]`,
      `#aiolab scenario ${JSON.stringify(scenario)}, device ${
        JSON.stringify(device)
      }: one interval per run (its measured time), latency in ns, Interval_Max in ms`,
      '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    ];
    for (const run of doc.runs) {
      const tag = hlogTag(run.placement, device, run.sweep);
      const d = run.report?.devices[device];
      if (run.report === null) {
        lines.push(`#${tag} repetition ${run.repetition}: ${run.status}, no report`);
        continue;
      }
      if (d === undefined) continue;
      if (d.latency.hdr === "" || d.latency.count === 0) {
        lines.push(`#${tag} repetition ${run.repetition}: no completions`);
        continue;
      }
      const start = Date.parse(run.startTime) / 1000 - base;
      lines.push(
        `Tag=${tag},${seconds(Math.max(0, start))},${seconds(run.report.durationNs / 1e9)},${
          seconds(d.latency.maxNs / 1e6)
        },${d.latency.hdr}`,
      );
    }
    return {
      device,
      fileName: `${fileSafe(scenario)}.${fileSafe(device)}.hlog`,
      text: `${lines.join("\n")}\n`,
    };
  });
}
