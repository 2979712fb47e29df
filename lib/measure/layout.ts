/**
 * The one place that assigns every shared word of the measurement layer's
 * SharedArrayBuffer layouts: the shared time base, the latency histogram and
 * the time-series ring. Each constant names one word (or one 8-byte slot)
 * and says who writes it, who reads it and what orders it.
 *
 * Rules that hold for every layout (as in `lib/sync/layout.ts`):
 * - A word that more than one thread writes is only ever accessed with
 *   `Atomics.*` operations.
 * - A Float64 slot is written by one thread and published to readers by a
 *   later sequentially consistent `Atomics.store` of an Int32 word that the
 *   reader `Atomics.load`s first; the call sites name the pair.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HISTOGRAM } from "./layout.ts";
 * // Counts start on their own 64-byte line, after the header.
 * assert.equal(HISTOGRAM.COUNTS * 4 % 64, 0);
 * ```
 *
 * @module
 */

/**
 * Shared time base: the orchestrator's clock, and the calibration handshake
 * through which every other thread measures its offset to it. Int32 words
 * at the indices below; Float64 slots at the `*_F64` indices of a
 * `Float64Array` over the same buffer.
 */
export const TIME_BASE = {
  /** Layout tag {@link TIME_BASE_MAGIC}. Written once by the orchestrator before the buffer is shared. */
  MAGIC: 0,
  /** Calibration claim: 0 free, 1 held by a calibrating thread. Atomics.compareExchange by calibrating threads, Atomics.store 0 (+ notify) to release. */
  CLAIM: 1,
  /** Session word: 0 idle, 1 a thread requests a session, 2 the orchestrator closed the base. Atomics only: the claimant stores 1 (+ notify); the orchestrator waits on it (waitAsync), stores 0 at session end, 2 on close. */
  REQUEST: 2,
  /** Round number the orchestrator pings (k = 1, 2, ...; -1 ends the session). Atomics.store by the orchestrator, Atomics.load by the claimant. */
  PING: 3,
  /** Round number the claimant answered. Atomics.store by the claimant after it wrote REPLY_F64 (pairs with the orchestrator's Atomics.load before it reads REPLY_F64). */
  PONG: 4,
  /** Session outcome: 0 pending, 1 bounds published, 2 no round completed (ask again). Atomics.store by the orchestrator after it wrote LO_F64 / HI_F64 (pairs with the claimant's Atomics.load). */
  RESULT: 5,
  /** Claimant's clock (performance.now() ns) when it saw the current PING. Written by the claimant, read by the orchestrator after PONG. */
  REPLY_F64: 4,
  /** Lower bound of the offset to add to the claimant's performance.now() ns, from this session's rounds. Written by the orchestrator before RESULT. */
  LO_F64: 5,
  /** Upper bound of that offset, ns. Written by the orchestrator before RESULT. */
  HI_F64: 6,
  /** Clock resolution measured by the orchestrator at creation, ns. Written once before the buffer is shared. */
  RESOLUTION_F64: 7,
  /** Total bytes. */
  BYTES: 64,
} as const;

/** Tag stored in {@link TIME_BASE.MAGIC} ("aTBs"). */
export const TIME_BASE_MAGIC = 0x61544273;

/**
 * Latency histogram: a header line, a line of exact min/max values, then the
 * counts (one Int32 per HdrHistogram counts-array index). Header words are
 * Int32 indices; `*_I64` are indices of a `BigInt64Array` over the same
 * buffer.
 */
export const HISTOGRAM = {
  /** Layout tag {@link HISTOGRAM_MAGIC}. Written once at creation. */
  MAGIC: 0,
  /** Significant decimal digits (2 or 3). Written once at creation. */
  DIGITS: 1,
  /** Number of counts (= HdrHistogram countsArrayLength). Written once at creation. */
  LENGTH: 2,
  /** log2 of half the sub-bucket count. Written once at creation. */
  HALF_MAGNITUDE: 3,
  /** Records whose value was negative or NaN, clamped to 0 and counted in index 0. Atomics.add by recorders; Atomics.exchange by reset/drain. */
  UNDERFLOWS: 4,
  /** Records whose value exceeded the highest trackable value, clamped into the last index. Atomics.add by recorders; Atomics.exchange by reset/drain. */
  OVERFLOWS: 5,
  /** Times a count wrapped past 2^32 - 1 (the histogram's counts are then wrong). Atomics.add by the recorder whose add wrapped. */
  WRAPS: 6,
  /** Smallest counts index recorded so far (the min gate), 0x7fffffff when empty. Read plainly by recorders (a hint); Atomics.compareExchange downwards by recorders; Atomics.store by reset. */
  MIN_INDEX: 7,
  /** Largest counts index recorded so far (the max gate), -1 when empty. Read plainly by recorders (a hint); Atomics.compareExchange upwards by recorders; Atomics.store by reset. */
  MAX_INDEX: 8,
  /** Highest trackable value asked for, ns (low 32 bits; the value is below 2^53). Written once at creation. */
  HIGHEST_LO: 9,
  /** Highest trackable value asked for, ns (high 21 bits). Written once at creation. */
  HIGHEST_HI: 10,
  /** Exact smallest value recorded (BigInt64 index), 2^63 - 1 when empty. Atomics.compareExchange downwards by a recorder that passed the MIN_INDEX gate; Atomics.store by reset. */
  MIN_I64: 8,
  /** Exact largest value recorded (BigInt64 index), -1 when empty. Atomics.compareExchange upwards by a recorder that passed the MAX_INDEX gate; Atomics.store by reset. */
  MAX_I64: 9,
  /** Int32 index of count 0. Counts are Atomics.add by recorders (read as unsigned 32-bit) and Atomics.exchange by reset/drain; other readers Atomics.load. */
  COUNTS: 32,
} as const;

/** Tag stored in {@link HISTOGRAM.MAGIC} ("aHst"). */
export const HISTOGRAM_MAGIC = 0x61487374;
