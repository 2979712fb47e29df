import assert from "node:assert/strict";
import { ScenarioError } from "./scenario_error.ts";

Deno.test("ScenarioError: one paragraph with file, path, expected, found and hint", () => {
  const e = new ScenarioError({
    file: "scenarios/a.ts",
    path: "devices[0].queueDepht",
    expected: "one of the keys id, queueDepth",
    found: 'the unknown key "queueDepht"',
    hint: 'Did you mean "queueDepth"?',
  });
  assert.equal(
    e.message,
    'scenarios/a.ts: at devices[0].queueDepht: expected one of the keys id, queueDepth, got the unknown key "queueDepht". Did you mean "queueDepth"?',
  );
  assert.equal(e.name, "ScenarioError");
  assert.ok(e instanceof Error);
  assert.deepEqual(
    [e.file, e.path, e.expected, e.found, e.hint],
    [
      "scenarios/a.ts",
      "devices[0].queueDepht",
      "one of the keys id, queueDepth",
      'the unknown key "queueDepht"',
      'Did you mean "queueDepth"?',
    ],
  );
});

Deno.test("ScenarioError: an empty path names the file alone", () => {
  const e = new ScenarioError({ file: "f.json", path: "", expected: "x", found: "y" });
  assert.equal(e.message, "f.json: expected x, got y.");
  assert.equal(e.hint, "");
});
