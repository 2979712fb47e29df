import assert from "node:assert/strict";
import { defineScenario, isDefinedScenario, SCENARIO_TAG } from "./define_scenario.ts";
import { validateScenario } from "./validate.ts";

Deno.test("defineScenario returns its argument, tagged but serialised unchanged", () => {
  const input = { name: "x", devices: [{ id: "d" }], placements: { main: {} } };
  const text = JSON.stringify(input);
  const s = defineScenario(input);
  assert.equal(s, input);
  assert.equal(JSON.stringify(s), text);
  assert.deepEqual(Object.keys(s), ["name", "devices", "placements"]);
  assert.equal(s[SCENARIO_TAG], true);
  assert.ok(isDefinedScenario(s));
  assert.ok(!isDefinedScenario({ ...input }));
  assert.ok(!isDefinedScenario(null));
  assert.equal(validateScenario(s).name, "x");
});

Deno.test("defineScenario is typed: misspelt keys and unit-less strings do not compile", () => {
  const ok = defineScenario({
    name: "x",
    duration: "2s",
    devices: [{
      id: "d",
      requestSize: "4KiB",
      queueDepth: [1, 4],
      arrival: { kind: "poisson", rate: "20k/s" },
    }],
    placements: { p: { iothreads: { io0: { pollMaxNs: [0, "4us", 32768] } }, map: { d: "io0" } } },
  });
  assert.ok(isDefinedScenario(ok));
  // @ts-expect-error: queueDepht is not a device field
  defineScenario({ name: "x", devices: [{ id: "d", queueDepht: 1 }], placements: {} });
  // @ts-expect-error: a duration needs a unit
  defineScenario({ name: "x", duration: "100", devices: [{ id: "d" }], placements: {} });
  // @ts-expect-error: accel is kvm or tcg
  defineScenario({ name: "x", machine: { accel: "kvn" }, devices: [{ id: "d" }], placements: {} });
});
