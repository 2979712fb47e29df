import assert from "node:assert/strict";
import { describeValue } from "./describe_value.ts";

Deno.test("describeValue: scalars are written after their type", () => {
  assert.equal(describeValue("100"), 'the string "100"');
  assert.equal(describeValue(""), 'the string ""');
  assert.equal(describeValue('a "quoted"\nline'), 'the string "a \\"quoted\\"\\nline"');
  assert.equal(describeValue(-1), "the number -1");
  assert.equal(describeValue(1.5), "the number 1.5");
  assert.equal(describeValue(NaN), "the number NaN");
  assert.equal(describeValue(Infinity), "the number Infinity");
  assert.equal(describeValue(false), "the boolean false");
  assert.equal(describeValue(12n), "the bigint 12");
});

Deno.test("describeValue: null and undefined by name, everything else by its kind", () => {
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue(undefined), "undefined");
  assert.equal(describeValue([]), "an array");
  assert.equal(describeValue([1, 2, 3]), "an array");
  assert.equal(describeValue({}), "an object");
  assert.equal(describeValue({ pollMaxNs: 5 }), "an object");
  assert.equal(describeValue(new Map([[1, 2]])), "an object");
  assert.equal(describeValue(Object.create(null)), "an object");
  assert.equal(describeValue(() => 0), "a function");
  assert.equal(describeValue(class Clocks {}), "a function");
  assert.equal(describeValue(Symbol("x")), "a symbol");
});
