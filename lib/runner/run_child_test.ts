import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { expandScenario } from "../scenario/expand.ts";
import { validateScenario } from "../scenario/validate.ts";
import type { MachineReport } from "../result/machine_report.ts";
import { parseRunChildSpec, type RunChildSpec } from "./run_child.ts";
import { runProcess } from "./run_process.ts";

const ENTRY = new URL("./run_child.ts", import.meta.url);
const STAND_IN = new URL("./testdata/stand_in_machine.ts", import.meta.url).href;
const LIB = fileURLToPath(new URL("../", import.meta.url));

function spec(duration: string, placement = "iothread"): RunChildSpec {
  const s = validateScenario({
    name: "child",
    duration,
    warmup: "50ms",
    devices: [{ id: "disk0" }],
    probes: { timeSeriesInterval: "100ms" },
    placements: { main: {}, iothread: { iothreads: { io0: {} }, map: { disk0: "io0" } } },
  });
  return {
    run: expandScenario(s)[0].scenario,
    placement,
    seed: 3,
    machineModule: STAND_IN,
    heartbeatMs: 50,
  };
}

Deno.test("run child: hello, heartbeats, progress per interval, then one result; exit 0", async () => {
  const run = await runProcess<MachineReport>(spec("300ms"), { entry: ENTRY, allowRead: [LIB] });
  assert.equal(run.status, "completed", run.stderr);
  const types = run.messages.map((m) => m.type);
  assert.equal(types[0], "hello");
  assert.equal(types.at(-1), "result");
  assert.equal(types.filter((t) => t === "result").length, 1);
  assert.ok(types.includes("heartbeat"));
  const progress = run.messages.filter((m) => m.type === "progress");
  // At least one interval's progress; how many fit in 300 ms depends on the machine's load.
  assert.ok(progress.length >= 1, `${progress.length} progress lines`);
  // Completions grow from interval to interval.
  const done = progress.map((m) =>
    (m.devices as Record<string, { completions: number }>).disk0.completions
  );
  assert.deepEqual(done, [...done].sort((a, b) => a - b));
  const result = run.messages.at(-1)!;
  assert.equal(result.interrupted, false);
  assert.equal(result.error, null);
  assert.equal(run.report?.placement, "iothread");
  // The report also counts what completed between the last interval and the stop.
  assert.ok(run.report!.devices.disk0.completions >= done.at(-1)!);
});

Deno.test("run child: SIGTERM ends the measurement early with what was measured", async () => {
  const ac = new AbortController();
  const run = await runProcess<MachineReport>(spec("30s"), {
    entry: ENTRY,
    allowRead: [LIB],
    interrupt: { signal: ac.signal, graceMs: 10_000 },
    onMessage: (m) => {
      if (m.type === "progress") ac.abort();
    },
  });
  assert.equal(run.status, "stopped");
  assert.equal(run.stopReason, "interrupted");
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.messages.at(-1)?.interrupted, true);
  assert.ok(run.report !== null && run.report.durationNs < 30e9);
});

Deno.test("run child: a module without Machine is an error line and exit 1", async () => {
  const run = await runProcess(
    { ...spec("100ms"), machineModule: new URL("./interleave.ts", import.meta.url).href },
    { entry: ENTRY, allowRead: [LIB] },
  );
  assert.equal(run.status, "failed");
  assert.equal(run.exitCode, 1);
  const result = run.messages.at(-1)!;
  assert.equal(result.type, "result");
  assert.equal(result.report, null);
  assert.match(
    String((result.error as { message: string }).message),
    /interleave\.ts must export a class Machine with a static start\(\); found no Machine export/,
  );
});

Deno.test("parseRunChildSpec: refuses what is not a spec, and unknown placements", () => {
  assert.throws(() => parseRunChildSpec(undefined), /expects one JSON argument .* found undefined/);
  assert.throws(() => parseRunChildSpec('{"run": 1}'), TypeError);
  const s = spec("100ms");
  assert.deepEqual(parseRunChildSpec(JSON.stringify(s)), s);
  assert.throws(
    () => parseRunChildSpec(JSON.stringify({ ...s, placement: "mian" })),
    /placement "mian" is not one of the run's placements \(main, iothread\)/,
  );
});
