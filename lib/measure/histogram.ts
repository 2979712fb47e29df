/**
 * Latency histograms in a SharedArrayBuffer that any thread records into
 * concurrently without locks, laid out exactly like HdrHistogram's counts
 * array (lowest discernible value 1 ns), so they convert losslessly to
 * `hdr-histogram-js` (see `hdr_export.ts`).
 *
 * Bucket layout: with `digits` significant decimal digits the sub-bucket
 * count is the power of two above 2 x 10^digits (256 for 2 digits, 2048
 * for 3). Values below the sub-bucket count have their own count (exact);
 * above, bucket b >= 1 covers [half x 2^b, 2 x half x 2^b) in steps of 2^b,
 * where half is half the sub-bucket count. A value is reported as the
 * highest value of its step, so the relative error is below 1 / half:
 * 0.78 % for 2 digits, 0.098 % for 3, at every value up to the highest
 * trackable one (default one hour, 4608 counts for 2 digits).
 *
 * Counts are Int32 words read as unsigned: one `Atomics.add` per record, no
 * lock. A count holds 2^32 - 1 records (7 minutes at 10 M records/s into a
 * single count); for longer spans the owner drains the histogram into a
 * {@link HistogramSnapshot} (Float64 counts, exact to 2^53) as
 * `TimeSeries` does every interval. A wrap is detected from the add's
 * return value and counted (`wraps`), never silent. Values below 0 (or NaN)
 * and above the highest trackable value are clamped into the first / last
 * count and counted as underflows / overflows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedHistogram } from "./histogram.ts";
 * const h = new SharedHistogram();
 * for (let ns = 1; ns <= 1000; ns++) h.record(ns * 1000); // 1 us .. 1 ms
 * const s = h.snapshot();
 * assert.equal(s.totalCount, 1000);
 * assert.ok(Math.abs(s.valueAtPercentile(50) - 500_000) <= 0.01 * 500_000);
 * assert.equal(s.max, 1_000_000);
 * ```
 *
 * @module
 */

import { HISTOGRAM, HISTOGRAM_MAGIC } from "./layout.ts";

/** Highest trackable value by default: one hour in ns. */
export const DEFAULT_HIGHEST_NS = 3_600e9;

/** Significant decimal digits a histogram keeps: 2 (< 1 % error) or 3 (< 0.1 %). */
export type HistogramDigits = 2 | 3;

/** Options of a new {@link SharedHistogram}. */
export interface HistogramOptions {
  /** Significant decimal digits (default 2: relative error below 1 %). */
  digits?: HistogramDigits;
  /** Highest value tracked without clamping, ns (default {@link DEFAULT_HIGHEST_NS}; at least 2). */
  highestNs?: number;
}

/** Structured-cloneable reference to a {@link SharedHistogram}: post it to another thread. */
export interface SharedHistogramHandle {
  /** The histogram's buffer. */
  readonly sab: SharedArrayBuffer;
}

/** Bucket geometry shared by {@link SharedHistogram} and {@link HistogramSnapshot}. */
export interface HistogramGeometry {
  /** Significant decimal digits. */
  readonly digits: HistogramDigits;
  /** Highest trackable value asked for, ns. */
  readonly highestNs: number;
  /** log2 of half the sub-bucket count. */
  readonly halfMagnitude: number;
  /** Number of counts (HdrHistogram's countsArrayLength for lowest value 1). */
  readonly length: number;
}

/**
 * Computes the geometry HdrHistogram uses for lowest discernible value 1,
 * `highestNs` and `digits`. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { histogramGeometry } from "./histogram.ts";
 * const g = histogramGeometry(2, 60e9);
 * assert.equal(g.halfMagnitude, 7); // 256 sub-buckets
 * assert.equal(g.length, 30 * 128);
 * ```
 */
export function histogramGeometry(digits: HistogramDigits, highestNs: number): HistogramGeometry {
  if (digits !== 2 && digits !== 3) {
    throw new RangeError(`histogram digits must be 2 or 3, got ${digits}`);
  }
  if (!Number.isSafeInteger(highestNs) || highestNs < 2) {
    throw new RangeError(
      `histogram highestNs must be an integer in [2, 2^53), got ${highestNs}`,
    );
  }
  const singleUnit = 2 * 10 ** digits;
  const halfMagnitude = Math.max(Math.ceil(Math.log2(singleUnit)), 1) - 1;
  const subBucketCount = 2 ** (halfMagnitude + 1);
  let untrackable = subBucketCount;
  let buckets = 1;
  while (untrackable <= highestNs) {
    untrackable *= 2;
    buckets++;
  }
  return { digits, highestNs, halfMagnitude, length: (buckets + 1) * (subBucketCount / 2) };
}

/**
 * Counts index of an integer value `v >= 0` (any size below 2^53). Any
 * thread; may be past the last count (the caller clamps).
 */
export function countsIndex(halfMagnitude: number, v: number): number {
  if (v < 4294967296) {
    const u = v >>> 0;
    const b = 31 - halfMagnitude - Math.clz32(u | ((2 << halfMagnitude) - 1));
    return (b << halfMagnitude) + (u >>> b);
  }
  const msb = 63 - Math.clz32(Math.floor(v / 4294967296));
  const b = msb - halfMagnitude;
  return b * (1 << halfMagnitude) + Math.floor(v / 2 ** b);
}

/** Lowest value that lands in counts index `i`. Any thread. */
export function valueFromIndex(halfMagnitude: number, i: number): number {
  const half = 1 << halfMagnitude;
  let b = Math.floor(i / half) - 1;
  let sub = (i % half) + half;
  if (b < 0) {
    sub -= half;
    b = 0;
  }
  return sub * 2 ** b;
}

/** Highest value that lands in counts index `i`. Any thread. */
export function highestValueAtIndex(halfMagnitude: number, i: number): number {
  const b = Math.max(Math.floor(i / (1 << halfMagnitude)) - 1, 0);
  return valueFromIndex(halfMagnitude, i) + 2 ** b - 1;
}

/** Percentiles a summary reports. */
export interface HistogramSummary {
  /** Records counted. */
  count: number;
  /** Smallest value recorded, ns (0 when empty). */
  min: number;
  /** Median, ns. */
  p50: number;
  /** 90th percentile, ns. */
  p90: number;
  /** 99th percentile, ns. */
  p99: number;
  /** 99.9th percentile, ns. */
  p999: number;
  /** 99.99th percentile, ns. */
  p9999: number;
  /** Largest value recorded, ns (0 when empty). */
  max: number;
  /** Mean, ns (from the counts' representative values). */
  mean: number;
}

/**
 * A histogram in ordinary memory: Float64 counts (exact to 2^53), exact
 * min and max, and the clamp counters. Produced by
 * {@link SharedHistogram.snapshot} / {@link SharedHistogram.drain}, merged
 * with {@link HistogramSnapshot.add}, converted by `hdr_export.ts`. Owned
 * by one thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "./histogram.ts";
 * const a = new HistogramSnapshot();
 * a.recordValue(100, 3);
 * const b = new HistogramSnapshot();
 * b.recordValue(5_000, 1);
 * a.add(b);
 * assert.equal(a.totalCount, 4);
 * assert.equal(a.valueAtPercentile(75), 100);
 * assert.equal(a.max, 5_000);
 * ```
 */
export class HistogramSnapshot implements HistogramGeometry {
  /** Significant decimal digits. */
  readonly digits: HistogramDigits;
  /** Highest trackable value, ns. */
  readonly highestNs: number;
  /** log2 of half the sub-bucket count. */
  readonly halfMagnitude: number;
  /** Number of counts. */
  readonly length: number;
  /** Count per index. */
  readonly counts: Float64Array;
  /** Smallest value recorded (+Infinity when empty). */
  minValue: number = Number.POSITIVE_INFINITY;
  /** Largest value recorded (-1 when empty). */
  maxValue: number = -1;
  /** Records clamped from below (negative or NaN values). */
  underflows = 0;
  /** Records clamped from above (values past the highest trackable value). */
  overflows = 0;
  /** Count wraps seen in the shared histogram this came from (non-zero means counts are wrong). */
  wraps = 0;

  /** An empty snapshot with the given geometry (defaults as {@link SharedHistogram}). */
  constructor(options: HistogramOptions = {}) {
    const g = histogramGeometry(options.digits ?? 2, options.highestNs ?? DEFAULT_HIGHEST_NS);
    this.digits = g.digits;
    this.highestNs = g.highestNs;
    this.halfMagnitude = g.halfMagnitude;
    this.length = g.length;
    this.counts = new Float64Array(g.length);
  }

  /** Records in all counts. */
  get totalCount(): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) n += this.counts[i];
    return n;
  }

  /** Smallest value recorded, 0 when empty. */
  get min(): number {
    return this.maxValue < 0 ? 0 : this.minValue;
  }

  /** Largest value recorded, 0 when empty. */
  get max(): number {
    return this.maxValue < 0 ? 0 : this.maxValue;
  }

  /** Adds `count` records of `ns` (clamped and counted as {@link SharedHistogram.record} does). */
  recordValue(ns: number, count = 1): void {
    let v = Math.floor(ns);
    let i: number;
    if (!(v >= 0)) {
      v = 0;
      i = 0;
      this.underflows += count;
    } else {
      i = v < 2 ** 53 ? countsIndex(this.halfMagnitude, v) : this.length;
      if (i >= this.length) {
        i = this.length - 1;
        v = highestValueAtIndex(this.halfMagnitude, i);
        this.overflows += count;
      }
    }
    this.counts[i] += count;
    if (v < this.minValue) this.minValue = v;
    if (v > this.maxValue) this.maxValue = v;
  }

  /** Adds every count of `other` (same digits and highest value) to this one: an exact merge. */
  add(other: HistogramSnapshot): void {
    assertSameGeometry(this, other);
    for (let i = 0; i < this.length; i++) this.counts[i] += other.counts[i];
    if (other.maxValue >= 0) {
      if (other.minValue < this.minValue) this.minValue = other.minValue;
      if (other.maxValue > this.maxValue) this.maxValue = other.maxValue;
    }
    this.underflows += other.underflows;
    this.overflows += other.overflows;
    this.wraps += other.wraps;
  }

  /**
   * The value at `percentile` (0..100), computed as HdrHistogram does: the
   * highest value of the count where the running total reaches the
   * percentile's share (percentile 0: the lowest value of the first count).
   * Like HdrHistogram's, it may exceed the exact {@link max} by less than
   * the relative error. 0 when empty.
   */
  valueAtPercentile(percentile: number): number {
    const total = this.totalCount;
    if (total === 0) return 0;
    const p = Math.min(percentile, 100);
    const fp = (p / 100) * total;
    const ulp = fp > 0 ? 2 ** (Math.floor(Math.log2(fp)) - 52) : 0;
    const want = Math.max(Math.ceil(fp - ulp), 1);
    let run = 0;
    for (let i = 0; i < this.length; i++) {
      run += this.counts[i];
      if (run >= want) {
        return p === 0
          ? valueFromIndex(this.halfMagnitude, i)
          : highestValueAtIndex(this.halfMagnitude, i);
      }
    }
    return highestValueAtIndex(this.halfMagnitude, this.length - 1);
  }

  /** Mean of the representative (middle) values of the counts. */
  get mean(): number {
    let n = 0;
    let sum = 0;
    for (let i = 0; i < this.length; i++) {
      const c = this.counts[i];
      if (c === 0) continue;
      const lo = valueFromIndex(this.halfMagnitude, i);
      const hi = highestValueAtIndex(this.halfMagnitude, i);
      n += c;
      sum += c * (lo + Math.floor((hi - lo + 1) / 2));
    }
    return n === 0 ? 0 : sum / n;
  }

  /** Count, min, p50 .. p99.99, max and mean. */
  summary(): HistogramSummary {
    return {
      count: this.totalCount,
      min: this.min,
      p50: this.valueAtPercentile(50),
      p90: this.valueAtPercentile(90),
      p99: this.valueAtPercentile(99),
      p999: this.valueAtPercentile(99.9),
      p9999: this.valueAtPercentile(99.99),
      max: this.max,
      mean: this.mean,
    };
  }

  /** Sets every count and statistic back to empty. */
  clear(): void {
    this.counts.fill(0);
    this.minValue = Number.POSITIVE_INFINITY;
    this.maxValue = -1;
    this.underflows = 0;
    this.overflows = 0;
    this.wraps = 0;
  }
}

function assertSameGeometry(a: HistogramGeometry, b: HistogramGeometry): void {
  if (a.digits !== b.digits || a.length !== b.length) {
    throw new RangeError(
      `cannot merge histograms of different geometry: expected ${a.digits} digits and ` +
        `${a.length} counts (highest ${a.highestNs} ns), found ${b.digits} digits and ` +
        `${b.length} counts (highest ${b.highestNs} ns)`,
    );
  }
}

const I64_MAX = 0x7fffffffffffffffn;

/**
 * A latency histogram in a SharedArrayBuffer. `record` may be called by any
 * thread at any time, concurrently, with no lock; `snapshot` by any thread
 * (a record concurrent with it may or may not be included); `drain` and
 * `reset` by the histogram's owner (the orchestrator): a record concurrent
 * with them lands either before or after, and is never lost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedHistogram } from "./histogram.ts";
 * const h = new SharedHistogram();
 * h.record(250);
 * h.record(-5); // clamped to 0 and counted
 * const again = SharedHistogram.fromHandle(h.handle); // e.g. in a Worker
 * again.record(1e15); // past one hour: clamped into the last count
 * const s = h.drain();
 * assert.equal(s.totalCount, 3);
 * assert.equal(s.underflows, 1);
 * assert.equal(s.overflows, 1);
 * assert.equal(h.snapshot().totalCount, 0);
 * ```
 */
export class SharedHistogram implements HistogramGeometry {
  /** Significant decimal digits. */
  readonly digits: HistogramDigits;
  /** Highest trackable value asked for, ns. */
  readonly highestNs: number;
  /** log2 of half the sub-bucket count. */
  readonly halfMagnitude: number;
  /** Number of counts. */
  readonly length: number;
  readonly #header: Int32Array;
  readonly #counts: Int32Array;
  readonly #i64: BigInt64Array;
  readonly #sab: SharedArrayBuffer;
  readonly #bucketBase: number;
  readonly #mask: number;

  /** Allocates a new, empty histogram. Any thread. */
  constructor(options: HistogramOptions = {}, sab?: SharedArrayBuffer) {
    let g: HistogramGeometry;
    if (sab === undefined) {
      g = histogramGeometry(options.digits ?? 2, options.highestNs ?? DEFAULT_HIGHEST_NS);
      sab = new SharedArrayBuffer((HISTOGRAM.COUNTS + g.length) * 4);
      const w = new Int32Array(sab);
      w[HISTOGRAM.MAGIC] = HISTOGRAM_MAGIC;
      w[HISTOGRAM.DIGITS] = g.digits;
      w[HISTOGRAM.LENGTH] = g.length;
      w[HISTOGRAM.HALF_MAGNITUDE] = g.halfMagnitude;
      w[HISTOGRAM.HIGHEST_LO] = g.highestNs % 4294967296;
      w[HISTOGRAM.HIGHEST_HI] = Math.floor(g.highestNs / 4294967296);
      w[HISTOGRAM.MIN_INDEX] = 0x7fffffff;
      w[HISTOGRAM.MAX_INDEX] = -1;
      const i64 = new BigInt64Array(sab, 0, HISTOGRAM.COUNTS / 2);
      i64[HISTOGRAM.MIN_I64] = I64_MAX;
      i64[HISTOGRAM.MAX_I64] = -1n;
    } else {
      const w = new Int32Array(sab);
      if (sab.byteLength < HISTOGRAM.COUNTS * 4 || w[HISTOGRAM.MAGIC] !== HISTOGRAM_MAGIC) {
        throw new TypeError(
          "expected the buffer of a SharedHistogram (from histogram.handle), found a buffer " +
            `of ${sab.byteLength} bytes without the histogram tag`,
        );
      }
      const highest = (w[HISTOGRAM.HIGHEST_LO] >>> 0) + w[HISTOGRAM.HIGHEST_HI] * 4294967296;
      g = histogramGeometry(w[HISTOGRAM.DIGITS] as HistogramDigits, highest);
    }
    this.digits = g.digits;
    this.highestNs = g.highestNs;
    this.halfMagnitude = g.halfMagnitude;
    this.length = g.length;
    this.#sab = sab;
    this.#header = new Int32Array(sab, 0, HISTOGRAM.COUNTS);
    this.#counts = new Int32Array(sab, HISTOGRAM.COUNTS * 4, g.length);
    this.#i64 = new BigInt64Array(sab, 0, HISTOGRAM.COUNTS / 2);
    this.#bucketBase = 31 - g.halfMagnitude;
    this.#mask = (2 << g.halfMagnitude) - 1;
  }

  /** Attaches to a histogram created in this or another thread. Any thread. */
  static fromHandle(handle: SharedHistogramHandle): SharedHistogram {
    return new SharedHistogram({}, handle.sab);
  }

  /** Structured-cloneable reference for other threads. */
  get handle(): SharedHistogramHandle {
    return { sab: this.#sab };
  }

  /**
   * Records one value in ns (fractions are truncated). Any thread, no lock:
   * one `Atomics.add` on the value's count plus two plain loads of the
   * min/max index gates (the compareExchange loops run only when the value
   * could be a new extreme).
   *
   * The gates are read without `Atomics.load` on purpose: in V8 every
   * `Atomics.*` call is an out-of-line builtin (about 6 ns each here, as
   * much as the whole rest of a record), and a gate is only a hint. A read
   * that lags behind a concurrent record's raise sends this record through
   * the compareExchange loops, which decide with atomic reads; the one lag
   * that could skip an update (a stale gate racing with `drain`'s reset) is
   * repaired when the next snapshot is taken: its min and max are always
   * kept within the bounds of its lowest and highest non-empty counts.
   */
  record(ns: number): void {
    let i: number;
    let v: number;
    if (ns >= 0 && ns < 4294967296) {
      v = ns >>> 0;
      const b = this.#bucketBase - Math.clz32(v | this.#mask);
      i = (b << this.halfMagnitude) + (v >>> b);
      if (i >= this.length) {
        v = highestValueAtIndex(this.halfMagnitude, this.length - 1);
        i = this.#clampHigh();
      }
    } else if (ns >= 4294967296) {
      v = Math.floor(ns);
      i = v < 2 ** 53 ? countsIndex(this.halfMagnitude, v) : this.length;
      if (i >= this.length) {
        v = highestValueAtIndex(this.halfMagnitude, this.length - 1);
        i = this.#clampHigh();
      }
    } else {
      v = 0;
      i = 0;
      Atomics.add(this.#header, HISTOGRAM.UNDERFLOWS, 1);
    }
    // A count at 0xffffffff wraps to 0: count the wrap so readers know.
    if (Atomics.add(this.#counts, i, 1) === -1) Atomics.add(this.#header, HISTOGRAM.WRAPS, 1);
    const h = this.#header;
    if (i >= h[HISTOGRAM.MAX_INDEX]) this.#raiseMax(i, v);
    if (i <= h[HISTOGRAM.MIN_INDEX]) this.#lowerMin(i, v);
  }

  #clampHigh(): number {
    Atomics.add(this.#header, HISTOGRAM.OVERFLOWS, 1);
    return this.length - 1;
  }

  #raiseMax(i: number, v: number): void {
    const h = this.#header;
    for (let cur = Atomics.load(h, HISTOGRAM.MAX_INDEX); cur < i;) {
      const seen = Atomics.compareExchange(h, HISTOGRAM.MAX_INDEX, cur, i);
      if (seen === cur) break;
      cur = seen;
    }
    const big = BigInt(v);
    for (let cur = Atomics.load(this.#i64, HISTOGRAM.MAX_I64); cur < big;) {
      const seen = Atomics.compareExchange(this.#i64, HISTOGRAM.MAX_I64, cur, big);
      if (seen === cur) break;
      cur = seen;
    }
  }

  #lowerMin(i: number, v: number): void {
    const h = this.#header;
    for (let cur = Atomics.load(h, HISTOGRAM.MIN_INDEX); cur > i;) {
      const seen = Atomics.compareExchange(h, HISTOGRAM.MIN_INDEX, cur, i);
      if (seen === cur) break;
      cur = seen;
    }
    const big = BigInt(v);
    for (let cur = Atomics.load(this.#i64, HISTOGRAM.MIN_I64); cur > big;) {
      const seen = Atomics.compareExchange(this.#i64, HISTOGRAM.MIN_I64, cur, big);
      if (seen === cur) break;
      cur = seen;
    }
  }

  /** A copy of the current counts and statistics. Any thread. */
  snapshot(): HistogramSnapshot {
    return this.#copy(false, this.newSnapshot());
  }

  /**
   * An empty snapshot of this histogram's geometry (for {@link SharedHistogram.drainInto}). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SharedHistogram } from "./histogram.ts";
   * const h = new SharedHistogram({ digits: 3 });
   * assert.equal(h.newSnapshot().digits, 3);
   * assert.equal(h.newSnapshot().totalCount, 0);
   * ```
   */
  newSnapshot(): HistogramSnapshot {
    return new HistogramSnapshot({ digits: this.digits, highestNs: this.highestNs });
  }

  /**
   * Moves the counts out: returns them as a snapshot and leaves this
   * histogram empty. Each word is taken with `Atomics.exchange`, so a
   * concurrent record is counted exactly once, in this snapshot or in the
   * next. The owner only (one drainer at a time).
   */
  drain(): HistogramSnapshot {
    return this.#copy(true, this.newSnapshot());
  }

  /**
   * {@link SharedHistogram.drain} into `target` (same geometry), which it
   * overwrites: a drain that allocates nothing, for a sampler that drains
   * every interval (a snapshot's counts are ~40 KB off the JavaScript heap,
   * and allocating them ten times a second made a long run's RSS wander).
   * Returns `target`. The owner only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { HistogramSnapshot, SharedHistogram } from "./histogram.ts";
   * const h = new SharedHistogram();
   * const scratch = new HistogramSnapshot();
   * h.record(1000);
   * assert.equal(h.drainInto(scratch).totalCount, 1);
   * assert.equal(h.drainInto(scratch).totalCount, 0); // overwritten, not added to
   * ```
   */
  drainInto(target: HistogramSnapshot): HistogramSnapshot {
    assertSameGeometry(this, target);
    target.minValue = Number.POSITIVE_INFINITY;
    target.maxValue = -1;
    return this.#copy(true, target);
  }

  /** Empties the histogram (a drain whose result is dropped). The owner only. */
  reset(): void {
    this.#copy(true, this.newSnapshot());
  }

  /** Adds every count of `other` into this shared histogram (same geometry). Any thread. */
  add(other: HistogramSnapshot | SharedHistogram): void {
    assertSameGeometry(this, other);
    const s = other instanceof SharedHistogram ? other.snapshot() : other;
    for (let i = 0; i < this.length; i++) {
      const c = s.counts[i];
      if (c > 0xffffffff) {
        throw new RangeError(
          `count ${c} at index ${i} does not fit a shared histogram's 32-bit count; ` +
            "merge into a HistogramSnapshot instead",
        );
      }
      if (c !== 0) Atomics.add(this.#counts, i, c | 0);
    }
    if (s.maxValue >= 0) {
      this.#raiseMax(countsIndex(this.halfMagnitude, s.maxValue), s.maxValue);
      this.#lowerMin(countsIndex(this.halfMagnitude, s.minValue), s.minValue);
    }
    Atomics.add(this.#header, HISTOGRAM.UNDERFLOWS, s.underflows);
    Atomics.add(this.#header, HISTOGRAM.OVERFLOWS, s.overflows);
    Atomics.add(this.#header, HISTOGRAM.WRAPS, s.wraps);
  }

  /** Copies (or with `take`, takes) every count and extreme into `s`, whose counts it overwrites. */
  #copy(take: boolean, s: HistogramSnapshot): HistogramSnapshot {
    const c = this.#counts;
    const h = this.#header;
    const i64 = this.#i64;
    if (take) {
      // Extremes first: a record that races with the drain may then leave
      // its extreme for the next interval, but never a stale one here.
      Atomics.store(h, HISTOGRAM.MAX_INDEX, -1);
      Atomics.store(h, HISTOGRAM.MIN_INDEX, 0x7fffffff);
      const max = Atomics.exchange(i64, HISTOGRAM.MAX_I64, -1n);
      const min = Atomics.exchange(i64, HISTOGRAM.MIN_I64, I64_MAX);
      for (let i = 0; i < this.length; i++) s.counts[i] = Atomics.exchange(c, i, 0) >>> 0;
      s.underflows = Atomics.exchange(h, HISTOGRAM.UNDERFLOWS, 0);
      s.overflows = Atomics.exchange(h, HISTOGRAM.OVERFLOWS, 0);
      s.wraps = Atomics.exchange(h, HISTOGRAM.WRAPS, 0);
      if (max >= 0n) {
        s.maxValue = Number(max);
        s.minValue = Number(min);
      }
    } else {
      for (let i = 0; i < this.length; i++) s.counts[i] = Atomics.load(c, i) >>> 0;
      s.underflows = Atomics.load(h, HISTOGRAM.UNDERFLOWS);
      s.overflows = Atomics.load(h, HISTOGRAM.OVERFLOWS);
      s.wraps = Atomics.load(h, HISTOGRAM.WRAPS);
      const max = Atomics.load(i64, HISTOGRAM.MAX_I64);
      if (max >= 0n) {
        s.maxValue = Number(max);
        s.minValue = Number(Atomics.load(i64, HISTOGRAM.MIN_I64));
      }
    }
    boundExtremesByCounts(s);
    return s;
  }
}

/**
 * Keeps a snapshot's exact min and max within its counts: a record racing
 * with a drain may land its count in one interval and its extreme in the
 * other (or, through a stale gate, in neither). An extreme outside the
 * lowest / highest non-empty count is replaced by that count's bound, so
 * it is exact when no record raced and within the count's resolution when
 * one did.
 */
function boundExtremesByCounts(s: HistogramSnapshot): void {
  let lo = 0;
  while (lo < s.length && s.counts[lo] === 0) lo++;
  if (lo === s.length) {
    s.minValue = Number.POSITIVE_INFINITY;
    s.maxValue = -1;
    return;
  }
  let hi = s.length - 1;
  while (s.counts[hi] === 0) hi--;
  const minLo = valueFromIndex(s.halfMagnitude, lo);
  const minHi = highestValueAtIndex(s.halfMagnitude, lo);
  if (!(s.minValue >= minLo && s.minValue <= minHi)) s.minValue = minLo;
  const maxLo = valueFromIndex(s.halfMagnitude, hi);
  const maxHi = highestValueAtIndex(s.halfMagnitude, hi);
  if (!(s.maxValue >= maxLo && s.maxValue <= maxHi)) s.maxValue = maxHi;
}
