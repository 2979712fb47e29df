import assert from "node:assert/strict";
import { loadScenario } from "../scenario/load.ts";
import { validateScenario } from "../scenario/validate.ts";
import { scenarioToInput } from "./scenario_json.ts";

const SHIPPED = new URL("../../scenarios/", import.meta.url);

async function shippedFiles(): Promise<string[]> {
  const out: string[] = ["scenarios/examples/minimal.json"];
  for await (const e of Deno.readDir(SHIPPED)) {
    if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
      out.push(`scenarios/${e.name}`);
    }
  }
  return out.sort();
}

Deno.test("scenario json: every shipped scenario, written back as JSON, resolves to itself", async () => {
  const files = await shippedFiles();
  assert.ok(files.length >= 9);
  for (const file of files) {
    const { scenario } = await loadScenario(file);
    const json = JSON.stringify(scenarioToInput(scenario));
    assert.deepEqual(validateScenario(JSON.parse(json), `${file}.json`), scenario, file);
  }
});

Deno.test("scenario json: sweeps, groups, open loop, file driver, chores, events and maps round trip", () => {
  const s = validateScenario(
    {
      name: "all",
      duration: ["1s", "1500ms"],
      warmup: "250ms",
      seed: [1, 2],
      machine: { accel: "tcg", vcpus: [1, 2], exits: { rate: "2k/s", length: "3us" } },
      devices: [
        { id: "disk", count: [1, 2], queues: 2, queueDepth: [1, 8], requestSize: "64KiB" },
        {
          id: "f0",
          driver: { kind: "file", path: "/tmp/x.img", size: "1MiB" },
          arrival: { kind: "poisson", rate: ["1000/s", "20k/s"] },
        },
      ],
      mainLoop: {
        vnc: { period: "30ms", work: ["1ms", "2ms"] },
        qmp: { rate: "50/s", drainFraction: 0.5 },
        bqlHog: { hold: "20ms", every: "1s" },
        timers: [{ period: "5ms" }],
      },
      placements: {
        main: {},
        own: { map: { disk: "own" }, ownIothreads: { pollMaxNs: [0, "4us"] } },
        spread: {
          locking: "modern",
          accel: "kvm",
          iothreads: { io0: {}, io1: { pollMaxNs: 1000, pollGrow: 2, pollShrink: 4 } },
          map: { disk: ["io0", "io1"], f0: "io1" },
        },
      },
      events: [{ at: "500ms", move: "f0", to: "main", placements: ["spread"] }],
      probes: { jitterPeriod: "2ms", jitterPeriodByContext: { main: "5ms" }, stageSampleEvery: 4 },
      thresholds: ["spread.f0.p99 < 2 * main.f0.p99"],
    },
    "all.ts",
    { maxRuns: 100000 },
  );
  const input = scenarioToInput(s);
  assert.deepEqual(input.duration, ["1s", "1500ms"]);
  assert.equal(input.placements.own.map?.disk, "own");
  assert.deepEqual(input.placements.spread.map?.disk, ["io0", "io1"]);
  assert.equal(input.devices[1].count, undefined);
  assert.deepEqual(
    validateScenario(JSON.parse(JSON.stringify(input)), "all.json", { maxRuns: 100000 }),
    s,
  );
});
