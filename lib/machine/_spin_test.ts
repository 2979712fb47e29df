import assert from "node:assert/strict";
import { spinIterationsPerRead, spinUntil } from "./_spin.ts";

Deno.test("spinUntil: returns a reading at or past the deadline, reading the clock once per chunk of work", () => {
  // A manual clock that advances 100 ns per read: the spin ends on the first read >= end.
  let t = 0;
  let reads = 0;
  const now = (): number => {
    reads++;
    return (t += 100);
  };
  const end = 1_000_000;
  const last = spinUntil(now, end);
  assert.ok(last >= end, `last reading ${last}`);
  assert.ok(last < end + 100 + 1, `overshoot of a manual clock is one step, got ${last - end}`);
  assert.ok(spinIterationsPerRead() >= 1);
  // Already past: one read, no work.
  reads = 0;
  assert.equal(spinUntil(now, 0), t);
  assert.equal(reads, 1);
});

Deno.test("spinUntil: with the real clock it spins about as long as asked and reads the clock far less than once per iteration", () => {
  let reads = 0;
  const now = (): number => {
    reads++;
    return performance.now() * 1e6;
  };
  const t0 = performance.now() * 1e6;
  const last = spinUntil(now, t0 + 2_000_000); // 2 ms
  assert.ok(last - t0 >= 2_000_000);
  // A bare clock spin reads once per ~100 ns or less (20,000 times in 2 ms or more); the
  // chunked one once per ~500 ns of work (a slow machine only reads less often).
  assert.ok(reads <= 2_000_000 / 250, `${reads} reads in 2 ms`);
});
