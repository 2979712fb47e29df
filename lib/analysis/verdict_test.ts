import assert from "node:assert/strict";
import { evaluateTargets, type Target } from "./verdict.ts";

const medians = new Map([["rt", 24], ["futex", 20], ["spin", 0.4], ["pm", 42], ["poll", 0.8]]);

Deno.test("ratio: measured / baseline against max, both sides of the bound", () => {
  const t = (max: number): Target => ({
    label: `rt <= ${max}x futex`,
    measured: "rt",
    baseline: "futex",
    criterion: { kind: "ratio", max },
  });
  const [pass, miss] = evaluateTargets([t(1.25), t(1.1)], medians);
  assert.deepEqual(pass, { label: "rt <= 1.25x futex", kind: "ratio", value: 1.2, ok: true });
  assert.equal(miss.value, 1.2);
  assert.equal(miss.ok, false);
});

Deno.test("speedup: baseline / measured against min", () => {
  const [fast, slow] = evaluateTargets([
    { label: "a", measured: "poll", baseline: "pm", criterion: { kind: "speedup", min: 50 } },
    { label: "b", measured: "poll", baseline: "pm", criterion: { kind: "speedup", min: 60 } },
  ], medians);
  assert.equal(fast.value, 42 / 0.8);
  assert.equal(fast.ok, true);
  assert.equal(slow.ok, false);
});

Deno.test("value and rate: absolute bounds on the measured median", () => {
  const [value, rate, slowRate] = evaluateTargets([
    { label: "v", measured: "rt", baseline: null, criterion: { kind: "value", max: 30 } },
    { label: "r", measured: "spin", baseline: null, criterion: { kind: "rate", min: 2e9 } },
    { label: "s", measured: "rt", baseline: null, criterion: { kind: "rate", min: 1e9 } },
  ], medians);
  assert.deepEqual([value.value, value.ok], [24, true]);
  assert.deepEqual([rate.value, rate.ok], [2.5e9, true]);
  assert.equal(slowRate.ok, false);
});

Deno.test("a missing measurement or baseline gives null, not a verdict", () => {
  const out = evaluateTargets([
    { label: "m", measured: "nope", baseline: "futex", criterion: { kind: "ratio", max: 1 } },
    { label: "b", measured: "rt", baseline: "nope", criterion: { kind: "ratio", max: 1 } },
  ], medians);
  for (const v of out) assert.deepEqual([v.value, v.ok], [null, null]);
});

Deno.test("a criterion that does not fit the baseline is refused with a message", () => {
  assert.throws(
    () =>
      evaluateTargets([
        { label: "x", measured: "rt", baseline: null, criterion: { kind: "ratio", max: 1 } },
      ], medians),
    /target "x": a "ratio" criterion compares with a baseline, but baseline is null/,
  );
  assert.throws(
    () =>
      evaluateTargets([
        { label: "y", measured: "rt", baseline: "futex", criterion: { kind: "rate", min: 1 } },
      ], medians),
    /target "y": a "rate" criterion is absolute, but baseline "futex" is given/,
  );
});
