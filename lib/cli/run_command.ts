/**
 * `aiolab run [scenario ...]`: loads and checks every scenario and the
 * flags before anything runs (a mistake is exit code 2 and nothing runs:
 * a bad `--threshold` or scenario threshold, a bad or missing baseline
 * name, an output folder that cannot be written), then calls `runLab` with
 * a Ctrl-C signal and the progress display, and for each result: prints its
 * summary table, writes `report.html` beside `result.json` (unless
 * `--no-report`) and prints its path, checks the scenario's thresholds and
 * every `--threshold` one by one, stores it as a baseline
 * (`--save-baseline NAME`) and compares it with one (`--baseline NAME`).
 * Text goes to stdout (stderr with `--json`, which prints the result
 * documents on stdout, one per line). Exits 0; 1 when a run failed, a
 * threshold failed or the comparison found a regression; 130 when
 * interrupted. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPlacements } from "./run_command.ts";
 * import { loadScenario } from "../scenario/load.ts";
 * const loaded = await loadScenario("scenarios/default.ts");
 * assert.throws(() => checkPlacements(loaded, ["main", "iothraed"]), /Did you mean "iothread"\?/);
 * ```
 *
 * @module
 */

import { dirname, join } from "node:path";
import type { MetricName } from "../analysis/metrics.ts";
import type { Threshold } from "../analysis/threshold_parse.ts";
import { writeTextFileAtomic } from "../result/atomic_write.ts";
import type { ResultDocument } from "../result/document.ts";
import { renderHtmlReport } from "../report/page.ts";
import type { LoadedScenario } from "../scenario/load.ts";
import { loadScenario } from "../scenario/load.ts";
import type { ScenarioInput } from "../scenario/types.ts";
import { ScenarioError } from "../scenario/scenario_error.ts";
import { validateScenario } from "../scenario/validate.ts";
import { formatDuration } from "../scenario/units.ts";
import { type LabOutcome, type LabOverrides, runLab } from "../runner/lab.ts";
import { killRunProcesses } from "../runner/run_process.ts";
import { EXIT, UsageError } from "./errors.ts";
import type { Io } from "./io.ts";
import { createProgress } from "./progress.ts";
import { scenarioToInput } from "./scenario_json.ts";
import { closest, DEFAULT_SUITE, resolveScenarioArg } from "./scenario_ref.ts";
import { runOutputNotes } from "./run_output.ts";
import { listenForInterrupt } from "./signals.ts";
import { summaryTable } from "./summary_table.ts";
import { printComparisons } from "./compare_command.ts";
import {
  baselinePath,
  checkBaselineName,
  checkWritablePath,
  DEFAULT_BASELINE_DIR,
  readBaseline,
} from "./result_files.ts";
import { checkThresholds, parseThresholdFlags, thresholdLines } from "./thresholds.ts";

/** The flags of `aiolab run`, parsed (durations in ns). */
export interface RunFlags {
  /** `--duration`, ns. */
  duration?: number;
  /** `--warmup`, ns. */
  warmup?: number;
  /** `--repeat`. */
  repeat?: number;
  /** `--seed`. */
  seed?: number;
  /** `--placement a,b`. */
  placement?: string[];
  /** `--out`. */
  out: string;
  /** `--quiet`. */
  quiet?: boolean;
  /** `--json`. */
  json?: boolean;
  /** `--no-report` makes this false (default true: report.html beside result.json). */
  report?: boolean;
  /** `--threshold`, repeatable: added to each scenario's own thresholds. */
  threshold?: string[];
  /** `--save-baseline NAME`. */
  saveBaseline?: string;
  /** `--baseline NAME`: compare after the run. */
  baseline?: string;
  /** `--baseline-dir` (default results/baselines). */
  baselineDir?: string;
  /** `--noise-threshold` (with --baseline), a share. */
  noiseThreshold?: number;
  /** `--fail-on` (with --baseline). */
  failOn?: MetricName[];
}

/** The output folder `aiolab run` writes to when not told otherwise. */
export const DEFAULT_OUT_DIR = "results/runs";

/**
 * Throws {@link UsageError} unless every name is a placement of the scenario.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPlacements } from "./run_command.ts";
 * import { loadScenario } from "../scenario/load.ts";
 * checkPlacements(await loadScenario("scenarios/default.ts"), ["iothread"]);
 * ```
 */
export function checkPlacements(loaded: LoadedScenario, names: readonly string[]): void {
  const known = Object.keys(loaded.scenario.placements);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length === 0) return;
  const guess = closest(unknown[0], known);
  throw new UsageError(
    `${loaded.file}: --placement names ${unknown.map((n) => `"${n}"`).join(", ")}, but scenario ` +
      `"${loaded.scenario.name}" has the placements ${
        known.join(", ")
      }: expected a comma-separated ` +
      `list of those.${guess === undefined ? "" : ` Did you mean "${guess}"?`}`,
  );
}

/** The scenario as written with the flags' values put in, for validation. */
function withOverrides(input: ScenarioInput, o: LabOverrides): ScenarioInput {
  return {
    ...input,
    ...(o.duration !== undefined ? { duration: formatDuration(o.duration) as never } : {}),
    ...(o.warmup !== undefined ? { warmup: formatDuration(o.warmup) as never } : {}),
    ...(o.repetitions !== undefined ? { repetitions: o.repetitions } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  };
}

function overrideFlags(flags: RunFlags): string {
  const parts = [
    flags.duration !== undefined ? `--duration ${formatDuration(flags.duration)}` : "",
    flags.warmup !== undefined ? `--warmup ${formatDuration(flags.warmup)}` : "",
    flags.repeat !== undefined ? `--repeat ${flags.repeat}` : "",
    flags.seed !== undefined ? `--seed ${flags.seed}` : "",
  ].filter((p) => p !== "");
  return parts.join(" ");
}

/**
 * Makes sure results can be written under `dir` (creating it): throws
 * {@link UsageError} naming the folder when permission or the file system
 * refuses.
 *
 * @example
 * ```ts
 * import { ensureWritable } from "./run_command.ts";
 * const dir = await Deno.makeTempDir();
 * await ensureWritable(`${dir}/runs`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ensureWritable(dir: string): Promise<void> {
  const status = await Deno.permissions.query({ name: "write", path: dir });
  if (status.state !== "granted") {
    throw new UsageError(
      `cannot write results to "${dir}": expected a folder this aiolab may write to, got one ` +
        `outside its --allow-write permission (deno task bench and deno task aiolab may write ` +
        `only under results/). Choose --out under results/ or run it with --allow-write=${dir}.`,
    );
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = await Deno.makeTempFile({ dir, prefix: ".aiolab-write-check-" });
    await Deno.remove(probe);
  } catch (e) {
    throw new UsageError(
      `cannot write results to "${dir}": ${
        (e instanceof Error ? e.message : String(e)).split("\n")[0]
      }.`,
    );
  }
}

/**
 * Runs `aiolab run` with its scenario arguments (none: the default suite)
 * and parsed flags; returns the exit code.
 *
 * @example
 * ```ts ignore
 * // Runs real scenarios in child processes: see main_test.ts and the lab's tests.
 * import { runCommand } from "./run_command.ts";
 * import { denoIo } from "./io.ts";
 * Deno.exit(await runCommand(["default"], { out: "results/runs", duration: 1e9 }, denoIo(), ["aiolab", "run"]));
 * ```
 */
export async function runCommand(
  args: readonly string[],
  flags: RunFlags,
  io: Io,
  commandLine: string[],
): Promise<number> {
  const overrides: LabOverrides = {
    ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
    ...(flags.warmup !== undefined ? { warmup: flags.warmup } : {}),
    ...(flags.repeat !== undefined ? { repetitions: flags.repeat } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.placement !== undefined ? { placements: flags.placement } : {}),
  };
  const names = args.length > 0 ? args : DEFAULT_SUITE;
  const cliThresholds = parseThresholdFlags(flags.threshold ?? [], "--threshold");
  const baselineDir = flags.baselineDir ?? DEFAULT_BASELINE_DIR;
  if (flags.saveBaseline !== undefined) {
    checkBaselineName(flags.saveBaseline, "--save-baseline");
    if (names.length > 1) {
      throw new UsageError(
        `--save-baseline ${flags.saveBaseline}: expected one scenario (a baseline holds one ` +
          `result), found ${names.length}: ${names.join(", ")}. Run them one at a time.`,
      );
    }
  }
  if (flags.baseline === undefined) {
    const stray = [
      flags.noiseThreshold !== undefined ? "--noise-threshold" : "",
      flags.failOn !== undefined ? "--fail-on" : "",
    ].filter((f) => f !== "");
    if (stray.length > 0) {
      throw new UsageError(
        `${stray.join(" and ")} ${stray.length === 1 ? "says" : "say"} how to judge the ` +
          `comparison with a baseline: expected --baseline NAME with ${
            stray.length === 1 ? "it" : "them"
          }, found none.`,
      );
    }
  }
  const baseline = flags.baseline === undefined
    ? undefined
    : await readBaseline(baselineDir, flags.baseline);
  const scenarios: LoadedScenario[] = [];
  const thresholds = new Map<string, Threshold[]>();
  for (const name of names) {
    const loaded = await loadScenario(await resolveScenarioArg(name));
    thresholds.set(loaded.scenario.name, [
      ...parseThresholdFlags(loaded.scenario.thresholds, `${loaded.file}: thresholds`),
      ...cliThresholds,
    ]);
    if (flags.placement !== undefined) checkPlacements(loaded, flags.placement);
    try {
      validateScenario(withOverrides(scenarioToInput(loaded.scenario), overrides), loaded.file);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      throw new UsageError(
        `${e.message} That comes from the command line's ${overrideFlags(flags)}: the scenario ` +
          `alone validates.`,
      );
    }
    scenarios.push(loaded);
  }
  if (baseline !== undefined) {
    const wanted = baseline.manifest.scenario.name;
    if (!scenarios.some((l) => l.scenario.name === wanted)) {
      throw new UsageError(
        `--baseline ${flags.baseline}: the baseline is a result of scenario "${wanted}", but ` +
          `this run has ${scenarios.map((l) => `"${l.scenario.name}"`).join(", ")}: expected ` +
          `the baseline's scenario among them.`,
      );
    }
  }
  await ensureWritable(flags.out);
  if (flags.saveBaseline !== undefined) {
    await checkWritablePath(baselinePath(baselineDir, flags.saveBaseline), "--baseline-dir");
  }

  const progress = createProgress({
    draw: io.errIsTerminal && !flags.quiet,
    stream: io.errStream,
  });
  const interrupt = listenForInterrupt({
    onFirst: () =>
      progress.log(
        "aiolab: stopping (Ctrl-C again quits at once); what was measured is written, marked partial",
      ),
    onSecond: () => {
      // Quits without waiting, but leaves no run process (nor its Workers) behind.
      const killed = killRunProcesses();
      progress.stop();
      io.err(
        `aiolab: quit at once (second Ctrl-C); ${killed} run process${killed === 1 ? "" : "es"} ` +
          `killed; the run in progress is lost, the runs completed before it are in the output folder\n`,
      );
      Deno.exit(EXIT.interrupted);
    },
  });
  let outcome: LabOutcome;
  try {
    outcome = await runLab({
      scenarios,
      overrides,
      thresholds: flags.threshold ?? [],
      outDir: flags.out,
      signal: interrupt.signal,
      commandLine,
    }, progress.hooks);
  } finally {
    progress.stop();
    interrupt.dispose();
  }

  const table = flags.json ? (t: string) => io.err(t) : (t: string) => io.out(t);
  const note = flags.json ? (t: string) => io.err(t) : (t: string) => io.out(t);
  let failedThresholds = 0;
  let regressed = false;
  for (const r of outcome.results) {
    if (flags.json) io.out(`${JSON.stringify(r.document)}\n`);
    if (!flags.quiet) {
      const text = summaryTable(r.document.summary);
      if (text !== "") table(`\n${text}\n`);
    }
    if (!flags.quiet || !flags.json) {
      note(`result: ${r.path}${outcome.partial ? " (partial)" : ""}\n`);
    }
    // Always said, even with --quiet: a run's own words are never dropped silently.
    io.err(runOutputNotes(r.document.runs, r.path));
    if (flags.report !== false) {
      const path = join(dirname(r.path), "report.html");
      await writeTextFileAtomic(path, renderHtmlReport([r.document], { commandLine }));
      note(`report: ${path}\n`);
    }
    const outcomes = checkThresholds(thresholds.get(r.scenario) ?? cliThresholds, r.document);
    failedThresholds += outcomes.filter((o) => !o.pass).length;
    const lines = thresholdLines(outcomes);
    if (lines !== "") note(lines);
    if (flags.saveBaseline !== undefined) {
      regressed = await saveBaseline(r.document, baselineDir, flags.saveBaseline, note, io) ||
        regressed;
    }
    if (baseline !== undefined && r.scenario === baseline.manifest.scenario.name) {
      const out = flags.json ? { ...io, out: io.err } : io;
      const c = printComparisons(
        {
          name: `baseline ${flags.baseline}`,
          doc: baseline,
        },
        [{ name: r.path, doc: r.document }],
        flags,
        out,
      );
      regressed = c.failed || regressed;
    }
  }
  if (outcome.interrupted) {
    io.err("aiolab: interrupted; the results above are partial\n");
    return EXIT.interrupted;
  }
  if (outcome.partial) {
    io.err("aiolab: some runs failed (see above); the results are marked partial\n");
    return EXIT.failed;
  }
  if (failedThresholds > 0) {
    io.err(
      `aiolab: ${failedThresholds} threshold${
        failedThresholds === 1 ? "" : "s"
      } failed (see above)\n`,
    );
    return EXIT.failed;
  }
  return regressed ? EXIT.failed : EXIT.ok;
}

/** Stores a complete result as a baseline; a partial one is refused (returns true: a failure). */
async function saveBaseline(
  doc: ResultDocument,
  dir: string,
  name: string,
  note: (t: string) => void,
  io: Io,
): Promise<boolean> {
  const path = baselinePath(dir, name);
  if (doc.manifest.partial) {
    io.err(`aiolab: not saved as baseline ${name}: the result is partial\n`);
    return true;
  }
  await writeTextFileAtomic(path, JSON.stringify(doc, null, 1) + "\n");
  note(`baseline: ${path}\n`);
  return false;
}
