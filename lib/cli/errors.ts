/**
 * Exit codes and error messages of the command line. A user mistake (a bad
 * scenario, flag, placement or path) is one paragraph and exit code 2,
 * never a stack trace; a failure inside aiolab is exit code 1 and keeps its
 * stack, since it is a defect to report; an interrupted run is 130.
 * Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFailure, EXIT, UsageError } from "./errors.ts";
 * const f = describeFailure(new UsageError("no scenario \"x\"."));
 * assert.equal(f.code, EXIT.usage);
 * assert.equal(f.text, "aiolab: no scenario \"x\".");
 * ```
 *
 * @module
 */

import { ScenarioError } from "../scenario/scenario_error.ts";

/** The command line's exit codes. */
export const EXIT = {
  /** Everything ran and was written; every threshold passed; no regression. */
  ok: 0,
  /**
   * A run failed, a threshold failed, a comparison found a regression, or
   * aiolab itself failed (the results written so far are kept).
   */
  failed: 1,
  /** A user mistake: bad scenario, flag, placement or path; nothing ran. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT); what was measured is written, marked partial. */
  interrupted: 130,
} as const;

/** An exit code of the command line. */
export type ExitCode = typeof EXIT[keyof typeof EXIT];

/**
 * A user mistake that is not about a scenario's content (an unknown
 * scenario name or placement, a path that cannot be written): its message
 * is one paragraph saying what was expected and what was found.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "./errors.ts";
 * assert.equal(new UsageError("bad").name, "UsageError");
 * ```
 */
export class UsageError extends Error {
  /**
   * Keep the message's line breaks (a threshold's error shows the
   * expression with a `^` under the offending column on its own lines).
   */
  readonly keepLines: boolean;

  /**
   * Makes the error.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { UsageError } from "./errors.ts";
   * assert.equal(new UsageError("x").message, "x");
   * assert.equal(new UsageError("x\n ^", { keepLines: true }).keepLines, true);
   * ```
   */
  constructor(message: string, options: { keepLines?: boolean } = {}) {
    super(message);
    this.name = "UsageError";
    this.keepLines = options.keepLines ?? false;
  }
}

/** What to print for an error and the code to exit with. */
export interface Failure {
  /** Exit code. */
  code: ExitCode;
  /** Text for stderr, without a trailing newline. */
  text: string;
}

/** Joins lines and runs of blanks into one paragraph. */
export function oneParagraph(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/[ \t]+/g, " ").trim();
}

/**
 * Classifies an error: {@link ScenarioError} and {@link UsageError} are user
 * mistakes (exit 2, their message as one paragraph); anything else is a
 * failure of aiolab (exit 1, message and stack).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFailure } from "./errors.ts";
 * const f = describeFailure(new TypeError("boom"));
 * assert.equal(f.code, 1);
 * assert.match(f.text, /^aiolab: internal error: TypeError: boom\n/);
 * ```
 */
export function describeFailure(e: unknown): Failure {
  if (e instanceof UsageError && e.keepLines) {
    return { code: EXIT.usage, text: `aiolab: ${e.message.replace(/\s+$/, "")}` };
  }
  if (e instanceof ScenarioError || e instanceof UsageError) {
    return { code: EXIT.usage, text: `aiolab: ${oneParagraph(e.message)}` };
  }
  if (e instanceof Error) {
    const stack = e.stack ?? `${e.name}: ${e.message}`;
    const head = `${e.name}: ${e.message}`;
    const body = stack.startsWith(head) ? stack : `${head}\n${stack}`;
    return { code: EXIT.failed, text: `aiolab: internal error: ${body}` };
  }
  return { code: EXIT.failed, text: `aiolab: internal error: ${String(e)}` };
}
