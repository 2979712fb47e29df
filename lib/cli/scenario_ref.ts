/**
 * Naming scenarios on the command line: a shipped scenario by its name
 * (`default`, `bql-contention`: the files of `scenarios/`), or any scenario
 * file by its path. The default suite, run when `aiolab run` gets no
 * argument, is a list of shipped names. Needs read permission for
 * `scenarios/`. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveScenarioArg } from "./scenario_ref.ts";
 * assert.equal(await resolveScenarioArg("my/own.json"), "my/own.json");
 * assert.match(await resolveScenarioArg("default"), /scenarios\/default\.ts$/);
 * ```
 *
 * @module
 */

import { basename, extname, isAbsolute, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { editDistance } from "../scenario/edit_distance.ts";
import { SCENARIO_EXTENSIONS } from "../scenario/load.ts";
import { UsageError } from "./errors.ts";

/** Shipped scenarios that `aiolab run` (and `deno task bench`) runs when given none. */
export const DEFAULT_SUITE: readonly string[] = ["default"];

/** The folder of the shipped scenarios. */
export const SHIPPED_DIR: URL = new URL("../../scenarios/", import.meta.url);

/** A shipped scenario: its name and its file (relative to the working directory when inside it). */
export interface ShippedScenario {
  /** Name, the file name without `.ts`. */
  name: string;
  /** Path to give `loadScenario`. */
  file: string;
}

function displayPath(url: URL): string {
  const abs = fileURLToPath(url);
  const rel = relative(Deno.cwd(), abs);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
}

/**
 * The shipped scenarios, sorted by name (the `.ts` files of `scenarios/`,
 * tests left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shippedScenarios } from "./scenario_ref.ts";
 * assert.ok((await shippedScenarios()).some((s) => s.name === "default"));
 * ```
 */
export async function shippedScenarios(): Promise<ShippedScenario[]> {
  const out: ShippedScenario[] = [];
  for await (const e of Deno.readDir(SHIPPED_DIR)) {
    if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
      const name = basename(e.name, ".ts");
      out.push({ name, file: displayPath(new URL(e.name, SHIPPED_DIR)) });
    }
  }
  return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Whether `arg` reads as a path rather than a shipped name. */
function looksLikePath(arg: string): boolean {
  return arg.includes("/") || arg.includes("\\") ||
    SCENARIO_EXTENSIONS.includes(extname(arg).toLowerCase());
}

/**
 * The closest of `known` to `word` when it is close enough to be a
 * misspelling, else undefined: case is ignored, and the distance
 * (lib/scenario's `editDistance`) may be at most a third of the guess's
 * length (at least 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closest } from "./scenario_ref.ts";
 * assert.equal(closest("iothraed", ["main", "iothread"]), "iothread");
 * assert.equal(closest("zzz", ["main"]), undefined);
 * ```
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * The file to load for a scenario argument: a path as given, or the file
 * of the shipped scenario of that name. Throws {@link UsageError} for a
 * name that is neither a shipped scenario nor a file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveScenarioArg } from "./scenario_ref.ts";
 * await assert.rejects(resolveScenarioArg("defualt"), /Did you mean "default"\?/);
 * ```
 */
export async function resolveScenarioArg(arg: string): Promise<string> {
  if (looksLikePath(arg)) return arg;
  const shipped = await shippedScenarios();
  const hit = shipped.find((s) => s.name === arg);
  if (hit !== undefined) return hit.file;
  try {
    await Deno.stat(arg);
    return arg;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return arg;
  }
  const names = shipped.map((s) => s.name);
  const guess = closest(arg, names);
  throw new UsageError(
    `no scenario "${arg}": expected the name of a shipped scenario (${names.join(", ")}) ` +
      `or the path of a scenario file (.ts or .json), got neither.` +
      (guess === undefined
        ? " `aiolab list` shows the shipped ones."
        : ` Did you mean "${guess}"?`),
  );
}
