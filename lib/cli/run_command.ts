/**
 * `aiolab run [scenario ...]`: loads and checks every scenario and the
 * flags before anything runs (a mistake is exit code 2 and nothing runs),
 * checks that the output folder can be written, then calls `runLab` with a
 * Ctrl-C signal and the progress display, prints the summary table of each
 * result (stdout; stderr with `--json`, which prints the result documents
 * on stdout, one per line) and exits 0, 1 when a run failed, or 130 when
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

import type { LoadedScenario } from "../scenario/load.ts";
import { loadScenario } from "../scenario/load.ts";
import type { ScenarioInput } from "../scenario/types.ts";
import { ScenarioError } from "../scenario/scenario_error.ts";
import { validateScenario } from "../scenario/validate.ts";
import { formatDuration } from "../scenario/units.ts";
import { type LabOutcome, type LabOverrides, runLab } from "../runner/lab.ts";
import { EXIT, UsageError } from "./errors.ts";
import type { Io } from "./io.ts";
import { createProgress } from "./progress.ts";
import { scenarioToInput } from "./scenario_json.ts";
import { closest, DEFAULT_SUITE, resolveScenarioArg } from "./scenario_ref.ts";
import { listenForInterrupt } from "./signals.ts";
import { summaryTable } from "./summary_table.ts";

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
  const scenarios: LoadedScenario[] = [];
  for (const name of names) {
    const loaded = await loadScenario(await resolveScenarioArg(name));
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
  await ensureWritable(flags.out);

  const progress = createProgress({
    draw: io.errIsTerminal && !flags.quiet,
    stream: io.errStream,
  });
  const interrupt = listenForInterrupt({
    onFirst: () =>
      progress.log(
        "aiolab: stopping (Ctrl-C again quits at once); what was measured is written, marked partial",
      ),
  });
  let outcome: LabOutcome;
  try {
    outcome = await runLab({
      scenarios,
      overrides,
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
  for (const r of outcome.results) {
    if (flags.json) io.out(`${JSON.stringify(r.document)}\n`);
    if (!flags.quiet) {
      const text = summaryTable(r.document.summary);
      if (text !== "") table(`\n${text}\n`);
    }
    if (!flags.quiet || !flags.json) {
      note(`result: ${r.path}${outcome.partial ? " (partial)" : ""}\n`);
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
  return EXIT.ok;
}
