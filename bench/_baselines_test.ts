import assert from "node:assert/strict";
import { buildCBaselines, median, runCBaseline, runPostMessagePingPong } from "./_baselines.ts";

// The C part needs --allow-run and write access to bench/c/.build; when the
// test runs without them (e.g. the project-wide `deno task test`), it is
// ignored instead of failing.
const buildDir = new URL("./c/.build", import.meta.url);
const canBuildC = Deno.permissions.querySync({ name: "run" }).state === "granted" &&
  Deno.permissions.querySync({ name: "write", path: buildDir }).state === "granted";

Deno.test("median: odd, even, empty, unsorted input is not mutated", () => {
  assert.equal(median([3]), 3);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const xs = [9, -1, 7, 0.5, 3];
  const copy = [...xs];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, copy);
});

Deno.test({
  name: "C baseline: spin_pingpong builds and returns a positive median",
  ignore: !canBuildC,
  async fn() {
    if (!(await buildCBaselines())) {
      console.log("no usable C compiler here; C baseline check skipped");
      return;
    }
    const r = await runCBaseline("spin_pingpong", 2000);
    assert.ok(r !== null);
    assert.equal(r.name, "spin_pingpong");
    assert.equal(r.unit, "ns");
    assert.ok(r.samples.length > 0);
    assert.ok(r.samples.every((x) => Number.isFinite(x) && x >= 0));
    assert.ok(Number.isFinite(r.median) && r.median > 0, `median ${r.median}`);
    assert.equal(r.median, median(r.samples));
    assert.equal(r.extra?.n, 2000);
  },
});

Deno.test("postMessage ping-pong between two workers returns a positive median", async () => {
  // Deno's op/resource sanitizers (on by default) verify both workers were
  // terminated and no ports leaked.
  const r = await runPostMessagePingPong(200);
  assert.equal(r.name, "postmessage_pingpong");
  assert.equal(r.unit, "ns");
  assert.ok(r.samples.length > 0);
  assert.ok(r.samples.every((x) => Number.isFinite(x) && x >= 0));
  assert.ok(Number.isFinite(r.median) && r.median > 0, `median ${r.median}`);
  assert.equal(r.extra?.n, 200);
});
