import assert from "node:assert/strict";
import * as hdr from "hdr-histogram-js";
import { HistogramSnapshot, SharedHistogram } from "./histogram.ts";
import { decodeHdr, encodeHdr, fromHdrHistogram, toHdrHistogram } from "./hdr_export.ts";

function filled(digits: 2 | 3, seed: number): SharedHistogram {
  const h = new SharedHistogram({ digits });
  let x = seed;
  for (let i = 0; i < 30_000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    h.record(100 * 10 ** ((x / 2147483648) * 9)); // 100 ns .. 100 s, log-uniform
  }
  return h;
}

Deno.test("toHdrHistogram: same counts array, same percentiles as hdr-histogram-js", () => {
  for (const digits of [2, 3] as const) {
    const s = filled(digits, 5).snapshot();
    const h = toHdrHistogram(s);
    assert.equal(h.countsArrayLength, s.length);
    assert.equal(h.totalCount, s.totalCount);
    for (let i = 0; i < s.length; i++) assert.equal(h.getCountAtIndex(i), s.counts[i]);
    for (const p of [0, 1, 50, 90, 99, 99.9, 99.99, 100]) {
      assert.equal(s.valueAtPercentile(p), h.getValueAtPercentile(p), `${digits} digits p${p}`);
    }
  }
});

Deno.test("encodeHdr / decodeHdr: the V2 compressed round trip keeps counts and percentiles", () => {
  const s = filled(2, 11).snapshot();
  const text = encodeHdr(s);
  // V2 compressed encodings start with the cookie 0x1c849304: "HISTFAA" in base64.
  assert.match(text, /^HISTFAA/);
  const back = decodeHdr(text);
  assert.deepEqual(back.counts, s.counts);
  assert.equal(back.totalCount, s.totalCount);
  for (const p of [50, 99, 99.99]) assert.equal(back.valueAtPercentile(p), s.valueAtPercentile(p));
  // What a standard reader sees.
  const std = hdr.decodeFromCompressedBase64(text, 64);
  assert.equal(std.totalCount, s.totalCount);
  assert.equal(std.getValueAtPercentile(99), s.valueAtPercentile(99));
});

Deno.test("fromHdrHistogram: imports a histogram hdr-histogram-js recorded", () => {
  const h = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2 });
  for (const v of [0, 150, 150, 20_000, 3e9]) h.recordValue(v);
  const s = fromHdrHistogram(h);
  assert.equal(s.totalCount, 5);
  assert.equal(s.min, 0);
  assert.equal(s.max, h.maxValue);
  assert.equal(s.valueAtPercentile(50), h.getValueAtPercentile(50));
  const merged = new HistogramSnapshot({ highestNs: s.highestNs });
  merged.add(s);
  assert.equal(merged.totalCount, 5);
  const coarse = hdr.build({
    lowestDiscernibleValue: 1000,
    highestTrackableValue: 1e9,
    numberOfSignificantValueDigits: 2,
  });
  assert.throws(() => fromHdrHistogram(coarse), {
    name: "RangeError",
    message: /lowest discernible value 1 and 2 or 3 significant digits, found lowest 1000/,
  });
});
