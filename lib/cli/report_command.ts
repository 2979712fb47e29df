/**
 * `aiolab report <result.json ...>`: re-renders saved results without
 * running anything. `--format html` (default: one page, several files =
 * compare view, written to `report.html` beside the first file unless
 * `--out` says otherwise), `md` (the pull-request summary), `csv` (the
 * summary rows), `json` (every metric per placement and device with its
 * ratio to the first placement, interval and verdict) — these three go to
 * stdout without `--out` — and `hlog` (one HdrHistogram interval log per
 * device, into the folder `--out`, default the first file's folder).
 * `--threshold EXPR` (repeatable) checks thresholds on the saved results;
 * a failing one exits 1. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFormat } from "./report_command.ts";
 * assert.equal(parseFormat("md"), "md");
 * assert.throws(() => parseFormat("pdf"), /expected one of html, md, csv, json, hlog/);
 * ```
 *
 * @module
 */

import { dirname, join } from "node:path";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { analyseResult } from "../analysis/analyse.ts";
import { comparePlacements } from "../analysis/compare.ts";
import type { ThresholdOutcome } from "../analysis/threshold_eval.ts";
import type { ResultDocument } from "../result/document.ts";
import { summaryCsv } from "../report/csv.ts";
import { hlogFiles } from "../report/hlog.ts";
import { markdownSummary } from "../report/markdown.ts";
import { renderHtmlReport } from "../report/page.ts";
import { EXIT } from "./errors.ts";
import type { Io } from "./io.ts";
import { readResultFile, writeOutput } from "./result_files.ts";
import { closest } from "./scenario_ref.ts";
import { checkThresholds, parseThresholdFlags, thresholdLines } from "./thresholds.ts";

/** The formats of `aiolab report`. */
export const REPORT_FORMATS = ["html", "md", "csv", "json", "hlog"] as const;

/** A format of `aiolab report`. */
export type ReportFormat = typeof REPORT_FORMATS[number];

/**
 * A `--format` value. Throws commander's InvalidArgumentError.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFormat } from "./report_command.ts";
 * assert.throws(() => parseFormat("htm"), /Did you mean "html"\?/);
 * ```
 */
export function parseFormat(value: string): ReportFormat {
  if ((REPORT_FORMATS as readonly string[]).includes(value)) return value as ReportFormat;
  const guess = closest(value, REPORT_FORMATS);
  throw new InvalidArgumentError(
    `expected one of ${REPORT_FORMATS.join(", ")}, found "${value}".${
      guess === undefined ? "" : ` Did you mean "${guess}"?`
    }`,
  );
}

/** The flags of `aiolab report`. */
export interface ReportFlags {
  /** `--format` (default html). */
  format: ReportFormat;
  /** `--out`: a file (a folder for hlog); stdout for md, csv and json when omitted. */
  out?: string;
  /** `--threshold`, repeatable. */
  threshold?: string[];
}

/**
 * The `json` format: per result file, every point, placement and device
 * with its metrics and, for every placement after the first, each
 * metric's ratio to the first with its interval, noise threshold and
 * verdict; then the threshold outcomes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportJson } from "./report_command.ts";
 * const doc = { manifest: { noiseFloor: null }, runs: [], summary: [] };
 * assert.deepEqual(reportJson(["r.json"], [doc], []).results[0].points, []);
 * ```
 */
export function reportJson(
  files: readonly string[],
  docs: readonly Parameters<typeof analyseResult>[0][],
  thresholds: readonly ThresholdOutcome[],
): {
  results: {
    file: string;
    skippedRuns: number;
    points: {
      point: string;
      sweep: Record<string, number>;
      rows: Record<string, unknown>[];
    }[];
  }[];
  thresholds: readonly ThresholdOutcome[];
} {
  return {
    results: docs.map((doc, i) => {
      const a = analyseResult(doc);
      return {
        file: files[i],
        skippedRuns: a.skippedRuns,
        points: a.points.map((p) => {
          const names = Object.keys(p.placements);
          const rows = names.flatMap((name) => {
            const pl = p.placements[name];
            const vs = name === names[0] ? [] : comparePlacements(p, name, names[0], a.noiseFloor);
            return Object.keys(pl.devices).sort().map((device) => ({
              placement: name,
              device,
              repetitions: pl.repetitions.length,
              metrics: pl.devices[device].metrics,
              vsFirst: name === names[0] ? null : Object.fromEntries(
                vs.filter((r) => r.device === device).map((r) => [r.metric, {
                  reference: r.reference,
                  ratio: r.ratio,
                  low: r.low,
                  high: r.high,
                  confidence: r.confidence,
                  threshold: r.threshold,
                  verdict: r.verdict,
                }]),
              ),
            }));
          });
          return { point: p.key, sweep: p.sweep, rows };
        }),
      };
    }),
    thresholds,
  };
}

/**
 * Runs `aiolab report` on result files with parsed flags; returns the exit
 * code (0, 1 when a threshold fails, 2 for a user mistake, thrown as
 * UsageError).
 *
 * @example
 * ```ts ignore
 * import { reportCommand } from "./report_command.ts";
 * import { denoIo } from "./io.ts";
 * await reportCommand(["results/runs/x/result.json"], { format: "md", threshold: [] }, denoIo(), []);
 * ```
 */
export async function reportCommand(
  files: readonly string[],
  flags: ReportFlags,
  io: Io,
  commandLine: string[],
): Promise<number> {
  const thresholds = parseThresholdFlags(flags.threshold ?? [], "--threshold");
  const docs: ResultDocument[] = [];
  for (const f of files) docs.push(await readResultFile(f));
  // Each document's recorded thresholds (the scenario's and the run's --threshold), then these.
  const outcomes = docs.flatMap((d, i) =>
    checkThresholds([
      ...parseThresholdFlags(
        d.manifest.scenario.thresholds ?? [],
        `${files[i]}: manifest.scenario.thresholds`,
      ),
      ...thresholds,
    ], d)
  );
  const toStdout = flags.out === undefined && ["md", "csv", "json"].includes(flags.format);
  const note = toStdout ? (t: string) => io.err(t) : (t: string) => io.out(t);
  const emit = async (text: string, fallback: string) => {
    if (toStdout) io.out(text);
    else {
      const path = flags.out ?? fallback;
      await writeOutput(path, text, "--out");
      note(`report: ${path}\n`);
    }
  };
  const first = dirname(files[0]);
  switch (flags.format) {
    case "html":
      await emit(
        renderHtmlReport(docs, { commandLine, thresholds: flags.threshold ?? [] }),
        join(first, "report.html"),
      );
      break;
    case "md":
      await emit(markdownSummary(docs, { thresholds: outcomes }), join(first, "report.md"));
      break;
    case "csv":
      await emit(summaryCsv(docs), join(first, "summary.csv"));
      break;
    case "json":
      await emit(
        `${JSON.stringify(reportJson(files, docs, outcomes), null, 1)}\n`,
        join(first, "report.json"),
      );
      break;
    case "hlog": {
      const dir = flags.out ?? first;
      const logs = docs.flatMap((d, i) => hlogFiles(d).map((f) => ({ ...f, doc: i })));
      const seen = new Map<string, number>();
      for (const l of logs) seen.set(l.fileName, (seen.get(l.fileName) ?? 0) + 1);
      if (logs.length === 0) note("report: no device has a histogram; no log written\n");
      for (const l of logs) {
        // The same scenario in several files: the file's position tells them apart.
        const name = (seen.get(l.fileName) ?? 0) > 1 ? `${l.doc + 1}.${l.fileName}` : l.fileName;
        const path = join(dir, name);
        await writeOutput(path, l.text, "--out");
        note(`report: ${path}\n`);
      }
      break;
    }
  }
  const text = thresholdLines(outcomes);
  if (text !== "") note(text);
  return outcomes.some((o) => !o.pass) ? EXIT.failed : EXIT.ok;
}
