/**
 * Orchestration of runs: interleaving of compared things (A B A B rounds)
 * and running each run in its own Deno process ({@linkcode runProcess}),
 * which the orchestrator watches and can always kill.
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

export { interleave, runInterleaved, type RunInterleavedOptions, type Slot } from "./interleave.ts";
export {
  type RunMessage,
  type RunOutcome,
  runProcess,
  type RunProcessOptions,
  type RunStatus,
} from "./run_process.ts";
