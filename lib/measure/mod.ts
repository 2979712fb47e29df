/**
 * Measurement: the time base shared by all threads, latency histograms in
 * SharedArrayBuffer (lock-free, HdrHistogram layout, exported in the
 * standard encoding through `hdr-histogram-js`), and the per-interval time
 * series. Depends on nothing but the platform and `hdr-histogram-js`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeHdr, SharedHistogram, TimeBase } from "./mod.ts";
 * const tb = TimeBase.create();
 * const h = new SharedHistogram();
 * const t0 = tb.now();
 * h.record(tb.now() - t0);
 * assert.equal(h.snapshot().totalCount, 1);
 * assert.match(encodeHdr(h.snapshot()), /^HISTFAA/);
 * await tb.close();
 * ```
 *
 * @module
 */

export * from "./layout.ts";
export {
  type AttachOptions,
  measureClockResolution,
  TimeBase,
  type TimeBaseHandle,
} from "./time_base.ts";
export {
  countsIndex,
  DEFAULT_HIGHEST_NS,
  highestValueAtIndex,
  type HistogramDigits,
  type HistogramGeometry,
  histogramGeometry,
  type HistogramOptions,
  HistogramSnapshot,
  type HistogramSummary,
  SharedHistogram,
  type SharedHistogramHandle,
  valueFromIndex,
} from "./histogram.ts";
// toHdrHistogram / fromHdrHistogram (hdr-histogram-js objects) are in ./hdr_export.ts.
export { decodeHdr, type EncodedHistogram, encodeHdr, encodeHistogram } from "./hdr_export.ts";
export {
  type IntervalRow,
  type SeriesEvent,
  TimeSeries,
  type TimeSeriesOptions,
} from "./time_series.ts";
