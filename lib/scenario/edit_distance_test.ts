import assert from "node:assert/strict";
import { editDistance } from "./edit_distance.ts";

Deno.test("editDistance: insertions, deletions and substitutions cost 1 each", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("abc", ""), 3);
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("iothread", "iothread"), 0);
  assert.equal(editDistance("disk", "main"), 4);
});

Deno.test("editDistance: a swap of neighbouring letters costs 1, case counts", () => {
  assert.equal(editDistance("mvoe", "move"), 1);
  assert.equal(editDistance("iothraed", "iothread"), 1);
  assert.equal(editDistance("defualt", "default"), 1);
  // Optimal string alignment: a swapped pair is not edited again.
  assert.equal(editDistance("ca", "abc"), 3);
  assert.equal(editDistance("IOTHREAD", "iothread"), 8);
  assert.equal(editDistance("Main", "main"), 1);
});
