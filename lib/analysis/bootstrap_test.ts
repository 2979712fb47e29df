import assert from "node:assert/strict";
import { HistogramSnapshot, SharedHistogram } from "../measure/histogram.ts";
import { bootstrapRatios, pointMetrics, type RepetitionSample } from "./bootstrap.ts";
import { histogramStats } from "./histogram_stats.ts";
import { SeededRandom } from "./random.ts";

/**
 * `reps` repetitions of `n` requests each, latency scale x (20 us + an
 * exponential of mean 100 us) times a per-repetition log-normal drift,
 * recorded in a SharedHistogram in 10 intervals of a closed loop.
 */
function sample(rng: SeededRandom, scale: number, reps = 3, n = 400, drift = 0.03) {
  return Array.from({ length: reps }, (): RepetitionSample => {
    const f = Math.exp(drift * rng.normal());
    const h = new SharedHistogram();
    const intervals: { completions: number; durationNs: number }[] = [];
    for (let k = 0; k < 10; k++) {
      let t = 0;
      for (let i = 0; i < n / 10; i++) {
        const v = scale * f * (20_000 + rng.exponential(100_000));
        h.record(v);
        t += v;
      }
      intervals.push({ completions: n / 10, durationNs: t });
    }
    const durationNs = intervals.reduce((s, x) => s + x.durationNs, 0);
    return { latency: h.snapshot(), completions: n, durationNs, intervals, bqlWaitShare: 0.1 };
  });
}

Deno.test("bootstrap: the same input and seed give the same intervals; another seed others", () => {
  const rng = new SeededRandom(1);
  const a = sample(rng, 1.1);
  const b = sample(rng, 1);
  const once = bootstrapRatios(a, b, { seed: 42, resamples: 200 });
  assert.deepEqual(bootstrapRatios(a, b, { seed: 42, resamples: 200 }), once);
  const other = bootstrapRatios(a, b, { seed: 43, resamples: 200 });
  assert.notDeepEqual(other.p99, once.p99);
  assert.equal(other.p99.ratio, once.p99.ratio);
});

Deno.test("bootstrap: point ratios are the ratios of the pooled metrics", () => {
  const rng = new SeededRandom(2);
  const a = sample(rng, 2);
  const b = sample(rng, 1);
  const r = bootstrapRatios(a, b, { seed: 1, resamples: 50 });
  const pooled = (s: RepetitionSample[]) => {
    const m = new HistogramSnapshot();
    for (const x of s) m.add(x.latency);
    return histogramStats(m);
  };
  const [pa, pb] = [pooled(a), pooled(b)];
  assert.equal(r.p50.ratio, pa.p50 / pb.p50);
  assert.equal(r.p99.ratio, pa.p99 / pb.p99);
  assert.equal(r["p99.9"].ratio, pa.p999 / pb.p999);
  assert.equal(r.mean.ratio, pa.mean / pb.mean);
  const ma = pointMetrics(a);
  assert.equal(ma.iops, a.reduce((s, x) => s + x.completions * 1e9 / x.durationNs, 0) / 3);
  assert.ok(Math.abs(ma.bqlWaitShare - 0.1) < 1e-12);
  for (const m of ["p50", "p99", "p99.9", "iops"] as const) {
    assert.ok(r[m].low <= r[m].ratio && r[m].ratio <= r[m].high, `${m}: ${JSON.stringify(r[m])}`);
  }
  // Twice the latency: every latency ratio near 2, throughput near 1/2.
  assert.ok(r.p50.low > 1.6 && r.p50.high < 2.5, JSON.stringify(r.p50));
  assert.ok(r.iops.low > 0.4 && r.iops.high < 0.6, JSON.stringify(r.iops));
});

Deno.test("bootstrap: a sample against itself gives ratio 1 inside its interval", () => {
  const a = sample(new SeededRandom(3), 1);
  const r = bootstrapRatios(a, a, { seed: 9, resamples: 200 });
  for (const [m, iv] of Object.entries(r)) {
    assert.equal(iv.ratio, 1, m);
    assert.ok(iv.low <= 1 && iv.high >= 1, `${m}: ${JSON.stringify(iv)}`);
  }
});

Deno.test("bootstrap: the 95% interval covers the true ratio at about its nominal rate", () => {
  // 200 synthetic experiments with fixed seeds (deterministic: cannot flake).
  // Placement a is 1.25 x slower than b at every quantile, so the true ratio
  // is 1.25 for each latency percentile and 1 / 1.25 for throughput.
  const experiments = 200;
  const truth = 1.25;
  const metrics = ["p50", "p99", "p99.9", "iops"] as const;
  const hits = { p50: 0, p99: 0, "p99.9": 0, iops: 0 };
  for (let e = 0; e < experiments; e++) {
    const rng = new SeededRandom(1000 + e);
    const r = bootstrapRatios(sample(rng, truth), sample(rng, 1), { seed: e, resamples: 100 });
    for (const m of metrics) {
      const t = m === "iops" ? 1 / truth : truth;
      if (r[m].low <= t && t <= r[m].high) hits[m]++;
    }
  }
  for (const m of metrics) {
    const coverage = hits[m] / experiments;
    assert.ok(coverage >= 0.88 && coverage <= 0.99, `${m}: coverage ${coverage}`);
  }
});

Deno.test("bootstrap: a large repetition is redrawn by binomials over its counts", () => {
  const big = (scale: number): RepetitionSample => {
    const latency = new HistogramSnapshot();
    // 1 M requests over ~100 counts: far more requests than counts.
    for (let v = 1; v <= 100; v++) latency.recordValue(v * 1000 * scale, 10_000);
    return { latency, completions: 1e6, durationNs: 1e9, intervals: [], bqlWaitShare: 0 };
  };
  const r = bootstrapRatios([big(2)], [big(1)], { seed: 1, resamples: 50 });
  assert.ok(Math.abs(r.p50.ratio - 2) < 0.02, `${r.p50.ratio}`);
  // A million requests per side: the median moves by at most one neighbouring value (2 %).
  assert.ok(r.p50.low >= 1.95 && r.p50.high <= 2.05, JSON.stringify(r.p50));
  assert.equal(r.iops.low, 1);
});

Deno.test("bootstrap: empty samples and bad options are refused with a message", () => {
  const a = sample(new SeededRandom(4), 1, 1, 100);
  assert.throws(() => bootstrapRatios([], a), /at least one repetition in the first sample/);
  assert.throws(() => bootstrapRatios(a, []), /at least one repetition in the second sample/);
  assert.throws(() => bootstrapRatios(a, a, { resamples: 5 }), /at least 20, got 5/);
  assert.throws(() => bootstrapRatios(a, a, { confidence: 95 }), /\(0, 1\), got 95/);
  assert.throws(() => pointMetrics([]), /at least one repetition/);
});

Deno.test("bootstrap: zero on both sides is ratio 1, zero below is Infinity", () => {
  const empty: RepetitionSample = {
    latency: new HistogramSnapshot(),
    completions: 0,
    durationNs: 1e9,
    intervals: [],
    bqlWaitShare: 0,
  };
  const r = bootstrapRatios([empty], [empty], { resamples: 20 });
  assert.deepEqual(r.p99, { ratio: 1, low: 1, high: 1, confidence: 0.95 });
  const full = sample(new SeededRandom(5), 1, 1, 100)[0];
  assert.equal(bootstrapRatios([full], [empty], { resamples: 20 }).p50.ratio, Infinity);
});
