// Every shipped scenario loads, validates and expands; the static imports below also make
// `deno test` type-check each file against ScenarioInput.
import assert from "node:assert/strict";
import { expandScenario, loadScenario, validateScenario } from "../lib/scenario/mod.ts";
import accel from "./accel.ts";
import bqlContention from "./bql-contention.ts";
import contextMove from "./context-move.ts";
import defaultScenario from "./default.ts";
import fileBacked from "./file-backed.ts";
import pinning from "./pinning.ts";
import polling from "./polling.ts";
import scaling from "./scaling.ts";
import seedVsModern from "./seed-vs-modern.ts";

const SHIPPED = {
  "accel.ts": accel,
  "bql-contention.ts": bqlContention,
  "context-move.ts": contextMove,
  "default.ts": defaultScenario,
  "file-backed.ts": fileBacked,
  "pinning.ts": pinning,
  "polling.ts": polling,
  "scaling.ts": scaling,
  "seed-vs-modern.ts": seedVsModern,
};

/** Seconds of measured and warm-up time a run set takes: placements x repetitions x (duration + warm-up). */
function wallSeconds(file: string): Promise<number> {
  return loadScenario(`scenarios/${file}`).then(({ scenario }) =>
    expandScenario(scenario).reduce(
      (t, r) =>
        t +
        Object.keys(r.scenario.placements).length * r.scenario.repetitions *
          (r.scenario.duration + r.scenario.warmup) / 1e9,
      0,
    )
  );
}

Deno.test("every shipped scenario is listed here, loads and validates", async () => {
  const onDisk: string[] = [];
  for await (const e of Deno.readDir("scenarios")) {
    if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) onDisk.push(e.name);
  }
  assert.deepEqual(onDisk.sort(), Object.keys(SHIPPED).sort());
  for (const [file, input] of Object.entries(SHIPPED)) {
    const loaded = await loadScenario(`scenarios/${file}`);
    assert.equal(`${loaded.scenario.name}.ts`, file);
    assert.deepEqual(loaded.scenario, validateScenario(input, file));
    assert.ok(loaded.scenario.description.length > 100, `${file} says what it shows`);
    assert.ok(expandScenario(loaded.scenario).length >= 1);
  }
  const minimal = await loadScenario("scenarios/examples/minimal.json");
  assert.equal(minimal.scenario.name, "minimal");
});

Deno.test("the default scenario finishes well under 90 s across its placements", async () => {
  assert.ok(await wallSeconds("default.ts") <= 30);
  for (const file of Object.keys(SHIPPED)) assert.ok(await wallSeconds(file) <= 90, file);
});
