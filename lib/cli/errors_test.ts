import assert from "node:assert/strict";
import { ScenarioError } from "../scenario/scenario_error.ts";
import { describeFailure, EXIT, oneParagraph, UsageError } from "./errors.ts";

Deno.test("errors: a scenario error is a user mistake, one paragraph, exit 2", () => {
  const e = new ScenarioError({
    file: "a.json",
    path: "x",
    expected: "a number",
    found: "a string",
  });
  const f = describeFailure(e);
  assert.equal(f.code, EXIT.usage);
  assert.equal(f.text, "aiolab: a.json: at x: expected a number, got a string.");
  assert.doesNotMatch(f.text, /\n|\s+at \S+ \(/);
});

Deno.test("errors: a usage error spread over lines becomes one paragraph", () => {
  const f = describeFailure(new UsageError("first line\n   second\tline "));
  assert.deepEqual(f, { code: 2, text: "aiolab: first line second line" });
  assert.equal(oneParagraph(" a \n\n b "), "a b");
});

Deno.test("errors: anything else is an internal failure, exit 1, with its stack", () => {
  const f = describeFailure(new RangeError("off"));
  assert.equal(f.code, EXIT.failed);
  assert.match(f.text, /^aiolab: internal error: RangeError: off\n\s+at /);
  assert.deepEqual(describeFailure("odd"), { code: 1, text: "aiolab: internal error: odd" });
  assert.equal(EXIT.interrupted, 130);
});

Deno.test("errors: a usage error that keeps its lines (a threshold's caret) keeps them", () => {
  const f = describeFailure(new UsageError("bad at column 3\n  a<\n    ^\n", { keepLines: true }));
  assert.deepEqual(f, { code: 2, text: "aiolab: bad at column 3\n  a<\n    ^" });
});
