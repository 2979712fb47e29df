import assert from "node:assert/strict";
import {
  bqlLock,
  bqlLocked,
  bqlStats,
  bqlUnlock,
  getMainAioContext,
  MainLoop,
} from "./main_loop.ts";
import { IoThread } from "./io_thread.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { REGISTRY } from "../sync/layout.ts";
import { waitFor } from "../testing/wait.ts";
import { withCleanup } from "../testing/cleanup.ts";
import { CONTEXT } from "../sync/layout.ts";
import { JoinTimeoutError } from "./hosted_thread.ts";

const FIX = new URL("./testdata/iothread.ts", import.meta.url).href;
const ref = (name: string) => `${FIX}#${name}`;
const { RECORD_HANDLER } = await import(FIX);

Deno.test("MainLoop: the main context runs in its own thread, under the BQL", async () => {
  assert.throws(() => getMainAioContext(), /no main loop/);
  const main = await MainLoop.create();
  await withCleanup(async () => {
    assert.equal(getMainAioContext().name, "main");
    const who = await main.run<Record<string, unknown>>(ref("whoAmI"));
    assert.equal(who.threadName, "main-loop");
    assert.equal(who.role, "main-loop");
    assert.equal(who.bqlLocked, true, "callbacks run with the BQL held");
    assert.deepEqual(
      who.pollParams,
      { pollMaxNs: 0, pollGrow: 0, pollShrink: 0 },
      "no polling by default",
    );
    assert.equal(
      Atomics.load(defaultRegistry().words, REGISTRY.MAIN_CONTEXT) - 1,
      main.getAioContext().id,
    );
    await assert.rejects(MainLoop.create(), /already running/);
  }, async () => {
    main.stop();
    await main.join();
  });
  assert.throws(() => getMainAioContext(), /no main loop/);
  assert.equal(Atomics.load(defaultRegistry().words, REGISTRY.MAIN_CONTEXT), 0);
});

Deno.test("MainLoop: it releases the BQL only while waiting; a BQL holder blocks its dispatch", async () => {
  const main = await MainLoop.create();
  await withCleanup(async () => {
    const rec = new SharedArrayBuffer(32);
    const r = new Int32Array(rec);
    await main.run(ref("registerTestHandlers"), rec);
    // The main loop is idle, i.e. waiting without the BQL: we can take it.
    bqlLock();
    assert.equal(bqlLocked(), true);
    const acquiredBefore = bqlStats().acquired;
    main.getAioContext().scheduleOneshot(RECORD_HANDLER, 1, 2, 3);
    // While we hold the BQL the woken main loop cannot dispatch. (Waiting
    // longer can only make this more certain: a slow machine cannot fail it.)
    assert.equal(Atomics.wait(r, 0, 0, 50), "timed-out");
    assert.equal(Atomics.load(r, 0), 0);
    bqlUnlock();
    await waitFor({ words: r, index: 0, atLeast: 1 }, "the recorded oneshot", { watch: main });
    assert.deepEqual([...r.subarray(0, 4)], [1, 1, 2, 3]);
    const s = bqlStats();
    assert.ok(s.acquired > acquiredBefore);
    const mainThread = s.perThread.find((t) => t.threadId === r[4]);
    assert.ok(mainThread !== undefined && mainThread.contended >= 1, "main loop waited for us");
  }, async () => {
    main.stop();
    await main.join();
  });
});

Deno.test("MainLoop: IOThreads started after it see the main context; legacy helpers work only there", async () => {
  const main = await MainLoop.create();
  const iot = await IoThread.create({ id: "ml-iot" });
  await withCleanup(async () => {
    assert.equal(await iot.run(ref("mainContextName")), "main");
    assert.equal(await main.run(ref("useLegacyHelpers")), "ok");
    assert.match(
      await iot.run<string>(ref("useLegacyHelpers")),
      /qemuBhNew called from IOThread .*IO ml-iot.*must not be used from IOThreads/,
    );
  }, async () => {
    iot.stop();
    main.stop();
    await Promise.all([iot.join(), main.join()]);
  });
});

Deno.test("MainLoop: poll-max-ns, poll-grow and poll-shrink reach the main context", async () => {
  const main = await MainLoop.create({ pollMaxNs: 5000, pollGrow: 3, pollShrink: 2 });
  await withCleanup(async () => {
    const who = await main.run<{ pollParams: unknown }>(ref("whoAmI"));
    assert.deepEqual(who.pollParams, { pollMaxNs: 5000, pollGrow: 3, pollShrink: 2 });
  }, async () => {
    main.stop();
    await main.join();
  });
});

Deno.test("MainLoop: a bad poll parameter is refused at create, before any thread starts", async () => {
  const before = defaultRegistry().threadsInUse();
  await assert.rejects(MainLoop.create({ pollShrink: "2" as unknown as number }), {
    name: "TypeError",
    message:
      "MainLoop: poll parameter pollShrink: expected a non-negative integer divisor (0 = reset " +
      'to 0), got the string "2"',
  });
  await assert.rejects(MainLoop.create({ pollGrow: -3 }), {
    name: "RangeError",
    message: /pollGrow: .*got the number -3$/,
  });
  assert.equal(defaultRegistry().threadsInUse(), before);
  assert.throws(() => getMainAioContext(), /no main loop/, "no main loop was left behind");
});

/** Awaits `p` under waitFor's hang guard: a hang fails the test instead of hanging it. */
async function settles<T>(p: Promise<T>, what: string): Promise<T> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await waitFor(() => done, what);
  return p;
}

Deno.test("MainLoop: of two concurrent create() calls the second is refused (qemu_init_main_loop runs once per process); the first works", async () => {
  const both = await Promise.allSettled([MainLoop.create(), MainLoop.create()]);
  const live = both.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  await withCleanup(async () => {
    assert.equal(live.length, 1, "exactly one main loop");
    const refused = both.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.match(String(refused.reason), /a main loop is already running in this process/);
    assert.equal(getMainAioContext().id, live[0].getAioContext().id);
    assert.equal(await live[0].run(ref("add"), 1, 2), 3);
  }, async () => {
    for (const m of live) {
      m.stop();
      await m.join();
    }
  });
  assert.throws(() => getMainAioContext(), /no main loop/);
});

Deno.test("MainLoop: join({ timeoutMs }) of a main loop never stopped says it waits idle; terminate() frees its slot and the main-context word, so a new main loop can start", async () => {
  const reg = defaultRegistry();
  const before = reg.threadsInUse();
  const main = await MainLoop.create();
  const ctxId = main.getAioContext().id;
  const err = await settles(main.join({ timeoutMs: 100 }), "join with a timeout").then(
    () => assert.fail("join should time out"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof JoinTimeoutError);
  assert.match(
    err.message,
    /thread main-loop did not end within 100 ms of join\(\) \(stop\(\) was not called\): it is (waiting for work in poll\(\)|on its JavaScript event loop)/,
  );
  assert.equal(getMainAioContext().id, ctxId, "a timed-out join leaves the main loop in place");
  assert.equal(await settles(main.terminate(), "terminate"), true);
  assert.equal(reg.threadsInUse(), before);
  assert.equal(Atomics.load(reg.words, reg.contextBase(ctxId) + CONTEXT.HOME), 0);
  assert.equal(Atomics.load(reg.words, REGISTRY.MAIN_CONTEXT), 0);
  assert.throws(() => getMainAioContext(), /no main loop/);
  assert.equal(bqlLocked(), false);
  const next = await MainLoop.create();
  assert.equal(await next.run(ref("add"), 2, 2), 4);
  next.stop();
  await next.join();
});
