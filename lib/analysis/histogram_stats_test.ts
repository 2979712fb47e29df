import assert from "node:assert/strict";
import { encodeHdr } from "../measure/hdr_export.ts";
import { HistogramSnapshot, SharedHistogram } from "../measure/histogram.ts";
import { percentile } from "./statistics.ts";
import {
  decodeHistogram,
  histogramStats,
  mergeHistograms,
  repetitionStats,
} from "./histogram_stats.ts";
import { SeededRandom } from "./random.ts";

/** Relative error bound of a 2-digit histogram (1 / 128), plus one ns of rounding. */
function near(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= expected / 128 + 1,
    `${what}: ${actual} is not within 0.78 % of ${expected}`,
  );
}

Deno.test("histogramStats: a uniform distribution 1 us .. 1 ms recorded in a SharedHistogram", () => {
  const h = new SharedHistogram();
  const values: number[] = [];
  for (let k = 1; k <= 10_000; k++) {
    const v = 1_000 + Math.round((999_000 * (k - 1)) / 9_999);
    values.push(v);
    h.record(v);
  }
  const s = histogramStats(decodeHistogram(encodeHdr(h.snapshot())));
  assert.equal(s.count, 10_000);
  for (const [p, got] of [[50, s.p50], [90, s.p90], [99, s.p99], [99.9, s.p999]] as const) {
    near(got, percentile(values, p), `p${p}`);
  }
  near(s.mean, 500_500, "mean");
  // Uniform on [a, b]: standard deviation (b - a) / sqrt(12).
  near(s.stddev, 999_000 / Math.sqrt(12), "stddev");
  // After a decode, min and max are the bounds of the extreme counts.
  near(s.max, 1_000_000, "max");
  assert.equal(s.min, 1_000);
});

Deno.test("histogramStats: an exponential distribution has its quantiles -mean ln(1 - q)", () => {
  const r = new SeededRandom(5);
  const h = new SharedHistogram();
  const mean = 100_000;
  for (let i = 0; i < 200_000; i++) h.record(r.exponential(mean));
  const s = histogramStats(h.snapshot());
  // Sampling error of a quantile at 200k draws is well below 3 % up to p99.9.
  for (const [q, got] of [[0.5, s.p50], [0.9, s.p90], [0.99, s.p99], [0.999, s.p999]] as const) {
    const truth = -mean * Math.log(1 - q);
    assert.ok(Math.abs(got / truth - 1) < 0.03, `p${q * 100}: ${got} against ${truth}`);
  }
  assert.ok(Math.abs(s.mean / mean - 1) < 0.01, `mean ${s.mean}`);
  assert.ok(Math.abs(s.stddev / mean - 1) < 0.02, `stddev ${s.stddev}`);
});

Deno.test("histogramStats: the percentiles equal lib/measure's summary; empty is all zero", () => {
  const h = new HistogramSnapshot();
  for (const v of [3, 70, 900, 12_000, 12_500, 4e6]) h.recordValue(v, 7);
  const s = histogramStats(h);
  const m = h.summary();
  assert.deepEqual(
    [s.count, s.min, s.p50, s.p90, s.p99, s.p999, s.p9999, s.max, s.mean],
    [m.count, m.min, m.p50, m.p90, m.p99, m.p999, m.p9999, m.max, m.mean],
  );
  assert.deepEqual(histogramStats(new HistogramSnapshot()), {
    count: 0,
    min: 0,
    p50: 0,
    p90: 0,
    p99: 0,
    p999: 0,
    p9999: 0,
    max: 0,
    mean: 0,
    stddev: 0,
  });
});

Deno.test("histogramStats: exact values below the first bucket give exact statistics, in order", () => {
  // Values below 256 have their own count (2 digits), so every statistic is exact.
  const h = new HistogramSnapshot();
  h.recordValue(10);
  h.recordValue(20);
  h.recordValue(30, 2);
  // Mean 22.5; variance (100 + 400 + 2 * 900) / 4 - 22.5^2 = 68.75.
  assert.equal(
    JSON.stringify(histogramStats(h)),
    JSON.stringify({
      count: 4,
      min: 10,
      p50: 20,
      p90: 30,
      p99: 30,
      p999: 30,
      p9999: 30,
      max: 30,
      mean: 22.5,
      stddev: Math.sqrt(68.75),
    }),
  );
});

Deno.test("repetitionStats: pooled is the merge; per repetition keeps each one", () => {
  const enc = (vals: number[]) => {
    const s = new HistogramSnapshot();
    for (const v of vals) s.recordValue(v);
    return { hdr: encodeHdr(s), count: vals.length };
  };
  const low = Array.from({ length: 99 }, (_, i) => 10 + i);
  const r = repetitionStats([enc(low), enc([5_000])]);
  assert.deepEqual(r.perRepetition.map((s) => s.count), [99, 1]);
  near(r.perRepetition[1].p99, 5_000, "p99 of one record");
  assert.equal(r.pooled.count, 100);
  near(r.pooled.max, 5_000, "pooled max");
  assert.equal(r.pooled.p99, 108);
  assert.equal(r.merged.totalCount, 100);
});

Deno.test("mergeHistograms: different geometries are refused with both named", () => {
  assert.throws(
    () => mergeHistograms([new HistogramSnapshot(), new HistogramSnapshot({ digits: 3 })]),
    /expected 2 digits .* found 3 digits/,
  );
  assert.throws(() => decodeHistogram("not base64 hdr"));
});
