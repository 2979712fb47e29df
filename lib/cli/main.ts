/**
 * The `aiolab` command: `deno task aiolab <command>` or, once installed
 * with `deno install`, `aiolab <command>`. See `program.ts` for the
 * commands and flags. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 * assert.equal(typeof main, "function");
 * ```
 *
 * @module
 */

import { denoIo } from "./io.ts";
import { runCli } from "./program.ts";

/**
 * Runs the command line on `args` with the process's stdout and stderr;
 * resolves to the exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./main.ts";
 * Deno.exit(await main(["list"]));
 * ```
 */
export function main(args: readonly string[]): Promise<number> {
  return runCli(args, denoIo());
}

if (import.meta.main) Deno.exit(await main(Deno.args));
