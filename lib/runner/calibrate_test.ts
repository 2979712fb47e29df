import assert from "node:assert/strict";
import { calibrate } from "./calibrate.ts";

Deno.test("calibrate: idle-timer lateness and a handoff round trip, every sample counted", async () => {
  const f = await calibrate({ jitterSamples: 30, handoffRounds: 200 });
  assert.equal(f.idleJitter.samples, 30);
  assert.equal(f.handoffRoundTrip.samples, 200);
  for (const s of [f.idleJitter, f.handoffRoundTrip]) {
    assert.ok(s.p50Ns <= s.p99Ns && s.p99Ns <= s.maxNs);
  }
  // A round trip between two threads always takes some time.
  assert.ok(f.handoffRoundTrip.p50Ns > 0);
  assert.ok(f.elapsedMs > 0);
});
