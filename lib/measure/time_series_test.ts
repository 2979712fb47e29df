import assert from "node:assert/strict";
import { SharedHistogram } from "./histogram.ts";
import { TimeSeries } from "./time_series.ts";

function setup(options: { rowCapacity?: number; eventCapacity?: number } = {}) {
  let now = 1_000;
  const disk0 = new SharedHistogram();
  const disk1 = new SharedHistogram();
  const ts = new TimeSeries({ disk0, disk1 }, { ...options, clock: () => now });
  return { ts, disk0, disk1, at: (t: number) => now = t };
}

Deno.test("TimeSeries: one row per device per interval, with the interval's own latencies", () => {
  const { ts, disk0, disk1, at } = setup();
  assert.deepEqual(ts.devices, ["disk0", "disk1"]);
  assert.equal(ts.intervalStartNs, 1_000);
  for (let i = 1; i <= 100; i++) disk0.record(i * 1_000);
  at(100e6);
  assert.equal(ts.tickIfDue(), 0, "not a whole interval yet");
  at(100e6 + 1_000);
  assert.equal(ts.tickIfDue(), 2);
  disk1.record(5e6);
  disk0.record(42);
  at(200e6 + 1_000);
  assert.equal(ts.tick(), 2);
  const rows = ts.drainRows();
  assert.deepEqual(rows.map((r) => [r.device, r.startNs, r.endNs, r.completions]), [
    ["disk0", 1_000, 100e6 + 1_000, 100],
    ["disk1", 1_000, 100e6 + 1_000, 0],
    ["disk0", 100e6 + 1_000, 200e6 + 1_000, 1],
    ["disk1", 100e6 + 1_000, 200e6 + 1_000, 1],
  ]);
  assert.equal(rows[0].max, 100_000);
  assert.ok(Math.abs(rows[0].p50 - 50_000) <= 500);
  assert.ok(Math.abs(rows[0].p99 - 99_000) <= 990);
  assert.equal(rows[1].p99, 0);
  assert.equal(rows[2].max, 42);
  assert.ok(rows[3].p50 >= 5e6 && rows[3].p50 <= 5e6 * 1.01);
  assert.deepEqual(ts.drainRows(), [], "drained rows are gone");
  // Run totals hold every interval, merged exactly.
  assert.equal(ts.total("disk0").totalCount, 101);
  assert.equal(ts.total("disk0").min, 42);
  assert.equal(ts.total("disk1").max, 5e6);
  assert.throws(() => ts.total("disk9"), /unknown device "disk9": expected one of disk0, disk1/);
});

Deno.test("TimeSeries: events are marked in order; clamped records are counted per row", () => {
  const { ts, disk0, at } = setup();
  at(5e6);
  ts.mark("iothread moved");
  ts.mark("drain begin", 6e6);
  disk0.record(-1);
  at(100e6);
  ts.tick();
  assert.deepEqual(ts.drainEvents(), [
    { atNs: 5e6, name: "iothread moved" },
    { atNs: 6e6, name: "drain begin" },
  ]);
  assert.deepEqual(ts.drainEvents(), []);
  assert.equal(ts.drainRows()[0].clamped, 1);
});

Deno.test("TimeSeries: memory is fixed; undrained rows and events are overwritten and counted", () => {
  const { ts, disk0, at } = setup({ rowCapacity: 4, eventCapacity: 3 });
  for (let i = 1; i <= 10; i++) {
    disk0.record(i);
    at(i * 100e6);
    ts.tick();
    ts.mark(`e${i}`);
  }
  const rows = ts.drainRows();
  assert.equal(rows.length, 4);
  assert.equal(ts.rowsDropped, 16);
  // The newest two intervals survive (two devices per interval).
  assert.deepEqual(rows.map((r) => [r.device, r.max]), [
    ["disk0", 9],
    ["disk1", 0],
    ["disk0", 10],
    ["disk1", 0],
  ]);
  assert.deepEqual(ts.drainEvents().map((e) => e.name), ["e8", "e9", "e10"]);
  assert.equal(ts.eventsDropped, 7);
  assert.equal(ts.total("disk0").totalCount, 10, "totals lose nothing");
});

Deno.test("TimeSeries: invalid options throw", () => {
  const h = new SharedHistogram();
  assert.throws(() => new TimeSeries({ h }, { intervalNs: 0 }), /intervalNs must be positive/);
  assert.throws(
    () => new TimeSeries({ h }, { rowCapacity: 0 }),
    /rowCapacity must be a positive integer, got 0/,
  );
  assert.throws(
    () => new TimeSeries({ h }, { eventCapacity: 1.5 }),
    /eventCapacity must be a positive integer, got 1.5/,
  );
});
