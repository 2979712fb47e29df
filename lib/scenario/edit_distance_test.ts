import assert from "node:assert/strict";
import { editDistance } from "./edit_distance.ts";

Deno.test("editDistance: each insertion, deletion, substitution and neighbour swap costs 1", () => {
  const cases: [string, string, number][] = [
    ["kitten", "sitting", 3],
    ["", "abc", 3],
    ["abc", "", 3],
    ["", "", 0],
    ["iothread", "iothread", 0],
    ["disk", "main", 4],
    ["mvoe", "move", 1],
    ["iothraed", "iothread", 1],
    ["defualt", "default", 1],
    // Optimal string alignment: a swapped pair is not edited again.
    ["ca", "abc", 3],
    // Case counts.
    ["Main", "main", 1],
    ["IOTHREAD", "iothread", 8],
  ];
  for (const [a, b, d] of cases) {
    assert.equal(editDistance(a, b), d, `${a} -> ${b}`);
    assert.equal(editDistance(b, a), d, `${b} -> ${a}`);
  }
});
