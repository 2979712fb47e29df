import assert from "node:assert/strict";
import { lockTimingSink, MAX_LOCK_TIMING_SLOT, setLockTimingSink } from "./lock_timing.ts";
import { Mutex } from "./mutex.ts";
import { RecMutex } from "./rec_mutex.ts";
import { Barrier } from "../testing/barrier.ts";
import { runInThread } from "../testing/thread.ts";
import { waitFor } from "../testing/wait.ts";
import { SYNC } from "./testdata/mutex.ts";
import { newTally, type SinkTally, tallySink } from "./testdata/lock_timing.ts";

const FIXTURE = new URL("./testdata/lock_timing.ts", import.meta.url);

function syncWords(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(SYNC.WORDS * 4));
}

Deno.test("lock timing: slots are checked; a sink is this thread's until removed", () => {
  assert.throws(() => setLockTimingSink(0, null), /1\.\.1023, got 0/);
  assert.throws(() => setLockTimingSink(MAX_LOCK_TIMING_SLOT + 1, null), /got 1024/);
  assert.throws(() => new Mutex({ stats: true }).setTimingSlot(-1), /0\.\.1023, got -1/);
  assert.throws(() => new Mutex().setTimingSlot(2), /without statistics/);
  const t = newTally();
  setLockTimingSink(11, tallySink(t));
  try {
    const m = new Mutex({ stats: true });
    m.lock();
    m.unlock();
    assert.equal(t.waits + t.holds, 0, "a lock without a slot reports nothing");
    m.setTimingSlot(11);
    // Another view of the same lock (as another Worker would build) sees the slot.
    const view = Mutex.fromHandle(m.handle);
    assert.equal(view.timingSlot, 11);
    view.lock();
    view.unlock();
    assert.ok(view.tryLock());
    view.unlock();
    assert.equal(t.waits, 0, "uncontended acquisitions report no wait (the statistics count them)");
    assert.equal(t.holds, 2);
    assert.ok(t.holdSumNs <= m.stats().holdTotalNs, "the first hold (no slot yet) was not timed");
    m.setTimingSlot(0);
    m.lock();
    m.unlock();
    assert.equal(t.holds, 2, "slot 0: timing off");
  } finally {
    setLockTimingSink(11, null);
  }
  assert.equal(lockTimingSink(11), null);
});

Deno.test("lock timing: a RecMutex times the outermost lock and unlock only", () => {
  const t = newTally();
  setLockTimingSink(12, tallySink(t));
  try {
    const r = new RecMutex({ stats: true });
    r.setTimingSlot(12);
    r.lock();
    r.lock();
    r.unlock();
    r.unlock();
    assert.equal(t.waits, 0);
    assert.equal(t.holds, 1);
    assert.equal(t.holdSumNs, r.stats().holdTotalNs);
  } finally {
    setLockTimingSink(12, null);
  }
});

Deno.test("lock timing: a contended lock taken from two threads reaches each thread's own sink", async () => {
  const m = new Mutex({ name: "timed", stats: true, spin: 0 });
  m.setTimingSlot(13);
  const mine = newTally();
  setLockTimingSink(13, tallySink(mine));
  try {
    const s = syncWords();
    const job = runInThread<SinkTally>(FIXTURE, "timedHoldUntilContended", m.handle, s.buffer, 13);
    await waitFor(() => Atomics.load(s, SYNC.PHASE) === 1, "the worker to lock", { watch: job });
    m.lock(); // waits until the worker sees this thread asleep and unlocks
    m.unlock();
    const theirs = await job;
    const st = m.stats();
    const by = new Map(st.perThread.map((p) => [p.threadId, p]));
    assert.notEqual(theirs.threadId, mine.threadId);
    for (const t of [mine, theirs]) {
      const p = by.get(t.threadId)!;
      assert.equal(
        t.waits,
        p.contended,
        `thread ${t.threadId}: one wait per contended acquisition`,
      );
      assert.equal(t.holds, p.acquired, `thread ${t.threadId}: one hold per release`);
      assert.equal(t.waitSumNs, p.waitTotalNs);
      assert.equal(t.holdSumNs, p.holdTotalNs);
    }
    assert.equal(mine.nonZeroWaits, 1, "this thread waited for the worker");
    assert.equal(theirs.waits, 0, "the worker found the lock free");
    assert.equal(mine.holds + theirs.holds, st.acquired);
  } finally {
    setLockTimingSink(13, null);
  }
});

Deno.test("lock timing: 3 threads hammering one lock: the sinks' counts add up to the lock's", async () => {
  const THREADS = 3;
  const N = 50_000;
  const m = new Mutex({ name: "hammered", stats: true });
  m.setTimingSlot(14);
  const s = syncWords();
  const start = new Barrier(THREADS);
  const tallies = await Promise.all(
    Array.from(
      { length: THREADS },
      () => runInThread<SinkTally>(FIXTURE, "timedHammer", m.handle, s.buffer, start.handle, N, 14),
    ),
  );
  assert.equal(s[SYNC.COUNTER], THREADS * N);
  const st = m.stats();
  const by = new Map(st.perThread.map((p) => [p.threadId, p]));
  let holds = 0, contended = 0;
  for (const t of tallies) {
    const p = by.get(t.threadId)!;
    assert.equal(t.waits, p.contended, "one wait per contended acquisition");
    assert.equal(t.holds, N);
    assert.equal(t.waitSumNs, p.waitTotalNs);
    assert.equal(t.holdSumNs, p.holdTotalNs);
    holds += t.holds;
    contended += p.contended;
  }
  assert.equal(holds, st.acquired);
  assert.equal(contended, st.contended);
});
