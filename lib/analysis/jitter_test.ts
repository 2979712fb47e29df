import assert from "node:assert/strict";
import { HistogramSnapshot, SharedHistogram } from "../measure/histogram.ts";
import { intervalP99Spread, intervalRows, jitterOf, probeLateness } from "./jitter.ts";
import { SeededRandom } from "./random.ts";
import { syntheticResult } from "./testdata/synthetic_result.ts";

Deno.test("jitterOf: an exponential distribution's spread is its mean times known constants", () => {
  const r = new SeededRandom(9);
  const h = new SharedHistogram();
  const mean = 40_000;
  for (let i = 0; i < 200_000; i++) h.record(r.exponential(mean));
  const j = jitterOf(h.snapshot());
  // Exponential quantiles: q(p) = -mean ln(1 - p).
  const q = (p: number) => -mean * Math.log(1 - p);
  assert.ok(Math.abs(j.p99MinusP50Ns / (q(0.99) - q(0.5)) - 1) < 0.03, `${j.p99MinusP50Ns}`);
  assert.ok(Math.abs(j.p999OverP50 / (q(0.999) / q(0.5)) - 1) < 0.04, `${j.p999OverP50}`);
  assert.ok(Math.abs(j.iqrNs / (q(0.75) - q(0.25)) - 1) < 0.03, `${j.iqrNs}`);
});

Deno.test("jitterOf: a constant latency has no spread", () => {
  const h = new HistogramSnapshot();
  h.recordValue(100, 1000);
  assert.deepEqual(jitterOf(h), { p99MinusP50Ns: 0, p999OverP50: 1, iqrNs: 0 });
});

Deno.test("intervalP99Spread: real TimeSeries rows of a synthetic run", () => {
  const doc = syntheticResult({
    seed: 4,
    repetitions: 1,
    intervals: 8,
    devices: ["disk0", "disk1"],
    placements: { main: { meanNs: 20_000 } },
  });
  const rows = doc.runs[0].report!.timeSeries.rows;
  assert.equal(intervalRows(rows).length, 16);
  assert.equal(intervalRows(rows, "disk1").length, 8);
  const s = intervalP99Spread(rows, "disk0");
  assert.equal(s.intervals, 8);
  // ~1000 requests per interval: each interval's p99 is near 20 us x ln(100) = 92 us.
  assert.ok(s.minNs > 70_000 && s.maxNs < 120_000, `${s.minNs} .. ${s.maxNs}`);
  assert.ok(s.minNs <= s.medianNs && s.medianNs <= s.maxNs);
  assert.ok(s.stddevNs > 0 && s.stddevNs < 15_000);
  assert.equal(intervalP99Spread(rows, "nope").intervals, 0);
});

Deno.test("intervalP99Spread: intervals without completions and foreign entries are left out", () => {
  const row = (p99: number, completions = 1) => ({
    device: "d",
    startNs: 0,
    endNs: 1,
    completions,
    p50: 1,
    p99,
    max: p99,
  });
  const s = intervalP99Spread([row(10), row(0, 0), row(30), { device: "d" }, null], "d");
  assert.deepEqual(s, {
    intervals: 2,
    minNs: 10,
    medianNs: 20,
    maxNs: 30,
    stddevNs: 10,
    maxOverMedian: 1.5,
  });
});

Deno.test("probeLateness: every context pooled over repetitions", () => {
  const doc = syntheticResult({
    seed: 2,
    repetitions: 3,
    placements: {
      iothread: { meanNs: 10_000, contexts: ["main", "iothread0"], jitterMeanNs: 50_000 },
    },
  });
  const lateness = probeLateness(doc.runs.map((r) => r.report!));
  assert.deepEqual(Object.keys(lateness), ["iothread0", "main"]);
  assert.equal(lateness.main.count, 1500);
  // Exponential, mean 50 us: the pooled median is near 50 us x ln 2.
  assert.ok(Math.abs(lateness.iothread0.p50 / (50_000 * Math.LN2) - 1) < 0.12);
});
