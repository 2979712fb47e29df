import assert from "node:assert/strict";
import { interleave, runInterleaved } from "./interleave.ts";

Deno.test("interleave: round after round, items in order within a round", () => {
  const s = interleave(["A", "B", "C"], 2);
  assert.deepEqual(
    s.map((x) => `${x.round}:${x.index}:${x.item}`),
    ["1:0:A", "1:1:B", "1:2:C", "2:0:A", "2:1:B", "2:2:C"],
  );
  assert.deepEqual(interleave([], 3), []);
  assert.deepEqual(interleave(["only"], 1), [{ round: 1, index: 0, item: "only" }]);
});

Deno.test("interleave: rounds must be a positive integer", () => {
  assert.throws(() => interleave(["A"], 0), /rounds must be a positive integer, got 0/);
  assert.throws(() => interleave(["A"], 1.5), RangeError);
});

Deno.test("runInterleaved: one at a time, onRound before each round, nulls dropped", async () => {
  const log: string[] = [];
  let running = 0;
  const out = await runInterleaved(["A", "B"], 3, async (item, round) => {
    assert.equal(running++, 0, "items must not overlap");
    await new Promise((r) => setTimeout(r, 0));
    log.push(`${item}${round}`);
    running--;
    return item === "A" && round === 2 ? null : `${item}${round}`;
  }, { onRound: (round, rounds) => log.push(`round ${round}/${rounds}`) });
  assert.deepEqual(log, [
    "round 1/3",
    "A1",
    "B1",
    "round 2/3",
    "A2",
    "B2",
    "round 3/3",
    "A3",
    "B3",
  ]);
  assert.deepEqual(out, [["A1", "A3"], ["B1", "B2", "B3"]]);
});

Deno.test("runInterleaved: an error stops the schedule", async () => {
  const seen: string[] = [];
  await assert.rejects(
    () =>
      runInterleaved(["A", "B"], 2, (item, round) => {
        seen.push(`${item}${round}`);
        if (item === "B") return Promise.reject(new Error("boom"));
        return Promise.resolve(1);
      }),
    /boom/,
  );
  assert.deepEqual(seen, ["A1", "B1"]);
});
