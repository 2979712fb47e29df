/**
 * The scenario commands: `list` (the shipped scenarios), `validate` (check
 * scenario files), `show` (a scenario after defaults and units, as text or
 * as JSON that `run` and `validate` accept back) and `new` (write a
 * commented scenario to start from). Each returns its exit code; a user
 * mistake throws {@link UsageError} or a ScenarioError. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listCommand } from "./commands.ts";
 * let out = "";
 * const io = { out: (t: string) => (out += t), err: () => {}, errStream: undefined!, errIsTerminal: false };
 * assert.equal(await listCommand(io), 0);
 * assert.match(out, /^default +One virtio-blk disk/m);
 * ```
 *
 * @module
 */

import { basename, dirname, extname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expandScenario, labelText, sweepAxes } from "../scenario/expand.ts";
import { loadScenario } from "../scenario/load.ts";
import { ScenarioError } from "../scenario/scenario_error.ts";
import { ID_PATTERN } from "../scenario/schema.ts";
import type { ResolvedScenario } from "../scenario/types.ts";
import { formatDuration } from "../scenario/units.ts";
import { EXIT, UsageError } from "./errors.ts";
import type { Io } from "./io.ts";
import { scenarioToInput } from "./scenario_json.ts";
import { resolveScenarioArg, shippedScenarios } from "./scenario_ref.ts";
import { scenarioTemplate } from "./template.ts";

/**
 * The first sentence of a description (up to the first ". "), on one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstSentence } from "./commands.ts";
 * assert.equal(firstSentence("One disk (50 us). Look at p99."), "One disk (50 us).");
 * ```
 */
export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const end = flat.search(/\.\s/);
  return end < 0 ? flat : flat.slice(0, end + 1);
}

/**
 * `aiolab list`: each shipped scenario's name and the first sentence of its
 * description.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listCommand } from "./commands.ts";
 * let out = "";
 * await listCommand({ out: (t) => (out += t), err: () => {}, errStream: undefined!, errIsTerminal: false });
 * assert.match(out, /^accel /m);
 * ```
 */
export async function listCommand(io: Io): Promise<number> {
  const shipped = await shippedScenarios();
  const width = Math.max(...shipped.map((s) => s.name.length));
  for (const s of shipped) {
    const { scenario } = await loadScenario(s.file);
    io.out(`${s.name.padEnd(width)}  ${firstSentence(scenario.description)}\n`);
  }
  return EXIT.ok;
}

function runCount(s: ResolvedScenario): { points: number; runs: number } {
  const points = expandScenario(s);
  const runs = points.reduce(
    (n, p) => n + Object.keys(p.scenario.placements).length * p.scenario.repetitions,
    0,
  );
  return { points: points.length, runs };
}

/**
 * `aiolab validate <file ...>`: "ok" and the run count for each valid file
 * (stdout), the error paragraph for each invalid one (stderr); exit code 2
 * if any is invalid. Every file is checked, even after a bad one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateCommand } from "./commands.ts";
 * let out = "";
 * const io = { out: (t: string) => (out += t), err: () => {}, errStream: undefined!, errIsTerminal: false };
 * assert.equal(await validateCommand(["scenarios/examples/minimal.json"], io), 0);
 * assert.match(out, /^ok scenarios\/examples\/minimal\.json: minimal, 2 placements/);
 * ```
 */
export async function validateCommand(files: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  for (const arg of files) {
    try {
      const { file, scenario } = await loadScenario(await resolveScenarioArg(arg));
      const placements = Object.keys(scenario.placements).length;
      const { points, runs } = runCount(scenario);
      io.out(
        `ok ${file}: ${scenario.name}, ${placements} placement${placements === 1 ? "" : "s"}` +
          `, ${points} sweep point${points === 1 ? "" : "s"}, ${runs} run${
            runs === 1 ? "" : "s"
          }\n`,
      );
    } catch (e) {
      if (!(e instanceof ScenarioError || e instanceof UsageError)) throw e;
      io.err(`aiolab: ${e.message}\n`);
      code = EXIT.usage;
    }
  }
  return code;
}

function describeScenario(file: string, s: ResolvedScenario): string {
  const lines = [`${s.name} (${file})`];
  if (s.description) lines.push(`  ${s.description.replace(/\s+/g, " ").trim()}`);
  const d = (v: ResolvedScenario["duration"]) =>
    typeof v === "number" ? formatDuration(v) : `[${v.sweep.map(formatDuration).join(", ")}]`;
  const n = (v: ResolvedScenario["seed"]) =>
    typeof v === "number" ? String(v) : `[${v.sweep.join(", ")}]`;
  lines.push(
    `  duration ${d(s.duration)}, warm-up ${d(s.warmup)}, ${n(s.repetitions)} repetitions, ` +
      `seed ${n(s.seed)}, accel ${s.machine.accel}`,
  );
  lines.push(`  devices: ${s.devices.map((x) => x.id).join(", ")}`);
  lines.push("  placements:");
  for (const [name, p] of Object.entries(s.placements)) {
    lines.push(`    ${name}${p.description ? `: ${p.description}` : ""} (${p.locking} locking)`);
  }
  const axes = sweepAxes(s);
  const { points, runs } = runCount(s);
  if (axes.length > 0) {
    lines.push("  sweeps:");
    for (const a of axes) lines.push(`    ${a.path}: ${a.values.join(", ")}`);
    for (const p of expandScenario(s)) {
      lines.push(`    point ${p.index + 1}: ${labelText(p.label)}`);
    }
  }
  lines.push(`  ${points} sweep point${points === 1 ? "" : "s"}, ${runs} runs in all`);
  lines.push("  (aiolab show --json prints every field, defaults filled in)");
  return lines.join("\n") + "\n";
}

/**
 * `aiolab show <scenario> [--json]`: the scenario after defaults and units
 * are resolved, as a summary or as JSON that `run` and `validate` accept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showCommand } from "./commands.ts";
 * let out = "";
 * const io = { out: (t: string) => (out += t), err: () => {}, errStream: undefined!, errIsTerminal: false };
 * await showCommand("default", { json: true }, io);
 * assert.equal(JSON.parse(out).name, "default");
 * ```
 */
export async function showCommand(
  arg: string,
  options: { json?: boolean },
  io: Io,
): Promise<number> {
  const { file, scenario } = await loadScenario(await resolveScenarioArg(arg));
  if (options.json) io.out(`${JSON.stringify(scenarioToInput(scenario), null, 2)}\n`);
  else io.out(describeScenario(file, scenario));
  return EXIT.ok;
}

/** The import specifier of `lib/scenario/mod.ts` as seen from a file in `dir`. */
function modSpecifier(dir: string): string {
  const mod = new URL("../scenario/mod.ts", import.meta.url);
  if (mod.protocol !== "file:") return mod.href;
  const rel = relative(dir, fileURLToPath(mod)).replaceAll("\\", "/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/**
 * `aiolab new <name>`: writes `<name>.ts` (or the `.ts` path given), a
 * commented scenario named after the file, then checks that it validates.
 * Refuses to overwrite anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newCommand } from "./commands.ts";
 * const dir = await Deno.makeTempDir();
 * let out = "";
 * const io = { out: (t: string) => (out += t), err: () => {}, errStream: undefined!, errIsTerminal: false };
 * assert.equal(await newCommand(`${dir}/my-disk`, io), 0);
 * assert.match(out, /^wrote .*my-disk\.ts/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function newCommand(arg: string, io: Io): Promise<number> {
  const ext = extname(arg);
  if (ext !== "" && ext !== ".ts") {
    throw new UsageError(
      `cannot write "${arg}": expected a scenario name or a path ending in .ts, got a path ending in "${ext}".`,
    );
  }
  const file = ext === "" ? `${arg}.ts` : arg;
  const name = basename(file, ".ts");
  if (!ID_PATTERN.test(name)) {
    throw new UsageError(
      `cannot name a scenario "${name}": expected lower-case letters, digits, "-" and "_", ` +
        `starting with a letter (such as "my-disk"), got "${name}".`,
    );
  }
  const text = scenarioTemplate(name, modSpecifier(dirname(resolve(file))));
  try {
    await Deno.writeTextFile(file, text, { createNew: true });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      throw new UsageError(
        `${file} exists: aiolab new never overwrites a file; choose another name or remove it first.`,
      );
    }
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(
        `cannot write ${file}: expected a place this aiolab may write to, got one it may not ` +
          `(${e.message.split("\n")[0]}).`,
      );
    }
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`cannot write ${file}: its folder ${dirname(file)} does not exist.`);
    }
    throw e;
  }
  const { scenario } = await loadScenario(file);
  const { runs } = runCount(scenario);
  io.out(
    `wrote ${file}: scenario "${name}", ${Object.keys(scenario.placements).length} placements, ` +
      `${runs} runs. Edit it, then: aiolab validate ${file} && aiolab run ${file}\n`,
  );
  return EXIT.ok;
}
