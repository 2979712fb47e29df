import assert from "node:assert/strict";
import {
  countsIndex,
  DEFAULT_HIGHEST_NS,
  highestValueAtIndex,
  histogramGeometry,
  HistogramSnapshot,
  SharedHistogram,
  valueFromIndex,
} from "./histogram.ts";
import { HISTOGRAM } from "./layout.ts";
import { Barrier } from "../testing/barrier.ts";
import { runInThread } from "../testing/thread.ts";

const FIXTURE = new URL("./testdata/histogram.ts", import.meta.url);

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exact percentile of sorted values, HdrHistogram's rank rule. */
function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.max(Math.ceil((p / 100) * sorted.length), 1);
  return sorted[rank - 1];
}

Deno.test("histogramGeometry: HdrHistogram's lengths; invalid options throw", () => {
  assert.deepEqual(histogramGeometry(2, 60e9), {
    digits: 2,
    highestNs: 60e9,
    halfMagnitude: 7,
    length: 3840,
  });
  assert.equal(histogramGeometry(2, DEFAULT_HIGHEST_NS).length, 36 * 128);
  assert.equal(histogramGeometry(3, 60e9).halfMagnitude, 10);
  assert.throws(() => histogramGeometry(4 as 2, 10), {
    name: "RangeError",
    message: "histogram digits must be 2 or 3, got 4",
  });
  assert.throws(() => new SharedHistogram({ highestNs: 1 }), /highestNs must be an integer/);
  assert.throws(() => new SharedHistogram({ highestNs: 2.5 }), /got 2.5/);
});

Deno.test("countsIndex: inverse of valueFromIndex at every index, both digit counts", () => {
  for (const digits of [2, 3] as const) {
    const g = histogramGeometry(digits, DEFAULT_HIGHEST_NS);
    for (let i = 0; i < g.length; i++) {
      const lo = valueFromIndex(g.halfMagnitude, i);
      const hi = highestValueAtIndex(g.halfMagnitude, i);
      assert.equal(countsIndex(g.halfMagnitude, lo), i, `lowest value of ${i}`);
      assert.equal(countsIndex(g.halfMagnitude, hi), i, `highest value of ${i}`);
      assert.equal(countsIndex(g.halfMagnitude, hi + 1), i + 1, `value after ${i}`);
      // The error bound: a step is below 1 / half of the values it holds.
      if (lo > 0) assert.ok((hi - lo) / lo < 2 ** -g.halfMagnitude, `index ${i}`);
    }
  }
});

Deno.test("SharedHistogram.record: the fast path agrees with countsIndex around 2^32", () => {
  const h = new SharedHistogram();
  const values = [0, 1, 255, 256, 257, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5e6];
  for (const v of values) h.record(v + 0.75); // fractions are truncated
  const s = h.snapshot();
  for (const v of values) assert.ok(s.counts[countsIndex(s.halfMagnitude, v)] >= 1, `value ${v}`);
  assert.equal(s.totalCount, values.length);
  assert.equal(s.min, 0);
  assert.equal(s.max, 2 ** 32 + 5e6);
});

Deno.test("SharedHistogram: known distributions give percentiles within 1 %", () => {
  const next = rng(42);
  const cases: [string, () => number][] = [
    ["uniform 100 ns .. 10 us", () => 100 + next() * 9_900],
    ["log-uniform 100 ns .. 60 s", () => 100 * 10 ** (next() * Math.log10(6e8))],
    ["exponential, mean 50 us", () => -Math.log(1 - next()) * 50_000],
  ];
  for (const [name, draw] of cases) {
    const h = new SharedHistogram();
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const v = Math.floor(Math.max(draw(), 100));
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    const s = h.snapshot();
    assert.equal(s.totalCount, values.length, name);
    assert.equal(s.min, values[0], name);
    assert.equal(s.max, values[values.length - 1], name);
    for (const p of [50, 90, 99, 99.9, 99.99, 100]) {
      const want = exactPercentile(values, p);
      const got = s.valueAtPercentile(p);
      assert.ok(got >= want, `${name} p${p}: ${got} below ${want}`);
      assert.ok(got - want <= 0.01 * want, `${name} p${p}: ${got} vs exact ${want}`);
    }
    const sum = s.summary();
    assert.equal(sum.count, values.length);
    assert.equal(sum.p99, s.valueAtPercentile(99));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(sum.mean - mean) <= 0.01 * mean, `${name} mean ${sum.mean} vs ${mean}`);
  }
});

Deno.test("SharedHistogram: out-of-range values are clamped and counted, never dropped", () => {
  const h = new SharedHistogram({ highestNs: 60e9 });
  h.record(-1);
  h.record(Number.NaN);
  h.record(61e9 * 2);
  h.record(Number.POSITIVE_INFINITY);
  h.record(5);
  const s = h.snapshot();
  assert.equal(s.totalCount, 5);
  assert.equal(s.underflows, 2);
  assert.equal(s.overflows, 2);
  assert.equal(s.counts[0], 2);
  assert.equal(s.counts[s.length - 1], 2);
  assert.equal(s.min, 0);
  assert.equal(s.max, highestValueAtIndex(s.halfMagnitude, s.length - 1));
  const local = new HistogramSnapshot({ highestNs: 60e9 });
  local.recordValue(-3);
  local.recordValue(1e12, 4);
  assert.equal(local.underflows, 1);
  assert.equal(local.overflows, 4);
  assert.equal(local.totalCount, 5);
});

Deno.test("SharedHistogram: a wrapped 32-bit count is detected", () => {
  const h = new SharedHistogram();
  const words = new Int32Array(h.handle.sab);
  words[HISTOGRAM.COUNTS + 10] = -2; // 0xfffffffe records of value 10
  h.record(10);
  assert.equal(h.snapshot().counts[10], 0xffffffff);
  assert.equal(h.snapshot().wraps, 0);
  h.record(10);
  assert.equal(h.snapshot().wraps, 1);
});

Deno.test("SharedHistogram: merge is exact; geometry mismatch is refused", () => {
  const next = rng(7);
  const a = new SharedHistogram();
  const b = new SharedHistogram();
  const both = new SharedHistogram();
  for (let i = 0; i < 20_000; i++) {
    const v = Math.floor(next() * 1e7);
    (i % 3 === 0 ? a : b).record(v);
    both.record(v);
  }
  const merged = a.snapshot();
  merged.add(b.snapshot());
  assert.deepEqual(merged.counts, both.snapshot().counts);
  assert.equal(merged.min, both.snapshot().min);
  assert.equal(merged.max, both.snapshot().max);
  a.add(b); // shared += shared
  assert.deepEqual(a.snapshot().counts, both.snapshot().counts);
  assert.equal(a.snapshot().max, both.snapshot().max);
  assert.throws(() => merged.add(new HistogramSnapshot({ digits: 3 })), {
    name: "RangeError",
    message: /cannot merge histograms of different geometry: expected 2 digits/,
  });
});

Deno.test("SharedHistogram: drain takes everything once and leaves it empty", () => {
  const h = new SharedHistogram();
  for (let i = 1; i <= 100; i++) h.record(i * 1000);
  h.record(-1);
  const first = h.drain();
  assert.equal(first.totalCount, 101);
  assert.equal(first.underflows, 1);
  assert.equal(first.max, 100_000);
  const empty = h.snapshot();
  assert.equal(empty.totalCount, 0);
  assert.equal(empty.max, 0);
  assert.equal(empty.underflows, 0);
  assert.equal(empty.valueAtPercentile(99), 0);
  h.record(7);
  const second = h.drain();
  assert.equal(second.totalCount, 1);
  assert.equal(second.min, 7);
  assert.equal(second.max, 7);
  h.record(9);
  h.reset();
  assert.equal(h.snapshot().totalCount, 0);
});

Deno.test("SharedHistogram.fromHandle: shares counts; refuses a foreign buffer", () => {
  const h = new SharedHistogram({ digits: 3, highestNs: 1e9 });
  const other = SharedHistogram.fromHandle(h.handle);
  assert.equal(other.digits, 3);
  assert.equal(other.highestNs, 1e9);
  assert.equal(other.length, h.length);
  other.record(123_456);
  assert.equal(h.snapshot().totalCount, 1);
  assert.throws(() => SharedHistogram.fromHandle({ sab: new SharedArrayBuffer(1024) }), {
    name: "TypeError",
    message: /expected the buffer of a SharedHistogram/,
  });
});

Deno.test("SharedHistogram: concurrent records from 3 real Workers give exact counts", async () => {
  const h = new SharedHistogram();
  const n = 200_000;
  const parties = 3;
  const start = new Barrier(parties);
  // All parties record into the same 8 counts (exact below 256) to collide hard.
  const done = await Promise.all(
    Array.from(
      { length: parties },
      () => runInThread<number>(FIXTURE, "recordMany", h.handle, start.handle, n, 100, 8),
    ),
  );
  assert.deepEqual(done, [n, n, n]);
  const s = h.snapshot();
  assert.equal(s.totalCount, parties * n);
  for (let v = 100; v < 108; v++) {
    assert.equal(s.counts[countsIndex(s.halfMagnitude, v)], parties * n / 8, `value ${v}`);
  }
  assert.equal(s.min, 100);
  assert.equal(s.max, 107);
});

Deno.test("SharedHistogram: drains racing with 2 Workers' new extremes lose nothing", async () => {
  const h = new SharedHistogram();
  const n = 400_000;
  const mid = 5_000_000;
  const step = 40;
  const start = new Barrier(2);
  let finished = false;
  const workers = Promise.all([
    runInThread<number>(FIXTURE, "recordRamp", h.handle, start.handle, n, mid, step),
    runInThread<number>(FIXTURE, "recordRamp", h.handle, start.handle, n, mid + 1, step),
  ]).finally(() => finished = true);
  const drains = [];
  while (!finished) {
    drains.push(h.drain());
    await new Promise((r) => setTimeout(r, 0));
  }
  assert.deepEqual(await workers, [n, n]);
  assert.ok(drains.length > 1, "no drain raced with the recorders");
  drains.push(h.drain());
  let total = 0;
  for (const d of drains) {
    total += d.totalCount;
    if (d.totalCount === 0) {
      assert.equal(d.max, 0);
      continue;
    }
    // Extremes stay within the counts: exact, or the bound of the extreme count under a race.
    let lo = 0;
    while (d.counts[lo] === 0) lo++;
    let hi = d.length - 1;
    while (d.counts[hi] === 0) hi--;
    assert.ok(d.min >= valueFromIndex(d.halfMagnitude, lo), `min ${d.min} below count ${lo}`);
    assert.ok(d.min <= highestValueAtIndex(d.halfMagnitude, lo), `min ${d.min} above ${lo}`);
    assert.ok(d.max >= valueFromIndex(d.halfMagnitude, hi), `max ${d.max} below count ${hi}`);
    assert.ok(d.max <= highestValueAtIndex(d.halfMagnitude, hi), `max ${d.max} above ${hi}`);
  }
  assert.equal(total, 2 * n);
  // Without a drain racing, the extremes are exact.
  h.record(mid);
  h.record(mid + 12_345_678);
  h.record(3);
  const last = h.snapshot();
  assert.equal(last.min, 3);
  assert.equal(last.max, mid + 12_345_678);
});

Deno.test("SharedHistogram.drainInto: overwrites the target (counts and extremes), refuses another geometry", () => {
  const h = new SharedHistogram();
  const scratch = new HistogramSnapshot();
  h.record(5000);
  h.record(7000);
  const first = h.drainInto(scratch);
  assert.equal(first, scratch);
  assert.equal(first.totalCount, 2);
  assert.ok(first.max >= 7000 && first.min <= 5000);
  h.record(10);
  const second = h.drainInto(scratch);
  assert.equal(second.totalCount, 1);
  assert.equal(second.min, second.max, "the first interval's extremes are gone");
  assert.ok(second.max < 100);
  assert.equal(h.drainInto(scratch).totalCount, 0);
  assert.equal(scratch.max, 0, "empty again");
  assert.throws(() => h.drainInto(new HistogramSnapshot({ digits: 3 })), /geometry|digits/);
});
