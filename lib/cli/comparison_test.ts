import assert from "node:assert/strict";
import { METRICS } from "../analysis/metrics.ts";
import {
  compareDocuments,
  comparisonTable,
  DEFAULT_FAIL_ON,
  parseFailOn,
  parseNoiseThreshold,
  regressionLine,
} from "./comparison.ts";
import { resultFiles } from "./testdata/results.ts";

Deno.test("parseNoiseThreshold and parseFailOn: accepted spellings and pinned refusals", () => {
  assert.equal(parseNoiseThreshold("0"), 0);
  assert.equal(parseNoiseThreshold("2%"), 0.02);
  assert.equal(parseNoiseThreshold("1000%"), 10);
  for (const bad of ["", "%", "1001%", "-0.1", "5 %", "1e-2", "abc"]) {
    assert.throws(
      () => parseNoiseThreshold(bad),
      /^InvalidArgumentError: expected a share such as 5% or 0\.05/,
      bad,
    );
  }
  assert.deepEqual(parseFailOn("all"), [...METRICS]);
  assert.deepEqual(parseFailOn(" p99 , p99.9 "), ["p99", "p99.9"]);
  assert.throws(() => parseFailOn("p99,"), /found ""\./);
  assert.deepEqual([...DEFAULT_FAIL_ON], ["p50", "p99", "p99.9", "iops"]);
});

Deno.test("compareDocuments: itself is no difference; swapped placements regress p99 only in failOn", async () => {
  const f = await resultFiles();
  try {
    const same = JSON.parse(await Deno.readTextFile(f.same));
    const self = compareDocuments(same, same, { resamples: 200 });
    assert.equal(self.rows.length, 20);
    assert.ok(self.rows.every((r) => r.verdict === "no significant difference"));
    assert.deepEqual([self.regressions, self.failing], [[], []]);
    assert.equal(regressionLine(self.failing), "");
    const text = comparisonTable(self.rows);
    assert.equal(text.split("\n").length, 23, "borders, header and 20 rows");
    assert.match(
      text.split("\n")[1],
      /│ point +│ placement │ device │ metric +│ baseline │ current │ ratio │ +95% interval │ threshold │ verdict +│/,
    );

    const base = JSON.parse(await Deno.readTextFile(f.noFloor));
    const cur = JSON.parse(await Deno.readTextFile(f.swapped));
    const c = compareDocuments(base, cur);
    assert.deepEqual(c.regressions.map((r) => `${r.placement}.${r.metric}`), [
      "iothread.p99",
      "iothread.jitter",
      "main.p90",
    ]);
    assert.deepEqual(c.failing.map((r) => `${r.placement}.${r.metric}`), ["iothread.p99"]);
    assert.equal(
      regressionLine(c.failing),
      "1 regression beyond the noise threshold: default/iothread.disk0.p99 1.73x [1.19, 2.26] (threshold 2%)",
    );
    assert.deepEqual(compareDocuments(base, cur, { failOn: [] }).failing, []);
    assert.deepEqual(compareDocuments(base, cur, { noiseThreshold: 0.8 }).failing, []);
  } finally {
    await f.dispose();
  }
});
