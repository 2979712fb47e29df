/**
 * `aiolab compare <baseline.json> <current.json ...>` (or `--baseline NAME
 * <current.json ...>`, the baseline saved by `aiolab run --save-baseline
 * NAME`): every metric of every point, placement and device of each current
 * result against the baseline, as a ratio with its 95% bootstrap interval,
 * noise threshold and verdict, printed as a table; an HTML comparison
 * report of `[baseline, ...current]` (default
 * `results/compare/<timestamp>-<scenario>/report.html`, `--out` to choose,
 * `--no-report` to skip); `--markdown FILE` writes the comparison as
 * Markdown for a pull-request comment. Exits 1 when a metric of
 * `--fail-on` (default p50, p99, p99.9, iops) regressed beyond the noise
 * threshold (`--noise-threshold`, default 2%, never below the results'
 * noise floor), 0 otherwise; a result compared with itself has no
 * significant difference. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCompareOut } from "./compare_command.ts";
 * assert.equal(
 *   defaultCompareOut(new Date("2026-12-01T22:13:30.849Z"), "default"),
 *   "results/compare/20261201T221330Z-default/report.html",
 * );
 * ```
 *
 * @module
 */

import { join } from "node:path";
import type { MetricName } from "../analysis/metrics.ts";
import type { ResultDocument } from "../result/document.ts";
import { comparisonMarkdown } from "../report/markdown.ts";
import { renderHtmlReport } from "../report/page.ts";
import {
  compareDocuments,
  comparisonTable,
  DEFAULT_FAIL_ON,
  regressionLine,
} from "./comparison.ts";
import { EXIT, UsageError } from "./errors.ts";
import type { Io } from "./io.ts";
import { baselinePath, readBaseline, readResultFile, writeOutput } from "./result_files.ts";

/** Where compare's HTML report goes when not told otherwise. */
export const DEFAULT_COMPARE_DIR = "results/compare";

/**
 * The default path of compare's HTML report, from the time and the
 * baseline's scenario.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCompareOut } from "./compare_command.ts";
 * assert.match(defaultCompareOut(new Date(), "a b"), /^results\/compare\/\d{8}T\d{6}Z-a_b\/report\.html$/);
 * ```
 */
export function defaultCompareOut(now: Date, scenario: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return join(
    DEFAULT_COMPARE_DIR,
    `${stamp}-${scenario.replace(/[^A-Za-z0-9._-]/g, "_")}`,
    "report.html",
  );
}

/** The flags of `aiolab compare`. */
export interface CompareFlags {
  /** `--baseline NAME`: the baseline is `<baselineDir>/NAME.json`; every file is a current one. */
  baseline?: string;
  /** `--baseline-dir` (default results/baselines). */
  baselineDir: string;
  /** `--noise-threshold` as a share (default 0.02). */
  noiseThreshold?: number;
  /** `--fail-on` metrics (default p50, p99, p99.9, iops). */
  failOn?: MetricName[];
  /** `--out`: the HTML report's path. */
  out?: string;
  /** `--no-report` makes this false. */
  report: boolean;
  /** `--markdown FILE`: the comparison as Markdown. */
  markdown?: string;
}

/**
 * Compares each current document with the baseline and prints the table
 * (stdout) and the regressions (stderr); returns whether any failing
 * regression was found, and the Markdown of every comparison.
 */
export function printComparisons(
  baseline: { name: string; doc: ResultDocument },
  currents: readonly { name: string; doc: ResultDocument }[],
  options: { noiseThreshold?: number; failOn?: readonly MetricName[] },
  io: Io,
): { failed: boolean; markdown: string } {
  let failed = false;
  const md: string[] = [];
  const failOn = options.failOn ?? DEFAULT_FAIL_ON;
  for (const cur of currents) {
    const c = compareDocuments(baseline.doc, cur.doc, options);
    io.out(`\n${cur.name} against ${baseline.name}:\n`);
    const table = comparisonTable(c.rows);
    io.out(table === "" ? "nothing in common to compare\n" : `${table}\n`);
    for (const u of c.unmatched) io.out(`not compared: ${u}\n`);
    const line = regressionLine(c.failing);
    const ignored = c.regressions.length - c.failing.length;
    if (line !== "") {
      failed = true;
      io.err(`aiolab: ${line}\n`);
    } else {
      io.out(
        `no regression beyond the noise threshold in ${
          failOn.length === 0 ? "any metric (--fail-on none: never fails)" : failOn.join(", ")
        }${ignored > 0 ? `; ${ignored} other metric${ignored === 1 ? "" : "s"} worse` : ""}\n`,
      );
    }
    md.push(
      comparisonMarkdown({ ...c, regressions: c.failing }, {
        baseline: baseline.name,
        current: cur.name,
      }),
    );
  }
  return { failed, markdown: md.join("\n") };
}

/**
 * Runs `aiolab compare`; returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { compareCommand } from "./compare_command.ts";
 * import { denoIo } from "./io.ts";
 * await compareCommand(["a/result.json", "b/result.json"], { baselineDir: "results/baselines", report: false }, denoIo(), []);
 * ```
 */
export async function compareCommand(
  files: readonly string[],
  flags: CompareFlags,
  io: Io,
  commandLine: string[],
): Promise<number> {
  let baseline: { name: string; doc: ResultDocument };
  let currentFiles: readonly string[];
  if (flags.baseline !== undefined) {
    const doc = await readBaseline(flags.baselineDir, flags.baseline);
    baseline = {
      name: `baseline ${flags.baseline} (${baselinePath(flags.baselineDir, flags.baseline)})`,
      doc,
    };
    currentFiles = files;
  } else {
    if (files.length < 2) {
      throw new UsageError(
        `compare: expected a baseline result and at least one current result ` +
          `(aiolab compare <baseline.json> <current.json ...>, or --baseline NAME <current.json ...>), ` +
          `found ${files.length === 0 ? "no file" : `only ${files[0]}`}.`,
      );
    }
    baseline = { name: files[0], doc: await readResultFile(files[0]) };
    currentFiles = files.slice(1);
  }
  const currents: { name: string; doc: ResultDocument }[] = [];
  for (const f of currentFiles) currents.push({ name: f, doc: await readResultFile(f) });
  const out = flags.out ??
    defaultCompareOut(new Date(), baseline.doc.manifest.scenario.name);
  const { failed, markdown } = printComparisons(baseline, currents, flags, io);
  if (flags.report) {
    const html = renderHtmlReport([baseline.doc, ...currents.map((c) => c.doc)], {
      commandLine,
      title: `aiolab compare: ${currents.map((c) => c.name).join(", ")} against ${baseline.name}`,
    });
    await writeOutput(out, html, "--out");
    io.out(`report: ${out}\n`);
  }
  if (flags.markdown !== undefined) {
    await writeOutput(flags.markdown, markdown, "--markdown");
    io.out(`markdown: ${flags.markdown}\n`);
  }
  return failed ? EXIT.failed : EXIT.ok;
}
