/**
 * Orchestration of runs: the lab ({@linkcode runLab}: plan, calibrate,
 * run each run in its own watched Deno process, write the result
 * documents), interleaving of compared things (A B A B rounds) and running
 * one child process ({@linkcode runProcess}), which the orchestrator
 * watches and can always stop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interleave } from "./mod.ts";
 * assert.deepEqual(interleave(["A", "B"], 2).map((s) => s.item), ["A", "B", "A", "B"]);
 * ```
 *
 * @module
 */

export { calibrate, type CalibrateOptions } from "./calibrate.ts";
export { interleave, runInterleaved, type RunInterleavedOptions, type Slot } from "./interleave.ts";
export {
  type LabHooks,
  type LabOptions,
  type LabOutcome,
  type LabOverrides,
  LabSetupError,
  planLab,
  type PlannedRun,
  runLab,
  type ScenarioPlan,
} from "./lab.ts";
export {
  parseRunChildSpec,
  type RunChildMessage,
  type RunChildSpec,
  type RunPhase,
} from "./run_child.ts";
export {
  killRunProcesses,
  type RunMessage,
  type RunOutcome,
  runProcess,
  type RunProcessOptions,
  type RunStatus,
} from "./run_process.ts";
