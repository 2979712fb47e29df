/**
 * Time series of per-device latency with fixed memory. Device threads
 * record into one {@link SharedHistogram} per device; the orchestrator
 * calls {@link TimeSeries.tick} every interval (default 100 ms), which
 * drains each device's histogram (lossless, `Atomics.exchange` per count),
 * folds the interval into the device's run total, and appends one row per
 * device (p50, p99, max, completions) to a bounded ring. Scenario events
 * are marked into a second bounded ring. The orchestrator drains both as
 * it goes; if it falls behind, the oldest entries are overwritten and
 * counted, so memory never grows with the run's duration. A record
 * concurrent with a tick is counted in one of the two intervals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedHistogram } from "./histogram.ts";
 * import { TimeSeries } from "./time_series.ts";
 * const disk0 = new SharedHistogram();
 * let now = 0;
 * const ts = new TimeSeries({ disk0 }, { clock: () => now });
 * disk0.record(20_000); // in a device thread, via disk0.handle
 * now = 100e6;
 * ts.tick();
 * const [row] = ts.drainRows();
 * assert.equal(row.device, "disk0");
 * assert.equal(row.completions, 1);
 * assert.equal(row.max, 20_000);
 * assert.equal(ts.total("disk0").totalCount, 1);
 * ```
 *
 * @module
 */

import type { HistogramSnapshot, SharedHistogram } from "./histogram.ts";

/** Options of a {@link TimeSeries}. */
export interface TimeSeriesOptions {
  /** Nominal interval, ns (default 100 ms); {@link TimeSeries.tickIfDue} uses it. */
  intervalNs?: number;
  /** Rows kept until drained (default 4096). */
  rowCapacity?: number;
  /** Events kept until drained (default 1024). */
  eventCapacity?: number;
  /** Clock in shared-base ns (default `performance.now()` in ns); inject a manual one in tests. */
  clock?: () => number;
}

/** One interval of one device. */
export interface IntervalRow {
  /** Device name. */
  device: string;
  /** Interval start, ns on the clock. */
  startNs: number;
  /** Interval end, ns on the clock. */
  endNs: number;
  /** Records in the interval. */
  completions: number;
  /** Median latency, ns (0 without completions). */
  p50: number;
  /** 99th percentile, ns. */
  p99: number;
  /** Largest latency, ns. */
  max: number;
  /** Records clamped in the interval (under- plus overflows). */
  clamped: number;
}

/** A scenario event marked on the time line. */
export interface SeriesEvent {
  /** When, ns on the clock. */
  atNs: number;
  /** What happened (`"iothread moved"`, `"drain begin"`, ...). */
  name: string;
}

/**
 * Interval recorder owned by the orchestrator: every method is called by
 * that one thread (device threads only record into the histograms).
 */
export class TimeSeries {
  /** Nominal interval, ns. */
  readonly intervalNs: number;
  /** Device names, in row order. */
  readonly devices: readonly string[];
  readonly #hists: SharedHistogram[];
  readonly #totals: HistogramSnapshot[];
  /** Per device, the interval's snapshot, drained into again at every tick (no allocation). */
  readonly #scratch: HistogramSnapshot[];
  readonly #clock: () => number;
  readonly #rowDevice: Int32Array;
  readonly #rowData: Float64Array;
  readonly #rowCap: number;
  #rowHead = 0;
  #rowCount = 0;
  #rowsDropped = 0;
  readonly #events: SeriesEvent[];
  #eventHead = 0;
  #eventCount = 0;
  #eventsDropped = 0;
  #start: number;

  /** Starts the first interval now. Orchestrator thread. */
  constructor(devices: Record<string, SharedHistogram>, options: TimeSeriesOptions = {}) {
    this.intervalNs = options.intervalNs ?? 100e6;
    if (!(this.intervalNs > 0)) {
      throw new RangeError(`intervalNs must be positive, got ${options.intervalNs}`);
    }
    const rowCap = options.rowCapacity ?? 4096;
    const eventCap = options.eventCapacity ?? 1024;
    for (const [what, v] of [["rowCapacity", rowCap], ["eventCapacity", eventCap]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`${what} must be a positive integer, got ${v}`);
      }
    }
    this.devices = Object.keys(devices);
    this.#hists = this.devices.map((d) => devices[d]);
    this.#totals = this.#hists.map((h) => h.newSnapshot());
    this.#scratch = this.#hists.map((h) => h.newSnapshot());
    this.#clock = options.clock ?? (() => performance.now() * 1e6);
    this.#rowCap = rowCap;
    this.#rowDevice = new Int32Array(rowCap);
    this.#rowData = new Float64Array(rowCap * ROW_FIELDS);
    this.#events = new Array(eventCap);
    this.#start = this.#clock();
  }

  /** Start of the interval in progress, ns. */
  get intervalStartNs(): number {
    return this.#start;
  }

  /** Rows overwritten before they were drained. */
  get rowsDropped(): number {
    return this.#rowsDropped;
  }

  /** Events overwritten before they were drained. */
  get eventsDropped(): number {
    return this.#eventsDropped;
  }

  /**
   * Closes the interval in progress at `nowNs` (default: the clock) and
   * starts the next: one row per device. Returns the rows appended.
   */
  tick(nowNs: number = this.#clock()): number {
    const start = this.#start;
    for (let d = 0; d < this.#hists.length; d++) {
      const s = this.#hists[d].drainInto(this.#scratch[d]);
      this.#totals[d].add(s);
      const count = s.totalCount;
      this.#pushRow(d, [
        start,
        nowNs,
        count,
        s.valueAtPercentile(50),
        s.valueAtPercentile(99),
        s.max,
        s.underflows + s.overflows,
      ]);
    }
    this.#start = nowNs;
    return this.#hists.length;
  }

  /** Calls {@link tick} when a whole interval has passed; returns the rows appended. */
  tickIfDue(nowNs: number = this.#clock()): number {
    return nowNs - this.#start >= this.intervalNs ? this.tick(nowNs) : 0;
  }

  /** Marks a scenario event at `atNs` (default: the clock). */
  mark(name: string, atNs: number = this.#clock()): void {
    const cap = this.#events.length;
    this.#events[(this.#eventHead + this.#eventCount) % cap] = { atNs, name };
    if (this.#eventCount === cap) {
      this.#eventHead = (this.#eventHead + 1) % cap;
      this.#eventsDropped++;
    } else this.#eventCount++;
  }

  /** Removes and returns the rows appended since the last drain, oldest first. */
  drainRows(): IntervalRow[] {
    const out: IntervalRow[] = [];
    for (let n = 0; n < this.#rowCount; n++) {
      const r = (this.#rowHead + n) % this.#rowCap;
      const f = this.#rowData.subarray(r * ROW_FIELDS, (r + 1) * ROW_FIELDS);
      out.push({
        device: this.devices[this.#rowDevice[r]],
        startNs: f[0],
        endNs: f[1],
        completions: f[2],
        p50: f[3],
        p99: f[4],
        max: f[5],
        clamped: f[6],
      });
    }
    this.#rowHead = 0;
    this.#rowCount = 0;
    return out;
  }

  /** Removes and returns the events marked since the last drain, oldest first. */
  drainEvents(): SeriesEvent[] {
    const cap = this.#events.length;
    const out: SeriesEvent[] = [];
    for (let n = 0; n < this.#eventCount; n++) out.push(this.#events[(this.#eventHead + n) % cap]);
    this.#eventHead = 0;
    this.#eventCount = 0;
    return out;
  }

  /** The device's run total: every interval ticked so far, merged exactly. */
  total(device: string): HistogramSnapshot {
    const d = this.devices.indexOf(device);
    if (d < 0) {
      throw new RangeError(
        `unknown device "${device}": expected one of ${this.devices.join(", ")}`,
      );
    }
    return this.#totals[d];
  }

  #pushRow(device: number, fields: number[]): void {
    const r = (this.#rowHead + this.#rowCount) % this.#rowCap;
    this.#rowDevice[r] = device;
    this.#rowData.set(fields, r * ROW_FIELDS);
    if (this.#rowCount === this.#rowCap) {
      this.#rowHead = (this.#rowHead + 1) % this.#rowCap;
      this.#rowsDropped++;
    } else this.#rowCount++;
  }
}

/** Float64 fields per row: start, end, completions, p50, p99, max, clamped. */
const ROW_FIELDS = 7;
