/**
 * The result document: one versioned JSON file per scenario and
 * invocation (`results/runs/<timestamp>-<scenario>/result.json`). It holds
 * a {@linkcode Manifest} (where, when, with what code, on which scenario
 * text, with which noise floor), one {@linkcode RunRecord} per run (each
 * run's full report, whatever its ending) and the flat
 * {@linkcode SummaryRow} table, one row per run and device, that scripts
 * can rely on. {@linkcode loadResult} validates a document and refuses a
 * schema version it does not know; {@linkcode writeResult} writes one
 * atomically.
 *
 * `bqlWaitShare` of a summary row is the mean share of its measured time
 * that each vCPU thread of the run spent waiting for the BQL:
 * `sum(vcpus[].bqlWaitNs) / (vcpus.length * durationNs)`, from 0 (never
 * waited) to 1 (waited all the time); 0 for a run without vCPUs. It is the
 * run's figure, repeated on every device row of the run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadResult, RESULT_SCHEMA_VERSION } from "./document.ts";
 * assert.throws(
 *   () => loadResult('{"schemaVersion": 99}', "old.json"),
 *   /old.json: result schema version 99 is not one this aiolab reads \(it reads version 1\)/,
 * );
 * assert.equal(RESULT_SCHEMA_VERSION, 1);
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { z } from "zod";
import { writeTextFileAtomic } from "./atomic_write.ts";
import type { HostDescription } from "./host.ts";
import { type MachineReport, machineReportSchema } from "./machine_report.ts";

/** The schema version this module writes and reads. */
export const RESULT_SCHEMA_VERSION = 1;

/** A summary of a set of samples, ns. */
export interface SampleSummary {
  /** Samples taken. */
  samples: number;
  /** Median, ns. */
  p50Ns: number;
  /** 99th percentile, ns. */
  p99Ns: number;
  /** Largest, ns. */
  maxNs: number;
}

/** What the host does when aiolab does nothing: measured before the runs. */
export interface NoiseFloor {
  /** Lateness of the jitter probe (a 1 ms AioContext timer) alone in an idle IOThread. */
  idleJitter: SampleSummary;
  /** Blocking handoff round trip (Atomics.wait / notify) between two Workers. */
  handoffRoundTrip: SampleSummary;
  /** Wall time the calibration took, ms. */
  elapsedMs: number;
}

/**
 * The manifest of a result: everything needed to judge and reproduce it.
 * The host it ran on is in the fields of {@linkcode HostDescription} (Deno,
 * V8 and TypeScript versions, OS, architecture, CPU model, cores, git
 * commit); the fields below say what ran, when and how.
 */
export interface Manifest extends HostDescription {
  /** aiolab's version (deno.json `version`, `"unknown"` when it cannot be read). */
  aiolabVersion: string;
  /** Smallest step of `performance.now()` measured on this host, ns. */
  clockResolutionNs: number;
  /** Measured noise floor, or null when calibration did not run (interrupted first). */
  noiseFloor: NoiseFloor | null;
  /** The scenario. */
  scenario: {
    /** Its name. */
    name: string;
    /** The file it was loaded from. */
    file: string;
    /** The file's text. */
    text: string;
    /** sha256 of the text (UTF-8), hex. */
    sha256: string;
    /** Its description (absent in documents written before it was recorded). */
    description?: string;
    /**
     * The thresholds the run was checked against: the scenario's own, then
     * every `--threshold` of the command line, in the threshold grammar
     * (absent in documents written before they were recorded).
     */
    thresholds?: string[];
  };
  /** The seed (after overrides); repetition r uses seed + r - 1, the same for every placement. */
  seed: number;
  /** Overrides given on the command line (ns for durations). */
  overrides: Record<string, unknown>;
  /** The command line. */
  commandLine: string[];
  /** When the invocation started, ISO 8601. */
  startTime: string;
  /** When this document was last written, ISO 8601. */
  endTime: string;
  /** Not every planned run completed (interrupted, or a run failed or was stopped). */
  partial: boolean;
  /** The invocation was interrupted (Ctrl-C). */
  interrupted: boolean;
  /** Runs planned for this scenario. */
  plannedRuns: number;
  /** Warnings about the host (too few cores, ...). */
  warnings: string[];
}

/** How a run ended. */
export type RunRecordStatus =
  /** Measured the whole duration and reported. */
  | "completed"
  /** A thread threw, stalled, or the process failed. */
  | "failed"
  /** Interrupted (Ctrl-C): what it measured until then is kept. */
  | "stopped";

/**
 * What a run's process printed besides its messages: a warning on stderr,
 * a line a handler wrote to stdout. Kept, never dropped; present in a
 * {@linkcode RunRecord} only when there was some.
 */
export interface RunOutput {
  /** The end of its stderr (at most its last 64 KiB); "" when it wrote none. */
  stderr: string;
  /** Lines of its stdout that were not messages, the first {@linkcode RUN_OUTPUT_STRAY_KEPT}. */
  strayStdout: string[];
  /** How many such lines there were in all. */
  strayStdoutLines: number;
}

/** Stray stdout lines a {@linkcode RunOutput} keeps (the rest are counted). */
export const RUN_OUTPUT_STRAY_KEPT = 100;

/** Why a run did not complete. */
export interface RunError {
  /** The thread at fault (a thread of the run, or `"run-child"` for the run process's main thread). */
  thread: string;
  /** The handler that threw, or null. */
  handler: string | null;
  /** One paragraph saying what happened. */
  message: string;
  /** Stack trace, `""` when none. */
  stack: string;
  /** What the thread was doing when it stalled, or null. */
  doing: string | null;
}

/** One run: one sweep point x one placement x one repetition, in its own process. */
export interface RunRecord {
  /** Position in the scenario's plan, 0-based (the order the runs ran in). */
  index: number;
  /** Scenario name. */
  scenario: string;
  /** Placement name. */
  placement: string;
  /** Index of the sweep point (ScenarioRun.index). */
  sweepIndex: number;
  /** Swept paths and their values at this point (`{}` without sweeps). */
  sweep: Record<string, number>;
  /** Repetition, 1-based. */
  repetition: number;
  /** Seed of this run. */
  seed: number;
  /** How it ended. */
  status: RunRecordStatus;
  /** Why it did not complete, or null. */
  error: RunError | null;
  /** When it started, ISO 8601. */
  startTime: string;
  /** Wall time of its process, ms. */
  elapsedMs: number;
  /** Exit code of its process. */
  exitCode: number;
  /** The last live figures the run sent (per device: completions so far, p99 of the last interval). */
  lastProgress: Record<string, { completions: number; p99Ns: number }> | null;
  /** The run's report, or null when it never sent one (killed). */
  report: MachineReport | null;
  /** What its process printed besides its messages; absent when nothing. */
  output?: RunOutput;
}

/** One row of the flat summary: one run and one device. */
export interface SummaryRow {
  /** Scenario name. */
  scenario: string;
  /** Placement name. */
  placement: string;
  /** Swept values of the run (`{}` without sweeps). */
  sweep: Record<string, number>;
  /** Repetition, 1-based. */
  repetition: number;
  /** Device id. */
  device: string;
  /** Requests completed in the measured time. */
  completions: number;
  /** Open-loop arrivals that could not be issued. */
  dropped: number;
  /** Completions per second of measured time. */
  iops: number;
  /** Median latency, ns. */
  p50Ns: number;
  /** 90th percentile, ns. */
  p90Ns: number;
  /** 99th percentile, ns. */
  p99Ns: number;
  /** 99.9th percentile, ns. */
  p999Ns: number;
  /** 99.99th percentile, ns. */
  p9999Ns: number;
  /** Largest latency, ns. */
  maxNs: number;
  /** `p99Ns - p50Ns`. */
  jitterNs: number;
  /** Mean share of a vCPU's measured time spent waiting for the BQL, 0..1 (see the module doc). */
  bqlWaitShare: number;
  /** How the run ended: rows of `"failed"` or `"stopped"` runs cover less than the duration. */
  status: RunRecordStatus;
}

/** A result document (schema version 1). */
export interface ResultDocument {
  /** Always {@linkcode RESULT_SCHEMA_VERSION}. */
  schemaVersion: 1;
  /** Where, when, what. */
  manifest: Manifest;
  /** Every run, in the order it ran. */
  runs: RunRecord[];
  /** One row per run with a report and device. */
  summary: SummaryRow[];
}

const ns = z.number().finite().nonnegative();
const sampleSummary = z.object({
  samples: z.number().int().nonnegative(),
  p50Ns: ns,
  p99Ns: ns,
  maxNs: ns,
});
const status = z.enum(["completed", "failed", "stopped"]);
const label = z.record(z.string(), z.number());

const manifestSchema = z.object({
  aiolabVersion: z.string(),
  gitCommit: z.string().nullable(),
  deno: z.string(),
  v8: z.string(),
  typescript: z.string(),
  os: z.string(),
  arch: z.string(),
  cpu: z.string(),
  cores: z.number().int().positive(),
  clockResolutionNs: z.number().positive(),
  noiseFloor: z.object({
    idleJitter: sampleSummary,
    handoffRoundTrip: sampleSummary,
    elapsedMs: ns,
  }).nullable(),
  scenario: z.object({
    name: z.string(),
    file: z.string(),
    text: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    description: z.string().optional(),
    thresholds: z.array(z.string()).optional(),
  }),
  seed: z.number().int().nonnegative(),
  overrides: z.record(z.string(), z.unknown()),
  commandLine: z.array(z.string()),
  startTime: z.iso.datetime(),
  endTime: z.iso.datetime(),
  partial: z.boolean(),
  interrupted: z.boolean(),
  plannedRuns: z.number().int().nonnegative(),
  warnings: z.array(z.string()),
});

const runErrorSchema = z.object({
  thread: z.string(),
  handler: z.string().nullable(),
  message: z.string(),
  stack: z.string(),
  doing: z.string().nullable(),
});

const runRecordSchema = z.object({
  index: z.number().int().nonnegative(),
  scenario: z.string(),
  placement: z.string(),
  sweepIndex: z.number().int().nonnegative(),
  sweep: label,
  repetition: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  status,
  error: runErrorSchema.nullable(),
  startTime: z.iso.datetime(),
  elapsedMs: ns,
  exitCode: z.number().int(),
  lastProgress: z.record(z.string(), z.object({ completions: ns, p99Ns: ns })).nullable(),
  report: machineReportSchema.nullable(),
  output: z.object({
    stderr: z.string(),
    strayStdout: z.array(z.string()),
    strayStdoutLines: z.number().int().nonnegative(),
  }).optional(),
});

const summaryRowSchema = z.object({
  scenario: z.string(),
  placement: z.string(),
  sweep: label,
  repetition: z.number().int().positive(),
  device: z.string(),
  completions: ns,
  dropped: ns,
  iops: ns,
  p50Ns: ns,
  p90Ns: ns,
  p99Ns: ns,
  p999Ns: ns,
  p9999Ns: ns,
  maxNs: ns,
  jitterNs: z.number().finite(),
  bqlWaitShare: z.number().min(0).max(1),
  status,
});

/** Schema of a {@linkcode ResultDocument}. */
export const resultDocumentSchema: z.ZodType<ResultDocument> = z.object({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  manifest: manifestSchema,
  runs: z.array(runRecordSchema),
  summary: z.array(summaryRowSchema),
});

/** A result file that is not a valid document of a known schema version. */
export class ResultError extends Error {
  /** The file named in the message (`"<inline>"` when none was given). */
  readonly file: string;

  /** `message` is one paragraph, starting with the file. */
  constructor(file: string, message: string) {
    super(message);
    this.name = "ResultError";
    this.file = file;
  }
}

/**
 * The mean share of a vCPU's measured time spent waiting for the BQL (see
 * the module doc), clamped to 0..1. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bqlWaitShare } from "./document.ts";
 * const vcpus = [{ thread: "vcpu0", computeNs: 0, bqlWaitNs: 100, ioWaitNs: 0 },
 *   { thread: "vcpu1", computeNs: 0, bqlWaitNs: 300, ioWaitNs: 0 }];
 * assert.equal(bqlWaitShare({ vcpus, durationNs: 1000 }), 0.2);
 * assert.equal(bqlWaitShare({ vcpus: [], durationNs: 1000 }), 0);
 * ```
 */
export function bqlWaitShare(report: Pick<MachineReport, "vcpus" | "durationNs">): number {
  const n = report.vcpus.length;
  if (n === 0 || !(report.durationNs > 0)) return 0;
  const wait = report.vcpus.reduce((sum, v) => sum + v.bqlWaitNs, 0);
  return Math.min(1, Math.max(0, wait / (n * report.durationNs)));
}

/**
 * The summary rows of `runs`: one per run that has a report and per device
 * of that report, in run order, devices in report order. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarize } from "./document.ts";
 * assert.deepEqual(summarize([]), []);
 * ```
 */
export function summarize(runs: readonly RunRecord[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const run of runs) {
    const r = run.report;
    if (r === null) continue;
    const share = bqlWaitShare(r);
    const seconds = r.durationNs / 1e9;
    for (const [device, d] of Object.entries(r.devices)) {
      const l = d.latency;
      rows.push({
        scenario: run.scenario,
        placement: run.placement,
        sweep: { ...run.sweep },
        repetition: run.repetition,
        device,
        completions: d.completions,
        dropped: d.dropped,
        iops: seconds > 0 ? d.completions / seconds : 0,
        p50Ns: l.p50Ns,
        p90Ns: l.p90Ns,
        p99Ns: l.p99Ns,
        p999Ns: l.p999Ns,
        p9999Ns: l.p9999Ns,
        maxNs: l.maxNs,
        jitterNs: l.p99Ns - l.p50Ns,
        bqlWaitShare: share,
        status: run.status,
      });
    }
  }
  return rows;
}

function issuesText(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => {
    const path = i.path.length === 0 ? "(the document)" : i.path.map(String).join(".");
    return `${path}: ${i.message}`;
  });
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : "";
  return shown.join("; ") + more;
}

/**
 * Parses and validates a result document. Throws {@linkcode ResultError}
 * naming `file` for text that is not JSON, a document of another schema
 * version (with the version found and the one this aiolab reads) and a
 * document that breaks the schema (with the first paths at fault). Any
 * thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadResult } from "./document.ts";
 * assert.throws(() => loadResult("{", "r.json"), /r.json: expected a result document in JSON/);
 * assert.throws(() => loadResult('{"schemaVersion":1}', "r.json"), /r.json: .*manifest/);
 * ```
 */
export function loadResult(text: string, file = "<inline>"): ResultDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ResultError(
      file,
      `${file}: expected a result document in JSON, found text that does not parse (${
        e instanceof Error ? e.message : String(e)
      }).`,
    );
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ResultError(
      file,
      `${file}: expected a result document (a JSON object with "schemaVersion"), found ${
        Array.isArray(raw) ? "an array" : JSON.stringify(raw)
      }.`,
    );
  }
  const version = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (version !== RESULT_SCHEMA_VERSION) {
    const found = version === undefined ? "no schemaVersion field" : JSON.stringify(version);
    throw new ResultError(
      file,
      typeof version === "number"
        ? `${file}: result schema version ${version} is not one this aiolab reads (it reads ` +
          `version ${RESULT_SCHEMA_VERSION}). Load it with the aiolab that wrote it, or ` +
          `re-run the scenario with this one.`
        : `${file}: expected a result document with "schemaVersion": ${RESULT_SCHEMA_VERSION}, ` +
          `found ${found}.`,
    );
  }
  const parsed = resultDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ResultError(
      file,
      `${file}: expected a result document of schema version ${RESULT_SCHEMA_VERSION}, found ` +
        `one that breaks it at ${issuesText(parsed.error)}.`,
    );
  }
  return parsed.data;
}

/**
 * Writes `doc` as `<dir>/result.json` atomically (temporary file, then
 * rename), creating `dir` when missing, and returns the file's path.
 * Orchestrator (needs write permission for `dir`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ResultDocument, writeResult } from "./document.ts";
 * const dir = await Deno.makeTempDir();
 * const doc = { schemaVersion: 1, runs: [], summary: [] } as unknown as ResultDocument;
 * const path = await writeResult(`${dir}/run`, doc);
 * assert.equal(JSON.parse(await Deno.readTextFile(path)).schemaVersion, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeResult(dir: string, doc: ResultDocument): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, "result.json");
  await writeTextFileAtomic(path, JSON.stringify(doc, null, 1) + "\n");
  return path;
}

/**
 * sha256 of `text` (UTF-8), lower-case hex. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./document.ts";
 * assert.equal(
 *   await sha256Hex(""),
 *   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * ```
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
