import assert from "node:assert/strict";
import { BH_FLAG, SHARED_BH, THREAD_PHASE, THREAD_STATUS } from "./layout.ts";

/** Asserts that the named words are distinct integers in [lo, hi). */
function assertWords(
  layout: Record<string, number>,
  keys: string[],
  lo: number,
  hi: number,
  what: string,
): void {
  const seen = new Map<number, string>();
  for (const k of keys) {
    const v = layout[k];
    assert.ok(Number.isInteger(v), `${what}.${k} = ${v} is not an integer`);
    assert.ok(v >= lo && v < hi, `${what}.${k} = ${v} outside [${lo}, ${hi})`);
    assert.ok(!seen.has(v), `${what}.${k} and ${what}.${seen.get(v)} share word ${v}`);
    seen.set(v, k);
  }
}

Deno.test("runtime layout: SHARED_BH header and slot words", () => {
  assertWords(SHARED_BH, ["HEAD", "ALLOCATED", "CAPACITY"], 0, SHARED_BH.SLOTS, "SHARED_BH");
  assertWords(SHARED_BH, ["FLAGS", "NEXT"], 0, SHARED_BH.SLOT_WORDS, "SHARED_BH slot");
  assert.ok(SHARED_BH.SLOT_WORDS >= 2);
});

Deno.test("runtime layout: BH_FLAG values are distinct single bits", () => {
  let all = 0;
  for (const [k, v] of Object.entries(BH_FLAG)) {
    assert.ok(v > 0 && (v & (v - 1)) === 0, `BH_FLAG.${k} = ${v} is not a single bit`);
    assert.equal(all & v, 0, `BH_FLAG.${k} overlaps another flag`);
    all |= v;
  }
  assert.equal(Object.keys(BH_FLAG).length, 5);
});

Deno.test("runtime layout: THREAD_STATUS words and THREAD_PHASE values are distinct", () => {
  assertWords(
    THREAD_STATUS,
    ["PHASE", "CALL", "TERMINATE"],
    0,
    THREAD_STATUS.WORDS,
    "THREAD_STATUS",
  );
  assertWords(
    THREAD_PHASE,
    Object.keys(THREAD_PHASE),
    0,
    Object.keys(THREAD_PHASE).length,
    "THREAD_PHASE",
  );
});
