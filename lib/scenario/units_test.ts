import assert from "node:assert/strict";
import { formatDuration, parseDuration, parseRate, parseSize, UnitError } from "./units.ts";

Deno.test("parseDuration: every unit, decimals and plain numbers", () => {
  assert.equal(parseDuration("100ns"), 100);
  assert.equal(parseDuration("50us"), 50_000);
  assert.equal(parseDuration("50µs"), 50_000);
  assert.equal(parseDuration("250ms"), 250_000_000);
  assert.equal(parseDuration("5s"), 5_000_000_000);
  assert.equal(parseDuration("2min"), 120_000_000_000);
  assert.equal(parseDuration("0.5ms"), 500_000);
  assert.equal(parseDuration(" 1s "), 1e9);
  assert.equal(parseDuration(0), 0);
  assert.equal(parseDuration("0s"), 0);
  assert.equal(parseDuration(32768, { plainUnit: "ns" }), 32768);
  assert.equal(parseDuration("4us", { plainUnit: "ns" }), 4000);
});

Deno.test("parseDuration: refusals say why", () => {
  const cases: [unknown, RegExp][] = [
    ["100", /"100" has no unit/],
    [5, /a plain number is ambiguous/],
    ["5sec", /"sec" is not a duration unit/],
    ["-1s", /must be >= 0/],
    [-1, /must be >= 0/],
    ["1.5ns", /not a whole number of nanoseconds/],
    ["5 s", /not a number followed by a unit/],
    [true, /^expected a duration/],
    [Infinity, /must be >= 0/],
    [1.5, /ambiguous/],
    [0.5, /not a whole number/],
  ];
  for (const [value, re] of cases) {
    const opts = value === 0.5 ? { plainUnit: "ns" as const } : {};
    assert.throws(() => parseDuration(value, opts), (e: unknown) => {
      assert.ok(e instanceof UnitError, String(value));
      assert.match(e.message, re, String(value));
      return true;
    });
  }
});

Deno.test("parseSize: binary units and bytes; decimal units refused", () => {
  assert.equal(parseSize("4KiB"), 4096);
  assert.equal(parseSize("1MiB"), 1 << 20);
  assert.equal(parseSize("1GiB"), 2 ** 30);
  assert.equal(parseSize("512B"), 512);
  assert.equal(parseSize("512"), 512);
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize("1.5KiB"), 1536);
  assert.throws(() => parseSize("4KB"), /"KB" is ambiguous \(1000 or 1024\?\); write "4KiB"/);
  assert.throws(() => parseSize("4k"), /write "4KiB"/);
  assert.throws(() => parseSize("4TiB"), /"TiB" is not a size unit/);
  assert.throws(() => parseSize(1.5), /not a whole number of bytes/);
  assert.throws(() => parseSize(-1), /must be >= 0/);
  assert.throws(() => parseSize(null), UnitError);
});

Deno.test("parseRate: per second, per millisecond, per microsecond, multipliers", () => {
  assert.equal(parseRate("20000/s"), 20000);
  assert.equal(parseRate("20k/s"), 20000);
  assert.equal(parseRate("1M/s"), 1e6);
  assert.equal(parseRate("2/ms"), 2000);
  assert.equal(parseRate("1/us"), 1e6);
  assert.equal(parseRate("1/µs"), 1e6);
  assert.equal(parseRate(50), 50);
  assert.equal(parseRate(0), 0);
  assert.throws(() => parseRate("5/h"), /"\/h" is not a rate unit/);
  assert.throws(() => parseRate("0.5/s"), /not a whole number of events per second/);
  assert.throws(() => parseRate("fast"), /not a count per unit of time/);
  assert.throws(() => parseRate(-3), /must be >= 0/);
});

Deno.test("formatDuration: largest whole unit, and back through parseDuration", () => {
  for (const ns of [0, 1, 1500, 4000, 32768, 250e6, 3e9, 120e9]) {
    assert.equal(parseDuration(formatDuration(ns)), ns);
  }
  assert.equal(formatDuration(4000), "4us");
  assert.equal(formatDuration(3e9), "3s");
  assert.equal(formatDuration(120e9), "2min");
});
