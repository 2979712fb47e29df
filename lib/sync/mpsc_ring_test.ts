import assert from "node:assert/strict";
import { RING } from "./layout.ts";
import { MpscRing } from "./mpsc_ring.ts";
import { Barrier } from "../testing/barrier.ts";
import { runInThread } from "../testing/thread.ts";
import { type ConsumerSummary, RING_SYNC } from "./testdata/mpsc_ring.ts";

const FIXTURE = new URL("./testdata/mpsc_ring.ts", import.meta.url);

type Rec = [number, number, number, number];

function drainAll(ring: MpscRing, limit?: number): Rec[] {
  const out: Rec[] = [];
  const fn = (a: number, b: number, c: number, d: number) => out.push([a, b, c, d]);
  const n = limit === undefined ? ring.drain(fn) : ring.drain(fn, limit);
  assert.equal(n, out.length, "drain's return value differs from the records delivered");
  return out;
}

Deno.test("MpscRing: capacity rounds up to a power of two; defaults", () => {
  const cases: [number, number][] = [[2, 2], [3, 4], [5, 8], [8, 8], [64, 64], [65, 128], [
    1000,
    1024,
  ], [(1 << 16) + 1, 1 << 17]];
  for (const [want, got] of cases) {
    const r = new MpscRing({ capacity: want, recordWords: 1 });
    assert.equal(r.capacity, got, `capacity ${want}`);
    assert.equal(new Int32Array(r.handle.sab)[RING.CAPACITY], got);
  }
  const d = new MpscRing();
  assert.equal(d.capacity, 4096);
  assert.equal(d.recordWords, 4);
  assert.equal(d.handle.sab.byteLength, (RING.SLOTS + 4096 * 5) * 4);
  const r = new MpscRing({ capacity: 5, recordWords: 3 });
  assert.equal(r.recordWords, 3);
  assert.equal(new Int32Array(r.handle.sab)[RING.RECORD_WORDS], 3);
  assert.equal(r.handle.sab.byteLength, (RING.SLOTS + 8 * 4) * 4);
  assert.equal(r.size(), 0);
  assert.equal(r.hasData(), false);
  assert.equal(r.overflowed(), 0);
  assert.equal(r.pushed(), 0);
});

Deno.test("MpscRing: invalid options throw RangeError", () => {
  for (const recordWords of [0, -1, 17, 1.5, Number.NaN]) {
    assert.throws(() => new MpscRing({ recordWords }), {
      name: "RangeError",
      message: `recordWords must be an integer in [1, 16], got ${recordWords}`,
    });
  }
  for (const capacity of [0, -4, 2.5, (1 << 24) + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new MpscRing({ capacity }), {
      name: "RangeError",
      message: `capacity must be an integer in [1, 2^24], got ${capacity}`,
    });
  }
  // The limits themselves are fine.
  assert.equal(new MpscRing({ recordWords: 16, capacity: 2 }).recordWords, 16);
  assert.equal(new MpscRing({ recordWords: 1, capacity: 2 }).recordWords, 1);
});

Deno.test("MpscRing: single producer FIFO across many laps", () => {
  const ring = new MpscRing({ capacity: 8, recordWords: 2 });
  const got: number[] = [];
  let next = 0;
  // Uneven batches so the ring wraps at every offset.
  for (let lap = 0; lap < 200; lap++) {
    const batch = 1 + (lap % 8);
    for (let i = 0; i < batch; i++, next++) ring.push(next, ~next);
    assert.equal(ring.size(), batch);
    ring.drain((a, b) => {
      assert.equal(b, ~a);
      got.push(a);
    });
    assert.equal(ring.size(), 0);
  }
  assert.deepEqual(got, Array.from({ length: next }, (_, i) => i));
  assert.equal(ring.pushed(), next);
  assert.equal(ring.overflowed(), 0);
});

Deno.test("MpscRing: a full ring holds exactly capacity records", () => {
  const ring = new MpscRing({ capacity: 4, recordWords: 1 });
  for (let i = 0; i < 4; i++) ring.push(10 + i);
  assert.equal(ring.size(), 4);
  // The next slot is still occupied: the next record would go to the overflow.
  const w = new Int32Array(ring.handle.sab);
  const head = w[RING.HEAD];
  const seq = w[RING.SLOTS + (head & 3) * 2];
  assert.ok(((seq - head) | 0) < 0, "slot after a full lap looks free");
  assert.deepEqual(drainAll(ring).map((r) => r[0]), [10, 11, 12, 13]);
  assert.equal(ring.overflowed(), 0);
});

Deno.test("MpscRing: record words 1..4 with push, missing words are 0", () => {
  for (let n = 1; n <= 4; n++) {
    const ring = new MpscRing({ capacity: 4, recordWords: n });
    ring.push(1, 2, 3, 4); // words past recordWords are ignored
    ring.push(9); // missing words are 0
    const want1: Rec = [1, 2, 3, 4].map((v, i) => (i < n ? v : 0)) as Rec;
    assert.deepEqual(drainAll(ring), [want1, [9, 0, 0, 0]], `recordWords ${n}`);
    // The ring never wrote past the record into the next slot.
    const w = new Int32Array(ring.handle.sab);
    const stride = 1 + n;
    assert.equal(w[RING.SLOTS + 2 * stride], 2, "third slot's sequence was overwritten");
  }
  // Negative and extreme Int32 values survive.
  const ring = new MpscRing({ capacity: 2, recordWords: 4 });
  ring.push(-1, 0x7fffffff, -0x80000000, 12345);
  assert.deepEqual(drainAll(ring), [[-1, 0x7fffffff, -0x80000000, 12345]]);
});

Deno.test("MpscRing: pushArray stores every word; drain delivers the first four", () => {
  const ring = new MpscRing({ capacity: 4, recordWords: 6 });
  ring.pushArray([1, 2, 3, 4, 5, 6]);
  ring.pushArray([7, 8]); // short: the rest is 0
  const w = new Int32Array(ring.handle.sab);
  const stride = 7;
  assert.deepEqual(Array.from(w.subarray(RING.SLOTS + 1, RING.SLOTS + stride)), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    Array.from(w.subarray(RING.SLOTS + stride + 1, RING.SLOTS + 2 * stride)),
    [7, 8, 0, 0, 0, 0],
  );
  assert.deepEqual(drainAll(ring), [[1, 2, 3, 4], [7, 8, 0, 0]]);

  const two = new MpscRing({ capacity: 2, recordWords: 2 });
  two.pushArray(new Int32Array([5, 6, 7]));
  assert.deepEqual(drainAll(two), [[5, 6, 0, 0]]);
});

Deno.test("MpscRing: drain limit, hasData, size and pushed", () => {
  const ring = new MpscRing({ capacity: 16, recordWords: 1 });
  assert.equal(ring.hasData(), false);
  for (let i = 0; i < 10; i++) ring.push(i);
  assert.equal(ring.hasData(), true);
  assert.equal(ring.size(), 10);
  assert.equal(ring.pushed(), 10);
  assert.deepEqual(drainAll(ring, 3).map((r) => r[0]), [0, 1, 2]);
  assert.equal(ring.size(), 7);
  assert.deepEqual(drainAll(ring, 0), []);
  assert.equal(ring.size(), 7);
  assert.deepEqual(drainAll(ring, 1).map((r) => r[0]), [3]);
  assert.deepEqual(drainAll(ring, 100).map((r) => r[0]), [4, 5, 6, 7, 8, 9]);
  assert.equal(ring.size(), 0);
  assert.equal(ring.hasData(), false);
  assert.deepEqual(drainAll(ring), []);
  assert.equal(ring.pushed(), 10);
  // The default limit is one lap.
  for (let i = 0; i < 16; i++) ring.push(i);
  assert.equal(drainAll(ring).length, 16);
});

Deno.test("MpscRing: a callback that drains again never sees a record twice", () => {
  const ring = new MpscRing({ capacity: 16, recordWords: 1 });
  for (let i = 0; i < 12; i++) ring.push(i);
  const seen: number[] = [];
  const nested: number[] = [];
  const outer = ring.drain((r0) => {
    seen.push(r0);
    if (r0 === 2) {
      // A nested event loop inside a handler: takes two records.
      ring.drain((x) => {
        seen.push(x);
        nested.push(x);
      }, 2);
    }
    if (r0 === 7) {
      ring.drain((x) => {
        seen.push(x);
        nested.push(x);
      });
    }
  });
  assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => i));
  assert.equal(new Set(seen).size, 12);
  assert.deepEqual(nested, [3, 4, 8, 9, 10, 11]);
  assert.equal(outer, 6);
  assert.equal(ring.size(), 0);
  assert.equal(ring.hasData(), false);
});

Deno.test("MpscRing: a record whose callback throws is still consumed", () => {
  const ring = new MpscRing({ capacity: 8, recordWords: 1 });
  for (const v of [1, 2, 3, 4]) ring.push(v);
  const seen: number[] = [];
  assert.throws(() =>
    ring.drain((r0) => {
      seen.push(r0);
      if (r0 === 2) throw new Error("boom");
    }), /boom/);
  assert.deepEqual(seen, [1, 2]);
  assert.equal(ring.size(), 2);
  assert.deepEqual(drainAll(ring).map((r) => r[0]), [3, 4]);
  // Slots are reusable afterwards.
  for (let i = 0; i < 8; i++) ring.push(100 + i);
  assert.deepEqual(drainAll(ring).map((r) => r[0]), [100, 101, 102, 103, 104, 105, 106, 107]);
});

Deno.test("MpscRing: positions survive Int32 wrap-around", () => {
  const ring = new MpscRing({ capacity: 8, recordWords: 1 });
  const w = new Int32Array(ring.handle.sab);
  // Pretend 2^31 - 5 records have gone through: head = tail = start and
  // each slot's sequence says "free for the position that maps to it".
  const start = 0x7fffffff - 4;
  w[RING.HEAD] = start;
  w[RING.TAIL] = start;
  for (let k = 0; k < 8; k++) {
    const pos = (start + k) | 0;
    w[RING.SLOTS + (pos & 7) * 2] = pos;
  }
  const got: number[] = [];
  for (let i = 0; i < 40; i++) {
    ring.push(i);
    ring.push(1000 + i);
    assert.equal(ring.size(), 2, `size at step ${i}`);
    assert.equal(ring.hasData(), true);
    ring.drain((r0) => got.push(r0));
  }
  const want: number[] = [];
  for (let i = 0; i < 40; i++) want.push(i, 1000 + i);
  assert.deepEqual(got, want);
  assert.ok(w[RING.HEAD] < 0, "head did not wrap");
  assert.equal(ring.pushed(), ((start + 80) | 0) >>> 0);
});

Deno.test("MpscRing: records pushed in a worker arrive in order in the main thread", async () => {
  const ring = new MpscRing({ capacity: 32, recordWords: 3 });
  const records = Array.from({ length: 20 }, (_, i) => [i, i * i, ~i]);
  const pushed = await runInThread<number>(FIXTURE, "pushRecords", ring.handle, records);
  assert.equal(pushed, 20);
  assert.equal(ring.size(), 20);
  assert.deepEqual(drainAll(ring), records.map((r) => [...r, 0]));
});

Deno.test("MpscRing: 3 producer threads x 100,000 records into 64 slots, none lost", async () => {
  const PRODUCERS = 3;
  const N = 100_000;
  const ring = new MpscRing({ capacity: 64, recordWords: 2 });
  const s = new Int32Array(new SharedArrayBuffer(RING_SYNC.WORDS * 4));
  const start = new Barrier(PRODUCERS);
  const consumer = runInThread<ConsumerSummary>(
    FIXTURE,
    "consume",
    ring.handle,
    s.buffer,
    PRODUCERS,
  );
  const producers = Array.from(
    { length: PRODUCERS },
    (_, p) => runInThread<number>(FIXTURE, "produce", ring.handle, s.buffer, start.handle, p, N),
  );
  const [sum, ...ids] = await Promise.all([consumer, ...producers]);
  assert.equal(new Set([sum.id, ...ids]).size, PRODUCERS + 1, "threads share an id");
  assert.equal(sum.badProducer, 0);
  assert.equal(sum.behind, 0, "a record was duplicated or reordered");
  assert.equal(sum.ahead, 0, "a record was lost or reordered");
  assert.deepEqual(sum.next, new Array(PRODUCERS).fill(N));
  assert.equal(sum.total, PRODUCERS * N);
  assert.ok(sum.sizeAtStart >= 64, `size ${sum.sizeAtStart} when the consumer started`);
  // The consumer waited for a full ring, so producers had to use the overflow.
  assert.ok(ring.overflowed() > 0, "no producer ever found the ring full");
  assert.equal(ring.pushed() + ring.overflowed(), PRODUCERS * N);
  assert.equal(ring.size(), 0);
  assert.equal(ring.hasData(), false);
  const w = new Int32Array(ring.handle.sab);
  assert.equal(w[RING.OVF_LOCK], 0, "the overflow lock is still held");
  assert.equal(w[RING.OVF_COUNT], 0);
});

Deno.test({
  // Regression (lib/sync/mpsc_ring.ts, fixed): capacity 1 is accepted, but Vyukov's
  // bounded queue needs at least two slots. With one slot, a published
  // record's sequence (pos + 1) equals the next position, so the next
  // producer claims the same slot while it still holds an unread record:
  // the record is overwritten, the slot's sequence becomes pos + 2, and the
  // consumer (which waits for pos + 1) never sees any record again.
  name: "MpscRing: a capacity-1 ring keeps both records instead of overwriting",
  async fn() {
    let ring: MpscRing;
    try {
      ring = new MpscRing({ capacity: 1, recordWords: 1 });
    } catch (err) {
      // Refusing capacity 1 is an acceptable fix too.
      assert.ok(err instanceof RangeError, String(err));
      return;
    }
    let done = false;
    const job = runInThread<number>(FIXTURE, "pushRecords", ring.handle, [[1], [2]]).finally(
      () => done = true,
    );
    const got: number[] = [];
    const deadline = Date.now() + 30_000;
    // Drain (the single consumer) until the producer finished and nothing is left.
    while (!done || ring.hasData()) {
      ring.drain((r0) => got.push(r0));
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    await job;
    assert.deepEqual(got, [1, 2]);
    assert.equal(ring.size(), 0);
  },
});

Deno.test({
  // Regression (lib/sync/mpsc_ring.ts drain, fixed): the doc said drain "calls fn for each
  // record present when the call started (at most limit)", but drain keeps
  // going while records are present, so records pushed during the drain
  // (here by the callback itself, as a bottom half that reschedules itself
  // would) are delivered by the same call, up to `limit` (one lap by
  // default). AioContext works around it by passing size() as the limit.
  name: "MpscRing: drain delivers only the records present when it started",
  fn() {
    const ring = new MpscRing({ capacity: 8, recordWords: 1 });
    ring.push(1);
    const seen: number[] = [];
    const n = ring.drain((r0) => {
      seen.push(r0);
      if (r0 < 5) ring.push(r0 + 1);
    });
    assert.deepEqual(seen, [1]);
    assert.equal(n, 1);
    assert.equal(ring.size(), 1);
  },
});

// ------------------------------------------------------------------ overflow

function pushSeq(ring: MpscRing, from: number, to: number): void {
  for (let i = from; i < to; i++) ring.push(i);
}

function drainSeq(ring: MpscRing, limit?: number): number[] {
  const got: number[] = [];
  ring.drain((r0) => got.push(r0), limit);
  return got;
}

Deno.test("MpscRing overflow: a full ring never makes push wait; one producer's records stay FIFO across ring and overflow", () => {
  const ring = new MpscRing({ capacity: 4, recordWords: 1 });
  pushSeq(ring, 0, 10); // 4 in the ring, 6 in the overflow
  assert.equal(ring.size(), 10);
  assert.equal(ring.overflowed(), 6);
  assert.equal(ring.hasData(), true);
  assert.deepEqual(drainSeq(ring), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(ring.size(), 0);
  assert.equal(ring.consumerHasData(), false);
  // Back on the ring once the overflow is empty.
  pushSeq(ring, 10, 12);
  assert.equal(ring.overflowed(), 6);
  assert.deepEqual(drainSeq(ring), [10, 11]);
  // While records wait in the overflow, new ones queue behind them even
  // when the ring has room again.
  pushSeq(ring, 12, 20);
  assert.deepEqual(drainSeq(ring, 4), [12, 13, 14, 15]); // the ring only
  pushSeq(ring, 20, 22); // the ring has room, but 16..19 still overflow
  assert.deepEqual(drainSeq(ring), [16, 17, 18, 19, 20, 21]);
});

Deno.test("MpscRing overflow: many laps with growth and wrap-around keep FIFO; memory follows the peak", () => {
  const ring = new MpscRing({ capacity: 2, recordWords: 2 });
  const got: number[] = [];
  const fn = (a: number, b: number) => {
    assert.equal(b, ~a);
    got.push(a);
  };
  let next = 0;
  const push = (n: number) => {
    for (let i = 0; i < n; i++, next++) ring.push(next, ~next);
  };
  push(1500); // 2 in the ring, 1498 in the overflow
  ring.drain(fn); // the ring, then one batch of the overflow
  push(1600); // fills the overflow's buffer past its read point: it grows and unwraps
  while (ring.size() > 0 || ring.consumerPending() > 0) ring.drain(fn);
  for (let lap = 0; lap < 50; lap++) {
    push(1 + (lap * 37) % 300);
    ring.drain(fn, 1 + (lap * 11) % 200);
  }
  while (ring.consumerPending() > 0) ring.drain(fn);
  assert.deepEqual(got, Array.from({ length: next }, (_, i) => i));
  const peak = ring.overflowPeak();
  assert.ok(peak >= 2048, `peak ${peak}`);
  const bytes = ring.handle.overflow.byteLength;
  assert.ok(bytes <= 2 * peak * 2 * 4, `overflow ${bytes} bytes for a peak of ${peak} records`);
  // Same load again: no further growth.
  push(1500);
  while (ring.consumerPending() > 0) ring.drain(fn);
  assert.equal(ring.handle.overflow.byteLength, bytes);
});

Deno.test("MpscRing overflow: a batch waits for ring records claimed before it, even unpublished ones", () => {
  const ring = new MpscRing({ capacity: 4, recordWords: 1 });
  const w = new Int32Array(ring.handle.sab);
  // Another producer claims position 0 and has not published it yet.
  assert.equal(Atomics.compareExchange(w, RING.HEAD, 0, 1), 0);
  pushSeq(ring, 1, 4); // positions 1..3: the ring is full
  pushSeq(ring, 4, 6); // the overflow
  assert.deepEqual(drainSeq(ring), [], "nothing before the unpublished record");
  assert.equal(ring.consumerHasData(), false, "nothing runnable: the consumer may sleep");
  assert.equal(ring.consumerPending(), 6);
  // The other producer publishes record 0.
  w[RING.SLOTS + 1] = 0;
  Atomics.store(w, RING.SLOTS, 1);
  assert.equal(ring.consumerHasData(), true);
  assert.deepEqual(drainSeq(ring), [0, 1, 2, 3, 4, 5]);
});

Deno.test("MpscRing: consumerPeek answers as consumerHasData in every state (ring, overflow, batch, unpublished)", () => {
  const ring = new MpscRing({ capacity: 4, recordWords: 1 });
  const w = new Int32Array(ring.handle.sab);
  const both = (want: boolean, what: string): void => {
    assert.equal(ring.consumerHasData(), want, `consumerHasData ${what}`);
    assert.equal(ring.consumerPeek(), want, `consumerPeek ${what}`);
  };
  both(false, "empty");
  pushSeq(ring, 0, 2);
  both(true, "records in the ring");
  drainSeq(ring, 1);
  both(true, "one left");
  drainSeq(ring);
  both(false, "drained");
  // An unpublished claim ahead of a full ring and an overflow: nothing runnable.
  const head = Atomics.load(w, RING.HEAD);
  assert.equal(Atomics.compareExchange(w, RING.HEAD, head, head + 1), head);
  pushSeq(ring, 10, 13);
  pushSeq(ring, 13, 15);
  both(true, "the overflow holds records");
  assert.deepEqual(drainSeq(ring), [], "nothing before the unpublished record");
  both(false, "the overflow's batch waits behind the unpublished record");
  const at = RING.SLOTS + (head & 3) * 2;
  w[at + 1] = 9;
  Atomics.store(w, at, head + 1);
  both(true, "once it is published");
  assert.deepEqual(drainSeq(ring, 2), [9, 10]);
  both(true, "ring records and the overflow's batch still pending");
  assert.deepEqual(drainSeq(ring), [11, 12, 13, 14]);
  both(false, "all taken");
});

Deno.test("MpscRing overflow: nested drains and a throwing callback neither repeat nor reorder records", () => {
  const ring = new MpscRing({ capacity: 2, recordWords: 1 });
  pushSeq(ring, 0, 12);
  const got: number[] = [];
  const fn = (r0: number): void => {
    got.push(r0);
    if (r0 === 1 || r0 === 4) ring.drain(fn, 2); // a nested event loop
    if (r0 === 7) throw new Error("boom");
  };
  assert.throws(() => ring.drain(fn), /boom/);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(ring.consumerPending(), 4);
  ring.push(12); // queues behind the records still pending
  while (ring.consumerPending() > 0) ring.drain(fn);
  assert.deepEqual(got, Array.from({ length: 13 }, (_, i) => i));
});

Deno.test("MpscRing overflow: drain delivers only the overflow records present when it started", () => {
  const ring = new MpscRing({ capacity: 2, recordWords: 1 });
  pushSeq(ring, 0, 3); // record 2 overflows
  const got: number[] = [];
  ring.drain((r0) => {
    got.push(r0);
    if (r0 === 2) ring.push(3); // the overflow is empty again: into the ring
    if (r0 === 1) ring.push(100); // behind record 2 in the overflow
  });
  assert.deepEqual(got, [0, 1, 2]);
  assert.deepEqual(drainSeq(ring), [100, 3]);
});

Deno.test("MpscRing overflow: at overflowLimit push throws a RangeError and the ring stays usable", () => {
  assert.throws(() => new MpscRing({ overflowLimit: 0 }), /overflowLimit must be an integer/);
  const ring = new MpscRing({ capacity: 2, recordWords: 1, overflowLimit: 3 });
  pushSeq(ring, 0, 5);
  assert.throws(
    () => ring.push(5),
    (e: Error) => e instanceof RangeError && /overflow full: 3 records/.test(e.message),
  );
  assert.equal(new Int32Array(ring.handle.sab)[RING.OVF_LOCK], 0, "lock released");
  assert.deepEqual(drainSeq(ring), [0, 1, 2, 3, 4]);
  pushSeq(ring, 5, 10);
  assert.deepEqual(drainSeq(ring), [5, 6, 7, 8, 9]);
});

Deno.test("MpscRing overflow: records longer than four words keep every word", () => {
  const ring = new MpscRing({ capacity: 2, recordWords: 6 });
  for (let i = 0; i < 4; i++) ring.pushArray([i, 1, 2, 3, 4, 5]);
  ring.push(9, 8, 7, 6); // words 4 and 5 are 0
  const o = new Int32Array(ring.handle.overflow);
  assert.deepEqual([...o.subarray(6, 12)], [3, 1, 2, 3, 4, 5]);
  assert.deepEqual([...o.subarray(12, 18)], [9, 8, 7, 6, 0, 0]);
  const got: number[][] = [];
  ring.drain((a, b, c, d) => got.push([a, b, c, d]));
  assert.deepEqual(got.map((r) => r[0]), [0, 1, 2, 3, 9]);
});
