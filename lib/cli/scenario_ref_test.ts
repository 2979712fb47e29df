import assert from "node:assert/strict";
import {
  closest,
  DEFAULT_SUITE,
  resolveScenarioArg,
  SHIPPED_DIR,
  shippedScenarios,
} from "./scenario_ref.ts";
import { UsageError } from "./errors.ts";

Deno.test("scenario ref: the shipped scenarios are the .ts files of scenarios/, tests left out", async () => {
  const shipped = await shippedScenarios();
  const names = shipped.map((s) => s.name);
  assert.ok(names.includes("default") && names.includes("accel"));
  assert.ok(!names.some((n) => n.endsWith("_test")));
  assert.deepEqual(names, [...names].sort());
  assert.equal(shipped.find((s) => s.name === "default")?.file, "scenarios/default.ts");
  for (const name of DEFAULT_SUITE) assert.ok(names.includes(name), name);
  assert.ok(SHIPPED_DIR.href.endsWith("/scenarios/"));
});

Deno.test("scenario ref: names resolve to shipped files, paths pass through, unknown names fail", async () => {
  assert.equal(await resolveScenarioArg("bql-contention"), "scenarios/bql-contention.ts");
  assert.equal(await resolveScenarioArg("x.json"), "x.json");
  assert.equal(await resolveScenarioArg("./a"), "./a");
  assert.equal(await resolveScenarioArg("lib"), "lib"); // an existing path: loadScenario says what it is
  await assert.rejects(
    resolveScenarioArg("nosuch"),
    (e: unknown) =>
      e instanceof UsageError &&
      /^no scenario "nosuch": expected the name of a shipped scenario \(accel, .*default.*\) or the path of a scenario file \(\.ts or \.json\), got neither\. `aiolab list` shows the shipped ones\.$/
        .test(e.message),
  );
  await assert.rejects(resolveScenarioArg("scalng"), /Did you mean "scaling"\?$/);
});

Deno.test("scenario ref: closest finds misspellings only", () => {
  assert.equal(closest("mian", ["main", "iothread"]), "main");
  assert.equal(closest("IOTHREAD", ["main", "iothread"]), "iothread");
  assert.equal(closest("disk", ["main", "iothread"]), undefined);
  assert.equal(closest("a", []), undefined);
});
