import assert from "node:assert/strict";
import { changeVerdict, DEFAULT_NOISE_THRESHOLD, noiseThreshold } from "./significance.ts";

const iv = (ratio: number, low: number, high: number) => ({ ratio, low, high });

Deno.test("changeVerdict: beyond the threshold with an interval excluding 1, by direction", () => {
  assert.equal(changeVerdict("p99", iv(1.2, 1.1, 1.3), 0.02), "worse");
  assert.equal(changeVerdict("p99", iv(0.8, 0.7, 0.9), 0.02), "better");
  assert.equal(changeVerdict("iops", iv(1.2, 1.1, 1.3), 0.02), "better");
  assert.equal(changeVerdict("iops", iv(0.8, 0.7, 0.9), 0.02), "worse");
  assert.equal(changeVerdict("bqlWaitShare", iv(1.5, 1.2, 2), 0.02), "worse");
});

Deno.test("changeVerdict: inside the noise band or an interval over 1 is no difference", () => {
  const none = "no significant difference";
  assert.equal(changeVerdict("p50", iv(1.019, 1.01, 1.03), 0.02), none);
  assert.equal(changeVerdict("p50", iv(1.021, 1.01, 1.03), 0.02), "worse");
  assert.equal(changeVerdict("p50", iv(1 / 1.019, 0.97, 0.99), 0.02), none);
  assert.equal(changeVerdict("p50", iv(1.5, 0.99, 2), 0.02), none);
  assert.equal(changeVerdict("p50", iv(1, 1, 1), 0), none);
  assert.equal(changeVerdict("p50", iv(1.1, 1, 1.2), 0.02), none);
});

Deno.test("noiseThreshold: default, floor by metric, never below the minimum", () => {
  const floor = { idleJitter: { p50Ns: 2_000, p99Ns: 20_000 } };
  assert.equal(DEFAULT_NOISE_THRESHOLD, 0.02);
  assert.equal(noiseThreshold("p99", 1e6, 2e6, null), 0.02);
  assert.equal(noiseThreshold("mean", 50_000, 60_000, floor), 0.04);
  assert.equal(noiseThreshold("p90", 50_000, 60_000, floor), 0.04);
  for (const m of ["p99", "p99.9", "p99.99", "max", "jitter"] as const) {
    assert.equal(noiseThreshold(m, 400_000, 200_000, floor), 0.1, m);
  }
  assert.equal(noiseThreshold("p99", 1e9, 1e9, floor), 0.02);
  assert.equal(noiseThreshold("iops", 1, 1, floor), 0.02);
  assert.equal(noiseThreshold("bqlWaitShare", 0.1, 0.1, floor), 0.02);
  assert.equal(noiseThreshold("p50", 0, 0, floor), 0.02);
  assert.throws(() => noiseThreshold("p50", 1, 1, null, -1), /share >= 0 .* got -1/);
});
