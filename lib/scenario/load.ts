/**
 * Loading a scenario file: a TypeScript or JavaScript module (by dynamic
 * import; its default export must come from `defineScenario`) or a JSON
 * file. A missing file, a directory, an empty file, bad JSON, a module that
 * throws on import and an invalid scenario all end in one
 * {@link ScenarioError}; nothing else escapes. Needs read permission only.
 * Runs in the orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadScenario } from "./load.ts";
 * const { scenario } = await loadScenario("scenarios/examples/minimal.json");
 * assert.equal(scenario.name, "minimal");
 * ```
 *
 * @module
 */

import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isDefinedScenario } from "./define_scenario.ts";
import { ScenarioError } from "./scenario_error.ts";
import type { ResolvedScenario } from "./types.ts";
import { validateScenario } from "./validate.ts";

/** File name endings the loader accepts. */
export const SCENARIO_EXTENSIONS: readonly string[] = [".ts", ".mts", ".js", ".mjs", ".json"];

const EXPECTED_FILE = "a scenario file (.ts, .mts, .js, .mjs or .json)";

/** A loaded scenario. */
export interface LoadedScenario {
  /** The file as given. */
  file: string;
  /** The file's text (for the result's manifest: its hash and source). */
  text: string;
  /** The scenario as written (the module's default export or the parsed JSON). */
  input: unknown;
  /** The validated scenario. */
  scenario: ResolvedScenario;
}

function fileError(file: string, found: string, hint = "", expected = EXPECTED_FILE) {
  return new ScenarioError({ file, path: "", expected, found, hint });
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0].trim();
}

/**
 * Reads, imports or parses, and validates a scenario file. Throws
 * {@link ScenarioError} only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadScenario } from "./load.ts";
 * import { ScenarioError } from "./scenario_error.ts";
 * await assert.rejects(loadScenario("scenarios/nope.ts"), (e: unknown) =>
 *   e instanceof ScenarioError && e.message === "scenarios/nope.ts: expected a scenario file (.ts, .mts, .js, .mjs or .json), got no such file.");
 * ```
 */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  const ext = extname(file).toLowerCase();
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw fileError(file, "no such file");
    throw fileError(file, `a file that cannot be read (${firstLine(e)})`);
  }
  if (stat.isDirectory) {
    let hint = "";
    try {
      const names: string[] = [];
      for await (const entry of Deno.readDir(file)) {
        const scenarioLike = SCENARIO_EXTENSIONS.includes(extname(entry.name)) &&
          !/_test\.[a-z]+$/.test(entry.name);
        if (entry.isFile && scenarioLike) {
          names.push(entry.name);
        }
      }
      names.sort();
      if (names.length > 0) {
        hint = names.length > 6
          ? `It holds ${names.slice(0, 6).join(", ")} and ${names.length - 6} more.`
          : `It holds ${names.join(", ")}.`;
      }
    } catch {
      hint = "";
    }
    throw fileError(file, "a directory", hint);
  }
  if (!SCENARIO_EXTENSIONS.includes(ext)) {
    throw fileError(file, `a file ending in "${ext || "(nothing)"}"`);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw fileError(file, `a file that cannot be read (${firstLine(e)})`);
  }
  if (text.trim() === "") throw fileError(file, "an empty file");

  let input: unknown;
  if (ext === ".json") {
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw fileError(file, `text that is not JSON (${firstLine(e)})`, "", "a JSON scenario");
    }
  } else {
    let mod: Record<string, unknown>;
    try {
      mod = await import(pathToFileURL(resolve(file)).href);
    } catch (e) {
      throw fileError(
        file,
        `an error on import: ${firstLine(e)}`,
        "",
        "a module that imports without error",
      );
    }
    const expected = "a default export made with defineScenario({...})";
    if (!("default" in mod)) {
      const names = Object.keys(mod);
      throw fileError(
        file,
        names.length ? `no default export (exports: ${names.join(", ")})` : "no default export",
        'Write `export default defineScenario({ ... })`, importing defineScenario from "lib/scenario/mod.ts".',
        expected,
      );
    }
    if (!isDefinedScenario(mod.default)) {
      throw fileError(
        file,
        `a default export that is ${describe(mod.default)}, not made by defineScenario`,
        "Wrap it: `export default defineScenario({ ... })`.",
        expected,
      );
    }
    input = mod.default;
  }
  return { file, text, input, scenario: validateScenario(input, file) };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "a plain object" : `a ${typeof v}`;
}
