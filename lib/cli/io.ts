/**
 * Where the command line writes: stdout for what a command produces
 * (tables, JSON, lists), stderr for progress, warnings and errors.
 * Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoIo } from "./io.ts";
 * const io = denoIo();
 * assert.equal(typeof io.out, "function");
 * ```
 *
 * @module
 */

import process from "node:process";
import type { Writable } from "node:stream";

/** The command line's output. */
export interface Io {
  /** Writes text to stdout as is. */
  out(text: string): void;
  /** Writes text to stderr as is. */
  err(text: string): void;
  /** stderr as a stream, for the progress display. */
  errStream: Writable;
  /** Whether stderr is a terminal (the progress line is drawn only then). */
  errIsTerminal: boolean;
}

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let done = 0;
  while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
}

/**
 * The process's own stdout and stderr (writes are synchronous, so nothing
 * is lost when the process exits right after).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoIo } from "./io.ts";
 * assert.equal(denoIo().errIsTerminal, Deno.stderr.isTerminal());
 * ```
 */
export function denoIo(): Io {
  return {
    out: (text) => writeAll(Deno.stdout, text),
    err: (text) => writeAll(Deno.stderr, text),
    errStream: process.stderr,
    errIsTerminal: Deno.stderr.isTerminal(),
  };
}
