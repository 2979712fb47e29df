import assert from "node:assert/strict";
import { MUTEX, REC_MUTEX } from "./layout.ts";
import { RecMutex } from "./rec_mutex.ts";
import { runInThread } from "../testing/thread.ts";
import { waitFor } from "../testing/wait.ts";
import { REC_SYNC } from "./testdata/rec_mutex.ts";
import { withCleanup } from "../testing/cleanup.ts";

const FIXTURE = new URL("./testdata/rec_mutex.ts", import.meta.url);

function recWords(r: RecMutex): Int32Array {
  return new Int32Array(r.handle.sab, REC_MUTEX.REC_BYTE, 4);
}

function mutexState(r: RecMutex): number {
  return Atomics.load(new Int32Array(r.handle.sab, 0, 4), MUTEX.STATE);
}

Deno.test("RecMutex: nesting depth, heldByMe and the nested statistic", () => {
  const r = new RecMutex({ stats: true });
  assert.equal(r.depth(), 0);
  assert.equal(r.heldByMe(), false);
  r.lock();
  assert.equal(r.depth(), 1);
  assert.equal(r.heldByMe(), true);
  r.lock();
  assert.equal(r.depth(), 2);
  assert.equal(r.tryLock(), true, "tryLock by the holder must nest");
  assert.equal(r.depth(), 3);
  assert.equal(recWords(r)[REC_MUTEX.OWNER], 1);
  assert.equal(mutexState(r), 1);
  r.unlock();
  assert.equal(r.depth(), 2);
  assert.equal(r.heldByMe(), true);
  r.unlock();
  assert.equal(r.depth(), 1);
  assert.equal(mutexState(r), 1, "inner lock released before depth reached 0");
  r.unlock();
  assert.equal(r.depth(), 0);
  assert.equal(r.heldByMe(), false);
  assert.equal(mutexState(r), 0);
  assert.equal(recWords(r)[REC_MUTEX.OWNER], 0);

  const st = r.stats();
  assert.equal(st.nested, 2);
  assert.equal(st.acquired, 1, "nested acquisitions must not re-acquire the inner mutex");
  assert.equal(st.perThread.length, 1);
  assert.equal(st.perThread[0].threadId, 0);

  // A second top-level acquisition adds to acquired, not to nested.
  assert.equal(r.tryLock(), true);
  r.unlock();
  assert.equal(r.stats().acquired, 2);
  assert.equal(r.stats().nested, 2);
});

Deno.test("RecMutex: name, options and handle", () => {
  const d = new RecMutex();
  assert.equal(d.handle.name, "rec-mutex");
  assert.equal(d.handle.sab.byteLength, REC_MUTEX.BYTES);
  assert.equal(d.stats().name, "rec-mutex");
  const inner = new Int32Array(d.handle.sab, 0, 4);
  assert.equal(inner[MUTEX.STATS_ON], 0);

  const r = new RecMutex({ name: "ctx", stats: true, spin: 9 });
  const w = new Int32Array(r.handle.sab, 0, 4);
  assert.equal(r.handle.name, "ctx");
  assert.equal(w[MUTEX.STATS_ON], 1);
  assert.equal(w[MUTEX.SPIN], 9);
  assert.equal(r.stats().name, "ctx");

  // Another object from a cloned handle is the same lock.
  const other = RecMutex.fromHandle(structuredClone(r.handle));
  r.lock();
  assert.equal(other.heldByMe(), true);
  assert.equal(other.depth(), 1);
  other.lock();
  assert.equal(r.depth(), 2);
  other.unlock();
  r.unlock();
  assert.equal(other.heldByMe(), false);
  assert.equal(mutexState(r), 0);
});

Deno.test("RecMutex: unlock while not locked throws and changes nothing", () => {
  const r = new RecMutex({ name: "free" });
  assert.throws(() => r.unlock(), {
    name: "Error",
    message: 'rec-mutex "free": unlock by thread 0 (orchestrator) but it is not locked',
  });
  assert.equal(recWords(r)[REC_MUTEX.DEPTH], 0);
  r.lock();
  r.unlock();
  assert.throws(() => r.unlock(), /but it is not locked/);
  assert.equal(r.tryLock(), true);
  r.unlock();
});

Deno.test("RecMutex: another thread is excluded at depth 2 and 1, admitted at 0", async () => {
  const r = new RecMutex({ name: "phases" });
  const s = new Int32Array(new SharedArrayBuffer(REC_SYNC.WORDS * 4));
  r.lock();
  r.lock();
  const job = runInThread<{ got: boolean; depth: number; heldByMe: boolean }[]>(
    FIXTURE,
    "tryInPhases",
    r.handle,
    s.buffer,
    3,
  );
  const phase = async (k: number) => {
    Atomics.store(s, REC_SYNC.PHASE, k);
    Atomics.notify(s, REC_SYNC.PHASE);
    await waitFor(() => Atomics.load(s, REC_SYNC.ACK) === k, `worker phase ${k}`, { watch: job });
  };
  try {
    await phase(1); // depth 2
    assert.equal(r.depth(), 2);
    r.unlock();
    await phase(2); // depth 1
    assert.equal(r.depth(), 1);
    assert.equal(r.heldByMe(), true);
    r.unlock();
    await phase(3); // free
  } finally {
    while (r.heldByMe()) r.unlock();
  }
  const out = await job;
  assert.deepEqual(out, [
    { got: false, depth: 0, heldByMe: false },
    { got: false, depth: 0, heldByMe: false },
    { got: true, depth: 1, heldByMe: true },
  ]);
  assert.equal(mutexState(r), 0);
  assert.equal(recWords(r)[REC_MUTEX.OWNER], 0);
});

Deno.test("RecMutex: a blocked locker gets in only after both unlocks", async () => {
  const r = new RecMutex({ name: "ctx", stats: true });
  r.lock();
  r.lock();
  const job = runInThread<{
    id: number;
    depth1: number;
    depth2: number;
    heldByMe: boolean;
    depthAfter: number;
  }>(FIXTURE, "lockBlocking", r.handle);
  try {
    // The futex word goes to 2 once the worker gave up spinning and sleeps.
    await waitFor(() => mutexState(r) === 2, "the worker to block", { watch: job });
    r.unlock();
    // Still ours at depth 1: the sleeper was not woken and cannot get in.
    assert.equal(r.depth(), 1);
    assert.equal(r.heldByMe(), true);
    assert.equal(mutexState(r), 2);
    assert.equal(recWords(r)[REC_MUTEX.OWNER], 1);
  } finally {
    while (r.heldByMe()) r.unlock();
  }
  const w = await job;
  assert.ok(w.id >= 1);
  assert.equal(w.depth1, 1);
  assert.equal(w.depth2, 2);
  assert.equal(w.heldByMe, true);
  assert.equal(w.depthAfter, 0);
  assert.equal(mutexState(r), 0);

  const st = r.stats();
  assert.equal(st.acquired, 2);
  assert.equal(st.nested, 2); // one by main, one by the worker
  const main = st.perThread.find((t) => t.threadId === 0);
  const worker = st.perThread.find((t) => t.threadId === w.id);
  assert.equal(main?.acquired, 1);
  assert.equal(main?.contended, 0);
  assert.equal(worker?.acquired, 1);
  assert.equal(worker?.contended, 1);
  assert.equal(worker?.slept, 1);
});

Deno.test("RecMutex: unlock by a thread that does not hold it throws", async () => {
  const r = new RecMutex({ name: "owned" });
  r.lock();
  r.lock();
  await withCleanup(async () => {
    const w = await runInThread<{ id: number; error: string | null }>(
      FIXTURE,
      "unlockForeign",
      r.handle,
    );
    assert.equal(
      w.error,
      `rec-mutex "owned": unlock by thread ${w.id} (test-${w.id}) but it is held by thread 0`,
    );
    assert.equal(r.depth(), 2, "foreign unlock changed the depth");
    assert.equal(r.heldByMe(), true);
    assert.equal(mutexState(r), 1);
  }, () => {
    r.unlock();
    r.unlock();
  });
  const free = await runInThread<{ id: number; error: string | null }>(
    FIXTURE,
    "unlockForeign",
    r.handle,
  );
  assert.equal(
    free.error,
    `rec-mutex "owned": unlock by thread ${free.id} (test-${free.id}) but it is not locked`,
  );
});

const OWNER_FIXTURE = new URL("./testdata/lock_owner.ts", import.meta.url);

Deno.test("RecMutex: a thread given a dead holder's recycled id does not inherit the lock (tryLock fails, unlock refused)", async () => {
  const r = new RecMutex({ name: "orphan-rec" });
  const deadId = await runInThread<number>(OWNER_FIXTURE, "recLockAndExit", r.handle);
  const seen = await runInThread<import("./testdata/lock_owner.ts").Inherited>(
    OWNER_FIXTURE,
    "tryInheritRecMutex",
    r.handle,
  );
  assert.equal(
    seen.id,
    deadId,
    "the second thread must get the recycled id for this test to mean anything",
  );
  assert.equal(seen.tryLock, false, "a new thread must not inherit a dead thread's recursive lock");
  assert.match(seen.unlockError, new RegExp(`held by thread ${deadId}, which has exited`));
  assert.equal(r.depth(), 0);
});
