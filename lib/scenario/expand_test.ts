import assert from "node:assert/strict";
import { expandScenario, isSweep, labelText, sweepAxes } from "./expand.ts";
import type { ScenarioInput } from "./types.ts";
import { validateScenario } from "./validate.ts";

const expand = (s: ScenarioInput) => expandScenario(validateScenario(s));

Deno.test("expandScenario: no sweep gives one run with an empty label", () => {
  const runs = expand({ name: "t", devices: [{ id: "d" }], placements: { a: {} } });
  assert.equal(runs.length, 1);
  assert.deepEqual(runs[0].label, {});
  assert.equal(runs[0].index, 0);
  assert.equal(runs[0].scenario.duration, 3e9);
  assert.deepEqual(runs[0].scenario.devices.map((d) => [d.id, d.group, d.index]), [["d", "d", 0]]);
});

Deno.test("expandScenario: cartesian product in document order, last axis fastest", () => {
  const runs = expand({
    name: "t",
    duration: ["1s", "2s"],
    devices: [{ id: "d", queueDepth: [1, 2, 4] }],
    placements: { a: {} },
  });
  assert.equal(runs.length, 6);
  assert.deepEqual(runs.map((r) => labelText(r.label)), [
    "duration=1000000000 devices[0].queueDepth=1",
    "duration=1000000000 devices[0].queueDepth=2",
    "duration=1000000000 devices[0].queueDepth=4",
    "duration=2000000000 devices[0].queueDepth=1",
    "duration=2000000000 devices[0].queueDepth=2",
    "duration=2000000000 devices[0].queueDepth=4",
  ]);
  assert.deepEqual(runs.map((r) => r.index), [0, 1, 2, 3, 4, 5]);
  for (const r of runs) {
    assert.equal(r.scenario.duration, r.label.duration);
    assert.equal(r.scenario.devices[0].queueDepth, r.label["devices[0].queueDepth"]);
  }
});

Deno.test("expandScenario: sweeps inside placements are labelled with their full path", () => {
  const runs = expand({
    name: "t",
    devices: [{ id: "disk0" }],
    placements: {
      main: {},
      iothread: {
        iothreads: { io0: { pollMaxNs: [0, "4us", "32us", "256us"] } },
        map: { disk0: "io0" },
      },
    },
  });
  assert.deepEqual(
    runs.map((r) => r.label),
    [0, 4000, 32000, 256000].map((v) => ({
      "placements.iothread.iothreads.io0.pollMaxNs": v,
    })),
  );
  assert.equal(runs[2].scenario.placements.iothread.iothreads.io0.pollMaxNs, 32000);
  // Placements are compared inside each run, never split across runs.
  for (const r of runs) assert.deepEqual(Object.keys(r.scenario.placements), ["main", "iothread"]);
});

Deno.test("expandScenario: groups are numbered; own, lists and queue keys resolve per queue", () => {
  const [run] = expand({
    name: "t",
    devices: [{ id: "disk", count: 2, queues: 4 }, { id: "cd", queues: 2 }],
    placements: {
      own: { ownIothreads: { pollMaxNs: 0 }, map: { disk: "own" } },
      spread: {
        locking: "modern",
        iothreads: { io0: {}, io1: {} },
        map: { disk: ["io0", "io1"], disk1: "io1", "disk1.q0": "main", cd: "io0" },
      },
    },
  });
  assert.deepEqual(run.scenario.devices.map((d) => [d.id, d.group, d.index, d.queues]), [
    ["disk0", "disk", 0, 4],
    ["disk1", "disk", 1, 4],
    ["cd", "cd", 0, 2],
  ]);
  const own = run.scenario.placements.own;
  assert.deepEqual(own.queueContexts, {
    disk0: ["io-disk0", "io-disk0", "io-disk0", "io-disk0"],
    disk1: ["io-disk1", "io-disk1", "io-disk1", "io-disk1"],
    cd: ["main", "main"],
  });
  assert.deepEqual(Object.keys(own.iothreads), ["io-disk0", "io-disk1"]);
  assert.equal(own.iothreads["io-disk0"].pollMaxNs, 0);
  assert.equal(own.accel, "kvm");
  // Group key, then device key, then queue key: the more specific wins.
  assert.deepEqual(run.scenario.placements.spread.queueContexts, {
    disk0: ["io0", "io1", "io0", "io1"],
    disk1: ["main", "io1", "io1", "io1"],
    cd: ["io0", "io0"],
  });
});

Deno.test("expandScenario: a swept device count gives a device list per run", () => {
  const runs = expand({
    name: "t",
    devices: [{ id: "disk", count: [1, 2, 4] }],
    placements: { per: { map: { disk: "own" } } },
  });
  assert.deepEqual(runs.map((r) => r.scenario.devices.length), [1, 2, 4]);
  assert.deepEqual(
    Object.keys(runs[2].scenario.placements.per.iothreads),
    ["io-disk0", "io-disk1", "io-disk2", "io-disk3"],
  );
});

Deno.test("expandScenario: a placement's accel overrides the machine's", () => {
  const [run] = expand({
    name: "t",
    machine: { accel: "tcg" },
    devices: [{ id: "d" }],
    placements: { a: {}, b: { accel: "kvm" } },
  });
  assert.equal(run.scenario.placements.a.accel, "tcg");
  assert.equal(run.scenario.placements.b.accel, "kvm");
});

Deno.test("sweepAxes and isSweep: the swept fields and nothing else", () => {
  const s = validateScenario({
    name: "t",
    devices: [{ id: "d", driver: { kind: "null", latency: ["0s", "50us"] } }],
    placements: { a: { map: { d: ["main"] } } },
  });
  assert.deepEqual(sweepAxes(s), [{ path: "devices[0].driver.latency", values: [0, 50000] }]);
  assert.ok(isSweep({ sweep: [1] }));
  assert.ok(!isSweep({ sweep: ["main"] }));
  assert.ok(!isSweep({ sweep: [] }));
  assert.ok(!isSweep({ sweep: [1], other: 2 }));
  assert.ok(!isSweep([1, 2]));
});
