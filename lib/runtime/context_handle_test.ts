// RemoteAioContext / AioContextHandle: the thread-safe side of a context
// (QEMU_SEMANTICS.md §1.3, §1.6, §1.8; invariants 1, 2, 6, 7). Cross-thread
// use from real Workers is in aio_context_test.ts and bottom_half_test.ts;
// here the handle's own contract is checked step by step.

import assert from "node:assert/strict";
import { CONTEXT } from "../sync/layout.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { currentThreadId } from "../sync/thread_id.ts";
import { AioContext } from "./aio_context.ts";
import { ClockType, Scale } from "./clock.ts";
import { RemoteAioContext } from "./context_handle.ts";
import { registerHandler, unregisterHandler } from "./handler_ref.ts";
import { IoThread } from "./io_thread.ts";
import { runInThread } from "../testing/thread.ts";

const HANDLERS = new URL("./testdata/handlers.ts", import.meta.url);

function notified(ctx: AioContext): number {
  const reg = defaultRegistry();
  return Atomics.load(reg.words, reg.contextBase(ctx.id) + CONTEXT.NOTIFIED);
}

Deno.test("handle: plain structured-cloneable data naming the context and its home", () => {
  const ctx = new AioContext({ name: "h1" });
  const h = ctx.handle;
  assert.equal(h.id, ctx.id);
  assert.equal(h.name, "h1");
  assert.equal(h.home, currentThreadId());
  assert.equal(ctx.homeThread, currentThreadId());
  assert.ok(h.sharedBh instanceof SharedArrayBuffer);
  const clone = structuredClone(h);
  const r = RemoteAioContext.fromHandle(clone);
  assert.equal(r.id, ctx.id);
  assert.equal(r.name, "h1");
  assert.ok(new RemoteAioContext(h) instanceof RemoteAioContext);
  assert.equal(ctx.remote(), ctx.remote(), "one cached view per context");
  ctx.destroy();
});

Deno.test("handle: a view built from a clone reaches the same context", () => {
  const ctx = new AioContext();
  const got: number[][] = [];
  registerHandler(2001, (a: number, b: number, c: number) => got.push([a, b, c]));
  try {
    const r = RemoteAioContext.fromHandle(structuredClone(ctx.handle));
    ctx.poll(false);
    r.scheduleOneshot(2001, 1, 2, 3);
    assert.equal(notified(ctx), 1);
    assert.equal(ctx.poll(false), true);
    assert.deepEqual(got, [[1, 2, 3]]);
    assert.equal(ctx.poll(false), false);
  } finally {
    unregisterHandler(2001);
    ctx.destroy();
  }
});

Deno.test("handle: oneshot arguments default to 0 and travel as Int32", () => {
  const ctx = new AioContext();
  const got: number[][] = [];
  registerHandler(2002, (a: number, b: number, c: number) => got.push([a, b, c]));
  try {
    const r = ctx.remote();
    r.scheduleOneshot(2002);
    r.scheduleOneshot(2002, -1, 2 ** 31 - 1, -(2 ** 31));
    assert.equal(ctx.poll(false), true);
    assert.deepEqual(got, [[0, 0, 0], [-1, 2 ** 31 - 1, -(2 ** 31)]], "FIFO through the ring");
  } finally {
    unregisterHandler(2002);
    ctx.destroy();
  }
});

Deno.test("handle: notify from an awake owner's thread is a counted skip that is not lost", () => {
  const ctx = new AioContext();
  ctx.poll(false);
  const r = ctx.remote();
  const before = r.notifyStats();
  assert.equal(r.notify(), false);
  const after = r.notifyStats();
  assert.equal(after.skips - before.skips, 1);
  assert.equal(after.wakes, before.wakes);
  assert.equal(notified(ctx), 1);
  assert.equal(ctx.poll(true), false, "the kick ends the next blocking poll at once");
  assert.equal(r.notifyStats().waits, 0);
  ctx.destroy();
});

Deno.test("handle: notifyStats mirrors the owner's wakes and blocking waits", () => {
  const ctx = new AioContext();
  // The wait hook kicks through the handle while the owner is committed to
  // sleeping: that kick pays a wake, and Atomics.wait returns at once.
  let paid: boolean | null = null;
  ctx.setWaitHooks(() => (paid = ctx.remote().notify()), () => {}, false);
  // Bounds the real wait should the hook not end it (a failing test, not a hang).
  let watchdog = false;
  const dog = ctx.timerNew(ClockType.REALTIME, Scale.MS, () => (watchdog = true));
  dog.mod(ctx.clocks.now(ClockType.REALTIME) / 1e6 + 60_000);
  ctx.poll(false);
  assert.equal(ctx.poll(true), false);
  dog.del();
  assert.equal(watchdog, false);
  assert.equal(paid, true);
  const n = ctx.remote().notifyStats();
  const s = ctx.stats();
  assert.deepEqual([n.wakes, n.waits], [1, 1]);
  assert.deepEqual([s.notifyWakes, s.blockingWaits], [1, 1]);
  assert.equal(
    Atomics.load(
      defaultRegistry().words,
      defaultRegistry().contextBase(ctx.id) + CONTEXT.NOTIFY_ME,
    ),
    0,
  );
  ctx.destroy();
});

Deno.test("handle: a oneshot named by 'url#export' loads in the target thread, then runs", async () => {
  const ctx = new AioContext();
  const mod = await import(HANDLERS.href);
  const calls = mod.calls as [string, number, number, number][];
  ctx.remote().scheduleOneshot(`${HANDLERS.href}#remoteRecord`, 9, 8, 7);
  assert.equal(ctx.poll(false), false, "deferred while the module loads");
  assert.equal(ctx.needsEventLoop(), true);
  await ctx.settle();
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(calls.filter((c) => c[0] === "remoteRecord"), [["remoteRecord", 9, 8, 7]]);
  // The string and object forms name the same handler: loaded already.
  ctx.remote().scheduleOneshot({ module: HANDLERS, name: "remoteRecord" }, 1, 1, 1);
  assert.equal(ctx.poll(false), true);
  assert.equal(ctx.needsEventLoop(), false);
  assert.equal(calls.filter((c) => c[0] === "remoteRecord").length, 2);
  ctx.destroy();
});

Deno.test("handle: an id not registered in the target thread fails at its poll, clearly", () => {
  const ctx = new AioContext({ name: "target" });
  ctx.remote().scheduleOneshot(2099, 1);
  assert.throws(
    () => ctx.poll(false),
    (e: Error) =>
      /"target"/.test(e.message) && /handler id 2099/.test(e.message) &&
      /not registered/.test(e.message),
  );
  assert.equal(ctx.needsEventLoop(), false, "a small id is never loaded by import");
  assert.equal(ctx.pollDepth(), 0);
  assert.equal(ctx.poll(false), false, "the bad record was consumed");
  ctx.destroy();
});

Deno.test("handle: malformed module references are refused before anything is queued", () => {
  const ctx = new AioContext();
  const r = ctx.remote();
  assert.throws(() => r.scheduleOneshot("no-hash-here"), TypeError);
  assert.throws(() => r.scheduleOneshot("./relative.ts#fn"), /absolute URL/);
  assert.throws(() => r.scheduleOneshot({ module: HANDLERS, name: "not-an-ident" }), TypeError);
  assert.equal(ctx.computeTimeout(), -1, "nothing queued");
  assert.equal(ctx.poll(false), false);
  ctx.destroy();
});

Deno.test("handle: poll is refused through the handle, naming the home thread (inv. 1)", () => {
  const ctx = new AioContext({ name: "polled" });
  assert.throws(
    () => ctx.remote().poll(false),
    (e: Error) =>
      /poll of context "polled"/.test(e.message) &&
      e.message.includes(`only its home thread ${currentThreadId()} may poll it`),
  );
  ctx.destroy();
});

Deno.test("handle: acquire/release through the handle is the context's lock (1.8)", () => {
  const ctx = new AioContext();
  const r = ctx.remote();
  assert.equal(r.acquiredByMe(), false);
  assert.equal(r.acquireDepth(), 0);
  r.acquire();
  ctx.acquire(); // the same lock: nests
  assert.equal(r.acquiredByMe(), true);
  assert.equal(r.acquireDepth(), 2);
  assert.equal(ctx.lock.depth(), 2);
  assert.equal(r.lockStats().nested, 1);
  assert.equal(r.lockStats().acquired, 1);
  r.release();
  assert.equal(ctx.lock.heldByMe(), true);
  ctx.release();
  assert.equal(r.acquiredByMe(), false);
  assert.throws(() => r.release(), /not locked/);
  ctx.destroy();
});

// ------------------------------------------------------------ stale handles

const REMOTE = new URL("./testdata/remote.ts", import.meta.url);

/** Creates contexts until one reuses control block `id` (ids are recycled). */
function contextWithId(id: number, name: string): AioContext {
  const tried: AioContext[] = [];
  try {
    for (;;) {
      const ctx = new AioContext({ name });
      if (ctx.id === id) return ctx;
      tried.push(ctx);
    }
  } finally {
    for (const c of tried) c.destroy();
  }
}

Deno.test("stale handle: every use after destroy throws naming the context (generation check)", () => {
  const ctx = new AioContext({ name: "gone", ringCapacity: 4 });
  const bh = ctx.sharedBhNew(() => {});
  bh.delete();
  ctx.poll(false);
  const early = ctx.remote();
  const h = ctx.handle;
  ctx.destroy();
  const late = RemoteAioContext.fromHandle(structuredClone(h));
  assert.equal(late.name, "gone", "building a view and reading its names is not a use");
  for (const r of [early, late]) {
    const uses: [string, () => unknown][] = [
      ["notify", () => r.notify()],
      ["scheduleOneshot", () => r.scheduleOneshot(2090)],
      ["scheduleBh", () => r.scheduleBh(bh.index)],
      ["deleteBh", () => r.deleteBh(bh.index)],
      ["acquire", () => r.acquire()],
      ["release", () => r.release()],
      ["acquiredByMe", () => r.acquiredByMe()],
      ["acquireDepth", () => r.acquireDepth()],
      ["lockStats", () => r.lockStats()],
      ["notifyStats", () => r.notifyStats()],
    ];
    for (const [what, use] of uses) {
      assert.throws(
        use,
        new RegExp(`${what} through a stale handle of context "gone" \\(id ${h.id}\\)`),
        what,
      );
    }
    assert.equal(r.alive, false);
  }
  // The ring (capacity 4) is never filled by refused pushes: the fifth is
  // refused like the first instead of waiting forever for a consumer.
  for (let i = 0; i < 5; i++) assert.throws(() => early.scheduleOneshot(2090), /stale handle/);
});

Deno.test("stale handle: a reused context id is never reached through the old handle", () => {
  const old = new AioContext({ name: "old" });
  const h = old.handle;
  old.destroy();
  const fresh = contextWithId(h.id, "fresh");
  try {
    assert.equal(fresh.id, h.id, "the id was recycled");
    assert.equal(fresh.remote().alive, true);
    fresh.poll(false);
    const stale = RemoteAioContext.fromHandle(h);
    assert.throws(() => stale.notify(), /context "old" \(id \d+\).*destroyed/);
    assert.equal(notified(fresh), 0, "the new context was not kicked");
    assert.throws(() => stale.scheduleOneshot(2091), /stale handle of context "old"/);
    assert.equal(fresh.poll(false), false, "nothing reached the new context");
    assert.equal(fresh.remote().notifyStats().skips, 0);
  } finally {
    fresh.destroy();
  }
});

Deno.test("stale handle: a joined IoThread's context is refused in a real Worker and here", async () => {
  const t = await IoThread.create({ id: "stale-iot" });
  const h = t.contextHandle;
  const view = t.getAioContext();
  assert.equal(view.alive, true);
  await runInThread(REMOTE, "notify", h); // alive: fine
  t.stop();
  await t.join();
  await assert.rejects(
    runInThread(REMOTE, "notify", h),
    /notify through a stale handle of context "stale-iot"/,
  );
  await assert.rejects(
    runInThread(REMOTE, "scheduleOneshot", h, 2092, 0, 0, 0, 5),
    /scheduleOneshot through a stale handle of context "stale-iot"/,
  );
  assert.throws(() => view.notify(), /stale handle of context "stale-iot"/);
  assert.equal(view.alive, false);
});
