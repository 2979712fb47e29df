/**
 * The `aiolab` command line: `run` (scenarios under their placements, a
 * progress line, a summary table, one result.json and report.html per
 * scenario, thresholds, baselines), `report` (re-render saved results as
 * HTML, Markdown, CSV, JSON or HdrHistogram logs), `compare` (results
 * against a baseline, exit 1 on a regression), `list`, `validate`, `show`
 * and `new`; exit codes 0 ok, 1 failed (a run, a threshold, a
 * regression), 2 user mistake, 130 interrupted. The entry is `main.ts`; the pieces below are
 * for scripts that want the same behaviour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EXIT, scenarioToInput, summaryTable } from "./mod.ts";
 * import { validateScenario } from "../scenario/mod.ts";
 * const s = validateScenario({ name: "x", devices: [{ id: "d" }], placements: { a: {} } });
 * assert.equal(scenarioToInput(s).duration, "3s");
 * assert.equal(summaryTable([]), "");
 * assert.equal(EXIT.usage, 2);
 * ```
 *
 * @module
 */

export { main } from "./main.ts";
export { runCli } from "./program.ts";
export { describeFailure, EXIT, type ExitCode, type Failure, UsageError } from "./errors.ts";
export type { Io } from "./io.ts";
export {
  DEFAULT_SUITE,
  resolveScenarioArg,
  type ShippedScenario,
  shippedScenarios,
} from "./scenario_ref.ts";
export { scenarioToInput } from "./scenario_json.ts";
export {
  aggregateSummary,
  formatCount,
  formatNs,
  median,
  type SummaryGroup,
  type SummaryLine,
  summaryTable,
  type SummaryTableRow,
} from "./summary_table.ts";
export { scenarioTemplate } from "./template.ts";
export { baselinePath, checkBaselineName, DEFAULT_BASELINE_DIR } from "./result_files.ts";
export { REPORT_FORMATS, type ReportFormat } from "./report_command.ts";
