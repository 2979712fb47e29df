// AioContext: cross-thread oneshots, the notify protocol, event notifiers,
// timers, adaptive polling, threading rules, acquire/release, host I/O
// (QEMU_SEMANTICS.md §1.3-1.7, invariants 1-23). Bottom-half semantics are in
// bottom_half_test.ts.
//
// Style: every step is a poll(false) (or a poll(true) that provably cannot
// sleep) followed by assertions on the progress flag and the counters. Time
// comes from a ManualTimeSource. The tests that make the main thread really
// sleep in poll(true) let a worker act only once the context's WAITS counter
// shows the owner committed to the wait, so they do not depend on speed.

import assert from "node:assert/strict";
import { EventNotifier } from "../sync/event_notifier.ts";
import { CONTEXT, MAX_CONTEXTS, MUTEX } from "../sync/layout.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { currentThreadId } from "../sync/thread_id.ts";
import { runInThread } from "../testing/thread.ts";
import { waitFor } from "../testing/wait.ts";
import { AioContext, type HostIoResource } from "./aio_context.ts";
import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
import { registerHandler, unregisterHandler } from "./handler_ref.ts";
import { newSync, SYNC } from "./testdata/remote.ts";
import { sleepUntilKicked, word } from "./testdata/kick.ts";

const REMOTE = new URL("./testdata/remote.ts", import.meta.url);
const HANDLERS = new URL("./testdata/handlers.ts", import.meta.url);

// ------------------------------------------------------------------ helpers

/** Context control blocks in use in the process registry. */
function liveContexts(): number {
  const reg = defaultRegistry();
  let n = 0;
  for (let id = 0; id < MAX_CONTEXTS; id++) {
    if (Atomics.load(reg.words, reg.contextBase(id) + CONTEXT.HOME) !== 0) n++;
  }
  return n;
}

function manualCtx(
  options: {
    pollMaxNs?: number;
    pollGrow?: number;
    pollShrink?: number;
    name?: string;
    pollClockEvery?: number;
  } = {},
): { ctx: AioContext; mono: ManualTimeSource } {
  const mono = new ManualTimeSource(1_000_000_000);
  const ctx = new AioContext({ ...options, clocks: new Clocks({ monotonic: mono }) });
  return { ctx, mono };
}

async function tcpPair(): Promise<
  { listener: Deno.Listener; server: Deno.Conn; client: Deno.Conn; close: () => void }
> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port }),
    listener.accept(),
  ]);
  const close = () => {
    for (const c of [client, server, listener]) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
  };
  return { listener, server, client, close };
}

/**
 * Arms a 60 s REALTIME timer: pollAsync() then never waits longer than that,
 * so a broken wakeup fails the test (`fired`) instead of hanging it.
 */
function watchdog(ctx: AioContext): { fired: boolean; del: () => void } {
  const t = ctx.timerNew(ClockType.REALTIME, Scale.MS, () => (w.fired = true), undefined, "dog");
  const w = { fired: false, del: () => t.del() };
  t.mod(ctx.clocks.now(ClockType.REALTIME) / 1e6 + 60_000);
  return w;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

// ------------------------------------------------------- cross-thread oneshots

Deno.test("oneshot: scheduled from a worker thread, runs once with its arguments in the BH phase (inv. 2, 13)", async () => {
  const ctx = new AioContext();
  const got: number[][] = [];
  const names: (string | null)[] = [];
  registerHandler(1001, (a0: number, a1: number, a2: number) => {
    got.push([a0, a1, a2]);
    names.push(ctx.currentHandler());
  }, "record-1001");
  try {
    ctx.poll(false);
    const thread = await runInThread<number>(REMOTE, "scheduleOneshot", ctx.handle, 1001, 7, -8, 9);
    assert.notEqual(thread, currentThreadId());
    assert.equal(word(ctx, CONTEXT.NOTIFIED), 1, "the remote schedule kicked");
    assert.equal(ctx.computeTimeout(), 0, "a queued oneshot: a blocking poll must not sleep");
    assert.equal(got.length, 0, "nothing runs outside poll");

    assert.equal(ctx.poll(false), true);
    assert.deepEqual(got, [[7, -8, 9]]);
    assert.deepEqual(names, ["record-1001"]);
    assert.equal(ctx.stats().oneshotRuns, 1);
    assert.equal(ctx.stats().progress, 1);

    assert.equal(ctx.poll(false), false);
    assert.equal(got.length, 1);
    assert.equal(ctx.stats().oneshotRuns, 1);
    assert.equal(ctx.computeTimeout(), -1);

    // Unlike a BH, every cross-thread oneshot is its own call.
    await runInThread(REMOTE, "scheduleOneshot", ctx.handle, 1001, 1, 2, 3, 3);
    assert.equal(ctx.poll(false), true);
    assert.deepEqual(got.slice(1), [[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    assert.equal(ctx.stats().oneshotRuns, 4);
  } finally {
    unregisterHandler(1001);
    ctx.destroy();
  }
});

Deno.test("oneshot: a module-reference handler not loaded yet is deferred, then runs after settle() (inv. 2; §1.6 progress)", async () => {
  const ctx = new AioContext();
  const ref = { module: HANDLERS.href, name: "deferredRecord" };
  const mod = await import(HANDLERS.href);
  const calls = mod.calls as [string, number, number, number][];
  ctx.poll(false);
  await runInThread(REMOTE, "scheduleOneshot", ctx.handle, ref, 1, 2, 3);
  assert.equal(ctx.needsEventLoop(), false);

  // First poll: the handler is not in this thread's table: deferred.
  assert.equal(ctx.poll(false), false, "nothing ran: not progress");
  assert.equal(ctx.needsEventLoop(), true);
  assert.equal(ctx.stats().oneshotRuns, 0);
  assert.equal(calls.filter((c) => c[0] === "deferredRecord").length, 0);

  // Still loading while a settle() awaits the load: a blocking poll is still refused (it would
  // starve the JavaScript event loop that the import needs).
  const settling = ctx.settle();
  assert.equal(ctx.needsEventLoop(), true, "a load that settle() awaits is still in flight");
  assert.throws(() => ctx.poll(true), /still loading/);
  await settling;
  assert.equal(ctx.needsEventLoop(), false);
  assert.equal(ctx.computeTimeout(), 0, "the loaded call is queued for the next poll");

  assert.equal(ctx.poll(false), true);
  assert.deepEqual(calls.filter((c) => c[0] === "deferredRecord"), [["deferredRecord", 1, 2, 3]]);
  assert.equal(ctx.poll(false), false);

  // Loaded now: the next call runs directly in the first poll.
  await runInThread(REMOTE, "scheduleOneshot", ctx.handle, ref, 4, 5, 6);
  assert.equal(ctx.poll(false), true);
  assert.equal(ctx.needsEventLoop(), false);
  assert.equal(ctx.stats().oneshotRuns, 1);
  assert.deepEqual(calls.filter((c) => c[0] === "deferredRecord").at(-1), [
    "deferredRecord",
    4,
    5,
    6,
  ]);
  ctx.destroy();
});

Deno.test("oneshot: a handler module that cannot load surfaces from poll, naming the module", async () => {
  const ctx = new AioContext();
  const missing = new URL("./_fixture_does_not_exist.ts", import.meta.url).href;
  await runInThread(
    REMOTE,
    "scheduleOneshot",
    ctx.handle,
    { module: missing, name: "nope" },
    0,
    0,
    0,
  );
  assert.equal(ctx.poll(false), false);
  assert.equal(ctx.needsEventLoop(), true);
  await ctx.settle();
  assert.throws(
    () => ctx.poll(false),
    (e: Error) => /cannot load module/.test(e.message) && e.message.includes(missing),
  );
  assert.match(ctx.currentHandler() ?? "", /_fixture_does_not_exist\.ts#nope/);
  assert.equal(ctx.pollDepth(), 0, "the throw left no poll running");
  assert.equal(ctx.poll(false), false, "the failed call is gone");
  ctx.destroy();
});

Deno.test("oneshot: ring full from the home thread overflows instead of waiting for itself (inv. 1)", () => {
  const ctx = new AioContext({ name: "tiny", ringCapacity: 2 });
  const got: number[] = [];
  registerHandler(1002, (a: number) => got.push(a));
  try {
    const r = ctx.remote();
    for (let i = 0; i < 3; i++) r.scheduleOneshot(1002, i); // the third overflows
    assert.equal(ctx.poll(false), true);
    assert.deepEqual(got, [0, 1, 2]);
    assert.equal(ctx.poll(false), false);
  } finally {
    unregisterHandler(1002);
    ctx.destroy();
  }
});

// ------------------------------------------------------------ notify protocol

Deno.test("notify: a kick with nothing to do makes poll(true) return false without sleeping (inv. 8)", () => {
  const ctx = new AioContext();
  ctx.poll(false);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0);
  ctx.notify();
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 1);
  assert.equal(ctx.poll(true), false);
  assert.equal(ctx.stats().blockingWaits, 0, "did not sleep");
  assert.equal(ctx.stats().progress, 0);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0);
  assert.equal(word(ctx, CONTEXT.NOTIFY_ME), 0, "notify_me back to 0 after the call");
  ctx.destroy();
});

Deno.test("notify: notified is cleared once per poll; a kick during dispatch is kept (inv. 9)", () => {
  const ctx = new AioContext();
  ctx.notify();
  ctx.notify();
  assert.equal(ctx.poll(true), false);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0, "both kicks consumed by one poll");
  assert.equal(ctx.computeTimeout(), -1, "so the next poll(true) would block");

  // A kick that arrives after the accept (from a callback) survives the call.
  const bh = ctx.bhNew(() => ctx.notify());
  bh.schedule();
  assert.equal(ctx.poll(true), true);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 1);
  assert.equal(ctx.poll(true), false, "returns at once: the late kick was preserved");
  assert.equal(ctx.stats().blockingWaits, 0);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0);
  bh.delete();
  ctx.poll(false);
  ctx.destroy();
});

Deno.test("notify: from the home thread it is a skip, never a futex wake (inv. 7)", () => {
  const ctx = new AioContext();
  const s0 = ctx.stats();
  ctx.notify();
  ctx.notify();
  assert.equal(ctx.remote().notify(), false, "home-thread kick through the handle: no wake");
  const s1 = ctx.stats();
  assert.equal(s1.notifySkips - s0.notifySkips, 3);
  assert.equal(s1.notifyWakes, 0);
  assert.equal(ctx.remote().notifyStats().wakes, 0);
  ctx.destroy();
});

Deno.test("notify: a remote kick while the owner is awake is a skip, and is not lost (inv. 7)", async () => {
  const ctx = new AioContext();
  ctx.poll(false);
  const before = ctx.remote().notifyStats();
  const paid = await runInThread<boolean>(REMOTE, "notify", ctx.handle);
  const after = ctx.remote().notifyStats();
  assert.equal(paid, false);
  assert.equal(after.skips - before.skips, 1);
  assert.equal(after.wakes - before.wakes, 0);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 1);
  assert.equal(ctx.poll(true), false, "seen by the next poll without sleeping");
  assert.equal(ctx.stats().blockingWaits, 0);
  ctx.destroy();
});

Deno.test("notify: a sleeping poll(true) is woken by a oneshot from another thread (inv. 6, 7)", async () => {
  const ctx = new AioContext();
  const got: number[][] = [];
  registerHandler(1003, (a: number, b: number, c: number) => got.push([a, b, c]));
  try {
    const r = await sleepUntilKicked(ctx, { kind: "oneshot", ref: 1003, args: [4, 5, 6] });
    assert.equal(r.worker.kicked, true);
    assert.equal(r.progress, true);
    assert.deepEqual(got, [[4, 5, 6]]);
    assert.equal(r.after.blockingWaits - r.before.blockingWaits, 1, "it really slept");
    assert.equal(r.after.notifyWakes - r.before.notifyWakes, 1, "the kick paid one wake");
    assert.equal(r.after.oneshotRuns - r.before.oneshotRuns, 1);
    assert.equal(word(ctx, CONTEXT.NOTIFY_ME), 0);
    assert.equal(ctx.poll(false), false);
  } finally {
    unregisterHandler(1003);
    ctx.destroy();
  }
});

Deno.test("notify: a bare remote kick wakes a sleeping poll(true), which returns false (inv. 8)", async () => {
  const ctx = new AioContext();
  const r = await sleepUntilKicked(ctx, { kind: "notify" });
  assert.equal(r.worker.kicked, true);
  assert.equal(r.worker.paidWake, true, "the owner was asleep: notify paid a wake");
  assert.equal(r.progress, false);
  assert.equal(r.after.blockingWaits - r.before.blockingWaits, 1);
  assert.equal(r.after.notifyWakes - r.before.notifyWakes, 1);
  assert.equal(r.after.progress, r.before.progress);
  ctx.destroy();
});

// ------------------------------------------------------------ event notifiers

Deno.test("notifier: the handler runs when set and is level-triggered (§1.4, inv. 19)", () => {
  const ctx = new AioContext();
  const e = new EventNotifier({ name: "ev" });
  let calls = 0;
  let clear = false;
  ctx.setEventNotifier(e, (n) => {
    calls++;
    assert.equal(ctx.currentHandler(), "ev");
    if (clear) n.testAndClear();
  });
  assert.equal(e.boundContext(), ctx.id);
  assert.equal(ctx.notifierCount(), 1);
  assert.equal(ctx.poll(false), false, "registering kicks but is not progress");
  assert.equal(calls, 0);

  e.set();
  assert.equal(ctx.poll(false), true);
  assert.equal(calls, 1);
  assert.equal(ctx.stats().handlerRuns, 1);
  // Not cleared by the handler: still ready.
  assert.equal(ctx.poll(false), true);
  assert.equal(calls, 2);
  clear = true;
  assert.equal(ctx.poll(false), true);
  assert.equal(calls, 3);
  assert.equal(ctx.poll(false), false);
  assert.equal(calls, 3);
  assert.equal(ctx.stats().handlerRuns, 3);

  // An active notifier starts set.
  const active = new EventNotifier({ active: true });
  ctx.setEventNotifier(active, (n) => n.testAndClear());
  assert.equal(ctx.poll(false), true);
  ctx.setEventNotifier(active, null);
  ctx.setEventNotifier(e, null);
  ctx.destroy();
});

Deno.test("notifier: a set() of a bound notifier reaches its awake context without a store (inv. 6, 20)", () => {
  const ctx = new AioContext();
  const e = new EventNotifier();
  ctx.setEventNotifier(e, (n) => n.testAndClear());
  ctx.poll(false);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0);
  e.set();
  // The owner is awake: set() leaves `notified` alone (the owner reads every
  // registered notifier after raising notify_me, before it could sleep).
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0);
  assert.equal(ctx.poll(true), true, "ready notifier: no sleep");
  assert.equal(ctx.stats().blockingWaits, 0);
  ctx.setEventNotifier(e, null);
  ctx.destroy();
});

Deno.test("notifier: a poll-only handler's set notifier is dispatched through pollReady", () => {
  const ctx = new AioContext({ name: "poll-only" });
  const e = new EventNotifier();
  let ready = 0;
  ctx.setEventNotifier(e, null, (n) => n.isSet(), (n) => {
    n.testAndClear();
    ready++;
  });
  e.set();
  assert.equal(ctx.poll(true), true, "no sleep: the set notifier is seen before the wait");
  assert.equal(ready, 1);
  assert.equal(ctx.stats().blockingWaits, 0);
  assert.equal(ctx.poll(false), false);
  ctx.setEventNotifier(e, null);
  ctx.destroy();
});

Deno.test("notifier: set from a worker thread wakes a sleeping poll(true) (inv. 2, 6, 7)", async () => {
  const ctx = new AioContext();
  const e = new EventNotifier({ name: "remote-ev" });
  let calls = 0;
  ctx.setEventNotifier(e, (n) => {
    calls++;
    n.testAndClear();
  });
  const r = await sleepUntilKicked(ctx, { kind: "notifier", notifier: e.handle });
  assert.equal(r.worker.kicked, true);
  assert.equal(r.progress, true);
  assert.equal(calls, 1);
  assert.equal(r.after.blockingWaits - r.before.blockingWaits, 1);
  assert.equal(r.after.notifyWakes - r.before.notifyWakes, 1);
  assert.equal(r.after.handlerRuns - r.before.handlerRuns, 1);
  assert.equal(e.sets(), 1);
  ctx.setEventNotifier(e, null);
  ctx.destroy();
});

Deno.test("notifier: registering again replaces the handler; null removes and unbinds (§1.4, inv. 6)", () => {
  const ctx = new AioContext();
  const e = new EventNotifier();
  const log: string[] = [];
  ctx.setEventNotifier(e, (n) => {
    log.push("first");
    n.testAndClear();
  });
  ctx.setEventNotifier(e, (n) => {
    log.push("second");
    n.testAndClear();
  });
  assert.equal(ctx.notifierCount(), 1, "one handler per notifier");
  e.set();
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["second"]);

  ctx.poll(false);
  ctx.setEventNotifier(e, null);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 1, "a handler change kicks (inv. 6)");
  assert.equal(ctx.notifierCount(), 0);
  assert.equal(e.boundContext(), -1);
  assert.equal(ctx.poll(false), false, "removal is not progress");
  e.set();
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0, "an unbound notifier kicks nobody");
  assert.equal(ctx.poll(false), false);
  assert.deepEqual(log, ["second"]);
  ctx.setEventNotifier(e, null); // removing again: no-op
  assert.equal(ctx.notifierCount(), 0);
  ctx.destroy();
});

Deno.test("notifier: a view rebuilt from a cloned handle is the same notifier (§1.4)", () => {
  const ctx = new AioContext();
  const e = new EventNotifier({ name: "cloned" });
  const calls: string[] = [];
  ctx.setEventNotifier(e, (n) => {
    calls.push("h");
    n.testAndClear();
  });
  const view = EventNotifier.fromHandle(structuredClone(e.handle));
  assert.equal(view.id, e.id);
  view.set();
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(calls, ["h"]);
  // Replacing / removing through the other view acts on the same registration.
  ctx.setEventNotifier(view, (n) => {
    calls.push("view");
    n.testAndClear();
  });
  assert.equal(ctx.notifierCount(), 1);
  e.set();
  ctx.poll(false);
  assert.deepEqual(calls, ["h", "view"]);
  ctx.setEventNotifier(view, null);
  assert.equal(ctx.notifierCount(), 0);
  assert.equal(e.boundContext(), -1);
  ctx.destroy();
});

Deno.test("notifier: one bound to another context cannot be registered (§1.4)", () => {
  const a = new AioContext({ name: "a" });
  const b = new AioContext({ name: "b" });
  const e = new EventNotifier({ name: "shared-ev" });
  a.setEventNotifier(e, (n) => n.testAndClear());
  assert.throws(
    () => b.setEventNotifier(e, (n) => n.testAndClear()),
    (err: Error) => err.message.includes("shared-ev") && err.message.includes(`context ${a.id}`),
  );
  assert.equal(b.notifierCount(), 0);
  assert.equal(e.boundContext(), a.id);
  // After removal from a, b may take it.
  a.setEventNotifier(e, null);
  b.setEventNotifier(e, (n) => n.testAndClear());
  assert.equal(e.boundContext(), b.id);
  e.set();
  assert.equal(a.poll(false), false);
  assert.equal(b.poll(false), true);
  b.setEventNotifier(e, null);
  a.destroy();
  b.destroy();
});

Deno.test("notifier: io_poll without pollReady is dropped (§1.4)", () => {
  const ctx = new AioContext();
  const e = new EventNotifier();
  // Only io_poll, no ready callback: dropped, so this is a removal.
  ctx.setEventNotifier(e, null, () => true);
  assert.equal(ctx.notifierCount(), 0);
  assert.equal(e.boundContext(), -1);
  ctx.destroy();
});

Deno.test("notifier: destroy unbinds registered notifiers (§1.2)", () => {
  const ctx = new AioContext();
  const e = new EventNotifier();
  ctx.setEventNotifier(e, (n) => n.testAndClear());
  assert.equal(e.boundContext(), ctx.id);
  ctx.destroy();
  assert.equal(e.boundContext(), -1);
});

Deno.test("poll: phase order is BHs (with oneshots) -> ready handlers -> timers (inv. 18)", () => {
  const { ctx, mono } = manualCtx();
  const log: string[] = [];
  registerHandler(1004, () => log.push("oneshot"));
  try {
    // Armed/queued in the reverse of the expected order.
    const t = ctx.timerNew(ClockType.REALTIME, Scale.NS, () => {
      log.push("timer");
      bh2.schedule(); // work created by a timer runs in the next poll
    });
    t.modNs(mono.nowNs());
    const e = new EventNotifier();
    ctx.setEventNotifier(e, (n) => {
      log.push("handler");
      n.testAndClear();
    });
    e.set();
    ctx.remote().scheduleOneshot(1004);
    const bh2 = ctx.bhNew(() => log.push("bh2"));
    const bh = ctx.bhNew(() => log.push("bh"));
    bh.schedule();

    assert.equal(ctx.poll(false), true);
    assert.deepEqual(log, ["bh", "oneshot", "handler", "timer"]);
    const s = ctx.stats();
    assert.deepEqual(
      [s.bhRuns, s.oneshotRuns, s.handlerRuns, s.timerRuns, s.progress],
      [1, 1, 1, 1, 1],
    );
    assert.equal(ctx.computeTimeout(), 0);
    assert.equal(ctx.poll(false), true);
    assert.deepEqual(log.slice(4), ["bh2"]);
    assert.equal(ctx.poll(false), false);
    ctx.setEventNotifier(e, null);
    bh.delete();
    bh2.delete();
    ctx.poll(false);
  } finally {
    unregisterHandler(1004);
    ctx.destroy();
  }
});

// --------------------------------------------------------------------- timers

Deno.test("timers: fire once at the deadline; computeTimeout is the deadline (inv. 21)", () => {
  const { ctx, mono } = manualCtx();
  let fired = 0;
  const t = ctx.timerNew(ClockType.REALTIME, Scale.US, () => fired++);
  assert.equal(ctx.computeTimeout(), -1);
  t.mod(mono.nowNs() / 1000 + 5); // 5 us from now
  assert.equal(ctx.computeTimeout(), 5000);

  assert.equal(ctx.poll(false), false, "not expired");
  assert.equal(fired, 0);
  mono.advance(4999);
  assert.equal(ctx.computeTimeout(), 1);
  assert.equal(ctx.poll(false), false);
  assert.equal(fired, 0);

  mono.advance(1);
  assert.equal(ctx.computeTimeout(), 0);
  assert.equal(ctx.poll(false), true);
  assert.equal(fired, 1);
  assert.equal(t.pending(), false, "firing disarms");
  assert.equal(ctx.stats().timerRuns, 1);

  mono.advance(1_000_000);
  assert.equal(ctx.poll(false), false, "once per arming");
  assert.equal(fired, 1);
  assert.equal(ctx.computeTimeout(), -1);

  // An expired timer makes poll(true) return at once with progress.
  t.modNs(0);
  assert.equal(ctx.poll(true), true);
  assert.equal(fired, 2);
  assert.equal(ctx.stats().blockingWaits, 0);
  ctx.destroy();
});

Deno.test("timers: VIRTUAL clock timers do not fire while the clock is disabled (inv. 23)", () => {
  const { ctx, mono } = manualCtx();
  let fired = 0;
  const t = ctx.timerNew(ClockType.VIRTUAL, Scale.NS, () => fired++);
  t.modNs(ctx.clocks.now(ClockType.VIRTUAL) + 100);
  assert.equal(ctx.computeTimeout(), -1, "a disabled clock has no deadline");
  mono.advance(1_000_000);
  assert.equal(ctx.poll(false), false);
  assert.equal(fired, 0);
  ctx.clocks.enable(ClockType.VIRTUAL, true);
  assert.equal(ctx.computeTimeout(), 100, "virtual time resumes where it stopped");
  assert.equal(ctx.poll(false), false);
  mono.advance(100);
  assert.equal(ctx.poll(false), true);
  assert.equal(fired, 1);
  ctx.destroy();
});

Deno.test("timers: different clocks run in clock-type order within one poll (inv. 22)", () => {
  const mono = new ManualTimeSource(1_000);
  const wall = new ManualTimeSource(5_000);
  const ctx = new AioContext({ clocks: new Clocks({ monotonic: mono, wall }) });
  ctx.clocks.enable(ClockType.VIRTUAL, true);
  const log: string[] = [];
  const host = ctx.timerNew(ClockType.HOST, Scale.NS, () => log.push("host"));
  const virt = ctx.timerNew(ClockType.VIRTUAL, Scale.NS, () => log.push("virtual"));
  const real = ctx.timerNew(ClockType.REALTIME, Scale.NS, () => log.push("realtime"));
  host.modNs(5_000);
  virt.modNs(ctx.clocks.now(ClockType.VIRTUAL));
  real.modNs(1_000);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["realtime", "virtual", "host"]);
  ctx.destroy();
});

Deno.test("timers: arming a timer that becomes the earliest kicks the context (inv. 6)", () => {
  const { ctx, mono } = manualCtx();
  const now = mono.nowNs();
  const t1 = ctx.timerNew(ClockType.REALTIME, Scale.NS, () => {});
  const t2 = ctx.timerNew(ClockType.REALTIME, Scale.NS, () => {});
  ctx.poll(false);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0);
  t1.modNs(now + 1000);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 1, "new earliest deadline: kick");
  ctx.poll(false);
  t2.modNs(now + 2000);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0, "not the earliest: no kick");
  t2.modNs(now + 500);
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 1);
  assert.equal(ctx.computeTimeout(), 500);
  ctx.poll(false);
  t1.del();
  t2.del();
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0, "disarming does not kick");
  assert.equal(ctx.computeTimeout(), -1);
  ctx.destroy();
});

// ----------------------------------------------------------- adaptive polling

/**
 * A manual-clock context with busy-polling on, plus:
 * - `sleep(ns)`: a poll(true) whose blocking wait "lasts" ns of manual time
 *   (the before-wait hook advances the clock and kicks, so the thread does
 *   not really sleep: Atomics.wait returns at once);
 * - a notifier whose io_poll advances the clock by `step` ns per call and
 *   reports work on call number `hitAt`; pollReady dispatches it.
 */
function adaptiveRig(maxNs: number, grow = 0, shrink = 0, step = 1000) {
  // pollClockEvery 1: QEMU's exact loop (a clock read after every round).
  const { ctx, mono } = manualCtx({
    pollMaxNs: maxNs,
    pollGrow: grow,
    pollShrink: shrink,
    pollClockEvery: 1,
  });
  let sleepNs = 0;
  ctx.setWaitHooks(
    () => {
      mono.advance(sleepNs);
      ctx.notify();
    },
    () => {},
    false,
  );
  const log: string[] = [];
  // Never expires on the manual clock; it only bounds the REAL wait to 5 s
  // should the before-wait hook not end it (a failing test, not a hang).
  const dog = ctx.timerNew(ClockType.REALTIME, Scale.NS, () => {}, undefined, "rig-dog");
  dog.modNs(mono.nowNs() + 5e9);
  const rig = {
    ctx,
    mono,
    log,
    pollCalls: 0,
    readyCalls: 0,
    hitAt: -1,
    e: new EventNotifier({ name: "polled" }),
    sleep(ns: number): boolean {
      sleepNs = ns;
      const p = ctx.poll(true);
      sleepNs = 0;
      return p;
    },
    close(): void {
      dog.del();
      ctx.setEventNotifier(rig.e, null);
      ctx.destroy();
    },
  };
  ctx.setEventNotifier(
    rig.e,
    (n) => n.testAndClear(),
    () => {
      rig.pollCalls++;
      log.push("poll");
      mono.advance(step);
      return rig.pollCalls === rig.hitAt;
    },
    () => {
      rig.readyCalls++;
      log.push("ready");
    },
  );
  ctx.setEventNotifierPoll(rig.e, () => log.push("begin"), () => log.push("end"));
  ctx.poll(false); // consume the registration kicks
  return rig;
}

Deno.test("adaptive: pollNs grows 0 -> 4000 -> 8000 on short blocks, shrinks to 0 on a long one (1.7)", () => {
  const rig = adaptiveRig(32768);
  const { ctx } = rig;
  assert.equal(ctx.stats().pollNs, 0);

  // pollNs 0: no busy-polling; blocked 3000 ns (< max): start at 4 us.
  assert.equal(rig.sleep(3000), false);
  let s = ctx.stats();
  assert.deepEqual([s.pollNs, s.pollPhases, s.blockingWaits, rig.pollCalls], [4000, 0, 1, 0]);

  // pollNs 4000: busy-polls 4 x 1000 ns, gives up (+1 final check) and sleeps 0:
  // blocked 5000 ns, between pollNs and max: double.
  assert.equal(rig.sleep(0), false);
  s = ctx.stats();
  assert.deepEqual(
    [s.pollNs, s.pollPhases, s.pollHits, s.pollTotalNs, s.blockingWaits, rig.pollCalls],
    [8000, 1, 0, 4000, 2, 5],
  );
  assert.deepEqual(rig.log, ["begin", "poll", "poll", "poll", "poll", "end", "poll"]);

  // pollNs 8000: polls 8000 ns, final check 1000, sleeps 40000: 49000 > max: reset.
  assert.equal(rig.sleep(40_000), false);
  s = ctx.stats();
  assert.deepEqual([s.pollNs, s.pollPhases, s.pollTotalNs, s.blockingWaits], [0, 2, 12000, 3]);

  // Non-blocking polls measure 0 ns and leave it alone.
  rig.sleep(1000);
  assert.equal(ctx.stats().pollNs, 4000);
  assert.equal(ctx.poll(false), false);
  assert.equal(ctx.stats().pollNs, 4000);
  rig.close();
});

Deno.test("adaptive: grow factor and shrink divisor are honoured (1.7)", () => {
  const rig = adaptiveRig(32768, 4, 2, 1000);
  const { ctx } = rig;
  rig.sleep(1000);
  assert.equal(ctx.stats().pollNs, 4000);
  rig.sleep(0); // blocked 5000: x4
  assert.equal(ctx.stats().pollNs, 16000);
  rig.sleep(40_000); // blocked > max: / 2
  assert.equal(ctx.stats().pollNs, 8000);
  rig.close();
});

Deno.test("adaptive: busy-polling finds work via io_poll and dispatches pollReady (1.7)", () => {
  const rig = adaptiveRig(32768);
  const { ctx } = rig;
  rig.sleep(3000);
  assert.equal(ctx.stats().pollNs, 4000);
  const s0 = ctx.stats();

  rig.hitAt = rig.pollCalls + 3; // the 3rd io_poll of the next phase finds work
  assert.equal(rig.sleep(1_000_000), true, "pollReady ran: progress");
  const s1 = ctx.stats();
  assert.equal(rig.readyCalls, 1);
  assert.equal(s1.pollPhases - s0.pollPhases, 1);
  assert.equal(s1.pollHits - s0.pollHits, 1);
  assert.equal(s1.pollTotalNs - s0.pollTotalNs, 3000);
  assert.equal(s1.blockingWaits, s0.blockingWaits, "found by polling: no sleep at all");
  assert.equal(s1.handlerRuns - s0.handlerRuns, 1);
  assert.equal(s1.pollNs, 4000, "blocked 3000 <= pollNs: unchanged");
  assert.deepEqual(rig.log, ["begin", "poll", "poll", "poll", "ready"]);

  assert.equal(ctx.poll(false), false, "pollReady fired once; the notifier itself is not set");
  assert.equal(rig.readyCalls, 1);
  rig.close();
});

Deno.test("adaptive: io_poll_begin/io_poll_end on transitions; the final check after end can find work (1.4, 1.7)", () => {
  const rig = adaptiveRig(32768);
  const { ctx } = rig;
  rig.sleep(3000); // pollNs -> 4000
  rig.log.length = 0;

  // Phase 1 finds work on its 2nd call: polling mode stays on (no end).
  rig.hitAt = rig.pollCalls + 2;
  assert.equal(rig.sleep(0), true);
  assert.deepEqual(rig.log, ["begin", "poll", "poll", "ready"]);

  // Phase 2: already started (no second begin); budget runs out: end, then
  // the final io_poll finds work -> no sleep, dispatched through pollReady.
  rig.log.length = 0;
  rig.hitAt = rig.pollCalls + 5;
  const waits = ctx.stats().blockingWaits;
  assert.equal(rig.sleep(0), true);
  assert.deepEqual(rig.log, ["poll", "poll", "poll", "poll", "end", "poll", "ready"]);
  assert.equal(ctx.stats().blockingWaits, waits, "the final check forced timeout 0");
  assert.equal(rig.readyCalls, 2);

  // Phase 3: begin again (polling mode was switched off).
  rig.log.length = 0;
  rig.hitAt = -1;
  rig.sleep(0);
  assert.equal(rig.log[0], "begin");
  assert.equal(rig.log.filter((x) => x === "begin").length, 1);
  assert.equal(rig.log.filter((x) => x === "end").length, 1);
  rig.close();
});

Deno.test("adaptive: io_poll without pollReady is dropped, never called while busy-polling (1.4, 1.7)", () => {
  const rig = adaptiveRig(32768);
  const { ctx } = rig;
  let dropped = 0;
  const other = new EventNotifier({ name: "no-ready" });
  ctx.setEventNotifier(other, (n) => n.testAndClear(), () => (dropped++, false));
  assert.equal(ctx.notifierCount(), 2, "registered for reading");
  ctx.poll(false);
  rig.sleep(3000); // pollNs -> 4000
  rig.sleep(0); // a polling phase
  assert.equal(ctx.stats().pollPhases, 1);
  assert.ok(rig.pollCalls > 0);
  assert.equal(dropped, 0, "its io_poll was dropped");
  ctx.setEventNotifier(other, null);
  rig.close();
});

Deno.test("adaptive: setPollParams resets pollNs to 0, kicks, and validates (1.7)", () => {
  const rig = adaptiveRig(32768);
  const { ctx } = rig;
  rig.sleep(3000);
  assert.equal(ctx.stats().pollNs, 4000);
  ctx.setPollParams({ pollMaxNs: 65536, pollGrow: 3, pollShrink: 2 });
  assert.equal(ctx.stats().pollNs, 0);
  assert.deepEqual(ctx.pollParams(), { pollMaxNs: 65536, pollGrow: 3, pollShrink: 2 });
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 1);
  assert.throws(() => ctx.setPollParams({ pollMaxNs: -1, pollGrow: 0, pollShrink: 0 }), RangeError);
  assert.throws(
    () => ctx.setPollParams({ pollMaxNs: 1, pollGrow: 0.5, pollShrink: 0 }),
    /pollGrow/,
  );
  assert.deepEqual(ctx.pollParams(), { pollMaxNs: 65536, pollGrow: 3, pollShrink: 2 }, "unchanged");
  // pollMaxNs 0 disables polling: nothing is measured any more.
  ctx.setPollParams({ pollMaxNs: 0, pollGrow: 0, pollShrink: 0 });
  rig.sleep(3000);
  assert.equal(ctx.stats().pollNs, 0);
  assert.equal(ctx.stats().pollPhases, 0);
  rig.close();
});

Deno.test("adaptive: a host-I/O handler disables busy-polling (1.4 poll_disable_cnt, 1.7)", () => {
  const rig = adaptiveRig(32768);
  const { ctx } = rig;
  rig.sleep(3000); // pollNs -> 4000
  const res: HostIoResource = { write: (p) => Promise.resolve(p.length) };
  let writes = 0;
  ctx.setHostIoHandler(res, { write: () => (writes++, null) });
  ctx.poll(false);
  const calls = rig.pollCalls;
  // The host handler is writable, so poll(true) does not sleep (or throw).
  assert.equal(ctx.poll(true), false, "nothing to write is not progress");
  assert.equal(ctx.stats().pollPhases, 0);
  assert.equal(rig.pollCalls, calls, "no io_poll call");
  assert.ok(writes >= 2);
  ctx.setHostIoHandler(res, null);
  assert.equal(ctx.hostIoCount(), 0);
  ctx.poll(false);
  rig.sleep(0); // polling is back
  assert.equal(ctx.stats().pollPhases, 1);
  rig.close();
});

Deno.test("adaptive: busy-polling checks read-only notifiers too (every notifier is userspace-pollable)", () => {
  // Every clock read advances 1 us, so a polling phase that never finds its
  // notifier ends after budget / 1 us rounds instead of spinning forever.
  const mono = new ManualTimeSource(1_000_000_000);
  let reads = 0;
  const ticking = {
    nowNs: () => {
      reads++;
      mono.advance(1000);
      return mono.nowNs();
    },
  };
  const ctx = new AioContext({
    pollMaxNs: 100_000_000,
    pollClockEvery: 1,
    clocks: new Clocks({ monotonic: ticking }),
  });
  const ro = new EventNotifier({ name: "read-only" });
  let reads0 = 0;
  ctx.setEventNotifier(ro, (n) => {
    n.testAndClear();
    reads0++;
  });
  // The before-wait hook kicks, so a poll(true) that reaches the wait returns at once.
  ctx.setWaitHooks(() => ctx.notify(), () => {}, false);
  ctx.poll(false);
  // Grow pollNs: each poll(true) that waits measures a short block.
  while (ctx.stats().pollNs < 50_000) assert.equal(ctx.poll(true), false);
  const before = ctx.stats();
  ro.set();
  const readsBefore = reads;
  assert.equal(ctx.poll(true), true, "the read handler ran");
  const after = ctx.stats();
  assert.equal(reads0, 1);
  assert.equal(after.pollPhases - before.pollPhases, 1);
  assert.equal(after.pollHits - before.pollHits, 1, "found by busy-polling");
  assert.equal(
    after.pollTotalNs - before.pollTotalNs,
    1000,
    "in the first round, not after the budget",
  );
  assert.ok(reads - readsBefore <= 3, `clock reads: ${reads - readsBefore}`);
  assert.equal(after.blockingWaits, before.blockingWaits, "no wait");
  ctx.setEventNotifier(ro, null);
  ctx.destroy();
});

// ------------------------------------------------------------------ threading

Deno.test("threads: RemoteAioContext.poll from another thread throws naming the home thread (inv. 1)", async () => {
  const ctx = new AioContext({ name: "homed" });
  const msg = await runInThread<string>(REMOTE, "remotePoll", ctx.handle);
  assert.match(msg, /poll of context "homed"/);
  assert.match(msg, new RegExp(`only its home thread ${currentThreadId()} may poll it`));
  assert.doesNotMatch(msg, /from thread 0 /, "names the calling worker, not the home thread");
  ctx.destroy();
});

Deno.test("threads: a worker polls a context it created itself (it is the home thread) (inv. 1)", async () => {
  const r = await runInThread<
    { thread: number; home: number; first: boolean; second: boolean; ran: number }
  >(REMOTE, "ownContext");
  assert.notEqual(r.thread, 0);
  assert.equal(r.home, r.thread);
  assert.deepEqual([r.first, r.second, r.ran], [true, false, 1]);
});

Deno.test("lifecycle: a constructor that rejects its options does not leak a context slot (§1.2)", () => {
  const live = liveContexts();
  assert.throws(() => new AioContext({ pollMaxNs: -5 }), RangeError);
  assert.throws(() => new AioContext({ pollGrow: 1.5 }), RangeError);
  assert.throws(() => new AioContext({ ringCapacity: 0 }), RangeError);
  assert.throws(() => new AioContext({ sharedBhCapacity: -10 }), RangeError);
  assert.throws(() => new AioContext({ pollClockEvery: 0 }), /pollClockEvery/);
  assert.equal(liveContexts(), live);
  const ctx = new AioContext();
  assert.equal(liveContexts(), live + 1);
  ctx.destroy();
  assert.equal(liveContexts(), live);
});

Deno.test("options: errors name the option, what was expected and the found value with its type", () => {
  const live = liveContexts();
  const cases: [Record<string, unknown>, ErrorConstructor, RegExp][] = [
    [
      { sharedBhCapacity: -5 },
      RangeError,
      /sharedBhCapacity: expected an integer in \[1, \d+\], got the number -5/,
    ],
    [
      { sharedBhCapacity: "8" },
      TypeError,
      /sharedBhCapacity: expected an integer .*got the string "8"/,
    ],
    [
      { ringCapacity: 0 },
      RangeError,
      /ringCapacity: expected an integer in \[1, \d+\], got the number 0/,
    ],
    [{ ringCapacity: 1.5 }, RangeError, /ringCapacity: .*got the number 1.5/],
    [{ ringCapacity: null }, TypeError, /ringCapacity: .*got null/],
    [
      { pollClockEvery: "8" },
      TypeError,
      /pollClockEvery: expected an integer >= 1, got the string "8"/,
    ],
    [
      { pollClockEvery: 0 },
      RangeError,
      /pollClockEvery: expected an integer >= 1, got the number 0/,
    ],
    [{ name: 7 }, TypeError, /name: expected a string, got the number 7/],
    [{ clocks: {} }, TypeError, /clocks: expected a Clocks instance, got an object/],
    [{ pollMaxNs: "100" }, TypeError, /pollMaxNs: expected .*got the string "100"/],
  ];
  for (const [options, type, msg] of cases) {
    assert.throws(() => new AioContext(options as never), (err: unknown) => {
      assert.ok(err instanceof type, `${JSON.stringify(options)}: ${err}`);
      assert.match((err as Error).message, msg);
      return true;
    });
  }
  assert.equal(liveContexts(), live, "no slot claimed by a refused constructor");
});

Deno.test("threads: home-thread-only methods refuse after destroy (§1.2)", () => {
  const ctx = new AioContext({ name: "gone" });
  ctx.destroy();
  assert.throws(() => ctx.poll(false), /destroyed context "gone"/);
  assert.throws(() => ctx.bhNew(() => {}), /destroyed/);
  assert.throws(() => ctx.scheduleOneshot(() => {}), /destroyed/);
  assert.throws(() => ctx.destroy(), /destroyed/);
});

Deno.test("threads: destroy from inside the context's own poll is refused (§1.2: no finalize during aio_bh_poll)", () => {
  const ctx = new AioContext({ name: "busy" });
  let msg = "";
  ctx.scheduleOneshot(() => {
    try {
      ctx.destroy();
    } catch (e) {
      msg = (e as Error).message;
    }
  });
  assert.equal(ctx.poll(false), true);
  assert.match(msg, /inside its poll/);
  ctx.destroy();
});

// ------------------------------------------------------------ acquire/release

Deno.test("acquire/release: recursive in one thread, nested acquisitions counted (§1.8)", () => {
  const ctx = new AioContext();
  assert.equal(ctx.lock.heldByMe(), false);
  ctx.acquire();
  ctx.acquire();
  ctx.acquire();
  assert.equal(ctx.lock.depth(), 3);
  assert.equal(ctx.remote().acquireDepth(), 3, "the handle sees the same lock");
  assert.equal(ctx.lock.stats().nested, 2);
  assert.equal(ctx.lock.stats().acquired, 1);
  ctx.release();
  ctx.release();
  assert.equal(ctx.lock.heldByMe(), true);
  ctx.release();
  assert.equal(ctx.lock.heldByMe(), false);
  assert.throws(() => ctx.release(), /not locked/);
  ctx.destroy();
});

Deno.test("acquire/release: exclusive across a real worker thread (§1.8)", async () => {
  const ctx = new AioContext();
  const sync = newSync();
  const worker = runInThread<
    { thread: number; heldByMe: boolean; depth: number; peerTry: boolean }
  >(REMOTE, "holdLockUntilContended", ctx.handle, sync.buffer);
  await waitFor({ words: sync, index: SYNC.PHASE, equals: 1 }, "the worker to hold the lock", {
    watch: worker,
  });
  // The worker holds it (twice): we cannot take it.
  assert.equal(ctx.lock.tryLock(), false);
  assert.equal(ctx.lock.heldByMe(), false);
  // Block until the worker sees us waiting (futex word 2) and lets go.
  ctx.acquire();
  assert.equal(ctx.lock.heldByMe(), true);
  const w = await worker;
  assert.deepEqual([w.heldByMe, w.depth, w.peerTry], [true, 2, true]);
  const st = ctx.lock.stats();
  const mine = st.perThread.find((p) => p.threadId === currentThreadId());
  const theirs = st.perThread.find((p) => p.threadId === w.thread);
  assert.ok(mine !== undefined && theirs !== undefined);
  assert.equal(theirs.acquired, 1);
  assert.equal(mine.contended, 1, "our acquire found it held");
  assert.ok(st.nested >= 2);
  ctx.release();
  const state = new Int32Array(ctx.handle.lock.sab, 0, MUTEX.STATS_BYTE / 4);
  assert.equal(Atomics.load(state, MUTEX.STATE), 0);
  ctx.destroy();
});

// -------------------------------------------------------------------- host I/O

Deno.test("host I/O: a read handler receives the peer's bytes through pollAsync, then EOF (§1.4 io_read)", async () => {
  const tcp = await tcpPair();
  const ctx = new AioContext();
  try {
    const dog = watchdog(ctx);
    const chunks: (Uint8Array | null)[] = [];
    ctx.setHostIoHandler(tcp.server, { read: (d) => chunks.push(d) });
    assert.equal(ctx.hostIoCount(), 1);
    await tcp.client.write(enc.encode("hello"));
    let text = "";
    for (let i = 0; text.length < 5; i++) {
      assert.ok(i < 100 && !dog.fired, "the data never arrived");
      const runs = ctx.stats().handlerRuns;
      const p = await ctx.pollAsync();
      if (ctx.stats().handlerRuns > runs) assert.equal(p, true, "a delivery is progress");
      text = chunks.map((c) => dec.decode(c!)).join("");
    }
    assert.equal(text, "hello");

    tcp.client.close();
    for (let i = 0; chunks.at(-1) !== null; i++) {
      assert.ok(i < 100 && !dog.fired, "end of stream never arrived");
      await ctx.pollAsync();
    }
    dog.del();
    assert.equal(chunks.at(-1), null, "end of stream is delivered as null");
    ctx.setHostIoHandler(tcp.server, null);
    assert.equal(ctx.hostIoCount(), 0);
    assert.equal(ctx.poll(false), false);
  } finally {
    ctx.destroy();
    tcp.close();
  }
});

Deno.test("host I/O: a write handler's bytes reach the peer (§1.4 io_write)", async () => {
  const tcp = await tcpPair();
  const ctx = new AioContext();
  try {
    const dog = watchdog(ctx);
    const queue = [enc.encode("wor"), enc.encode("ld")];
    let calls = 0;
    ctx.setHostIoHandler(tcp.server, {
      write: () => {
        calls++;
        return queue.shift() ?? null;
      },
    });
    assert.equal(await ctx.pollAsync(), true, "first chunk handed to the resource");
    assert.deepEqual([calls, queue.length], [1, 1]);
    // The next chunk is asked for only once the first write completed.
    for (let i = 0; queue.length > 0; i++) {
      assert.ok(i < 100 && !dog.fired, "the first write never completed");
      await ctx.pollAsync();
    }
    assert.equal(calls, 2);
    let text = "";
    const buf = new Uint8Array(64);
    while (text.length < 5) {
      const n = await tcp.client.read(buf);
      assert.notEqual(n, null);
      text += dec.decode(buf.subarray(0, n!));
    }
    assert.equal(text, "world");
    // Once the last write completed, the handler is asked again: nothing to
    // send is a handler run but not progress.
    let p = true;
    for (let i = 0; p; i++) {
      assert.ok(i < 100 && !dog.fired, "the last write never completed");
      p = await ctx.pollAsync();
    }
    dog.del();
    assert.ok(calls >= 3, "asked again after the last write completed");
    const before = calls;
    const runs = ctx.stats().handlerRuns;
    assert.equal(ctx.poll(false), false);
    assert.equal(ctx.stats().handlerRuns, runs + 1);
    assert.equal(calls, before + 1, "a writable resource asks its handler on every poll");
    ctx.setHostIoHandler(tcp.server, null);
    assert.equal(ctx.hostIoCount(), 0);
  } finally {
    ctx.destroy();
    tcp.close();
  }
});

Deno.test("host I/O: a blocking poll() that would sleep throws instead of hanging (inv. 20)", async () => {
  const tcp = await tcpPair();
  const ctx = new AioContext({ name: "hostctx" });
  try {
    ctx.setHostIoHandler(tcp.server, { read: () => {} });
    assert.equal(ctx.poll(false), false);
    assert.throws(
      () => ctx.poll(true),
      (e: Error) => /"hostctx"/.test(e.message) && /pollAsync/.test(e.message),
    );
    assert.equal(ctx.pollDepth(), 0);
    assert.equal(word(ctx, CONTEXT.NOTIFY_ME), 0, "notify_me restored");
    assert.equal(ctx.stats().blockingWaits, 0);
    // With other work pending it does not sleep, so it does not throw.
    ctx.scheduleOneshot(() => {});
    assert.equal(ctx.poll(true), true);
    ctx.setHostIoHandler(tcp.server, null);
    assert.equal(ctx.hostIoCount(), 0);
    assert.equal(ctx.computeTimeout(), -1);
  } finally {
    ctx.destroy();
    tcp.close();
  }
});
