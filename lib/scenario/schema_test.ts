import assert from "node:assert/strict";
import type { z } from "zod";
import { scenarioJsonSchema, scenarioSchema, THRESHOLD_PATTERN } from "./schema.ts";
import type { ScenarioInput } from "./types.ts";

Deno.test("scenarios/scenario.schema.json is what tools/gen_scenario_schema.ts writes (run deno task schema)", async () => {
  const committed = JSON.parse(await Deno.readTextFile("scenarios/scenario.schema.json"));
  assert.deepEqual(
    committed,
    JSON.parse(scenarioJsonSchema()),
    "scenarios/scenario.schema.json is stale: run `deno task schema` and commit it",
  );
});

Deno.test("the JSON Schema: strict objects, required fields, sweeps and defaults", () => {
  const schema = JSON.parse(scenarioJsonSchema());
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required, ["name", "devices", "placements"]);
  const duration = schema.properties.duration;
  assert.equal(duration.default, "3s");
  assert.equal(duration.anyOf[1].type, "array");
  assert.equal(duration.anyOf[1].minItems, 1);
  const device = schema.properties.devices.items;
  assert.equal(device.additionalProperties, false);
  assert.deepEqual(device.required, ["id"]);
  assert.equal(device.properties.queueDepth.default, 1);
});

Deno.test("scenarioSchema: a misspelt key is an unrecognized_keys issue that lists the known keys", () => {
  const r = scenarioSchema.safeParse({
    name: "x",
    devices: [{ id: "d", queueDepht: 1 }],
    placements: { a: {} },
  });
  assert.equal(r.success, false);
  const issue = r.error!.issues.find((i) => i.code === "unrecognized_keys")!;
  assert.deepEqual(issue.path, ["devices", 0]);
  assert.match(issue.message, /^known keys:id,count,kind,queues,queueDepth,/);
});

Deno.test("THRESHOLD_PATTERN: the documented shapes pass, others do not", () => {
  for (const t of ["a.b.p99 < 0.5 * c.b.p99", "a.b.p50<=200us", "x.y > 3", "a.b >= c.d"]) {
    assert.match(t, THRESHOLD_PATTERN);
  }
  for (const t of ["p99 < 2", "a.b.p99", "a.b.p99 == c.d", "< a.b", "a.b < c.d < e.f"]) {
    assert.doesNotMatch(t, THRESHOLD_PATTERN);
  }
});

// Compile-time: the hand-written input type (which editors complete) has exactly the top-level
// keys the schema resolves, so completion offers what validation takes.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false;
const _topKeys: SameKeys<Required<ScenarioInput>, { [K in keyof ResolvedKeys]: 0 }> = true;
type ResolvedKeys = Omit<z.output<typeof scenarioSchema>, never> & { $schema: 0 };
Deno.test("ScenarioInput has exactly the schema's top-level keys (compile-time check)", () => {
  assert.equal(_topKeys, true);
});
