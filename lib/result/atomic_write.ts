/**
 * Atomic file writes: the text goes to a temporary file in the same
 * directory, which is then renamed over the target, so a reader sees the
 * old file or the whole new one, never a half-written one (an interrupted
 * run leaves at most a stray temporary file, never a truncated result).
 *
 * Needs read and write permission for the target's directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeTextFileAtomic } from "./atomic_write.ts";
 * const dir = await Deno.makeTempDir();
 * await writeTextFileAtomic(`${dir}/r.json`, "{}\n");
 * assert.equal(await Deno.readTextFile(`${dir}/r.json`), "{}\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let counter = 0;

/**
 * Writes `text` to `path` atomically (temporary file `.<name>.<pid>-<n>.tmp`
 * beside it, then rename). The directory must exist. On failure the
 * temporary file is removed and the error rethrown; the target is then
 * unchanged. Orchestrator or any thread with file-system permission.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeTextFileAtomic } from "./atomic_write.ts";
 * const dir = await Deno.makeTempDir();
 * const url = new URL(`file://${dir}/a.txt`);
 * await writeTextFileAtomic(url, "one");
 * await writeTextFileAtomic(url, "two");
 * assert.equal(await Deno.readTextFile(url), "two");
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.txt"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTextFileAtomic(path: string | URL, text: string): Promise<void> {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  const tmp = join(dirname(file), `.${basename(file)}.${Deno.pid}-${counter++}.tmp`);
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, file);
  } catch (err) {
    await Deno.remove(tmp).catch((e: unknown) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    throw err;
  }
}
