import assert from "node:assert/strict";
import {
  Clocks,
  ClockType,
  ManualTimeSource,
  monotonicTimeSource,
  Scale,
  wallTimeSource,
} from "./clock.ts";

Deno.test("ClockType and Scale values are QEMU's", () => {
  assert.deepEqual({ ...ClockType }, { REALTIME: 0, VIRTUAL: 1, HOST: 2, VIRTUAL_RT: 3 });
  assert.deepEqual({ ...Scale }, { NS: 1, US: 1000, MS: 1_000_000 });
});

Deno.test("ManualTimeSource: start, advance, set, invalid input", () => {
  assert.equal(new ManualTimeSource().nowNs(), 0);
  const src = new ManualTimeSource(10);
  assert.equal(src.nowNs(), 10);
  src.advance(15);
  assert.equal(src.nowNs(), 25);
  src.advance(0);
  assert.equal(src.nowNs(), 25);
  src.set(7);
  assert.equal(src.nowNs(), 7);
  assert.throws(() => src.advance(-1), RangeError);
  assert.throws(() => src.advance(NaN), RangeError);
  assert.throws(() => src.advance(Infinity), RangeError);
  assert.throws(() => src.set(NaN), RangeError);
  assert.throws(() => new ManualTimeSource(Infinity), RangeError);
  assert.equal(src.nowNs(), 7);
});

Deno.test("default sources: monotonic is non-decreasing, wall is near Date.now()", () => {
  const a = monotonicTimeSource.nowNs();
  const b = monotonicTimeSource.nowNs();
  assert.ok(b >= a);
  assert.ok(Math.abs(wallTimeSource.nowNs() / 1e6 - Date.now()) < 60_000);
  const clocks = new Clocks();
  assert.ok(clocks.now(ClockType.REALTIME) > 0);
  assert.ok(Math.abs(clocks.now(ClockType.HOST) / 1e6 - Date.now()) < 60_000);
});

Deno.test("REALTIME reads the monotonic source, HOST the wall source", () => {
  const mono = new ManualTimeSource(100);
  const wall = new ManualTimeSource(5_000);
  const clocks = new Clocks({ monotonic: mono, wall });
  assert.equal(clocks.now(ClockType.REALTIME), 100);
  assert.equal(clocks.now(ClockType.HOST), 5_000);
  mono.advance(20);
  wall.set(1_000); // wall clock may step backwards
  assert.equal(clocks.now(ClockType.REALTIME), 120);
  assert.equal(clocks.now(ClockType.HOST), 1_000);
});

Deno.test("VIRTUAL and VIRTUAL_RT start disabled; REALTIME and HOST enabled", () => {
  const clocks = new Clocks({ monotonic: new ManualTimeSource() });
  assert.equal(clocks.isEnabled(ClockType.REALTIME), true);
  assert.equal(clocks.isEnabled(ClockType.VIRTUAL), false);
  assert.equal(clocks.isEnabled(ClockType.HOST), true);
  assert.equal(clocks.isEnabled(ClockType.VIRTUAL_RT), false);
});

Deno.test("virtual time is frozen while disabled and resumes where it stopped", () => {
  const mono = new ManualTimeSource(1_000);
  const clocks = new Clocks({ monotonic: mono });
  assert.equal(clocks.now(ClockType.VIRTUAL), 1_000);
  mono.advance(500);
  assert.equal(clocks.now(ClockType.VIRTUAL), 1_000); // frozen
  assert.equal(clocks.now(ClockType.VIRTUAL_RT), 1_000);

  clocks.enable(ClockType.VIRTUAL, true);
  assert.equal(clocks.isEnabled(ClockType.VIRTUAL), true);
  assert.equal(clocks.isEnabled(ClockType.VIRTUAL_RT), true);
  assert.equal(clocks.now(ClockType.VIRTUAL), 1_000); // resumes, no jump
  mono.advance(200);
  assert.equal(clocks.now(ClockType.VIRTUAL), 1_200);
  assert.equal(clocks.now(ClockType.VIRTUAL_RT), 1_200);

  clocks.enable(ClockType.VIRTUAL, false);
  mono.advance(300);
  assert.equal(clocks.now(ClockType.VIRTUAL), 1_200);
  assert.equal(clocks.now(ClockType.REALTIME), 2_000);

  clocks.enable(ClockType.VIRTUAL_RT, true); // shares VIRTUAL's state
  assert.equal(clocks.isEnabled(ClockType.VIRTUAL), true);
  mono.advance(50);
  // virtual = realtime (2050) - total stopped (500 + 300)
  assert.equal(clocks.now(ClockType.VIRTUAL), 1_250);
});

Deno.test("repeated enable/disable calls are idempotent", () => {
  const mono = new ManualTimeSource(0);
  const clocks = new Clocks({ monotonic: mono });
  clocks.enable(ClockType.VIRTUAL, false); // already disabled
  mono.advance(100);
  clocks.enable(ClockType.VIRTUAL, true);
  mono.advance(100);
  clocks.enable(ClockType.VIRTUAL, true); // already enabled: must not reset
  assert.equal(clocks.now(ClockType.VIRTUAL), 100);
  clocks.enable(ClockType.VIRTUAL, false);
  mono.advance(100);
  clocks.enable(ClockType.VIRTUAL, false); // must not restart the stop
  mono.advance(100);
  clocks.enable(ClockType.VIRTUAL, true);
  assert.equal(clocks.now(ClockType.VIRTUAL), 100);
});

Deno.test("REALTIME and HOST cannot be disabled; unknown types throw", () => {
  const clocks = new Clocks({ monotonic: new ManualTimeSource() });
  assert.throws(() => clocks.enable(ClockType.REALTIME, false), RangeError);
  assert.throws(() => clocks.enable(ClockType.HOST, false), RangeError);
  clocks.enable(ClockType.REALTIME, true);
  clocks.enable(ClockType.HOST, true);
  assert.equal(clocks.isEnabled(ClockType.REALTIME), true);
  assert.equal(clocks.isEnabled(ClockType.HOST), true);
  assert.throws(() => clocks.now(4 as ClockType), RangeError);
  assert.throws(() => clocks.enable(-1 as ClockType, true), RangeError);
  assert.throws(() => clocks.isEnabled(7 as ClockType), RangeError);
});
