import assert from "node:assert/strict";
import { HISTOGRAM, TIME_BASE } from "./layout.ts";

Deno.test("measure layout: time-base words and Float64 slots do not overlap", () => {
  const int32 = [
    TIME_BASE.MAGIC,
    TIME_BASE.CLAIM,
    TIME_BASE.REQUEST,
    TIME_BASE.PING,
    TIME_BASE.PONG,
    TIME_BASE.RESULT,
  ];
  assert.equal(new Set(int32).size, int32.length);
  const f64 = [TIME_BASE.REPLY_F64, TIME_BASE.LO_F64, TIME_BASE.HI_F64, TIME_BASE.RESOLUTION_F64];
  assert.equal(new Set(f64).size, f64.length);
  for (const w of int32) assert.ok(w * 4 < Math.min(...f64) * 8, `word ${w}`);
  assert.ok((Math.max(...f64) + 1) * 8 <= TIME_BASE.BYTES);
});

Deno.test("measure layout: histogram header, BigInt64 extremes and counts do not overlap", () => {
  const header = [
    HISTOGRAM.MAGIC,
    HISTOGRAM.DIGITS,
    HISTOGRAM.LENGTH,
    HISTOGRAM.HALF_MAGNITUDE,
    HISTOGRAM.UNDERFLOWS,
    HISTOGRAM.OVERFLOWS,
    HISTOGRAM.WRAPS,
    HISTOGRAM.MIN_INDEX,
    HISTOGRAM.MAX_INDEX,
    HISTOGRAM.HIGHEST_LO,
    HISTOGRAM.HIGHEST_HI,
  ];
  assert.equal(new Set(header).size, header.length);
  const i64Words = [HISTOGRAM.MIN_I64, HISTOGRAM.MAX_I64].flatMap((i) => [2 * i, 2 * i + 1]);
  for (const w of i64Words) assert.ok(!header.includes(w as never) && w < HISTOGRAM.COUNTS);
  assert.ok(Math.max(...header) < Math.min(...i64Words));
  assert.equal((HISTOGRAM.COUNTS * 4) % 64, 0, "counts start on their own cache line");
});
