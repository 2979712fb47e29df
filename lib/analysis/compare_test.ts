import assert from "node:assert/strict";
import { analyseResult } from "./analyse.ts";
import { comparePlacements, compareResults } from "./compare.ts";
import { METRICS } from "./metrics.ts";
import { syntheticResult } from "./testdata/synthetic_result.ts";

const doc = (
  mainMean: number,
  seed: number,
  noiseFloor = null as null | { idleJitter: { p50Ns: number; p99Ns: number } },
) =>
  analyseResult(syntheticResult({
    seed,
    repetitions: 3,
    devices: ["disk0", "disk1"],
    noiseFloor,
    placements: {
      main: { meanNs: mainMean, offsetNs: 20_000, drift: 0.02 },
      iothread: { meanNs: 20_000, offsetNs: 20_000, drift: 0.02 },
    },
  }));

Deno.test("compareResults: a result against itself has no significant difference anywhere", () => {
  const r = doc(40_000, 1);
  const c = compareResults(r, r, { resamples: 200 });
  assert.equal(c.rows.length, 2 * 2 * METRICS.length);
  for (const row of c.rows) {
    assert.equal(row.verdict, "no significant difference", `${row.placement} ${row.metric}`);
    assert.equal(row.ratio, 1);
  }
  assert.deepEqual(c.regressions, []);
  assert.deepEqual(c.unmatched, []);
});

Deno.test("compareResults: main twice as slow is a regression of latency and throughput", () => {
  const base = doc(20_000, 1);
  const cur = doc(60_000, 2);
  const c = compareResults(base, cur, { resamples: 200, metrics: ["p50", "p99", "p99.9", "iops"] });
  const main = c.rows.filter((r) => r.placement === "main");
  assert.deepEqual(main.map((r) => [r.device, r.metric, r.verdict]), [
    ["disk0", "p50", "worse"],
    ["disk0", "p99", "worse"],
    ["disk0", "p99.9", "worse"],
    ["disk0", "iops", "worse"],
    ["disk1", "p50", "worse"],
    ["disk1", "p99", "worse"],
    ["disk1", "p99.9", "worse"],
    ["disk1", "iops", "worse"],
  ]);
  for (const r of main) assert.ok(r.low <= r.ratio && r.ratio <= r.high, JSON.stringify(r));
  // The unchanged placement, measured again with another seed, is not called a change.
  const io = c.rows.filter((r) => r.placement === "iothread");
  assert.ok(io.every((r) => r.verdict === "no significant difference"), JSON.stringify(io));
  assert.deepEqual(c.regressions, main);
  // The other way round it is an improvement, and nothing regresses.
  const back = compareResults(cur, base, { resamples: 200, metrics: ["p99", "iops"] });
  assert.ok(back.rows.filter((r) => r.placement === "main").every((r) => r.verdict === "better"));
  assert.deepEqual(back.regressions, []);
});

Deno.test("compareResults: a large measured noise floor hides a small change", () => {
  const floor = { idleJitter: { p50Ns: 500_000, p99Ns: 5_000_000 } };
  const c = compareResults(doc(20_000, 1), doc(60_000, 2, floor), {
    resamples: 100,
    metrics: ["p99"],
  });
  for (const r of c.rows) {
    assert.ok(r.threshold > 1, `${r.threshold}`);
    assert.equal(r.verdict, "no significant difference");
  }
});

Deno.test("compareResults: unmatched devices and placements are listed", () => {
  const one = analyseResult(syntheticResult({
    seed: 1,
    repetitions: 1,
    placements: { main: { meanNs: 10_000 } },
  }));
  const c = compareResults(one, doc(20_000, 3), { resamples: 50, metrics: ["p50"] });
  assert.deepEqual(c.unmatched, [
    "current only: synthetic/main/disk1",
    "current only: synthetic/iothread/disk0",
    "current only: synthetic/iothread/disk1",
  ]);
  assert.equal(c.rows.length, 1);
});

Deno.test("comparePlacements: iothread against main, per device and metric", () => {
  const r = doc(60_000, 4);
  const rows = comparePlacements(r.points[0], "iothread", "main", null, {
    resamples: 200,
    metrics: ["p50", "iops"],
  });
  assert.deepEqual(rows.map((x) => [x.device, x.metric, x.verdict]), [
    ["disk0", "p50", "better"],
    ["disk0", "iops", "better"],
    ["disk1", "p50", "better"],
    ["disk1", "iops", "better"],
  ]);
  assert.ok(rows[0].ratio < 0.7 && rows[1].ratio > 1.5);
  assert.equal(rows[0].reference, "main");
  assert.throws(
    () => comparePlacements(r.points[0], "x", "main", null),
    /placement "x" is not at point synthetic; it has main, iothread/,
  );
});
