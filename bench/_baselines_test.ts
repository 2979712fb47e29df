import assert from "node:assert/strict";
import { median } from "../lib/analysis/statistics.ts";
import {
  buildCBaselines,
  runAtomicsPingPong,
  runCBaseline,
  runPostMessagePingPong,
} from "./_baselines.ts";

// The C part needs --allow-run and write access to bench/c/.build; when the
// test runs without them (e.g. the project-wide `deno task test`), it is
// ignored instead of failing.
const buildDir = new URL("./c/.build", import.meta.url);
const canBuildC = Deno.permissions.querySync({ name: "run" }).state === "granted" &&
  Deno.permissions.querySync({ name: "write", path: buildDir }).state === "granted";

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
  assert.equal(r.median, median(r.samples));
  assert.equal(r.extra?.n, 200);
});

Deno.test("raw JS Atomics ping-pong returns a measurement in ns", async () => {
  const r = await runAtomicsPingPong(200);
  assert.equal(r.name, "js_atomics_pingpong");
  assert.equal(r.unit, "ns");
  assert.ok(r.samples.length > 0);
  assert.equal(r.median, median(r.samples));
  assert.equal(r.extra?.n, 200);
});
