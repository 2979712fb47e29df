import assert from "node:assert/strict";
import { AioThreadError } from "./aio_thread_error.ts";
import { DEFAULT_POLL_MAX_NS, IoThread } from "./io_thread.ts";
import { EventNotifier } from "../sync/event_notifier.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { CONTEXT } from "../sync/layout.ts";
import { waitFor } from "../testing/wait.ts";

const FIX = new URL("./testdata/iothread.ts", import.meta.url).href;
const ref = (name: string) => `${FIX}#${name}`;
const { RECORD_HANDLER, THROWING_HANDLER } = await import(FIX);

const threadsInUse = (): number => defaultRegistry().threadsInUse();

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
  try {
    const accepted = listener.accept();
    await iot.run(ref("hostEcho"), listener.addr.port);
    const conn = await accepted;
    try {
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
    } finally {
      conn.close();
    }
  } finally {
    listener.close();
    iot.stop();
    await iot.join();
  }
});
