import assert from "node:assert/strict";
import { describeValue, formatPath, suggest, valueAt } from "./_describe.ts";

Deno.test("formatPath: dots, indices, and quoted keys that are not names", () => {
  assert.equal(formatPath([]), "");
  assert.equal(formatPath(["devices", 1, "driver", "latency"]), "devices[1].driver.latency");
  assert.equal(formatPath(["placements", "p", "map", "disk0.q1"]), 'placements.p.map["disk0.q1"]');
  assert.equal(formatPath([0]), "[0]");
});

Deno.test("describeValue: the type is always named", () => {
  assert.equal(describeValue("100"), 'the string "100"');
  assert.equal(describeValue(5), "the number 5");
  assert.equal(describeValue(false), "the boolean false");
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue(undefined), "nothing");
  assert.equal(describeValue([]), "an empty array");
  assert.equal(describeValue([1]), "an array of 1 item");
  assert.equal(describeValue([1, 2]), "an array of 2 items");
  assert.equal(describeValue({}), "an empty object");
  assert.equal(describeValue({ a: 1 }), 'an object with the key "a"');
  assert.equal(
    describeValue({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }),
    'an object with the keys "a", "b", "c", "d", "e", ...',
  );
  assert.match(describeValue("x".repeat(100)), /^the string "x{57}\.\.\."$/);
});

Deno.test("suggest: typos are found, unrelated words are not", () => {
  const keys = ["queues", "queueDepth", "requestSize", "readFraction"];
  assert.equal(suggest("queueDepht", keys), "queueDepth");
  assert.equal(suggest("queuedepth", keys), "queueDepth");
  assert.equal(suggest("que", keys), undefined);
  assert.equal(suggest("colour", keys), undefined);
});

Deno.test("valueAt: follows keys and indices, undefined off the path", () => {
  const root = { a: [{ b: 1 }] };
  assert.equal(valueAt(root, ["a", 0, "b"]), 1);
  assert.equal(valueAt(root, ["a", 3, "b"]), undefined);
  assert.equal(valueAt(5, ["a"]), undefined);
});
