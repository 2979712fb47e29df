import assert from "node:assert/strict";
import { calibrate } from "./calibrate.ts";

Deno.test("calibrate: the idle probe's lateness and a handoff round trip, every sample counted", async () => {
  const f = await calibrate({ jitterSamples: 30, handoffRounds: 200 });
  assert.deepEqual(Object.keys(f).sort(), ["elapsedMs", "handoffRoundTrip", "idleJitter"]);
  assert.equal(f.idleJitter.samples, 30);
  assert.equal(f.handoffRoundTrip.samples, 200);
  for (const s of [f.idleJitter, f.handoffRoundTrip]) {
    assert.deepEqual(Object.keys(s).sort(), ["maxNs", "p50Ns", "p99Ns", "samples"]);
    assert.ok(s.p50Ns <= s.p99Ns && s.p99Ns <= s.maxNs);
  }
  // A timer never fires before it is due; a round trip between two threads takes time.
  assert.ok(f.idleJitter.p50Ns >= 0);
  assert.ok(f.handoffRoundTrip.p50Ns > 0);
  // The probe ran for at least its 30 periods of 1 ms.
  assert.ok(f.elapsedMs >= 30, `elapsed ${f.elapsedMs} ms`);
});

Deno.test("calibrate: a count that is not a positive integer is refused before anything starts", async () => {
  await assert.rejects(
    calibrate({ jitterSamples: 0 }),
    /jitterSamples must be an integer > 0, got 0/,
  );
  await assert.rejects(calibrate({ handoffRounds: 1.5 }), /handoffRounds must be an integer > 0/);
});
