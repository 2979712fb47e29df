import assert from "node:assert/strict";
import { SPSC_RING } from "./layout.ts";
import { SpscRing } from "./spsc_ring.ts";
import { runInThread } from "../testing/thread.ts";

const FIXTURE = new URL("./testdata/spsc_ring.ts", import.meta.url);

Deno.test("SpscRing: capacity rounds up to a power of two; defaults; invalid options throw RangeError", () => {
  const d = new SpscRing();
  assert.equal(d.capacity, 256);
  assert.equal(d.recordWords, 4);
  assert.equal(d.handle.sab.byteLength, (SPSC_RING.SLOTS + 256 * 5) * 4);
  assert.equal(new SpscRing({ capacity: 1 }).capacity, 2);
  assert.equal(new SpscRing({ capacity: 5, recordWords: 1 }).capacity, 8);
  for (const bad of [{ recordWords: 0 }, { recordWords: 5 }, { recordWords: 1.5 }]) {
    assert.throws(() => new SpscRing(bad), RangeError, JSON.stringify(bad));
  }
  for (const bad of [{ capacity: 0 }, { capacity: -1 }, { capacity: 2 ** 25 }, { capacity: 2.5 }]) {
    assert.throws(() => new SpscRing(bad), RangeError, JSON.stringify(bad));
  }
});

Deno.test("SpscRing: the two positions and the slots are on different 64-byte lines", () => {
  const line = (w: number) => Math.floor(w / 16);
  assert.notEqual(line(SPSC_RING.HEAD), line(SPSC_RING.TAIL));
  assert.notEqual(line(SPSC_RING.HEAD), line(SPSC_RING.CAPACITY));
  assert.notEqual(line(SPSC_RING.TAIL), line(SPSC_RING.CAPACITY));
  assert.ok(SPSC_RING.SLOTS % 16 === 0 && line(SPSC_RING.SLOTS) > line(SPSC_RING.TAIL));
});

Deno.test("SpscRing: FIFO over many laps; a full ring holds exactly capacity records, then push throws", () => {
  const ring = new SpscRing({ capacity: 4, recordWords: 2 });
  const got: number[] = [];
  for (let i = 0; i < 100; i++) {
    ring.push(i, 1000 - i);
    if (i % 3 === 2) ring.drain((a, b) => got.push(a, b));
  }
  ring.drain((a, b) => got.push(a, b));
  assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => [i, 1000 - i]).flat());
  for (let i = 0; i < 4; i++) ring.push(i);
  assert.equal(ring.size(), 4);
  assert.throws(() => ring.push(4), /full \(4 records not consumed\)/);
  assert.equal(ring.size(), 4, "the refused push left the ring as it was");
  assert.equal(ring.drain(() => {}, 1), 1);
  ring.push(4); // room again: the producer reads the consumer's TAIL
  const rest: number[] = [];
  ring.drain((a) => rest.push(a));
  assert.deepEqual(rest, [1, 2, 3, 4]);
});

Deno.test("SpscRing: record words 1..4, missing words read 0, words past recordWords ignored", () => {
  for (let n = 1; n <= 4; n++) {
    const ring = new SpscRing({ capacity: 2, recordWords: n });
    ring.push(1, 2, 3, 4);
    const got: number[][] = [];
    ring.drain((...r) => got.push(r));
    assert.deepEqual(got, [[1, 2, 3, 4].map((v, i) => (i < n ? v : 0))], `recordWords ${n}`);
  }
});

Deno.test("SpscRing: drain limit and one lap at most; consumerHasData and size follow each step", () => {
  const ring = new SpscRing({ capacity: 4, recordWords: 1 });
  assert.equal(ring.consumerHasData(), false);
  ring.push(1);
  ring.push(2);
  assert.equal(ring.consumerHasData(), true);
  assert.equal(ring.size(), 2);
  assert.equal(ring.drain(() => {}, 1), 1);
  assert.equal(ring.size(), 1);
  assert.equal(ring.drain(() => {}), 1);
  assert.equal(ring.consumerHasData(), false);
  assert.equal(ring.drain(() => {}), 0);
  // A callback that pushes into its own ring: one lap per drain, not forever.
  ring.push(0);
  let calls = 0;
  assert.equal(ring.drain((r0) => (calls++, ring.push(r0 + 1))), 4);
  assert.equal(calls, 4);
  assert.equal(ring.size(), 1);
});

Deno.test("SpscRing: a callback that drains again never sees a record twice; a throwing callback's record is consumed", () => {
  const ring = new SpscRing({ capacity: 8, recordWords: 1 });
  for (let i = 0; i < 6; i++) ring.push(i);
  const seen: number[] = [];
  ring.drain((r0) => {
    seen.push(r0);
    if (r0 === 1) ring.drain((x) => seen.push(x), 2);
  });
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  ring.push(9);
  ring.push(10);
  assert.throws(() =>
    ring.drain(() => {
      throw new Error("boom");
    }), /boom/);
  const rest: number[] = [];
  ring.drain((r0) => rest.push(r0));
  assert.deepEqual(rest, [10]);
});

Deno.test("SpscRing: positions survive Int32 wrap-around", () => {
  const ring = new SpscRing({ capacity: 8, recordWords: 1 });
  const w = new Int32Array(ring.handle.sab);
  const start = 2 ** 31 - 5;
  w[SPSC_RING.HEAD] = start | 0;
  w[SPSC_RING.TAIL] = start | 0;
  // Slots as a lap before `start` left them (published positions one lap back).
  for (let pos = start - 8; pos < start; pos++) w[SPSC_RING.SLOTS + (pos & 7) * 2] = (pos + 1) | 0;
  const fresh = SpscRing.fromHandle(ring.handle); // both sides start from the shared words
  const got: number[] = [];
  for (let i = 0; i < 40; i++) {
    fresh.push(i);
    if (i % 5 === 4) fresh.drain((r0) => got.push(r0));
  }
  assert.deepEqual(got, Array.from({ length: 40 }, (_, i) => i));
  assert.equal(fresh.size(), 0);
});

Deno.test("SpscRing: 200,000 records through 16 slots between two Workers, in order, none lost or torn", async () => {
  const ring = new SpscRing({ capacity: 16, recordWords: 4 });
  const N = 200_000;
  const [fulls, bad] = await Promise.all([
    runInThread<number>(FIXTURE, "produce", ring.handle, N),
    runInThread<number>(FIXTURE, "consume", ring.handle, N),
  ]);
  assert.equal(bad, 0);
  assert.equal(ring.size(), 0);
  assert.ok(fulls >= 0);
});

Deno.test("SpscRing: ping-pong through two rings with a Worker; the consumer side then moves to another thread and resumes at TAIL", async () => {
  const ask = new SpscRing({ capacity: 4, recordWords: 1 });
  const answer = new SpscRing({ capacity: 4, recordWords: 1 });
  const N = 10_000;
  const echoing = runInThread<number>(FIXTURE, "echo", ask.handle, answer.handle, N);
  let got = 0;
  for (let i = 0; i < N; i++) {
    ask.push(i);
    let reply = -1;
    while (answer.drain((r0) => (reply = r0)) === 0) {
      // busy-wait for the answer
    }
    assert.equal(reply, i + 1);
    got++;
  }
  assert.equal(await echoing, N);
  assert.equal(got, N);
  // The echo thread consumed `ask` up to N; a consumer in a new thread starts there.
  ask.push(77);
  ask.push(78);
  assert.deepEqual(await runInThread<number[]>(FIXTURE, "drainNow", ask.handle), [77, 78]);
  assert.equal(ask.size(), 0);
  ask.push(79); // and the producer still has its place
  assert.deepEqual(await runInThread<number[]>(FIXTURE, "drainNow", ask.handle), [79]);
});
