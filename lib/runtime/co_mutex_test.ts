// CoMutex (QEMU_SEMANTICS.md §1.13, invariant 26): fast path, FIFO hand-over
// in one context and across contexts, hand-over across threads through the
// waiters' doorbells, the bounded spin, misuse errors, and mutual exclusion
// of a plain counter incremented by coroutines of 4 IoThreads.
//
// Style: single-thread tests step poll(false) and assert the log and the
// statistics after each step; cross-thread tests wait for shared words with
// Atomics.waitAsync (no timing assertion).

import assert from "node:assert/strict";
import { withCleanup } from "../testing/cleanup.ts";
import { waitFor } from "../testing/wait.ts";
import { CO_MUTEX, CO_MUTEX_STAT, CO_WAITER } from "./layout.ts";
import { currentThreadId } from "../sync/thread_id.ts";
import { runInThread } from "../testing/thread.ts";
import { AioContext } from "./aio_context.ts";
import {
  aioCoScheduleRemote,
  aioCoWake,
  coEnter,
  Coroutine,
  type CoroutineRef,
} from "./coroutine.ts";
import { CO_MUTEX_DEFAULT_SPIN, CoMutex, type CoMutexStats } from "./co_mutex.ts";
import { IoThread } from "./io_thread.ts";
import { COUNT, HAND } from "./testdata/co_mutex.ts";

const FIX = new URL("./testdata/co_mutex.ts", import.meta.url);
const ref = (name: string) => `${FIX.href}#${name}`;

function lockers(m: CoMutex): Int32Array {
  return new Int32Array(m.handle.sab, 0, CO_MUTEX.STATS_BYTE / 4);
}

function pick(s: CoMutexStats): Omit<CoMutexStats, "name"> {
  const { name: _, ...rest } = s;
  return rest;
}

/** A coroutine that locks, logs, parks holding the mutex, then unlocks. */
function holder(m: CoMutex, log: string[], tag: string): Coroutine {
  return Coroutine.create(
    function* () {
      yield* m.lock();
      log.push(`${tag} got`);
      yield; // holds it until woken
      log.push(`${tag} unlocks`);
      m.unlock();
    },
    null,
    tag,
  );
}

Deno.test("layout: CO_MUTEX header words, statistics area, context slots and waiter records do not overlap", () => {
  const header = [
    "LOCKED",
    "HOLDER_THREAD",
    "HOLDER_CO",
    "HOLDER_GEN",
    "HOLDER_CTX",
    "SPIN",
    "CONTEXTS",
    "CAPACITY",
    "Q_HEAD",
    "Q_TAIL",
    "SPINNING",
  ] as const;
  const words = header.map((k) => CO_MUTEX[k]);
  assert.equal(new Set(words).size, words.length, "distinct header words");
  assert.ok(words.every((w) => Number.isInteger(w) && w >= 0 && w * 4 < CO_MUTEX.STATS_BYTE));
  assert.equal(CO_MUTEX.STATS_BYTE % 8, 0, "Float64 statistics need 8-byte alignment");
  const stats = Object.entries(CO_MUTEX_STAT).filter(([k]) => k !== "COUNT").map(([, v]) => v);
  assert.equal(new Set(stats).size, stats.length);
  assert.ok(stats.every((v) => v >= 0 && v < CO_MUTEX_STAT.COUNT));
  assert.equal(CO_MUTEX.STATS_BYTE + CO_MUTEX_STAT.COUNT * 8, CO_MUTEX.CTX_SLOTS * 4);
  const rec = [CO_WAITER.SLOT, CO_WAITER.THREAD, CO_WAITER.CO, CO_WAITER.GEN];
  assert.deepEqual([...new Set(rec)].sort(), [0, 1, 2, 3]);
  assert.equal(CO_WAITER.WORDS, rec.length);
  // A real mutex: buffer size = slots + records, the last record fits.
  const m = new CoMutex({ contexts: 3, capacity: 5 });
  const w = new Int32Array(m.handle.sab);
  assert.equal(w[CO_MUTEX.CAPACITY], 8, "rounded up to a power of two");
  assert.equal(w.length, CO_MUTEX.CTX_SLOTS + 3 + 8 * CO_WAITER.WORDS);
});

Deno.test("CoMutex: uncontended lock and unlock (fast path), holder introspection, statistics", () => {
  const ctx = new AioContext({ name: "m-fast" });
  const m = new CoMutex({ name: "fast" });
  const seen: unknown[] = [];
  const co: Coroutine = Coroutine.create(
    function* () {
      yield* m.lock();
      seen.push([m.isLocked(), m.heldBySelf(), co.locksHeld]);
      m.unlock();
      seen.push([m.isLocked(), m.heldBySelf(), co.locksHeld]);
      yield* m.lock();
      m.unlock();
    },
    null,
    "fast-co",
  );
  coEnter(co, ctx);
  assert.deepEqual(seen, [[true, true, 1], [false, false, 0]]);
  assert.equal(co.terminated, true);
  assert.equal(m.isLocked(), false);
  assert.equal(m.heldBySelf(), false);
  assert.deepEqual(pick(m.stats()), {
    acquired: 2,
    contended: 0,
    spinAcquired: 0,
    queued: 0,
    remoteWakes: 0,
  });
  assert.equal(m.stats().name, "fast");
  assert.equal(CoMutex.fromHandle(structuredClone(m.handle)), m, "one object per thread");
  // A second object of the same mutex shares this thread's waiter bookkeeping.
  const twin = new CoMutex({}, structuredClone(m.handle));
  const log: string[] = [];
  const h = holder(m, log, "via-m");
  const w = holder(twin, log, "via-twin");
  coEnter(h, ctx);
  coEnter(w, ctx);
  aioCoWake(h);
  assert.deepEqual(log, ["via-m got", "via-m unlocks", "via-twin got"]);
  aioCoWake(w);
  assert.equal(twin.isLocked(), false);
  assert.equal(ctx.poll(false), false);
  ctx.destroy();
});

Deno.test("CoMutex: FIFO hand-over in one context; each waiter runs when the unlocker yields", () => {
  const ctx = new AioContext({ name: "m-fifo" });
  const m = new CoMutex({ name: "fifo" });
  const log: string[] = [];
  const h = holder(m, log, "h");
  const ws = ["w1", "w2", "w3"].map((t) => holder(m, log, t));
  coEnter(h, ctx);
  for (const w of ws) coEnter(w, ctx);
  assert.deepEqual(log, ["h got"], "the others queued");
  assert.equal(Atomics.load(lockers(m), CO_MUTEX.LOCKED), 4);
  assert.equal(ctx.poll(false), false, "waiters are not scheduled: nothing to do");

  aioCoWake(h); // h unlocks: w1 is the holder, woken after h terminates
  assert.deepEqual(log, ["h got", "h unlocks", "w1 got"]);
  assert.equal(ws[0].scheduled, false, "same context: a deferred wake, no BH");
  assert.equal(ctx.poll(false), false);
  aioCoWake(ws[0]);
  aioCoWake(ws[1]);
  assert.deepEqual(log.slice(3), ["w1 unlocks", "w2 got", "w2 unlocks", "w3 got"]);
  aioCoWake(ws[2]);
  assert.equal(m.isLocked(), false);
  assert.deepEqual(pick(m.stats()), {
    acquired: 4,
    contended: 3,
    spinAcquired: 0, // the holder ran in this thread: spinning could not help
    queued: 3,
    remoteWakes: 0,
  });
  assert.ok([h, ...ws].every((c) => c.terminated && c.locksHeld === 0));
  ctx.destroy();
});

Deno.test("CoMutex: a waiter in another context of the thread resumes in its own context (BH)", () => {
  const a = new AioContext({ name: "m-a" });
  const b = new AioContext({ name: "m-b" });
  const m = new CoMutex({ name: "two-ctx" });
  const log: string[] = [];
  const h = holder(m, log, "h");
  const w = holder(m, log, "w");
  coEnter(h, a);
  coEnter(w, b);
  aioCoWake(h); // unlock in a: w is woken in b
  assert.deepEqual(log, ["h got", "h unlocks"]);
  assert.equal(w.scheduled, true);
  assert.equal(a.poll(false), false);
  assert.equal(b.poll(false), true);
  assert.deepEqual(log, ["h got", "h unlocks", "w got"]);
  assert.equal(w.ctx, b);
  aioCoWake(w);
  assert.equal(m.isLocked(), false);
  assert.equal(m.stats().queued, 1);
  a.destroy();
  b.destroy();
});

Deno.test("CoMutex without an AioContext: the unlocker enters the waiter when they share a thread (QEMU's test_co_mutex)", () => {
  // tests/unit/test-coroutine.c, do_test_co_mutex: two coroutines entered
  // from a thread that runs no AioContext.
  const m = new CoMutex({ name: "test_co_mutex" });
  let locked = false;
  let done = 0;
  const mutexFn = function* () {
    yield* m.lock();
    assert.ok(!locked);
    locked = true;
    yield;
    locked = false;
    m.unlock();
    done++;
  };
  const c1 = Coroutine.create(mutexFn, null, "c1");
  const c2 = Coroutine.create(mutexFn, null, "c2");
  coEnter(c1);
  assert.ok(locked);
  assert.equal(c1.ctx, null, "no context anywhere");
  coEnter(c2); // waits
  assert.equal(Atomics.load(lockers(m), CO_MUTEX.LOCKED), 2, "c2 queued");
  // Unlock queues c2. It is then started automatically when c1 yields or
  // terminates.
  coEnter(c1);
  assert.equal(done, 1);
  assert.ok(locked, "c2 got the mutex and yielded holding it");
  assert.ok(c1.terminated);
  coEnter(c2);
  assert.equal(done, 2);
  assert.ok(!locked);
  assert.ok(c2.terminated);
  assert.equal(m.isLocked(), false);
  assert.deepEqual(pick(m.stats()), {
    acquired: 2,
    contended: 1,
    spinAcquired: 0,
    queued: 1,
    remoteWakes: 0,
  });
});

Deno.test("CoMutex without an AioContext: a waiter behind a coroutine of another thread is refused (nothing could wake it)", async () => {
  const m = new CoMutex({ name: "far", spin: 0 });
  const iot = await IoThread.create({ id: "m-far-io", pollMaxNs: 0 });
  await withCleanup(async () => {
    const shared = new Int32Array(new SharedArrayBuffer(HAND.WORDS * 4));
    const w = await iot.run<CoroutineRef>(ref("lockParkUnlock"), m.handle, shared.buffer);
    await waitFor({ words: shared, index: HAND.GOT, atLeast: 1 }, "the IoThread holds it", {
      watch: iot,
    });
    const nowhere = Coroutine.create(
      function* () {
        yield* m.lock();
        m.unlock();
      },
      null,
      "nowhere",
    );
    assert.throws(
      () => coEnter(nowhere),
      new RegExp(
        `"nowhere" must wait for a coroutine of thread ${iot.threadId} but runs in no AioContext`,
      ),
    );
    assert.equal(Atomics.load(lockers(m), CO_MUTEX.LOCKED), 1, "not counted among the lockers");
    aioCoScheduleRemote(iot.getAioContext(), w); // the holder unlocks
    await waitFor({ words: shared, index: HAND.RELEASED, atLeast: 1 }, "released", {
      watch: iot,
    });
    assert.equal(m.isLocked(), false);
  }, async () => {
    iot.stop();
    await iot.join();
  });
});

Deno.test("CoMutex: misuse throws clear errors", () => {
  const ctx = new AioContext({ name: "m-err" });
  const m = new CoMutex({ name: "strict" });
  assert.throws(() => m.lock(), /CoMutex "strict" lock outside coroutine context/);
  assert.throws(() => m.unlock(), /CoMutex "strict" unlock outside coroutine context/);

  const errOf = (fn: () => void): string => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof Error);
      return `${e.name}: ${e.message}`;
    }
    return "no error";
  };
  const run = (name: string, body: () => Generator<void, void, void>) =>
    errOf(() => coEnter(Coroutine.create(body, null, name), ctx));

  assert.match(
    run("unlocker", function* () {
      yield* [];
      m.unlock();
    }),
    /^CoroutineError: coroutine "unlocker" failed: CoMutex "strict": unlock by coroutine "unlocker" but it is not locked/,
  );
  assert.match(
    run("twice", function* () {
      yield* m.lock();
      yield* m.lock();
    }),
    /CoMutex "strict" locked recursively by coroutine "twice"/,
  );
  // "twice" died holding the mutex: the mutex stays locked by it.
  const log: string[] = [];
  assert.equal(m.isLocked(), true);
  assert.match(
    run("not-holder", function* () {
      yield* [];
      m.unlock();
    }),
    /unlock by coroutine "not-holder" but it is held by coroutine #\d+ of thread \d+/,
  );
  const fresh = new CoMutex({ name: "fresh" });
  assert.match(
    run("keeper", function* () {
      yield* fresh.lock();
    }),
    /^Error: Co-routine "keeper" terminated holding 1 CoMutex lock\(s\)/,
  );

  // Bounded waiter FIFO and context slots.
  const small = new CoMutex({ name: "small", capacity: 1, contexts: 1 });
  coEnter(holder(small, log, "s-holder"), ctx);
  coEnter(holder(small, log, "s-w1"), ctx);
  assert.match(
    errOf(() => coEnter(holder(small, log, "s-w2"), ctx)),
    /CoMutex "small": more than 1 waiters/,
  );
  const other = new AioContext({ name: "m-err-2" });
  assert.match(
    errOf(() => coEnter(holder(small, log, "s-w3"), other)),
    /coroutines of more than 1 contexts wait on it/,
  );
  other.destroy();
  assert.throws(() => new CoMutex({ spin: -1 }), RangeError);
  assert.throws(() => new CoMutex({ contexts: 0 }), RangeError);
  assert.throws(() => new CoMutex({ capacity: 1.5 }), RangeError);
  assert.equal(CO_MUTEX_DEFAULT_SPIN, 1000);
  ctx.destroy();
});

Deno.test("CoMutex across threads: hand-over both ways through the waiters' doorbells", async () => {
  const ctx = new AioContext({ name: "m-orch" });
  const m = new CoMutex({ name: "x-thread" });
  const iot = await IoThread.create({ id: "m-io", pollMaxNs: 0 });
  await withCleanup(async () => {
    const log: string[] = [];
    const shared = new Int32Array(new SharedArrayBuffer(HAND.WORDS * 4));
    const a = holder(m, log, "a");
    coEnter(a, ctx);

    // The IoThread's coroutine queues behind a (after its bounded spin).
    const w = await iot.run<CoroutineRef>(ref("lockParkUnlock"), m.handle, shared.buffer);
    await waitFor(
      { words: lockers(m), index: CO_MUTEX.LOCKED, atLeast: 2 },
      "the IoThread coroutine queued",
      { watch: iot },
    );
    assert.equal(Atomics.load(shared, HAND.GOT), 0);

    aioCoWake(a); // a unlocks: hand-over to the other thread, its doorbell rings
    assert.deepEqual(log, ["a got", "a unlocks"]);
    assert.equal(m.stats().remoteWakes, 1);
    await waitFor(
      { words: shared, index: HAND.GOT, atLeast: 1 },
      "the IoThread coroutine got the mutex",
      { watch: iot },
    );
    assert.equal(Atomics.load(shared, HAND.THREAD), iot.threadId, "it ran in its thread");
    assert.equal(Atomics.load(shared, HAND.CTX), iot.getAioContext().id + 1, "in its context");

    // Now a coroutine here queues behind the IoThread's holder.
    const b = holder(m, log, "b");
    coEnter(b, ctx);
    assert.deepEqual(log, ["a got", "a unlocks"], "b waits");
    assert.equal(ctx.poll(false), false);
    aioCoScheduleRemote(iot.getAioContext(), w); // the holder unlocks and rings our doorbell
    await waitFor(
      { words: shared, index: HAND.RELEASED, atLeast: 1 },
      "the IoThread coroutine released",
      { watch: iot },
    );
    assert.deepEqual(log, ["a got", "a unlocks"], "b resumes only from our loop");
    assert.equal(ctx.poll(false), true, "the doorbell handler enters b");
    assert.deepEqual(log, ["a got", "a unlocks", "b got"]);
    assert.equal(b.ctx, ctx);
    aioCoWake(b);
    assert.equal(m.isLocked(), false);
    assert.deepEqual(pick(m.stats()), {
      acquired: 3,
      contended: 2,
      spinAcquired: 0,
      queued: 2,
      remoteWakes: 2,
    });
  }, async () => {
    iot.stop();
    await iot.join();
    ctx.destroy();
  });
});

Deno.test("CoMutex: a locker spins while the holder runs in another thread and wins without queueing", async () => {
  const ctx = new AioContext({ name: "m-spin" });
  // A spin bound so large that only the release can end it.
  const m = new CoMutex({ name: "spinner", spin: 0x7fffffff });
  const iot = await IoThread.create({ id: "m-spin-io", pollMaxNs: 0 });
  await withCleanup(async () => {
    const shared = new Int32Array(new SharedArrayBuffer(HAND.WORDS * 4));
    const w = await iot.run<CoroutineRef>(ref("lockParkUnlock"), m.handle, shared.buffer);
    await waitFor(
      { words: shared, index: HAND.GOT, atLeast: 1 },
      "the IoThread coroutine holds the mutex",
      { watch: iot },
    );
    // A helper wakes the holder once it sees us spin (we cannot: we spin).
    const helper = runInThread<void>(
      FIX,
      "wakeWhenSpinning",
      shared.buffer,
      m.handle,
      iot.contextHandle,
      w,
    );
    await waitFor({ words: shared, index: HAND.READY, atLeast: 1 }, "the helper is ready", {
      watch: iot,
    });
    const log: string[] = [];
    const s = holder(m, log, "spinner");
    coEnter(s, ctx); // spins until the IoThread's unlock
    assert.deepEqual(log, ["spinner got"]);
    await helper;
    await waitFor({ words: shared, index: HAND.RELEASED, atLeast: 1 }, "released", { watch: iot });
    aioCoWake(s);
    assert.deepEqual(pick(m.stats()), {
      acquired: 2,
      contended: 1,
      spinAcquired: 1,
      queued: 0,
      remoteWakes: 0,
    });
  }, async () => {
    iot.stop();
    await iot.join();
    ctx.destroy();
  });
});

Deno.test("CoMutex: coroutines of 4 IoThreads keep a plain counter exact", async () => {
  const THREADS = 4;
  const CO = 4;
  const ITERS = 250;
  const m = new CoMutex({ name: "counter" });
  const shared = new Int32Array(new SharedArrayBuffer(COUNT.WORDS * 4));
  const iots = await Promise.all(
    Array.from(
      { length: THREADS },
      (_, i) => IoThread.create({ id: `m-count${i}`, pollMaxNs: i % 2 === 0 ? 0 : 32768 }),
    ),
  );
  await withCleanup(async () => {
    const threads = await Promise.all(
      iots.map((t) => t.run<number>(ref("mutexWorker"), m.handle, shared.buffer, CO, ITERS)),
    );
    assert.equal(new Set(threads).size, THREADS);
    assert.ok(!threads.includes(currentThreadId()));
    await waitFor(
      { words: shared, index: COUNT.DONE, atLeast: THREADS * CO },
      "every coroutine finished",
      { watch: iots },
    );
    assert.equal(Atomics.load(shared, COUNT.COUNTER), THREADS * CO * ITERS, "no lost update");
    assert.equal(Atomics.load(shared, COUNT.VIOLATIONS), 0, "never two holders");
    assert.equal(Atomics.load(shared, COUNT.WRONG_CTX), 0, "waiters resumed in their context");
    assert.equal(m.isLocked(), false);
    const st = m.stats();
    assert.equal(st.acquired, THREADS * CO * ITERS);
    assert.ok(st.contended > 0, "the mutex was contended");
    assert.ok(st.queued > 0, "some lockers queued");
    assert.ok(st.remoteWakes > 0, "some hand-overs crossed threads");
    assert.ok(st.spinAcquired + st.queued <= st.contended);
    for (const t of iots) {
      const seen = await t.run<{ mutex: CoMutexStats; live: number }>(ref("mutexStats"), m.handle);
      assert.equal(seen.live, 0, "all coroutines terminated");
      assert.equal(seen.mutex.acquired, st.acquired, "the same statistics in every thread");
    }
  }, async () => {
    for (const t of iots) t.stop();
    await Promise.all(iots.map((t) => t.join()));
  });
});
