import assert from "node:assert/strict";
import type { z } from "zod";
import { expandScenario } from "../scenario/expand.ts";
import { validateScenario } from "../scenario/validate.ts";
import { machineReportSchema } from "../result/machine_report.ts";
import type * as Contract from "../result/machine_report.ts";
import { loadMachine, MACHINE_MODULE, type MachineReport } from "./_machine_seam.ts";

/**
 * `T` without the `[extra: string]: unknown` index signatures the contract
 * adds to keep unknown fields (records of known values stay), recursively.
 */
type Known<T> = T extends readonly (infer E)[] ? Known<E>[]
  : T extends object ? {
      [K in keyof T as string extends K ? (unknown extends T[K] ? never : K) : K]: Known<T[K]>;
    }
  : T;

/** `true` when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

// One shape, two sides, checked by the compiler: lib/machine's MachineReport
// (what Machine.collect() produces) is exactly the type lib/result's zod
// schema validates, field for field, and so are its parts. A field added to
// one side only fails `deno check` here.
const sameReport: Equal<Known<MachineReport>, Known<z.infer<typeof machineReportSchema>>> = true;
const sameAsDeclared: Equal<Known<MachineReport>, Known<Contract.MachineReport>> = true;
const sameLock: Equal<Known<MachineReport["locks"][string]>, Known<Contract.LockReport>> = true;
// The producer's value is assignable to the contract's type as it is.
const assignable = (r: MachineReport): Contract.MachineReport => r;

Deno.test("machine seam: lib/machine's report type is the contract's, and a real report passes it", async () => {
  assert.deepEqual([sameReport, sameAsDeclared, sameLock], [true, true, true]);
  const Machine = await loadMachine(MACHINE_MODULE);
  const [point] = expandScenario(validateScenario({
    name: "seam",
    machine: { exits: { rate: "1000/s", length: "5us" } },
    devices: [{ id: "disk0", driver: { kind: "null", latency: "20us" } }],
    placements: { seed: { locking: "seed", iothreads: { io0: {} }, map: { disk0: "io0" } } },
  }));
  const m = await Machine.start({ run: point.scenario, placement: "seed", seed: 1 });
  m.begin();
  m.resetMeasurements();
  await new Promise((r) => setTimeout(r, 200));
  await m.stop();
  const report = assignable(m.collect());
  const parsed = machineReportSchema.safeParse(report);
  assert.ok(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues, null, 1));
  // A JSON round trip (what the run child sends) loses nothing the schema checks.
  assert.deepEqual(machineReportSchema.parse(JSON.parse(JSON.stringify(report))), report);
  assert.deepEqual(Object.keys(report.locks).sort(), ["aio:io0", "aio:main", "bql"]);
});

Deno.test("machine seam: a module without a Machine class is refused, naming it", async () => {
  const url = new URL("../scenario/units.ts", import.meta.url).href;
  await assert.rejects(
    loadMachine(url),
    /units\.ts must export a class Machine.*no Machine export/,
  );
});
