/**
 * The `aiolab` command tree (commander): `run`, `report`, `compare`,
 * `list`, `validate`, `show` and `new`, their flags and the parsers of flag values (durations with a
 * unit, as in scenarios). Commander never exits the process itself: a bad
 * flag becomes one paragraph on stderr and exit code 2. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDurationFlag } from "./program.ts";
 * assert.equal(parseDurationFlag("250ms"), 250e6);
 * assert.throws(() => parseDurationFlag("5"), /no unit/);
 * ```
 *
 * @module
 */

import { Command, CommanderError, InvalidArgumentError } from "@commander-js/extra-typings";
import { parseDuration, UnitError } from "../scenario/units.ts";
import { listCommand, newCommand, showCommand, validateCommand } from "./commands.ts";
import { describeFailure, EXIT, oneParagraph } from "./errors.ts";
import type { Io } from "./io.ts";
import { DEFAULT_OUT_DIR, runCommand } from "./run_command.ts";
import { DEFAULT_SUITE } from "./scenario_ref.ts";
import { compareCommand } from "./compare_command.ts";
import { DEFAULT_FAIL_ON, parseFailOn, parseNoiseThreshold } from "./comparison.ts";
import { parseFormat, reportCommand } from "./report_command.ts";
import { DEFAULT_BASELINE_DIR } from "./result_files.ts";

/**
 * A duration flag (`5s`, `250ms`, `50us`): integer ns. Throws commander's
 * InvalidArgumentError, which it reports as a bad flag.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDurationFlag } from "./program.ts";
 * assert.equal(parseDurationFlag("1.5s"), 1.5e9);
 * ```
 */
export function parseDurationFlag(value: string): number {
  try {
    return parseDuration(value);
  } catch (e) {
    if (e instanceof UnitError) throw new InvalidArgumentError(`${e.message}.`);
    throw e;
  }
}

function positiveDuration(value: string): number {
  const ns = parseDurationFlag(value);
  if (ns <= 0) throw new InvalidArgumentError('expected a duration above 0, such as "5s".');
  return ns;
}

function integerIn(min: number, max: number, what: string): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${what}, a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const FAIL_ON_HELP = `metrics whose regression exits 1: names separated by commas, all, or none ` +
  `(default: ${DEFAULT_FAIL_ON.join(",")})`;
const NOISE_HELP = "smallest change called a regression, e.g. 5% or 0.05 (default 2%; never " +
  "below the noise floor the results measured)";

function nameList(value: string): string[] {
  const names = value.split(",").map((s) => s.trim());
  if (names.some((n) => n === "")) {
    throw new InvalidArgumentError(
      "expected placement names separated by commas, such as main,iothread.",
    );
  }
  return names;
}

/**
 * Builds the command tree. Each action stores its exit code with `setCode`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildProgram } from "./program.ts";
 * import { denoIo } from "./io.ts";
 * const names = buildProgram(denoIo(), ["aiolab"], () => {}).commands.map((c) => c.name());
 * assert.deepEqual(names, ["run", "report", "compare", "list", "validate", "show", "new"]);
 * ```
 */
export function buildProgram(
  io: Io,
  commandLine: string[],
  setCode: (code: number) => void,
): Command {
  const program = new Command()
    .name("aiolab")
    .description(
      "QEMU's AioContext / IOThread runtime on real threads, as a benchmark lab: run scenarios " +
        "under main-loop and IOThread placements and compare latency, jitter and contention.",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`aiolab: ${oneParagraph(s.replace(/^error: /, ""))}\n`),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .helpCommand(false);

  program.command("run")
    .description(
      `Run scenarios (shipped names or files; none: the default suite, ${
        DEFAULT_SUITE.join(", ")
      }) ` +
        "and write one result.json per scenario.",
    )
    .argument("[scenario...]", "shipped scenario names (aiolab list) or scenario files")
    .option("-d, --duration <time>", "measured time per repetition, e.g. 5s", positiveDuration)
    .option("-w, --warmup <time>", "unmeasured warm-up before it, e.g. 250ms", parseDurationFlag)
    .option(
      "-r, --repeat <n>",
      "repetitions per placement",
      integerIn(1, 1000, "a repetition count"),
    )
    .option("--seed <n>", "seed of every arrival schedule", integerIn(0, 2 ** 32 - 1, "a seed"))
    .option("-p, --placement <names>", "run only these placements, in this order (a,b)", nameList)
    .option("-o, --out <dir>", "folder of the results", DEFAULT_OUT_DIR)
    .option("-q, --quiet", "no progress line and no summary table")
    .option("--json", "print the result documents on stdout (one per line), nothing else")
    .option("--no-report", "do not write report.html beside each result.json")
    .option(
      "-t, --threshold <expr>",
      "a threshold to check after the run, added to the scenario's (repeatable), e.g. " +
        '"iothread.disk0.p99 < 0.5 * main.disk0.p99"',
      collect,
    )
    .option(
      "--save-baseline <name>",
      "also store the result as baseline NAME (<baseline-dir>/NAME.json)",
    )
    .option(
      "--baseline <name>",
      "compare the result with baseline NAME after the run (as compare does)",
    )
    .option("--baseline-dir <dir>", "folder of the baselines", DEFAULT_BASELINE_DIR)
    .option("--noise-threshold <share>", `with --baseline: ${NOISE_HELP}`, parseNoiseThreshold)
    .option("--fail-on <metrics>", `with --baseline: ${FAIL_ON_HELP}`, parseFailOn)
    .action(async (scenarios, flags) => {
      setCode(await runCommand(scenarios, flags, io, commandLine));
    });

  program.command("report")
    .description(
      "Re-render saved results (no run): an HTML page (several files: compare view), the " +
        "Markdown summary, CSV of the summary rows, JSON, or HdrHistogram logs per device.",
    )
    .argument("<result...>", "result.json files")
    .option(
      "-f, --format <format>",
      "html, md, csv, json or hlog",
      parseFormat,
      "html" as ReturnType<typeof parseFormat>,
    )
    .option(
      "-o, --out <path>",
      "file to write (a folder for hlog); default: md, csv and json to stdout, html to " +
        "report.html and hlog into the first result's folder",
    )
    .option(
      "-t, --threshold <expr>",
      "a threshold to check on the results (repeatable); a failing one exits 1",
      collect,
    )
    .action(async (files, flags) => setCode(await reportCommand(files, flags, io, commandLine)));

  program.command("compare")
    .description(
      "Compare results with a baseline: every metric's ratio with its 95% interval and verdict, " +
        "a table and an HTML comparison report; exit 1 when a metric regressed beyond the noise " +
        "threshold.",
    )
    .argument(
      "<result...>",
      "baseline.json then current.json ... (with --baseline: only current ones)",
    )
    .option("--baseline <name>", "compare with baseline NAME (<baseline-dir>/NAME.json)")
    .option("--baseline-dir <dir>", "folder of the baselines", DEFAULT_BASELINE_DIR)
    .option("--noise-threshold <share>", NOISE_HELP, parseNoiseThreshold)
    .option("--fail-on <metrics>", FAIL_ON_HELP, parseFailOn)
    .option(
      "-o, --out <file>",
      "the HTML report (default results/compare/<timestamp>-<scenario>/report.html)",
    )
    .option("--no-report", "do not write the HTML report")
    .option("--markdown <file>", "also write the comparison as Markdown (for a PR comment)")
    .action(async (files, flags) => setCode(await compareCommand(files, flags, io, commandLine)));

  program.command("list")
    .description("List the shipped scenarios with what each shows.")
    .action(async () => setCode(await listCommand(io)));

  program.command("validate")
    .description("Check scenario files: ok, or what is wrong and where (exit 2 if any is invalid).")
    .argument("<file...>", "scenario files (.ts or .json) or shipped names")
    .action(async (files) => setCode(await validateCommand(files, io)));

  program.command("show")
    .description("Show a scenario after defaults and units are resolved.")
    .argument("<scenario>", "a shipped scenario name or a scenario file")
    .option("--json", "print it as JSON that run and validate accept back")
    .action(async (scenario, flags) => setCode(await showCommand(scenario, flags, io)));

  program.command("new")
    .description("Write a commented scenario to start from (never overwrites).")
    .argument("<name>", "scenario name (writes <name>.ts) or a path ending in .ts")
    .action(async (name) => setCode(await newCommand(name, io)));

  return program;
}

/**
 * Runs the command line on `args` (without the program name) and returns
 * the exit code: 0 ok, 1 a run or aiolab failed, 2 a user mistake, 130
 * interrupted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "./program.ts";
 * let err = "";
 * const io = { out: () => {}, err: (t: string) => (err += t), errStream: undefined!, errIsTerminal: false };
 * assert.equal(await runCli(["frob"], io), 2);
 * assert.match(err, /^aiolab: unknown command 'frob'/);
 * ```
 */
export async function runCli(args: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, ["aiolab", ...args], (c) => (code = c));
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const failure = describeFailure(e);
    io.err(`${failure.text}\n`);
    return failure.code;
  }
  return code;
}
