import assert from "node:assert/strict";
import { median, percentile, percentiles } from "./statistics.ts";

Deno.test("median: odd, even, empty, unsorted input is not mutated", () => {
  assert.equal(median([3]), 3);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const xs = [9, -1, 7, 0.5, 3];
  const copy = [...xs];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, copy);
});

Deno.test("percentile: ends, median, interpolation between ranks", () => {
  const xs = [40, 10, 30, 20, 50];
  assert.equal(percentile(xs, 0), 10);
  assert.equal(percentile(xs, 100), 50);
  assert.equal(percentile(xs, 50), median(xs));
  assert.equal(percentile(xs, 25), 20);
  assert.equal(percentile(xs, 90), 46);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(xs, [40, 10, 30, 20, 50]);
});

Deno.test("percentiles: several at once agree with percentile; bad p is refused", () => {
  const xs = Array.from({ length: 101 }, (_, i) => 100 - i);
  assert.deepEqual(percentiles(xs, [99, 1, 50]), [99, 1, 50]);
  assert.throws(() => percentile(xs, 101), RangeError);
  assert.throws(() => percentile(xs, -1), RangeError);
  assert.throws(() => percentiles(xs, [NaN]), /\[0, 100\], got NaN/);
});
