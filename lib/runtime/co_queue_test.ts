// CoQueue and coSleep (QEMU_SEMANTICS.md §1.13): FIFO wait / next /
// restartAll / empty, waiting with a CoMutex dropped, sleeping on a REALTIME
// timer (step by step with a manual clock), and a coroutine that resumes
// inside a blocking IoThread loop (the reason coroutines are generators).
//
// Style: every step is a poll(false) followed by assertions on the log and
// the counters; time comes from a ManualTimeSource except in the IoThread
// test, which waits for a shared word (no timing assertion).

import assert from "node:assert/strict";
import { currentThreadId } from "../sync/thread_id.ts";
import { AioContext } from "./aio_context.ts";
import { Clocks, ManualTimeSource } from "./clock.ts";
import { aioCoWake, coEnter, Coroutine, CoroutineError } from "./coroutine.ts";
import { CoMutex } from "./co_mutex.ts";
import { CoQueue, coSleep } from "./co_queue.ts";
import { IoThread } from "./io_thread.ts";
import { SLEEPER } from "./testdata/coroutine.ts";
import { waitFor } from "../testing/wait.ts";
import { withCleanup } from "../testing/cleanup.ts";

const FIX = new URL("./testdata/coroutine.ts", import.meta.url);
const ref = (name: string) => `${FIX.href}#${name}`;

function manualCtx(name: string): { ctx: AioContext; mono: ManualTimeSource } {
  const mono = new ManualTimeSource(1_000_000_000);
  return { ctx: new AioContext({ name, clocks: new Clocks({ monotonic: mono }) }), mono };
}

/** A coroutine that waits on `q` `times` times, logging each restart. */
function waiter(q: CoQueue, log: string[], tag: string, times = 1, lock?: CoMutex): Coroutine {
  return Coroutine.create(
    function* () {
      if (lock) yield* lock.lock();
      for (let i = 0; i < times; i++) {
        yield* q.wait(lock);
        log.push(lock ? `${tag}:${lock.heldBySelf()}` : tag);
      }
      if (lock) lock.unlock();
    },
    null,
    tag,
  );
}

Deno.test("CoQueue: wait, next and restartAll wake in FIFO order; empty and length follow", () => {
  const ctx = new AioContext({ name: "q-fifo" });
  const q = new CoQueue();
  const log: string[] = [];
  assert.equal(q.empty(), true);
  assert.equal(q.next(), false, "nobody waits");
  const ws = ["a", "b", "c"].map((t) => waiter(q, log, t, 2));
  for (const w of ws) coEnter(w, ctx);
  assert.equal(q.length, 3);
  assert.equal(q.empty(), false);

  // Outside coroutine context the wake enters at once.
  assert.equal(q.next(), true);
  assert.deepEqual(log, ["a"]);
  assert.equal(q.length, 3, "a waits again, at the tail");

  // From a coroutine of the same context, wakes run when it yields.
  const waker = Coroutine.create(
    function* () {
      assert.equal(q.restartAll(), 3);
      log.push("waker yields");
      yield;
    },
    null,
    "waker",
  );
  coEnter(waker, ctx);
  assert.deepEqual(log, ["a", "waker yields", "b", "c", "a"], "FIFO: b, c, then a");
  assert.deepEqual(ws.map((w) => w.terminated), [true, false, false]);
  assert.equal(q.restartAll(), 2);
  assert.deepEqual(log.slice(5), ["b", "c"]);
  assert.equal(q.empty(), true);
  assert.ok(ws.every((w) => w.terminated));
  assert.equal(ctx.poll(false), false);
  ctx.destroy();
});

Deno.test("CoQueue: wakes reach waiters of another context of the thread through its BH", () => {
  const a = new AioContext({ name: "q-a" });
  const b = new AioContext({ name: "q-b" });
  const q = new CoQueue();
  const log: string[] = [];
  const w = waiter(q, log, "in-b");
  coEnter(w, b);
  const waker = Coroutine.create(
    function* () {
      q.next();
      yield;
    },
    null,
    "waker",
  );
  coEnter(waker, a);
  assert.deepEqual(log, []);
  assert.equal(w.scheduled, true);
  assert.equal(a.poll(false), false);
  assert.equal(b.poll(false), true);
  assert.deepEqual(log, ["in-b"]);
  assert.equal(w.ctx, b);
  a.destroy();
  b.destroy();
});

Deno.test("CoQueue: wait(lock) drops the CoMutex while waiting and takes it back before returning", () => {
  const ctx = new AioContext({ name: "q-lock" });
  const m = new CoMutex({ name: "q-mutex" });
  const q = new CoQueue();
  const log: string[] = [];
  const w = waiter(q, log, "w", 1, m);
  coEnter(w, ctx);
  assert.equal(m.isLocked(), false, "released while waiting");
  // A producer takes the mutex, signals, and keeps it for a while: the
  // waiter, restarted, queues on the mutex until the producer unlocks.
  const producer = Coroutine.create(
    function* () {
      yield* m.lock();
      q.next();
      log.push("producer signalled");
      yield;
      log.push("producer unlocks");
      m.unlock();
    },
    null,
    "producer",
  );
  coEnter(producer, ctx);
  assert.deepEqual(log, ["producer signalled"]);
  assert.equal(w.terminated, false, "restarted, now waiting for the mutex");
  assert.equal(q.empty(), true);
  aioCoWake(producer);
  assert.deepEqual(log, ["producer signalled", "producer unlocks", "w:true"]);
  assert.equal(w.terminated, true);
  assert.equal(m.isLocked(), false);
  assert.equal(m.stats().queued, 1);
  ctx.destroy();
});

Deno.test("CoQueue: a waiter woken by someone else leaves the queue (no double wake later)", () => {
  const ctx = new AioContext({ name: "q-spurious" });
  const q = new CoQueue();
  const log: string[] = [];
  const w = waiter(q, log, "w", 2);
  coEnter(w, ctx);
  aioCoWake(w); // not through the queue
  assert.deepEqual(log, ["w"]);
  assert.equal(q.length, 1, "it waits again, once");
  assert.equal(q.restartAll(), 1);
  assert.deepEqual(log, ["w", "w"]);
  assert.equal(w.terminated, true);
  ctx.destroy();
});

Deno.test("coSleep: arms a REALTIME timer in the current context and resumes in its timer phase", () => {
  const { ctx, mono } = manualCtx("sleepy");
  const log: string[] = [];
  const co = Coroutine.create(
    function* () {
      log.push("sleep");
      yield* coSleep(5_000);
      log.push("woke");
      yield* coSleep(ctx, 10); // with an explicit context
      log.push("woke again");
    },
    null,
    "sleeper",
  );
  coEnter(co, ctx);
  assert.deepEqual(log, ["sleep"]);
  assert.equal(ctx.timers.armed, 1);
  assert.equal(ctx.computeTimeout(), 5_000);
  assert.equal(ctx.poll(false), false, "not yet");
  mono.advance(4_999);
  assert.equal(ctx.poll(false), false, "still not");
  mono.advance(1);
  const fired = ctx.stats().timerRuns;
  assert.equal(ctx.poll(false), true);
  assert.equal(ctx.stats().timerRuns - fired, 1);
  assert.deepEqual(log, ["sleep", "woke"]);
  assert.equal(ctx.poll(false), false);
  mono.advance(10);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["sleep", "woke", "woke again"]);
  assert.equal(co.terminated, true);
  assert.equal(ctx.timers.armed, 0);
  assert.equal(ctx.poll(false), false);
  ctx.destroy();
});

Deno.test("coSleep: an early wake cancels the timer; misuse throws", () => {
  const { ctx, mono } = manualCtx("early");
  const log: string[] = [];
  const co = Coroutine.create(
    function* () {
      yield* coSleep(1_000_000_000);
      log.push("woke early");
      yield;
    },
    null,
    "napper",
  );
  coEnter(co, ctx);
  assert.equal(ctx.timers.armed, 1);
  aioCoWake(co);
  assert.deepEqual(log, ["woke early"]);
  assert.equal(ctx.timers.armed, 0, "timer cancelled");
  mono.advance(2_000_000_000);
  assert.equal(ctx.poll(false), false, "no late wake");

  assert.throws(() => coSleep(1).next(), /coSleep outside coroutine context/);
  const homeless = Coroutine.create(
    function* () {
      yield* coSleep(1);
    },
    null,
    "homeless",
  );
  assert.throws(() => coEnter(homeless), /"homeless" runs in no AioContext/);
  const bad = Coroutine.create(
    function* () {
      yield* coSleep(Number.NaN);
    },
    null,
    "bad-ns",
  );
  assert.throws(
    () => coEnter(bad, ctx),
    (e: unknown) => e instanceof CoroutineError && /needs a duration/.test(e.message),
  );
  assert.throws(() => new CoQueue().wait().next(), /CoQueue wait outside coroutine context/);
  coEnter(co);
  ctx.destroy();
});

Deno.test("a coroutine in an IoThread sleeps with coSleep and resumes inside the thread's blocking poll", async () => {
  const iot = await IoThread.create({ id: "co-sleeper", pollMaxNs: 0 });
  await withCleanup(async () => {
    const r = new Int32Array(new SharedArrayBuffer(SLEEPER.WORDS * 4));
    // 100 ms: the thread has nothing else to do meanwhile, so it blocks.
    const thread = await iot.run<number>(ref("sleepInLoop"), r.buffer, 100_000_000);
    assert.equal(thread, iot.threadId);
    assert.notEqual(thread, currentThreadId());
    await waitFor({ words: r, index: SLEEPER.DONE, equals: 1 }, "the sleeper to resume", {
      watch: iot,
    });
    assert.equal(r[SLEEPER.IN_COROUTINE], 1);
    assert.equal(r[SLEEPER.THREAD], iot.threadId, "it resumed in its own thread");
    assert.equal(r[SLEEPER.DEPTH], 1, "from the timer phase of the loop's poll(true)");
    assert.ok(
      r[SLEEPER.WAITS_AFTER] > r[SLEEPER.WAITS_BEFORE],
      "the thread slept in Atomics.wait between the sleep and the wake",
    );
    const st = await iot.run<{ live: number }>(ref("stats"));
    assert.equal(st.live, 0);
  }, async () => {
    iot.stop();
    const stats = await iot.join();
    assert.ok((stats?.timerRuns ?? 0) >= 1);
  });
});
