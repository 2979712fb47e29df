import assert from "node:assert/strict";
import { measurement, poolMeasurements } from "./measurement.ts";

Deno.test("measurement: median computed, samples copied, empty extra dropped", () => {
  const samples = [5, 1, 3];
  const m = measurement("a", samples, {});
  assert.deepEqual(m, { name: "a", unit: "ns", samples: [5, 1, 3], median: 3 });
  samples.push(100);
  assert.deepEqual(m.samples, [5, 1, 3]);
  assert.deepEqual(measurement("b", [1], { n: 7 }).extra, { n: 7 });
  assert.ok(Number.isNaN(measurement("c", []).median));
});

Deno.test("poolMeasurements: samples in round order, median over the pool", () => {
  const m = poolMeasurements([
    measurement("rt", [10, 30], { n: 2 }),
    measurement("rt", [20], { n: 1 }),
    measurement("rt", [40, 50]),
  ]);
  assert.deepEqual(m.samples, [10, 30, 20, 40, 50]);
  assert.equal(m.median, 30);
  assert.deepEqual(m.extra, { n: 2 });
});

Deno.test("poolMeasurements: refuses nothing and mixed names", () => {
  assert.throws(() => poolMeasurements([]), /at least one measurement, got none/);
  assert.throws(
    () => poolMeasurements([measurement("a", [1]), measurement("b", [2])]),
    /every part must measure "a" in ns, found "b" in ns/,
  );
});
