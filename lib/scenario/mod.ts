/**
 * Scenarios: the types a scenario file is written in, `defineScenario`,
 * units, validation (against the zod schema of `schema.ts`, from which the
 * JSON Schema is generated) with
 * errors that name the file, path, expectation and finding, sweep expansion
 * into labelled runs, and loading from `.ts` or `.json` files; the edit
 * distance behind its "did you mean" hints (for the command line's too).
 * Pure data apart from `loadScenario`, which reads files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineScenario, expandScenario, validateScenario } from "./mod.ts";
 * const input = defineScenario({
 *   name: "demo",
 *   duration: "2s",
 *   devices: [{ id: "disk0", driver: { kind: "null", latency: "50us" } }],
 *   placements: {
 *     main: {},
 *     iothread: { iothreads: { io0: { pollMaxNs: [0, "32us"] } }, map: { disk0: "io0" } },
 *   },
 * });
 * const runs = expandScenario(validateScenario(input));
 * assert.equal(runs.length, 2);
 * assert.deepEqual(runs[0].scenario.placements.iothread.queueContexts, { disk0: ["io0"] });
 * ```
 *
 * @module
 */

export * from "./types.ts";
export {
  DURATION_UNITS,
  type DurationOptions,
  formatDuration,
  parseDuration,
  parseRate,
  parseSize,
  RATE_UNITS,
  SIZE_UNITS,
  UnitError,
} from "./units.ts";
export { ScenarioError, type ScenarioErrorInit } from "./scenario_error.ts";
export { ID_PATTERN, THRESHOLD_PATTERN } from "./schema.ts";
export {
  type DefinedScenario,
  defineScenario,
  isDefinedScenario,
  SCENARIO_TAG,
} from "./define_scenario.ts";
export { type ValidateOptions, validateScenario } from "./validate.ts";
export {
  type ExpandOptions,
  expandScenario,
  isSweep,
  labelText,
  RESERVED_IDS,
  sweepAxes,
} from "./expand.ts";
export { type LoadedScenario, loadScenario, SCENARIO_EXTENSIONS } from "./load.ts";
export { editDistance } from "./edit_distance.ts";
