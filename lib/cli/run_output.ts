/**
 * Tells the user which runs printed something besides their messages (a
 * warning on stderr, a stray line on stdout): the result keeps it in
 * `runs[i].output`, and `aiolab run` says so, so that nothing a run said is
 * lost silently. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runOutputNotes } from "./run_output.ts";
 * assert.equal(runOutputNotes([], "result.json"), "");
 * ```
 *
 * @module
 */

import type { RunRecord } from "../result/document.ts";

/** Longest excerpt of a run's output quoted in a note, characters. */
const EXCERPT = 200;

function excerpt(text: string): string {
  const line = text.trim().split("\n").at(-1) ?? "";
  return JSON.stringify(line.length > EXCERPT ? `${line.slice(0, EXCERPT)}...` : line);
}

/**
 * One line per run of `runs` that printed something besides its messages,
 * naming the run, quoting the last line of its stderr and the first stray
 * stdout line, and where the result keeps the rest; "" when none did.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runOutputNotes } from "./run_output.ts";
 * import type { RunRecord } from "../result/document.ts";
 * const run = {
 *   index: 0,
 *   placement: "iothread",
 *   repetition: 1,
 *   output: { stderr: "Warning: something\n", strayStdout: [], strayStdoutLines: 0 },
 * } as unknown as RunRecord;
 * assert.match(runOutputNotes([run], "r.json"), /run 1 \(iothread rep 1\) wrote to stderr/);
 * ```
 */
export function runOutputNotes(runs: readonly RunRecord[], path: string): string {
  let out = "";
  for (const [i, r] of runs.entries()) {
    const o = r.output;
    if (o === undefined) continue;
    const what: string[] = [];
    if (o.stderr !== "") what.push(`wrote to stderr (last line ${excerpt(o.stderr)})`);
    if (o.strayStdoutLines > 0) {
      what.push(
        `printed ${o.strayStdoutLines} line${o.strayStdoutLines === 1 ? "" : "s"} to stdout ` +
          `that are not messages (first ${excerpt(o.strayStdout[0] ?? "")})`,
      );
    }
    out += `aiolab: note: run ${r.index + 1} (${r.placement} rep ${r.repetition}) ` +
      `${what.join(" and ")}; kept in ${path}, runs[${i}].output\n`;
  }
  return out;
}
