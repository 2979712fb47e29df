/**
 * The files of `report`, `compare` and the baselines: reading saved result
 * documents (a missing, unreadable or invalid file is a user mistake, exit
 * 2, naming the file), baseline names and their place under
 * `results/baselines/NAME.json`, and writing outputs atomically (a folder
 * outside the write permission is named with the flag to change).
 * Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baselinePath, checkBaselineName } from "./result_files.ts";
 * assert.equal(baselinePath("results/baselines", "main"), "results/baselines/main.json");
 * assert.throws(() => checkBaselineName("../x", "--baseline"), /expected a baseline name/);
 * ```
 *
 * @module
 */

import { dirname, join } from "node:path";
import { writeTextFileAtomic } from "../result/atomic_write.ts";
import { loadResult, type ResultDocument, ResultError } from "../result/document.ts";
import { UsageError } from "./errors.ts";

/** Where baselines are kept when not told otherwise. */
export const DEFAULT_BASELINE_DIR = "results/baselines";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Throws {@link UsageError} unless `name` is a baseline name: 1 to 64
 * letters, digits, `.`, `_` and `-`, starting with a letter or digit (so
 * it names a file inside the baselines folder and nothing else).
 *
 * @example
 * ```ts
 * import { checkBaselineName } from "./result_files.ts";
 * checkBaselineName("v0.1.0-main", "--save-baseline");
 * ```
 */
export function checkBaselineName(name: string, flag: string): void {
  if (NAME.test(name) && !name.endsWith(".json")) return;
  throw new UsageError(
    `${flag} ${
      JSON.stringify(name)
    }: expected a baseline name (1 to 64 letters, digits, ".", "_" ` +
      `and "-", starting with a letter or digit, without ".json"), such as "main" or "v0.1".`,
  );
}

/**
 * The file of baseline `name` in `dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baselinePath } from "./result_files.ts";
 * assert.equal(baselinePath("/tmp/b", "x"), "/tmp/b/x.json");
 * ```
 */
export function baselinePath(dir: string, name: string): string {
  return join(dir, `${name}.json`);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].replace(/\.$/, "");
}

/**
 * Reads and validates a result document. A file that is missing, outside
 * the read permission, or not a valid result is a {@link UsageError}
 * naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readResultFile } from "./result_files.ts";
 * const doc = await readResultFile("lib/report/testdata/default_result.json");
 * assert.equal(doc.manifest.scenario.name, "default");
 * await assert.rejects(readResultFile("no/such.json"), /no\/such.json: expected a result file/);
 * ```
 */
export async function readResultFile(
  path: string,
  what = "a result file",
): Promise<ResultDocument> {
  const status = await Deno.permissions.query({ name: "read", path });
  if (status.state !== "granted") {
    throw new UsageError(
      `${path}: cannot read it: expected ${what} this aiolab may read, got one outside its ` +
        `--allow-read permission (deno task report and deno task compare read only under ` +
        `results/). Copy it under results/ or run aiolab with --allow-read=${path}.`,
    );
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`${path}: expected ${what} (result.json), found no such file.`);
    }
    throw new UsageError(
      `${path}: expected ${what} (result.json), but it cannot be read: ${firstLine(e)}.`,
    );
  }
  try {
    return loadResult(text, path);
  } catch (e) {
    if (e instanceof ResultError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Throws {@link UsageError} unless `path` may be written (permission) and
 * its folder can be made.
 *
 * @example
 * ```ts
 * import { checkWritablePath } from "./result_files.ts";
 * const dir = await Deno.makeTempDir();
 * await checkWritablePath(`${dir}/a/report.html`, "--out");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkWritablePath(path: string, flag: string): Promise<void> {
  const status = await Deno.permissions.query({ name: "write", path });
  if (status.state !== "granted") {
    throw new UsageError(
      `cannot write "${path}" (${flag}): expected a path this aiolab may write to, got one ` +
        `outside its --allow-write permission (the deno tasks write only under results/). ` +
        `Choose ${flag} under results/ or run aiolab with --allow-write=${path}.`,
    );
  }
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot write "${path}" (${flag}): ${firstLine(e)}.`);
  }
}

/**
 * Writes `text` to `path` atomically, making its folder; a refusal is a
 * {@link UsageError} naming the path and the flag that chose it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeOutput } from "./result_files.ts";
 * const dir = await Deno.makeTempDir();
 * await writeOutput(`${dir}/x/r.md`, "# r\n", "--out");
 * assert.equal(await Deno.readTextFile(`${dir}/x/r.md`), "# r\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeOutput(path: string, text: string, flag: string): Promise<void> {
  await checkWritablePath(path, flag);
  try {
    await writeTextFileAtomic(path, text);
  } catch (e) {
    if (
      e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotFound ||
      e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.IsADirectory
    ) {
      throw new UsageError(`cannot write "${path}" (${flag}): ${firstLine(e)}.`);
    }
    throw e;
  }
}

/**
 * Reads baseline `name` from `dir`: a missing one names the baselines
 * present.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBaseline } from "./result_files.ts";
 * await assert.rejects(readBaseline("/tmp/aiolab-no-baselines", "x"), /no baseline "x"/);
 * ```
 */
export async function readBaseline(dir: string, name: string): Promise<ResultDocument> {
  checkBaselineName(name, "--baseline");
  const path = baselinePath(dir, name);
  try {
    await Deno.stat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw new UsageError(`${path}: ${firstLine(e)}.`);
    let known: string[] = [];
    try {
      known = [...Deno.readDirSync(dir)].filter((f) => f.isFile && f.name.endsWith(".json"))
        .map((f) => f.name.slice(0, -5)).sort();
    } catch (listing) {
      // No folder, or not readable: the message then says it holds none.
      const expected = listing instanceof Deno.errors.NotFound ||
        listing instanceof Deno.errors.NotCapable ||
        listing instanceof Deno.errors.PermissionDenied;
      if (!expected) throw listing;
    }
    throw new UsageError(
      `--baseline ${name}: no baseline "${name}" (${path}): expected one saved with ` +
        `aiolab run --save-baseline ${name}; ${
          known.length === 0 ? `${dir} holds none` : `${dir} holds ${known.join(", ")}`
        }.`,
    );
  }
  return await readResultFile(path, "a baseline");
}
