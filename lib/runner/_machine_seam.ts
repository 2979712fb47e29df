// The one place the runner meets the guest model (lib/machine/machine.ts,
// LAB_API.md "HG"). The run child loads the module named by its spec
// (default: MACHINE_MODULE) lazily and checks that it exports a `Machine`
// class of the contract below; tests name a stand-in under testdata/.
// The types here restate the contract so that the runner compiles before
// the machine exists; when it does, they may be replaced by
// `import type { Machine, MachineOptions, ... } from "../machine/machine.ts"`.
// Not part of the public API. Run-child main thread.

import type { MachineReport, ThreadErrorReport } from "../result/machine_report.ts";
import type { RunScenario } from "../scenario/types.ts";

/** The guest model's entry module. */
export const MACHINE_MODULE: string = new URL("../machine/machine.ts", import.meta.url).href;

/** Arguments of `Machine.start`. */
export interface MachineOptions {
  /** The expanded scenario point. */
  run: RunScenario;
  /** Key of run.placements to build. */
  placement: string;
  /** Seed of every arrival schedule and burst draw. */
  seed: number;
}

/** Per thread: a counter that grows while it makes progress, and what it is doing. */
export interface ThreadHeartbeat {
  /** Thread name. */
  thread: string;
  /** Grows while the thread makes progress. */
  progress: number;
  /** What it is doing. */
  doing: string;
}

/** The live view `sample()` returns: per device, the interval just closed. */
export interface MachineSample {
  /** Per device id. */
  devices: Record<string, { completions: number; p50Ns: number; p99Ns: number; maxNs: number }>;
}

/** A running machine (LAB_API.md `Machine`). */
export interface MachineLike {
  /** Starts the guest workload (warm-up begins). */
  begin(): void;
  /** End of warm-up: clears every histogram and counter. */
  resetMeasurements(): void;
  /** Closes the current time-series interval. */
  sample(nowNs: number): MachineSample;
  /** Moves a device to context `to` through a drained section. */
  move(device: string, to: string): Promise<void>;
  /** Per-thread progress for the watchdog. */
  heartbeat(): ThreadHeartbeat[];
  /** Stops and joins every thread. */
  stop(): Promise<void>;
  /** Everything measured since resetMeasurements(). */
  collect(): MachineReport;
  /**
   * Optional (proposed addition to the contract): the first error a thread
   * of the machine raised so far, or null; cheap, polled every 100 ms.
   * Without it, thread errors are found in collect().errors at the end.
   */
  failure?(): ThreadErrorReport | null;
}

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
