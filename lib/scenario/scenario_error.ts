/**
 * The error every bad scenario gets: one paragraph naming the file, the path
 * inside it, what was expected and what was found. The CLI prints
 * `.message` and exits with status 2; nothing runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ScenarioError } from "./scenario_error.ts";
 * const e = new ScenarioError({
 *   file: "scenarios/x.ts",
 *   path: "devices[1].driver.latency",
 *   expected: 'a duration with a unit, such as "50us"',
 *   found: 'the string "100"',
 * });
 * assert.equal(
 *   e.message,
 *   'scenarios/x.ts: at devices[1].driver.latency: expected a duration with a unit, such as "50us", got the string "100".',
 * );
 * ```
 *
 * @module
 */

/** Fields of a {@link ScenarioError}. */
export interface ScenarioErrorInit {
  /** The scenario file as the user named it (or a label such as `<inline>`). */
  file: string;
  /** Path inside the scenario (`devices[1].driver.latency`); "" for the whole file. */
  path: string;
  /** What was expected there, as a phrase ("a duration with a unit, ..."). */
  expected: string;
  /** What was found, with its type (`the string "100"`). */
  found: string;
  /** A sentence that helps: a correction (`Did you mean "queueDepth"?`) or the reason. */
  hint?: string;
}

/**
 * A scenario that cannot run. Thrown by validation, expansion and loading;
 * never carries a stack trace the user should see (print `.message`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ScenarioError } from "./scenario_error.ts";
 * const e = new ScenarioError({ file: "a.json", path: "", expected: "an object", found: "the number 5" });
 * assert.equal(e.message, "a.json: expected an object, got the number 5.");
 * ```
 */
export class ScenarioError extends Error {
  /** The scenario file. */
  readonly file: string;
  /** Path inside the scenario, "" for the whole file. */
  readonly path: string;
  /** What was expected. */
  readonly expected: string;
  /** What was found, with its type. */
  readonly found: string;
  /** The extra sentence of the message, or "". */
  readonly hint: string;

  /**
   * Makes the error and its one-paragraph message
   * (`<file>: at <path>: expected <expected>, got <found>. <hint>`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ScenarioError } from "./scenario_error.ts";
   * const e = new ScenarioError({
   *   file: "s.ts", path: "devices[0].queueDepht", expected: "a known key",
   *   found: 'the key "queueDepht"', hint: 'Did you mean "queueDepth"?',
   * });
   * assert.match(e.message, /Did you mean "queueDepth"\?$/);
   * ```
   */
  constructor(init: ScenarioErrorInit) {
    const where = init.path === "" ? `${init.file}:` : `${init.file}: at ${init.path}:`;
    const hint = init.hint ?? "";
    super(`${where} expected ${init.expected}, got ${init.found}.${hint ? " " + hint : ""}`);
    this.name = "ScenarioError";
    this.file = init.file;
    this.path = init.path;
    this.expected = init.expected;
    this.found = init.found;
    this.hint = hint;
  }
}
