// Coroutines (QEMU_SEMANTICS.md §1.13, invariants 24-25): create / enter /
// yield / terminate, self and entered, aio_co_wake / aio_co_enter /
// aio_co_schedule within a thread and across threads (real Workers and
// IoThreads), the flat-stack hand-off chain, and the fatal conditions.
//
// Style: event-loop steps are poll(false) followed by assertions on the log
// and the counters; cross-thread tests wait for shared counters with
// Atomics.waitAsync (never a timing assertion).

import assert from "node:assert/strict";
import { waitFor } from "../testing/wait.ts";
import { withCleanup } from "../testing/cleanup.ts";
import { CO_TABLE } from "./layout.ts";
import { currentThreadId } from "../sync/thread_id.ts";
import { runInThread } from "../testing/thread.ts";
import { AioContext } from "./aio_context.ts";
import { AioThreadError } from "./aio_thread_error.ts";
import {
  aioCoEnter,
  aioCoRescheduleSelf,
  aioCoSchedule,
  aioCoScheduleRemote,
  aioCoTryScheduleRemote,
  aioCoWake,
  coEnter,
  coEnterIfInactive,
  Coroutine,
  CoroutineError,
  type CoroutineRef,
  type CoroutineStats,
  coroutineStats,
  coSelf,
  inCoroutine,
  qemuCoroutineEnter,
  requireCoroutine,
} from "./coroutine.ts";
import { HANDLER_ID } from "./handler_ids.ts";
import { lookupHandler } from "./handler_ref.ts";
import { IoThread } from "./io_thread.ts";
import { STORM } from "./testdata/coroutine.ts";

const FIX = new URL("./testdata/coroutine.ts", import.meta.url);
const ref = (name: string) => `${FIX.href}#${name}`;

/** Stack frames below the caller (the stack must stay flat across hand-offs). */
function frames(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1000;
  const n = (new Error().stack ?? "").split("\n").length;
  Error.stackTraceLimit = limit;
  return n;
}

function delta(before: CoroutineStats): CoroutineStats {
  const now = coroutineStats();
  return {
    created: now.created - before.created,
    live: now.live - before.live,
    enters: now.enters - before.enters,
    deferred: now.deferred - before.deferred,
    scheduledLocal: now.scheduledLocal - before.scheduledLocal,
    scheduledRemote: now.scheduledRemote - before.scheduledRemote,
  };
}

/** A coroutine that parks at once and logs `tag` each time it is woken. */
function parked(log: string[], tag: string): Coroutine {
  return Coroutine.create(
    function* () {
      for (;;) {
        yield;
        log.push(tag);
      }
    },
    null,
    tag,
  );
}

// ------------------------------------------------------------ life cycle

Deno.test("layout: CO_TABLE header and slot words", () => {
  const header = [CO_TABLE.THREAD, CO_TABLE.FIRST_ID];
  assert.equal(new Set(header).size, 2);
  assert.ok(header.every((w) => w >= 0 && w < CO_TABLE.SLOTS));
  assert.deepEqual([CO_TABLE.STATE, CO_TABLE.SCHED_CTX].sort(), [0, 1]);
  assert.equal(CO_TABLE.SLOT_WORDS, 2);
  const c = CO_TABLE.CHUNK_SLOTS;
  assert.ok(c > 0 && (c & (c - 1)) === 0, "chunk size is a power of two");
  assert.ok((CO_TABLE.GENERATIONS - 1) * 2 + 1 <= 0x7fffffff, "gen*2+1 fits a positive Int32");
  const co = Coroutine.create(function* () {
    yield;
  }, null);
  const w = new Int32Array(co.ref.table);
  assert.equal(w.length, CO_TABLE.SLOTS + c * CO_TABLE.SLOT_WORDS);
  assert.equal(w[CO_TABLE.THREAD], currentThreadId());
  assert.equal(w[CO_TABLE.FIRST_ID], co.id - (co.id % c));
  coEnter(co);
  coEnter(co);
});

Deno.test("coroutine: create, enter, yield, terminate; the id is reused with a new generation", () => {
  const ctx = new AioContext({ name: "life" });
  const before = coroutineStats();
  const log: string[] = [];
  const co: Coroutine = Coroutine.create(
    function* (arg: { n: number }) {
      log.push(`start ${arg.n}`);
      yield;
      log.push("middle");
      yield;
      log.push("end");
    },
    { n: 7 },
    "life",
  );
  assert.equal(co.name, "life");
  assert.equal(co.entered, false);
  assert.equal(co.terminated, false);
  assert.equal(co.ctx, null);
  assert.equal(co.scheduled, false);
  assert.deepEqual(log, [], "create does not run the body");
  assert.equal(delta(before).live, 1);

  coEnter(co, ctx);
  assert.deepEqual(log, ["start 7"]);
  assert.equal(co.ctx, ctx, "co->ctx is the context it was entered in");
  assert.equal(co.entered, false, "yielded: not entered");
  assert.equal(co.terminated, false);

  qemuCoroutineEnter(co);
  assert.deepEqual(log, ["start 7", "middle"]);
  assert.equal(co.ctx, ctx, "entered without a context: keeps the last one");
  coEnter(co);
  assert.deepEqual(log, ["start 7", "middle", "end"]);
  assert.equal(co.terminated, true);
  const d = delta(before);
  assert.equal(d.created, 1);
  assert.equal(d.live, 0);
  assert.equal(d.enters, 3);
  assert.throws(() => coEnter(co), /Co-routine "life" entered after it terminated/);
  assert.equal(Coroutine.lookup(co.id, co.generation), null);

  const again = Coroutine.create(function* namedBody() {
    yield;
  }, null);
  assert.equal(again.name, "namedBody", "default name: the function's");
  assert.equal(again.id, co.id, "the freed id is reused");
  assert.equal(again.generation, co.generation + 1, "with the next generation");
  assert.equal(Coroutine.lookup(again.id, again.generation), again);
  assert.notDeepEqual(again.ref, co.ref);

  assert.throws(
    () => Coroutine.create((() => 1) as unknown as () => Generator<void, void, void>, null),
    /must be a generator function/,
  );
  ctx.destroy();
});

Deno.test("coroutine: coSelf, inCoroutine and entered follow nested enters", () => {
  const ctx = new AioContext({ name: "self" });
  const seen: Record<string, unknown>[] = [];
  const inner: Coroutine = Coroutine.create(
    function* () {
      seen.push({
        who: "inner",
        self: coSelf() === inner,
        innerEntered: inner.entered,
        outerEntered: outer.entered,
        ctx: inner.ctx === ctx,
      });
      yield;
    },
    null,
    "inner",
  );
  const outer: Coroutine = Coroutine.create(
    function* () {
      seen.push({ who: "outer", self: coSelf() === outer, in: inCoroutine() });
      assert.equal(requireCoroutine("test"), outer);
      coEnter(inner); // qemu_coroutine_enter nests: inner's caller is outer
      seen.push({ who: "outer again", self: coSelf() === outer, innerEntered: inner.entered });
      coEnterIfInactive(outer); // running: no effect
      yield;
    },
    null,
    "outer",
  );
  assert.equal(coSelf(), null);
  assert.equal(inCoroutine(), false);
  assert.throws(() => requireCoroutine("CoFoo"), /CoFoo outside coroutine context/);
  coEnter(outer, ctx);
  assert.deepEqual(seen, [
    { who: "outer", self: true, in: true },
    { who: "inner", self: true, innerEntered: true, outerEntered: true, ctx: true },
    { who: "outer again", self: true, innerEntered: false },
  ]);
  assert.equal(coSelf(), null);
  coEnterIfInactive(inner);
  coEnterIfInactive(outer);
  assert.equal(inner.terminated && outer.terminated, true);
  ctx.destroy();
});

// ------------------------------------------------------- wake semantics

Deno.test("aioCoWake: immediate outside coroutines; deferred and depth-first from a coroutine of the same context, on a flat stack", () => {
  const ctx = new AioContext({ name: "wake" });
  const log: string[] = [];
  const depth: number[] = [];
  const mk = (tag: string, wake: () => Coroutine[]) =>
    Coroutine.create(
      function* () {
        yield; // parked
        depth.push(frames());
        for (const co of wake()) aioCoWake(co);
        log.push(`${tag} woke ${wake().map((c) => c.name).join("+") || "none"}`);
        yield;
      },
      null,
      tag,
    );
  const d = mk("d", () => []);
  const c = mk("c", () => []);
  const b = mk("b", () => [d]);
  const a = mk("a", () => [b, c]);
  for (const co of [a, b, c, d]) coEnter(co, ctx);
  const before = coroutineStats();

  // Outside coroutine context: aio_co_wake enters at once...
  aioCoWake(a);
  // ...and a's wakes ran only after a yielded, depth-first: b, then what b
  // woke (d), then c (the previously pending one).
  assert.deepEqual(log, ["a woke b+c", "b woke d", "d woke none", "c woke none"]);
  assert.equal(new Set(depth).size, 1, `the stack did not grow: ${depth}`);
  const dd = delta(before);
  assert.equal(dd.deferred, 3);
  assert.equal(dd.enters, 4);
  assert.equal(dd.scheduledLocal, 0, "same context: no BH involved");
  assert.equal(ctx.poll(false), false, "nothing was scheduled");
  ctx.destroy();
});

Deno.test("aioCoWake / aioCoEnter into another context of the thread go through its co-schedule BH, FIFO", () => {
  const a = new AioContext({ name: "ctx-a" });
  const b = new AioContext({ name: "ctx-b" });
  const log: string[] = [];
  const cos = [parked(log, "1"), parked(log, "2"), parked(log, "3")];
  for (const co of cos) coEnter(co, b);
  const before = coroutineStats();
  const waker = Coroutine.create(
    function* () {
      aioCoWake(cos[0]); // last ran in b: b is not the current context
      aioCoWake(cos[1]);
      aioCoEnter(b, cos[2]);
      log.push("waker yields");
      yield;
    },
    null,
    "waker",
  );
  coEnter(waker, a);
  assert.deepEqual(log, ["waker yields"]);
  assert.deepEqual(cos.map((c) => c.scheduled), [true, true, true]);
  assert.equal(a.poll(false), false, "context a has nothing to do");
  assert.deepEqual(log, ["waker yields"]);
  assert.equal(b.poll(false), true, "b's BH phase enters them");
  assert.deepEqual(log, ["waker yields", "1", "2", "3"]);
  assert.deepEqual(cos.map((c) => c.scheduled), [false, false, false]);
  assert.ok(cos.every((c) => c.ctx === b), "each resumed in its own context");
  assert.equal(delta(before).scheduledLocal, 3);
  assert.equal(b.poll(false), false);

  // aio_co_enter into another context moves the coroutine there.
  const mover = Coroutine.create(
    function* () {
      aioCoEnter(a, cos[0]);
      yield;
    },
    null,
    "mover",
  );
  coEnter(mover, b);
  assert.equal(b.poll(false), false);
  assert.equal(a.poll(false), true);
  assert.equal(cos[0].ctx, a);
  assert.deepEqual(log.slice(-1), ["1"]);

  // A thread without a current context counts its contexts as current.
  aioCoEnter(b, cos[1]);
  assert.deepEqual(log.slice(-1), ["2"], "entered immediately");
  a.destroy();
  b.destroy();
});

Deno.test("aioCoRescheduleSelf moves a coroutine between contexts of its thread", () => {
  const a = new AioContext({ name: "rs-a" });
  const b = new AioContext({ name: "rs-b" });
  const where: string[] = [];
  const co: Coroutine = Coroutine.create(
    function* () {
      where.push(co.ctx!.name);
      yield* aioCoRescheduleSelf(a); // already there: returns at once
      where.push(co.ctx!.name);
      yield* aioCoRescheduleSelf(b);
      where.push(co.ctx!.name);
      yield* aioCoRescheduleSelf(a.remote()); // the same, through a handle of this thread
      where.push(co.ctx!.name);
    },
    null,
    "traveller",
  );
  coEnter(co, a);
  assert.deepEqual(where, ["rs-a", "rs-a"]);
  assert.equal(co.scheduled, true);
  assert.equal(a.poll(false), false);
  assert.equal(b.poll(false), true);
  assert.deepEqual(where, ["rs-a", "rs-a", "rs-b"]);
  assert.equal(b.poll(false), false);
  assert.equal(a.poll(false), true, "the ring record runs in a's BH phase");
  assert.deepEqual(where, ["rs-a", "rs-a", "rs-b", "rs-a"]);
  assert.equal(co.terminated, true);
  a.destroy();
  b.destroy();
});

Deno.test("THE chain: two coroutines hand control to each other 25,000 times each way through aioCoEnter", () => {
  const ctx = new AioContext({ name: "chain" });
  const N = 25_000;
  let pings = 0;
  let pongs = 0;
  const depth: number[] = [];
  const pong: Coroutine = Coroutine.create(
    function* () {
      yield; // parked
      for (let i = 0; i < N; i++) {
        pongs++;
        aioCoEnter(ctx, ping);
        yield;
      }
    },
    null,
    "pong",
  );
  const ping: Coroutine = Coroutine.create(
    function* () {
      for (let i = 0; i < N; i++) {
        if (i === 0 || i === N / 2 || i === N - 1) depth.push(frames());
        pings++;
        aioCoEnter(ctx, pong);
        yield;
      }
      aioCoEnter(ctx, pong); // let pong leave its loop
    },
    null,
    "ping",
  );
  coEnter(pong, ctx);
  const before = coroutineStats();
  coEnter(ping, ctx); // one call runs all 50,000 hand-offs
  assert.equal(pings, N);
  assert.equal(pongs, N);
  assert.equal(ping.terminated, true);
  assert.equal(pong.terminated, true);
  assert.equal(new Set(depth).size, 1, `flat stack across the chain: ${depth}`);
  const d = delta(before);
  assert.equal(d.deferred, 2 * N + 1);
  assert.equal(d.enters, 2 * N + 2);
  assert.equal(ctx.poll(false), false);
  ctx.destroy();
});

// -------------------------------------------------------- fatal conditions

Deno.test("fatal: double schedule, entering a scheduled coroutine, recursive re-entry, waking twice", () => {
  const ctx = new AioContext({ name: "fatal-ctx" });
  const log: string[] = [];
  const co = parked(log, "victim");
  coEnter(co, ctx);
  aioCoSchedule(ctx, co);
  assert.throws(
    () => aioCoSchedule(ctx, co),
    /Co-routine "victim" was already scheduled in 'fatal-ctx'/,
  );
  assert.throws(() => coEnter(co), /Co-routine "victim" was already scheduled in 'fatal-ctx'/);
  assert.throws(() => aioCoWake(co), /already scheduled/, "aio_co_wake enters: same check");
  assert.throws(
    () => aioCoScheduleRemote(ctx.handle, co.ref),
    /Co-routine "victim" was already scheduled in 'fatal-ctx'/,
  );
  assert.equal(aioCoTryScheduleRemote(ctx.handle, co.ref), false);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["victim"], "entered exactly once");
  assert.equal(ctx.poll(false), false);

  // Re-entering itself, and re-entering the coroutine that entered it.
  const self: Coroutine = Coroutine.create(
    function* () {
      coEnter(self);
      yield;
    },
    null,
    "narcissus",
  );
  assert.throws(
    () => coEnter(self, ctx),
    (e: unknown) =>
      e instanceof CoroutineError && e.coroutine === "narcissus" &&
      /Co-routine "narcissus" re-entered recursively/.test(e.message),
  );
  const outer: Coroutine = Coroutine.create(
    function* () {
      coEnter(inner);
      yield;
    },
    null,
    "outer",
  );
  const inner: Coroutine = Coroutine.create(
    function* () {
      coEnter(outer);
      yield;
    },
    null,
    "inner",
  );
  assert.throws(() => coEnter(outer, ctx), /"inner" failed: Co-routine "outer" re-entered/);
  assert.equal(outer.terminated && inner.terminated, true, "the error ended both");

  // Waking a coroutine twice before it runs.
  const twice = parked(log, "twice");
  coEnter(twice, ctx);
  const waker = Coroutine.create(
    function* () {
      aioCoWake(twice);
      aioCoWake(twice);
      yield;
    },
    null,
    "waker",
  );
  assert.throws(() => coEnter(waker, ctx), /Co-routine "twice" woken twice before it ran/);
  ctx.poll(false);

  // Terminating while scheduled.
  const quitter: Coroutine = Coroutine.create(
    function* () {
      aioCoSchedule(ctx, quitter);
      yield* [];
    },
    null,
    "quitter",
  );
  assert.throws(
    () => coEnter(quitter, ctx),
    /Co-routine "quitter" terminated while scheduled in 'fatal-ctx'/,
  );
  assert.throws(() => ctx.poll(false), /"quitter" entered after it terminated/);
  assert.equal(ctx.poll(false), false);
  ctx.destroy();
});

Deno.test("fatal across threads: a second schedule from a Worker throws; stale refs and migration are refused", async () => {
  const ctx = new AioContext({ name: "xthread" });
  const log: string[] = [];
  const co = parked(log, "remote-victim");
  coEnter(co, ctx);
  const r = await runInThread<{ first: string; second: string; tried: boolean }>(
    FIX,
    "scheduleTwice",
    ctx.handle,
    co.ref,
  );
  assert.equal(r.first, "ok");
  assert.match(r.second, /Co-routine "remote-victim" was already scheduled in 'xthread'/);
  assert.equal(r.tried, false);
  assert.throws(() => coEnter(co), /already scheduled in 'xthread'/);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["remote-victim"], "one wake delivered");
  assert.equal(ctx.poll(false), false);

  // A reference outlives its coroutine: refused, also after the id is reused.
  const gone = Coroutine.create(
    function* () {
      yield;
    },
    null,
    "gone",
  );
  coEnter(gone, ctx);
  const stale = gone.ref;
  coEnter(gone);
  const reuse = parked(log, "reuse");
  assert.equal(reuse.id, stale.id);
  assert.match(
    await runInThread<string>(FIX, "scheduleOrError", ctx.handle, stale),
    /coroutine "gone" .*no longer exists/,
  );
  assert.equal(reuse.scheduled, false, "the new incarnation was not flagged");
  assert.equal(ctx.poll(false), false);

  // Coroutines cannot migrate: a context of another thread is refused.
  assert.match(
    await runInThread<string>(FIX, "scheduleIntoOwnContext", co.ref),
    /coroutine "remote-victim" lives in thread \d+ and cannot run in context "worker-ctx".*cannot migrate/,
  );
  const iot = await IoThread.create({ id: "co-elsewhere", pollMaxNs: 0 });
  await withCleanup(() => {
    const there = iot.getAioContext();
    assert.throws(() => aioCoSchedule(there, co), /cannot migrate between threads/);
    assert.throws(() => aioCoScheduleRemote(there.handle, co.ref), /cannot migrate/);
    const climber = Coroutine.create(
      function* () {
        yield* aioCoRescheduleSelf(there);
      },
      null,
      "climber",
    );
    assert.throws(
      () => coEnter(climber, ctx),
      /"climber" failed: coroutine "climber" lives in thread 0 and cannot run in context "co-elsewhere"/,
    );
  }, async () => {
    iot.stop();
    await iot.join();
  });
  ctx.destroy();
});

// ------------------------------------------------------------- errors

Deno.test("errors thrown in a coroutine leave the enter call as CoroutineError naming it", () => {
  const ctx = new AioContext({ name: "err-ctx" });
  const before = coroutineStats();
  const bad = Coroutine.create(
    function* (x: number) {
      yield;
      throw new TypeError(`bad arg ${x}`);
    },
    3,
    "named",
  );
  coEnter(bad, ctx);
  const err = (() => {
    try {
      coEnter(bad);
    } catch (e) {
      return e;
    }
    assert.fail("should throw");
  })();
  assert.ok(err instanceof CoroutineError);
  assert.equal(err.coroutine, "named");
  assert.equal(err.message, 'coroutine "named" failed: bad arg 3');
  assert.ok(err.cause instanceof TypeError);
  assert.match(err.stack ?? "", /Caused by: TypeError: bad arg 3/);
  assert.equal(bad.terminated, true);
  assert.equal(coSelf(), null, "the running coroutine was restored");

  // Nested: the innermost name is kept; the outer coroutine ends too.
  const inner: Coroutine = Coroutine.create(
    function* () {
      yield* [];
      throw new Error("deep");
    },
    null,
    "deep-inner",
  );
  const outer: Coroutine = Coroutine.create(
    function* () {
      coEnter(inner);
      yield;
    },
    null,
    "shallow-outer",
  );
  assert.throws(() => coEnter(outer, ctx), /^CoroutineError: coroutine "deep-inner" failed: deep/);
  assert.equal(outer.terminated, true);

  // From the co-schedule BH: poll() throws it, and names the BH.
  const sched = Coroutine.create(
    function* () {
      yield* [];
      throw new Error("in the BH");
    },
    null,
    "bh-victim",
  );
  aioCoSchedule(ctx, sched);
  assert.throws(() => ctx.poll(false), /coroutine "bh-victim" failed: in the BH/);
  assert.equal(ctx.currentHandler(), "co-schedule");

  // Wakes queued by the failing coroutine are not lost: they are scheduled.
  const log: string[] = [];
  const survivor = parked(log, "survivor");
  coEnter(survivor, ctx);
  const dying = Coroutine.create(
    function* () {
      aioCoWake(survivor);
      yield* [];
      throw new Error("dies");
    },
    null,
    "dying",
  );
  assert.throws(() => coEnter(dying, ctx), /"dying" failed: dies/);
  assert.equal(survivor.scheduled, true);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["survivor"]);
  coEnter(survivor); // parked again
  assert.equal(delta(before).live, 1, "only the survivor is alive");
  ctx.destroy();
});

Deno.test("errors in IoThread coroutines reach the orchestrator with the coroutine's name", async () => {
  const iot = await IoThread.create({ id: "co-errors", pollMaxNs: 0 });
  await assert.rejects(iot.run(ref("enterFailing")), (e: unknown) => {
    assert.ok(e instanceof AioThreadError);
    assert.match(e.message, /coroutine "io-exploder" failed: kaboom/);
    return true;
  });
  // Woken through the ring: the failure stops the thread, naming the handler.
  const r = await iot.run<CoroutineRef>(ref("parkFailing"));
  aioCoScheduleRemote(iot.getAioContext(), r);
  await assert.rejects(iot.join(), (e: unknown) => {
    assert.ok(e instanceof AioThreadError);
    assert.equal(e.handler, "co-schedule");
    assert.match(e.message, /coroutine "late-exploder" failed: woken to fail/);
    return true;
  });
});

// ------------------------------------------------------------ cross-thread

Deno.test("aioCoScheduleRemote from a Worker: ring records run in the BH phase, FIFO per context", async () => {
  assert.equal(typeof lookupHandler(HANDLER_ID.CO_SCHEDULE), "function");
  const ctx = new AioContext({ name: "remote-fifo" });
  const log: string[] = [];
  const cos = [parked(log, "c0"), parked(log, "c1"), parked(log, "c2")];
  for (const co of cos) coEnter(co, ctx);
  ctx.poll(false);
  const before = coroutineStats();
  const statsBefore = ctx.stats();
  const worker = await runInThread<number>(
    FIX,
    "scheduleRefs",
    ctx.handle,
    [cos[2].ref, cos[0].ref, cos[1].ref],
  );
  assert.notEqual(worker, currentThreadId());
  assert.deepEqual(cos.map((c) => c.scheduled), [true, true, true]);
  assert.deepEqual(log, [], "nothing runs before the home thread polls");
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["c2", "c0", "c1"], "in the producer's order");
  assert.equal(ctx.stats().oneshotRuns - statsBefore.oneshotRuns, 3);
  assert.equal(delta(before).scheduledRemote, 3);
  assert.ok(cos.every((c) => !c.scheduled && c.ctx === ctx));
  assert.equal(ctx.poll(false), false);

  // The home thread may use the same path through the handle.
  aioCoScheduleRemote(ctx.handle, cos[1].ref);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log.slice(-1), ["c1"]);
  for (const co of cos) coEnter(co);
  ctx.destroy();
});

Deno.test("coroutine ids beyond the first table chunk work across threads", async () => {
  const ctx = new AioContext({ name: "chunks" });
  const log: string[] = [];
  const many = Array.from(
    { length: 2 * CO_TABLE.CHUNK_SLOTS + 3 },
    (_, i) => parked(log, `p${i}`),
  );
  for (const co of many) coEnter(co, ctx);
  const ids = new Set(many.map((c) => c.id));
  assert.equal(ids.size, many.length, "distinct ids while alive");
  const far = many.filter((c) => c.id >= 2 * CO_TABLE.CHUNK_SLOTS);
  assert.ok(far.length > 0, "some ids live in the third chunk");
  assert.notEqual(far[0].ref.table, many[0].ref.table, "another chunk buffer");
  await runInThread<number>(FIX, "scheduleRefs", ctx.handle, [far[0].ref, many[0].ref]);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, [far[0].name, many[0].name]);
  const bogus = { ...far[0].ref, id: far[0].id - CO_TABLE.CHUNK_SLOTS };
  assert.throws(() => aioCoScheduleRemote(ctx.handle, bogus), /malformed/);
  for (const co of many) coEnter(co);
  ctx.destroy();
});

Deno.test("storm: 2 producer IoThreads wake 64 coroutines of a target IoThread 300 times each; every wake delivered exactly once", async () => {
  const N = 64;
  const ROUNDS = 300;
  const P = 2;
  const target = await IoThread.create({ id: "storm-target" });
  const producers = await Promise.all(
    [0, 1].map((i) => IoThread.create({ id: `storm-p${i}`, pollMaxNs: 0 })),
  );
  await withCleanup(async () => {
    const counts = new Int32Array(new SharedArrayBuffer((N + STORM.WORDS) * 4));
    const sent = new Int32Array(new SharedArrayBuffer(P * N * 4));
    const refs = await target.run<CoroutineRef[]>(ref("stormTargetStart"), N, counts.buffer);
    assert.equal(refs.length, N);
    const results = await Promise.all(
      producers.map((p, i) =>
        p.run<{ sent: number; busy: number; thread: number }>(
          ref("stormProduce"),
          target.contextHandle,
          refs,
          ROUNDS,
          sent.buffer,
          i,
        )
      ),
    );
    for (const r of results) assert.equal(r.sent, N * ROUNDS);
    const expected = P * N * ROUNDS;
    await waitFor(
      { words: counts, index: N + STORM.TOTAL, atLeast: expected },
      "all wakes delivered",
      { watch: [target, ...producers] },
    );
    for (let i = 0; i < N; i++) {
      assert.equal(
        Atomics.load(counts, i),
        Atomics.load(sent, i) + Atomics.load(sent, N + i),
        `coroutine ${i}: received == sent`,
      );
      assert.equal(Atomics.load(counts, i), P * ROUNDS);
    }
    assert.equal(Atomics.load(counts, N + STORM.TOTAL), expected, "no extra wake");
    // Stop: one more wake each, from this thread, makes them return.
    Atomics.store(counts, N + STORM.STOP, 1);
    const ctx = target.getAioContext();
    for (const r of refs) aioCoScheduleRemote(ctx, r);
    await waitFor(
      { words: counts, index: N + STORM.EXITED, atLeast: N },
      "all coroutines returned",
      { watch: [target, ...producers] },
    );
    assert.equal(Atomics.load(counts, N + STORM.TOTAL), expected + N);
    const st = await target.run<CoroutineStats>(ref("stats"));
    assert.equal(st.live, 0);
    assert.equal(st.scheduledRemote, expected + N, "each through the ring");
    assert.match(
      await producers[0].run<string>(ref("scheduleOrError"), target.contextHandle, refs[0]),
      /coroutine "storm0" .*no longer exists/,
      "a reference to a returned coroutine is refused",
    );
  }, async () => {
    for (const t of [target, ...producers]) t.stop();
    await Promise.all([target, ...producers].map((t) => t.join()));
  });
});
