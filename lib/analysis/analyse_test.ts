import assert from "node:assert/strict";
import { analyseResult, pointKey } from "./analyse.ts";
import { syntheticResult } from "./testdata/synthetic_result.ts";

Deno.test("analyseResult: points, placements, devices and probes of a synthetic document", () => {
  const doc = syntheticResult({
    seed: 3,
    repetitions: 3,
    devices: ["disk0", "disk1"],
    sweeps: [{ qd: 1 }, { qd: 4 }],
    placements: {
      main: { meanNs: 40_000, bqlWaitShare: 0.3 },
      iothread: { meanNs: 20_000, contexts: ["main", "iothread0"], bqlWaitShare: 0.05 },
    },
    failed: [{ placement: "main", repetition: 2 }],
  });
  const a = analyseResult(doc);
  assert.deepEqual(a.points.map((p) => p.key), ["synthetic[qd=1]", "synthetic[qd=4]"]);
  assert.equal(a.skippedRuns, 2);
  const point = a.points[0];
  assert.deepEqual(Object.keys(point.placements), ["main", "iothread"]);
  const main = point.placements.main;
  assert.deepEqual(main.repetitions, [1, 3]);
  assert.deepEqual(Object.keys(main.devices), ["disk0", "disk1"]);
  const d = main.devices.disk0;
  assert.equal(d.perRepetition.length, 2);
  assert.equal(d.pooled.count, d.perRepetition[0].count + d.perRepetition[1].count);
  // Exponential latency of mean 40 us at queue depth 1: iops near 25 000, p50 near 40 us x ln 2.
  assert.ok(Math.abs(d.metrics.iops / 25_000 - 1) < 0.05, `iops ${d.metrics.iops}`);
  assert.ok(Math.abs(d.metrics.p50 / (40_000 * Math.LN2) - 1) < 0.05, `p50 ${d.metrics.p50}`);
  assert.equal(d.metrics.p99, d.pooled.p99);
  assert.equal(d.metrics.jitter, d.pooled.p99 - d.pooled.p50);
  assert.ok(Math.abs(d.metrics.bqlWaitShare - 0.3) < 1e-12);
  assert.equal(d.intervalP99.intervals, 20);
  assert.equal(d.samples[0].intervals.length, 10);
  assert.deepEqual(Object.keys(point.placements.iothread.probes), ["iothread0", "main"]);
  assert.equal(point.placements.iothread.probes.main.count, 1500);
});

Deno.test("pointKey: sorted sweep options", () => {
  assert.equal(pointKey("a", { z: 1, a: 2 }), "a[a=2,z=1]");
});
