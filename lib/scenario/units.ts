/**
 * Quantities as people type them in scenarios: durations (`"5s"`, `"250ms"`,
 * `"50us"`, `"100ns"`), sizes (`"4KiB"`, `"1MiB"`) and rates (`"20000/s"`,
 * `"20k/s"`), resolved to integers in nanoseconds, bytes and events per
 * second. Pure functions; any thread.
 *
 * A plain number is accepted where its unit cannot be mistaken: bytes for a
 * size, events per second for a rate, and for a duration only `0` (which
 * means the same in every unit) unless the caller names the unit of plain
 * numbers (`pollMaxNs` takes nanoseconds).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration, parseRate, parseSize } from "./units.ts";
 * assert.equal(parseDuration("250ms"), 250_000_000);
 * assert.equal(parseSize("4KiB"), 4096);
 * assert.equal(parseRate("20k/s"), 20_000);
 * ```
 *
 * @module
 */

/** Nanoseconds per duration unit accepted by {@link parseDuration}. */
export const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  ms: 1e6,
  s: 1e9,
  min: 60e9,
};

/** Bytes per size unit accepted by {@link parseSize} (binary multiples only). */
export const SIZE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** Seconds per rate denominator accepted by {@link parseRate}. */
export const RATE_UNITS: Readonly<Record<string, number>> = {
  s: 1,
  ms: 1e-3,
  us: 1e-6,
};

/**
 * A quantity that could not be read. `expected` says what the field takes
 * (the phrase a {@link ScenarioError} repeats), `detail` what is wrong with
 * this value when that is more than its type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration, UnitError } from "./units.ts";
 * assert.throws(() => parseDuration("5sec"), UnitError);
 * ```
 */
export class UnitError extends Error {
  /** What the field takes, as a phrase ("a duration such as ..."). */
  readonly expected: string;
  /** What is wrong with the value, or "" when its type says it all. */
  readonly detail: string;

  /**
   * Makes the error; the message is `expected <expected>: <detail>`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { UnitError } from "./units.ts";
   * const e = new UnitError("a size", "KB is ambiguous");
   * assert.equal(e.message, "expected a size: KB is ambiguous");
   * ```
   */
  constructor(expected: string, detail = "") {
    super(detail ? `expected ${expected}: ${detail}` : `expected ${expected}`);
    this.name = "UnitError";
    this.expected = expected;
    this.detail = detail;
  }
}

/** Options of {@link parseDuration}. */
export interface DurationOptions {
  /** Unit of a plain number (`"ns"` for `pollMaxNs`); absent: only `0` may be plain. */
  plainUnit?: keyof typeof DURATION_UNITS;
}

const NUMBER_WITH_UNIT = /^(\d+(?:\.\d+)?)([a-zA-Zµ]*)$/;

/** The phrase every duration field's error repeats. */
export const DURATION_EXPECTED = 'a duration with a unit, such as "5s", "250ms", "50us" or "100ns"';
/** The phrase every size field's error repeats. */
export const SIZE_EXPECTED = 'a size in bytes, such as 4096, "4KiB" or "1MiB"';
/** The phrase every rate field's error repeats. */
export const RATE_EXPECTED = 'a rate per second, such as 20000, "20000/s" or "20k/s"';

function wholeOrThrow(value: number, expected: string, what: string, text: string): number {
  const rounded = Math.round(value);
  if (Math.abs(value - rounded) > 1e-6 * Math.max(1, Math.abs(value))) {
    throw new UnitError(expected, `"${text}" is not a whole number of ${what}`);
  }
  if (!Number.isSafeInteger(rounded)) throw new UnitError(expected, `"${text}" is too large`);
  return rounded;
}

/**
 * Parses a duration to integer nanoseconds. Strings need a unit (`ns`, `us`
 * or `µs`, `ms`, `s`, `min`); plain numbers follow {@link DurationOptions}.
 * Throws {@link UnitError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./units.ts";
 * assert.equal(parseDuration("1.5us"), 1500);
 * assert.equal(parseDuration(0), 0);
 * assert.equal(parseDuration(4000, { plainUnit: "ns" }), 4000);
 * assert.throws(() => parseDuration("100"), /no unit/);
 * ```
 */
export function parseDuration(value: unknown, options: DurationOptions = {}): number {
  const expected = options.plainUnit === "ns"
    ? 'a number of nanoseconds or a duration with a unit, such as 4000 or "4us"'
    : DURATION_EXPECTED;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new UnitError(expected, "it must be >= 0");
    if (options.plainUnit === undefined) {
      if (value === 0) return 0;
      throw new UnitError(
        expected,
        `a plain number is ambiguous here; write "${value}ms", "${value}us" or another unit`,
      );
    }
    const ns = value * DURATION_UNITS[options.plainUnit];
    return wholeOrThrow(ns, expected, "nanoseconds", String(value));
  }
  if (typeof value !== "string") throw new UnitError(expected);
  const text = value.trim();
  const m = NUMBER_WITH_UNIT.exec(text);
  if (m === null) {
    if (text.startsWith("-")) throw new UnitError(expected, "it must be >= 0");
    throw new UnitError(expected, `"${value}" is not a number followed by a unit`);
  }
  const [, digits, unit] = m;
  if (unit === "") {
    throw new UnitError(
      expected,
      `"${value}" has no unit; write "${digits}ms", "${digits}us" or another unit`,
    );
  }
  const scale = DURATION_UNITS[unit];
  if (scale === undefined) {
    throw new UnitError(
      expected,
      `"${unit}" is not a duration unit; the units are ${Object.keys(DURATION_UNITS).join(", ")}`,
    );
  }
  return wholeOrThrow(Number(digits) * scale, expected, "nanoseconds", value);
}

/**
 * Parses a size to integer bytes: a plain number of bytes, or a number with
 * `B`, `KiB`, `MiB` or `GiB`. Decimal units (`KB`, `MB`, ...) are refused as
 * ambiguous. Throws {@link UnitError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSize } from "./units.ts";
 * assert.equal(parseSize("1MiB"), 1048576);
 * assert.equal(parseSize(512), 512);
 * assert.throws(() => parseSize("4KB"), /ambiguous/);
 * ```
 */
export function parseSize(value: unknown): number {
  const expected = SIZE_EXPECTED;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new UnitError(expected, "it must be >= 0");
    return wholeOrThrow(value, expected, "bytes", String(value));
  }
  if (typeof value !== "string") throw new UnitError(expected);
  const m = NUMBER_WITH_UNIT.exec(value.trim());
  if (m === null) throw new UnitError(expected, `"${value}" is not a number followed by a unit`);
  const [, digits, unit] = m;
  if (unit === "") return wholeOrThrow(Number(digits), expected, "bytes", value);
  const scale = SIZE_UNITS[unit];
  if (scale === undefined) {
    const binary = { k: "KiB", kb: "KiB", m: "MiB", mb: "MiB", g: "GiB", gb: "GiB" }[
      unit.toLowerCase()
    ];
    throw new UnitError(
      expected,
      binary
        ? `"${unit}" is ambiguous (1000 or 1024?); write "${digits}${binary}"`
        : `"${unit}" is not a size unit; the units are ${Object.keys(SIZE_UNITS).join(", ")}`,
    );
  }
  return wholeOrThrow(Number(digits) * scale, expected, "bytes", value);
}

/**
 * Parses a rate to integer events per second: a plain number per second, or
 * `"<n>/s"`, `"<n>/ms"`, `"<n>/us"`, with an optional `k` or `M` multiplier
 * (`"20k/s"`). Throws {@link UnitError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRate } from "./units.ts";
 * assert.equal(parseRate("20000/s"), 20000);
 * assert.equal(parseRate("2/ms"), 2000);
 * assert.equal(parseRate(50), 50);
 * ```
 */
export function parseRate(value: unknown): number {
  const expected = RATE_EXPECTED;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new UnitError(expected, "it must be >= 0");
    return wholeOrThrow(value, expected, "events per second", String(value));
  }
  if (typeof value !== "string") throw new UnitError(expected);
  const m = /^(\d+(?:\.\d+)?)([kM]?)\/([a-zµ]+)$/.exec(value.trim());
  if (m === null) {
    throw new UnitError(expected, `"${value}" is not a count per unit of time such as "500/s"`);
  }
  const [, digits, multiplier, per] = m;
  const seconds = RATE_UNITS[per === "µs" ? "us" : per];
  if (seconds === undefined) {
    throw new UnitError(
      expected,
      `"/${per}" is not a rate unit; the units are ${
        Object.keys(RATE_UNITS).map((u) => "/" + u).join(", ")
      }`,
    );
  }
  const factor = multiplier === "k" ? 1e3 : multiplier === "M" ? 1e6 : 1;
  return wholeOrThrow(Number(digits) * factor / seconds, expected, "events per second", value);
}

/**
 * Formats integer nanoseconds in the largest unit that keeps them whole
 * (the inverse of {@link parseDuration} for its own output).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./units.ts";
 * assert.equal(formatDuration(250_000_000), "250ms");
 * assert.equal(formatDuration(1500), "1500ns");
 * ```
 */
export function formatDuration(ns: number): string {
  if (ns === 0) return "0s";
  for (const [unit, scale] of [["min", 60e9], ["s", 1e9], ["ms", 1e6], ["us", 1e3]] as const) {
    if (ns % scale === 0) return `${ns / scale}${unit}`;
  }
  return `${ns}ns`;
}
