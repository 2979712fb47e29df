import assert from "node:assert/strict";
import { analyseResult } from "./analyse.ts";
import { evaluateThresholds, formatValue } from "./threshold_eval.ts";
import { syntheticResult } from "./testdata/synthetic_result.ts";

// iothread: latency 20 us + exp(20 us); main: 20 us + exp(60 us). Both on disk0 and disk1.
const analysed = analyseResult(syntheticResult({
  seed: 8,
  repetitions: 3,
  devices: ["disk0", "disk1"],
  placements: {
    main: { meanNs: 60_000, offsetNs: 20_000, bqlWaitShare: 0.3 },
    iothread: { meanNs: 20_000, offsetNs: 20_000, bqlWaitShare: 0.05 },
  },
}));
const metrics = (p: string, d = "disk0") => analysed.points[0].placements[p].devices[d].metrics;

Deno.test("evaluateThresholds: k * ref against ref, with both values and why", () => {
  const [o] = evaluateThresholds(["iothread.disk0.p99 < 0.5 * main.disk0.p99"], analysed);
  assert.equal(o.point, "synthetic");
  assert.equal(o.expression, "iothread.disk0.p99 < 0.5 * main.disk0.p99");
  assert.equal(o.left, metrics("iothread").p99);
  assert.equal(o.right, 0.5 * metrics("main").p99);
  assert.equal(o.pass, true);
  assert.equal(
    o.why,
    `${formatValue(o.left, true)} is < ${formatValue(o.right, true)}`,
  );
  const [fail] = evaluateThresholds(["iothread.disk0.p99 > main.disk0.p99"], analysed);
  assert.equal(fail.pass, false);
  assert.match(fail.why, /^\d.* us is not > \d.* us$/);
});

Deno.test("evaluateThresholds: * expands over placements, and over devices, one outcome each", () => {
  const out = evaluateThresholds(["*.disk0.p99.9 < 2ms", "*.*.bqlWaitShare < 0.2"], analysed);
  assert.deepEqual(out.map((o) => [o.expression, o.pass]), [
    ["main.disk0.p99.9 < 2 ms", true],
    ["iothread.disk0.p99.9 < 2 ms", true],
    ["main.disk0.bqlWaitShare < 0.2", false],
    ["main.disk1.bqlWaitShare < 0.2", false],
    ["iothread.disk0.bqlWaitShare < 0.2", true],
    ["iothread.disk1.bqlWaitShare < 0.2", true],
  ]);
  const tight = evaluateThresholds(["*.disk0.p50 < 10us"], analysed);
  assert.deepEqual(tight.map((o) => o.pass), [false, false]);
});

Deno.test("evaluateThresholds: ratio(a/b) with 95% bounds by the interval's upper end", () => {
  const out = evaluateThresholds(["ratio(iothread/main).p99 < 1 with 95%"], analysed, {
    resamples: 200,
  });
  assert.deepEqual(out.map((o) => o.expression), [
    "ratio(iothread/main).disk0.p99 < 1 with 95%",
    "ratio(iothread/main).disk1.p99 < 1 with 95%",
  ]);
  for (const o of out) {
    assert.equal(o.pass, true);
    assert.ok(o.left > metrics("iothread").p99 / metrics("main").p99 * 0.9 && o.left < 1);
    assert.match(
      o.why,
      /^0\.\d+ is < 1, taking the upper end of the 95% interval \[0\.\d+, 0\.\d+\] of ratio\(iothread\/main\)\.disk\d\.p99 \(ratio 0\.\d+\)$/,
    );
  }
  // The same seed gives the same interval; > takes the lower end.
  assert.deepEqual(
    evaluateThresholds(["ratio(iothread/main).p99 < 1 with 95%"], analysed, { resamples: 200 }),
    out,
  );
  const [low] = evaluateThresholds(["ratio(main/iothread).disk0.iops > 0.5 with 90%"], analysed, {
    resamples: 200,
  });
  assert.match(low.why, /taking the lower end of the 90% interval/);
  const [point] = evaluateThresholds(["ratio(iothread/main).disk0.p50 < 1"], analysed);
  assert.equal(point.left, metrics("iothread").p50 / metrics("main").p50);
  assert.equal(point.why, `${formatValue(point.left, false)} is < 1`);
});

Deno.test("evaluateThresholds: a missing placement or device fails and says why", () => {
  const out = evaluateThresholds(["nope.disk0.p99 < 1ms", "main.disk9.iops > 1"], analysed);
  assert.deepEqual(out.map((o) => [o.pass, o.why]), [
    [false, 'cannot be checked: placement "nope" is not in the result (it has main, iothread)'],
    [false, 'cannot be checked: placement "main" has no device "disk9" (it has disk0, disk1)'],
  ]);
  assert.ok(Number.isNaN(out[0].left));
});

Deno.test("evaluateThresholds: every sweep point is checked on its own", () => {
  const swept = analyseResult(syntheticResult({
    seed: 1,
    repetitions: 1,
    sweeps: [{ qd: 1 }, { qd: 2 }],
    placements: { main: { meanNs: 10_000 } },
  }));
  const out = evaluateThresholds(["main.disk0.iops > 1000"], swept);
  assert.deepEqual(out.map((o) => [o.point, o.pass]), [
    ["synthetic[qd=1]", true],
    ["synthetic[qd=2]", true],
  ]);
  assert.throws(() => evaluateThresholds(["main.disk0.p99 < 1"], swept), /has no unit/);
});

Deno.test("formatValue: time units and plain numbers", () => {
  assert.equal(formatValue(999, true), "999 ns");
  assert.equal(formatValue(1500, true), "1.5 us");
  assert.equal(formatValue(2e9, true), "2 s");
  assert.equal(formatValue(12345.678, false), "12350");
  assert.equal(formatValue(Infinity, false), "Infinity");
});
