// The one place the runner meets the guest model (lib/machine/machine.ts).
// The run child loads the module named by its spec (default:
// MACHINE_MODULE) lazily and checks that it exports a `Machine` class;
// tests name a stand-in under testdata/. The contract's types are
// lib/machine's own (imported as types only, so nothing of the machine
// loads until the child asks for it); _machine_seam_test.ts asserts that
// lib/machine's MachineReport is the type lib/result's zod schema
// validates. Not part of the public API. Run-child main thread.

import type {
  Machine,
  MachineError,
  MachineOptions,
  MachineReport,
  MachineSample,
  ThreadHeartbeat,
} from "../machine/machine.ts";

export type { MachineError, MachineOptions, MachineReport, MachineSample, ThreadHeartbeat };

/** The guest model's entry module. */
export const MACHINE_MODULE: string = new URL("../machine/machine.ts", import.meta.url).href;

/**
 * A running machine: lib/machine `Machine`'s methods, plus an optional
 * `failure()`: the first error a thread of the machine raised so far, or
 * null; cheap, polled every 100 ms (without it, thread errors are found in
 * collect().errors at the end).
 */
export type MachineLike =
  & Pick<
    Machine,
    "begin" | "resetMeasurements" | "sample" | "move" | "heartbeat" | "stop" | "collect"
  >
  & { failure?(): MachineError | null };

/** The `Machine` class of the contract. */
export interface MachineClass {
  /** Starts every thread; the workload is idle until begin(). */
  start(opts: MachineOptions): Promise<MachineLike>;
}

/**
 * Imports `moduleUrl` and returns its `Machine` export. Throws a TypeError
 * naming the module when it has none.
 */
export async function loadMachine(moduleUrl: string = MACHINE_MODULE): Promise<MachineClass> {
  const mod = await import(moduleUrl) as { Machine?: unknown };
  const m = mod.Machine;
  if (typeof m !== "function" || typeof (m as { start?: unknown }).start !== "function") {
    throw new TypeError(
      `the guest model ${moduleUrl} must export a class Machine with a static start(); ` +
        `found ${m === undefined ? "no Machine export" : `a Machine of type ${typeof m}`}`,
    );
  }
  return m as unknown as MachineClass;
}
