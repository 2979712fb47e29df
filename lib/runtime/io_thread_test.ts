import assert from "node:assert/strict";
import { AioThreadError } from "./aio_thread_error.ts";
import { JoinTimeoutError } from "./hosted_thread.ts";
import { DEFAULT_POLL_MAX_NS, IoThread } from "./io_thread.ts";
import { EventNotifier } from "../sync/event_notifier.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { CONTEXT, MAX_CONTEXTS } from "../sync/layout.ts";
import { waitFor } from "../testing/wait.ts";
import { withCleanup } from "../testing/cleanup.ts";

const FIX = new URL("./testdata/iothread.ts", import.meta.url).href;
const ref = (name: string) => `${FIX}#${name}`;
const { RECORD_HANDLER, THROWING_HANDLER } = await import(FIX);

const threadsInUse = (): number => defaultRegistry().threadsInUse();

/** Home thread + 1 of context slot `id` (0: the slot is free). */
function slotHome(id: number): number {
  const reg = defaultRegistry();
  return Atomics.load(reg.words, reg.contextBase(id) + CONTEXT.HOME);
}

/** Context slots free in the registry. */
function freeSlots(): number {
  let n = 0;
  for (let id = 0; id < MAX_CONTEXTS; id++) if (slotHome(id) === 0) n++;
  return n;
}

/** Awaits `p` under waitFor's hang guard: a hang fails the test instead of hanging it. */
async function settles<T>(p: Promise<T>, what: string): Promise<T> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await waitFor(() => done, what);
  return p;
}

/** The rejection of `p` (fails if it resolves). */
function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then((v) => assert.fail(`expected a rejection, got ${String(v)}`), (e: unknown) => e);
}

Deno.test("IoThread: create, run a module handler, stop and join with statistics", async () => {
  const before = threadsInUse();
  const iot = await IoThread.create({ id: "t-basic" });
  assert.equal(threadsInUse(), before + 1);
  assert.equal(iot.getAioContext().name, "t-basic");
  assert.equal(await iot.run(ref("add"), 2, 3), 5);
  const who = await iot.run<Record<string, unknown>>(ref("whoAmI"));
  assert.equal(who.threadName, "IO t-basic");
  assert.equal(who.role, "iothread");
  assert.equal(who.ctx, "t-basic");
  assert.equal(who.threadId, iot.threadId);
  assert.equal(who.bqlLocked, false);
  assert.deepEqual(who.pollParams, { pollMaxNs: DEFAULT_POLL_MAX_NS, pollGrow: 0, pollShrink: 0 });
  assert.equal(await iot.run(ref("later"), "x"), "later:x");
  iot.stop();
  iot.stop(); // idempotent
  const stats = await iot.join();
  assert.equal(stats?.name, "t-basic");
  assert.ok(stats!.polls >= 3);
  assert.ok(stats!.bhRuns >= 3, "each run() is a oneshot BH in the thread");
  assert.equal(threadsInUse(), before, "thread id returned to the pool");
  await assert.rejects(iot.run(ref("add"), 1, 1), /not running|exited/);
});

Deno.test("IoThread: poll parameters come from the options and are validated", async () => {
  const iot = await IoThread.create({
    id: "t-params",
    pollMaxNs: 1000,
    pollGrow: 3,
    pollShrink: 2,
  });
  const who = await iot.run<{ pollParams: unknown }>(ref("whoAmI"));
  assert.deepEqual(who.pollParams, { pollMaxNs: 1000, pollGrow: 3, pollShrink: 2 });
  await iot[Symbol.asyncDispose]();
  const before = threadsInUse();
  await assert.rejects(IoThread.create({ id: "bad", pollMaxNs: -1 }), RangeError);
  await assert.rejects(IoThread.create({ id: "bad", pollGrow: 0.5 }), RangeError);
  await assert.rejects(IoThread.create({ id: "bad", pollMaxNs: "100" as unknown as number }), {
    name: "TypeError",
    message: 'IoThread "bad": poll parameter pollMaxNs: expected a non-negative integer number ' +
      'of ns, got the string "100"',
  });
  await assert.rejects(IoThread.create({ id: "" }), TypeError);
  assert.equal(threadsInUse(), before, "refused before any thread starts");
});

Deno.test("IoThread: a throwing run() handler rejects with thread, handler and stack; the thread lives on", async () => {
  const iot = await IoThread.create({ id: "t-runerr" });
  const err = await iot.run(ref("fail"), "bad input").then(
    () => assert.fail("should reject"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AioThreadError);
  assert.equal(err.thread, "IO t-runerr");
  assert.equal(err.handler, ref("fail"));
  assert.equal(err.remote.name, "TypeError");
  assert.match(err.message, /IO t-runerr.*bad input/);
  assert.match(err.remote.stack, /testdata\/iothread\.ts/);
  assert.equal(await iot.run(ref("add"), 1, 2), 3, "still running");
  await assert.rejects(iot.run(`${FIX}#noSuchExport`), /no exported function "noSuchExport"/);
  await assert.rejects(iot.run(42), /module reference/);
  iot.stop();
  await iot.join();
});

Deno.test("IoThread: a handler that throws in the loop stops the thread; join rejects naming it", async () => {
  const seen: AioThreadError[] = [];
  const iot = await IoThread.create({
    id: "t-fatal",
    preload: [FIX],
    onError: (e) => seen.push(e),
  });
  await iot.run(ref("registerTestHandlers"));
  iot.getAioContext().scheduleOneshot(THROWING_HANDLER, 7);
  const err = await iot.join().then(() => assert.fail("join should reject"), (e: unknown) => e);
  assert.ok(err instanceof AioThreadError);
  assert.equal(err.thread, "IO t-fatal");
  assert.equal(err.handler, "explode");
  assert.match(err.message, /exploded with 7/);
  assert.match(err.stack ?? "", /testdata\/iothread\.ts/);
  assert.equal(seen.length, 1);
  assert.equal(iot.error, err);
  await assert.rejects(iot.run(ref("add"), 1, 1), /exploded with 7/);
});

Deno.test("IoThread: join never hangs on a thread that died of an uncaught error", async () => {
  const iot = await IoThread.create({ id: "t-uncaught" });
  await assert.rejects(iot.run(ref("throwUncaughtSoon")), /uncaught in a setTimeout/);
  await assert.rejects(iot.join(), (e: unknown) => {
    assert.ok(e instanceof AioThreadError);
    assert.equal(e.thread, "IO t-uncaught");
    assert.match(e.message, /uncaught in a setTimeout/);
    return true;
  });
});

Deno.test("IoThread: a preload module that fails makes create() reject and frees the thread", async () => {
  const before = threadsInUse();
  await assert.rejects(
    IoThread.create({
      id: "t-preload",
      preload: [new URL("./no_such_module.ts", import.meta.url)],
    }),
    (e: unknown) => e instanceof AioThreadError && /no_such_module/.test(e.message),
  );
  assert.equal(threadsInUse(), before);
});

Deno.test("IoThread: BHs left alive at stop are reported by name", async () => {
  const iot = await IoThread.create({ id: "t-leak" });
  await iot.run(ref("leakBh"));
  iot.stop();
  await assert.rejects(iot.join(), /live bottom half.*leaky-bh/);
});

Deno.test("IoThread: one IOThread schedules a oneshot into another (aio_bh_schedule_oneshot)", async () => {
  const a = await IoThread.create({ id: "t-a" });
  const b = await IoThread.create({ id: "t-b" });
  const rec = new SharedArrayBuffer(32);
  const r = new Int32Array(rec);
  await b.run(ref("registerTestHandlers"), rec);
  await a.run(ref("scheduleInto"), b.contextHandle, 11, 22, 33);
  await waitFor({ words: r, index: 0, atLeast: 1 }, "the oneshot in t-b", { watch: [a, b] });
  assert.deepEqual([...r.subarray(0, 5)], [1, 11, 22, 33, b.threadId]);
  void RECORD_HANDLER;
  a.stop();
  b.stop();
  await Promise.all([a.join(), b.join()]);
});

Deno.test("IoThread: an event notifier set from the orchestrator wakes the sleeping IOThread", async () => {
  const iot = await IoThread.create({ id: "t-notif", pollMaxNs: 0 });
  const e = new EventNotifier({ name: "kick" });
  const count = new SharedArrayBuffer(8);
  const c = new Int32Array(count);
  await iot.run(ref("countNotifier"), e.handle, count);
  const ctx = iot.getAioContext();
  const reg = defaultRegistry();
  const wakesBefore = ctx.notifyStats().wakes;
  for (let i = 1; i <= 3; i++) {
    // Set only while the thread announces a wait (notify_me raised, which
    // it keeps until after it wakes): this set must then pay for a wake.
    const notifyMe = reg.contextBase(ctx.id) + CONTEXT.NOTIFY_ME;
    await waitFor({ words: reg.words, index: notifyMe, atLeast: 1 }, "a wait", { watch: iot });
    e.set();
    await waitFor({ words: c, index: 0, atLeast: i }, `notifier run ${i}`, { watch: iot });
  }
  assert.equal(Atomics.load(c, 0), 3);
  assert.equal(ctx.notifyStats().wakes - wakesBefore, 3, "each set woke the sleeping thread");
  await iot.run(ref("uncountNotifier"), e.handle);
  assert.equal(e.boundContext(), -1);
  iot.stop();
  await iot.join();
});

Deno.test("IoThread: a timer in the IOThread fires while it sleeps", async () => {
  const iot = await IoThread.create({ id: "t-timer", pollMaxNs: 0 });
  const count = new SharedArrayBuffer(8);
  const c = new Int32Array(count);
  await iot.run(ref("timerCount"), count, 5);
  await waitFor({ words: c, index: 0, atLeast: 1 }, "the timer", { watch: iot });
  assert.equal(Atomics.load(c, 0), 1);
  iot.stop();
  const stats = await iot.join();
  assert.equal(stats?.timerRuns, 1);
});

Deno.test("IoThread: host-I/O handlers work inside an IOThread (its loop waits with waitAsync)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const iot = await IoThread.create({ id: "t-hostio", pollMaxNs: 0 });
  await withCleanup(async () => {
    const accepted = listener.accept();
    await iot.run(ref("hostEcho"), listener.addr.port);
    const conn = await accepted;
    await withCleanup(async () => {
      const buf = new Uint8Array(64);
      for (const word of ["ping", "pong"]) {
        await conn.write(new TextEncoder().encode(word));
        let got = "";
        while (got.length < word.length) {
          const n = await conn.read(buf);
          assert.notEqual(n, null, "connection closed early");
          got += new TextDecoder().decode(buf.subarray(0, n!));
        }
        assert.equal(got, word.toUpperCase());
      }
      assert.equal(await iot.run(ref("add"), 20, 22), 42, "cold path still works meanwhile");
      await iot.run(ref("hostEchoClose"));
    }, () => {
      conn.close();
    });
  }, async () => {
    listener.close();
    iot.stop();
    await iot.join();
  });
});

Deno.test("IoThread: run() with an argument that cannot be structured-cloned rejects (never throws) naming the handler; nothing stays pending", async () => {
  const iot = await IoThread.create({ id: "t-clone" });
  await withCleanup(async () => {
    let call: Promise<unknown> | undefined;
    assert.doesNotThrow(() => (call = iot.run(ref("add"), () => 1, 2)));
    await assert.rejects(call!, {
      name: "TypeError",
      message: new RegExp(
        `run\\(\\) of ${FIX}#add on thread IO t-clone: its arguments cannot be structured-cloned`,
      ),
    });
    assert.equal(await iot.run(ref("add"), 1, 2), 3, "the thread saw nothing of it");
  }, async () => {
    iot.stop();
    await iot.join();
  });
  // An entry left pending would reject now, after join: an unhandled rejection fails the test.
  await new Promise((r) => setTimeout(r, 0));
});

Deno.test("IoThread: stop() ends the loop while a run() handler's promise never settles (iothread_stop waits for no request); that run() rejects naming it", async () => {
  const iot = await IoThread.create({ id: "t-nosettle" });
  const a = new Int32Array(new SharedArrayBuffer(8));
  const call = rejection(iot.run(ref("neverSettles"), a.buffer));
  await waitFor({ words: a, index: 0, equals: 1 }, "the handler to run", { watch: iot });
  iot.stop();
  const stats = await settles(iot.join(), "join after stop");
  assert.equal(stats?.name, "t-nosettle");
  const err = await call;
  assert.ok(err instanceof AioThreadError);
  assert.equal(err.handler, ref("neverSettles"));
  assert.match(err.message, /IO t-nosettle.*exited before this run\(\) returned/);
});

Deno.test("IoThread: while a run() handler's module never finishes loading, other run() calls and stop() are still honoured; that run() rejects naming it", async () => {
  const iot = await IoThread.create({ id: "t-noload" });
  const never = `${new URL("./testdata/never_loads.ts", import.meta.url).href}#unreachable`;
  const call = rejection(iot.run(never));
  assert.equal(await settles(iot.run(ref("add"), 1, 2), "a run() meanwhile"), 3);
  iot.stop();
  await settles(iot.join(), "join after stop");
  const err = await call;
  assert.ok(err instanceof AioThreadError);
  assert.equal(err.handler, never);
  assert.match(err.message, /exited before this run\(\) returned/);
});

Deno.test("IoThread: join({ timeoutMs }) rejects naming the thread and the run() it is stuck in; terminate() cannot end synchronous code (Deno cannot), so the thread's id and slot stay reserved until that code returns", async () => {
  const before = threadsInUse();
  const iot = await IoThread.create({ id: "t-spin" });
  const ctxId = iot.getAioContext().id;
  const a = new Int32Array(new SharedArrayBuffer(8));
  try {
    const call = rejection(iot.run(ref("spinUntilReleased"), a.buffer));
    await waitFor({ words: a, index: 0, equals: 1 }, "the handler to run", { watch: iot });
    iot.stop();
    // The handler spins until released: the timeout is certain, whatever the machine's speed.
    const err = await rejection(settles(iot.join({ timeoutMs: 100 }), "join with a timeout"));
    assert.ok(err instanceof JoinTimeoutError);
    assert.equal(err.thread, "IO t-spin");
    assert.equal(err.timeoutMs, 100);
    assert.match(
      err.message,
      new RegExp(
        "thread IO t-spin did not end within 100 ms of join\\(\\) \\(stop\\(\\) was requested\\): " +
          `it is running run\\(\\) of ${FIX}#spinUntilReleased`,
      ),
    );
    assert.equal(await settles(iot.terminate({ graceMs: 50 }), "terminate"), false);
    await assert.rejects(iot.join(), /IO t-spin.*terminated/);
    assert.match(String(await call), /terminated/);
    assert.equal(threadsInUse(), before + 1, "its code still runs: its id stays reserved");
    assert.notEqual(slotHome(ctxId), 0, "and so does its context slot");
  } finally {
    Atomics.store(a, 1, 1); // the handler returns; the thread sees terminate and leaves
  }
  await waitFor(() => threadsInUse() === before, "the thread id to be freed");
  assert.equal(slotHome(ctxId), 0, "context slot freed");
});

Deno.test("IoThread: terminate() ends a thread stuck on its event loop (a promise that never settles, no stop()) at once, freeing its thread id and context slot", async () => {
  const before = threadsInUse();
  const iot = await IoThread.create({ id: "t-term" });
  const ctxId = iot.getAioContext().id;
  const a = new Int32Array(new SharedArrayBuffer(8));
  const call = rejection(iot.run(ref("neverSettles"), a.buffer));
  await waitFor({ words: a, index: 0, equals: 1 }, "the handler to run", { watch: iot });
  assert.equal(await settles(iot.terminate(), "terminate"), true);
  assert.equal(threadsInUse(), before);
  assert.equal(slotHome(ctxId), 0);
  assert.match(String(await call), /terminated/);
  await assert.rejects(iot.join(), /IO t-term.*terminated/);
  assert.equal(await iot.terminate(), true, "idempotent");
});

Deno.test("IoThread: a thread that fails frees its context slot on every exit path (more failing threads than free slots)", async () => {
  const reg = defaultRegistry();
  const reserved: number[] = [];
  // Leave two slots: if any exit path leaked its slot, a later create() would find none.
  while (freeSlots() > 2) reserved.push(reg.allocContext(0));
  try {
    for (let round = 0; round < 3; round++) {
      const fatal = await IoThread.create({ id: `t-fail-${round}` });
      await fatal.run(ref("registerTestHandlers"));
      fatal.getAioContext().scheduleOneshot(THROWING_HANDLER, round);
      await assert.rejects(settles(fatal.join(), "a failed thread"), /exploded/);

      const leaky = await IoThread.create({ id: `t-leaky-${round}` });
      await leaky.run(ref("leakBh"));
      leaky.stop();
      await assert.rejects(settles(leaky.join(), "destroy throwing"), /live bottom half/);

      const uncaught = await IoThread.create({ id: `t-uncaught-${round}` });
      await assert.rejects(uncaught.run(ref("throwUncaughtSoon")));
      await assert.rejects(settles(uncaught.join(), "an uncaught error"), /uncaught/);

      const killed = await IoThread.create({ id: `t-killed-${round}` });
      assert.equal(await settles(killed.terminate(), "terminate"), true);
      assert.equal(freeSlots(), 2, `round ${round}: every slot came back`);
    }
  } finally {
    for (const id of reserved) reg.freeContext(id);
  }
});

Deno.test("IoThread: create() refuses the id of a live IoThread, even one still starting (QEMU refuses duplicate object ids); the id is free again once it ended", async () => {
  const before = threadsInUse();
  const both = await Promise.allSettled([
    IoThread.create({ id: "t-dup" }),
    IoThread.create({ id: "t-dup" }),
  ]);
  const live = both.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  await withCleanup(async () => {
    assert.equal(live.length, 1, "exactly one of two concurrent creates succeeds");
    const refused = both.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.match(
      String(refused.reason),
      /IoThread id "t-dup" is already in use by a live IOThread/,
    );
    await assert.rejects(IoThread.create({ id: "t-dup" }), /already in use/);
  }, async () => {
    for (const t of live) await t[Symbol.asyncDispose]();
  });
  const again = await IoThread.create({ id: "t-dup" });
  await again[Symbol.asyncDispose]();
  assert.equal(threadsInUse(), before);
});
