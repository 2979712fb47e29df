/**
 * Conversion between aiolab histograms and `hdr-histogram-js`, for the
 * standard HdrHistogram V2 compressed base64 encoding. An
 * `hdr-histogram-js` histogram cannot live in shared memory, so aiolab
 * records into its own {@link SharedHistogram} (whose counts array has
 * HdrHistogram's layout for lowest discernible value 1) and converts here,
 * count by count: the conversion is exact. Any thread (the orchestrator in
 * practice: the npm module is loaded only by threads that import this file).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedHistogram } from "./histogram.ts";
 * import { decodeHdr, encodeHdr } from "./hdr_export.ts";
 * const h = new SharedHistogram();
 * for (const ns of [120, 950, 15_000, 2_000_000]) h.record(ns);
 * const text = encodeHdr(h.snapshot());
 * const back = decodeHdr(text);
 * assert.equal(back.totalCount, 4);
 * assert.equal(back.valueAtPercentile(50), h.snapshot().valueAtPercentile(50));
 * ```
 *
 * @module
 */

import * as hdr from "hdr-histogram-js";
import { type HistogramDigits, HistogramSnapshot, valueFromIndex } from "./histogram.ts";

/**
 * An `hdr-histogram-js` histogram (64-bit counts, lowest discernible value
 * 1, no auto-resize) holding the same counts as `s`.
 */
export function toHdrHistogram(s: HistogramSnapshot): hdr.JsHistogram {
  const h = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: s.highestNs,
    numberOfSignificantValueDigits: s.digits,
    autoResize: false,
  });
  if (!(h instanceof hdr.JsHistogram) || h.countsArrayLength !== s.length) {
    throw new Error(
      `hdr-histogram-js built a histogram of ${
        (h as hdr.JsHistogram).countsArrayLength
      } counts where aiolab's layout has ${s.length}: the two layouts disagree`,
    );
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.counts[i];
    if (c !== 0) h.recordValueWithCount(valueFromIndex(s.halfMagnitude, i), c);
  }
  return h;
}

/** The HdrHistogram V2 compressed base64 encoding of `s`. */
export function encodeHdr(s: HistogramSnapshot): string {
  return hdr.encodeIntoCompressedBase64(toHdrHistogram(s));
}

/**
 * Reads an `hdr-histogram-js` histogram recorded with lowest discernible
 * value 1 and 2 or 3 significant digits into a snapshot (min and max as
 * `hdr-histogram-js` tracks them: exact when it recorded the values, the
 * bounds of the extreme counts after a decode).
 */
export function fromHdrHistogram(h: hdr.Histogram): HistogramSnapshot {
  if (!(h instanceof hdr.JsHistogram)) {
    throw new TypeError("expected an hdr-histogram-js JsHistogram (not a WasmHistogram)");
  }
  const digits = h.numberOfSignificantValueDigits;
  if ((digits !== 2 && digits !== 3) || h.lowestDiscernibleValue !== 1) {
    throw new RangeError(
      "expected an HdrHistogram with lowest discernible value 1 and 2 or 3 significant " +
        `digits, found lowest ${h.lowestDiscernibleValue} and ${digits} digits`,
    );
  }
  const s = new HistogramSnapshot({
    digits: digits as HistogramDigits,
    highestNs: h.highestTrackableValue,
  });
  if (h.countsArrayLength !== s.length) {
    throw new RangeError(
      `expected ${s.length} counts for highest value ${s.highestNs}, found ${h.countsArrayLength}`,
    );
  }
  for (let i = 0; i < s.length; i++) {
    const c = h.getCountAtIndex(i);
    if (c !== 0) s.counts[i] = c;
  }
  if (h.totalCount > 0) {
    s.minValue = s.counts[0] > 0 ? 0 : h.minNonZeroValue;
    s.maxValue = h.maxValue;
  }
  return s;
}

/** Decodes a V2 compressed base64 HdrHistogram into a snapshot. */
export function decodeHdr(base64: string): HistogramSnapshot {
  return fromHdrHistogram(hdr.decodeFromCompressedBase64(base64, 64));
}

/**
 * A histogram as a result document stores it: the HdrHistogram encoding
 * ({@link encodeHdr}) and the snapshot's summary, in ns. A type alias, not
 * an interface, so that it is assignable to the result's loose (index
 * signature) report types as it is.
 */
export type EncodedHistogram = {
  /** HdrHistogram V2 compressed, base64. */
  hdr: string;
  /** Records. */
  count: number;
  /** Smallest, ns. */
  minNs: number;
  /** Largest, ns. */
  maxNs: number;
  /** Mean, ns. */
  meanNs: number;
  /** Median, ns. */
  p50Ns: number;
  /** 90th percentile, ns. */
  p90Ns: number;
  /** 99th percentile, ns. */
  p99Ns: number;
  /** 99.9th percentile, ns. */
  p999Ns: number;
  /** 99.99th percentile, ns. */
  p9999Ns: number;
};

/**
 * Encodes a snapshot with its summary (the one conversion of a snapshot to
 * a result's histogram report). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedHistogram } from "./histogram.ts";
 * import { decodeHdr, encodeHistogram } from "./hdr_export.ts";
 * const h = new SharedHistogram();
 * h.record(1000);
 * const e = encodeHistogram(h.snapshot());
 * assert.equal(e.count, 1);
 * assert.equal(e.p50Ns, h.snapshot().summary().p50);
 * assert.equal(decodeHdr(e.hdr).summary().count, 1);
 * ```
 */
export function encodeHistogram(s: HistogramSnapshot): EncodedHistogram {
  const m = s.summary();
  return {
    hdr: encodeHdr(s),
    count: m.count,
    minNs: m.min,
    maxNs: m.max,
    meanNs: m.mean,
    p50Ns: m.p50,
    p90Ns: m.p90,
    p99Ns: m.p99,
    p999Ns: m.p999,
    p9999Ns: m.p9999,
  };
}
