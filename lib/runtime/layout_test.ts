import assert from "node:assert/strict";
import { assertWords } from "../testing/layout.ts";
import { BH_FLAG, SHARED_BH, THREAD_PHASE, THREAD_STATUS } from "./layout.ts";

Deno.test("runtime layout: SHARED_BH header and slot words", () => {
  assertWords(SHARED_BH, ["HEAD", "ALLOCATED", "CAPACITY"], 0, SHARED_BH.SLOTS, "SHARED_BH");
  assertWords(SHARED_BH, ["FLAGS", "NEXT"], 0, SHARED_BH.SLOT_WORDS, "SHARED_BH slot");
  assert.ok(SHARED_BH.SLOT_WORDS >= 2);
  assert.equal(SHARED_BH.FREE, BH_FLAG.PENDING | BH_FLAG.DELETED, "a free slot reads as pending");
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
