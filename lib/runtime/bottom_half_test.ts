// Bottom halves (QEMU_SEMANTICS.md §1.3, invariants 10-17), local and
// shared, driven step by step with poll(false). Shared BHs are scheduled from
// real Workers (runInThread).

import assert from "node:assert/strict";
import { CONTEXT } from "../sync/layout.ts";
import { BH_FLAG, SHARED_BH } from "./layout.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { runInThread } from "../testing/thread.ts";
import { AioContext, IDLE_BH_TIMEOUT_NS } from "./aio_context.ts";
import { type BhHost, BottomHalf, sharedBhEnqueue } from "./bottom_half.ts";
import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
import { sleepUntilKicked } from "./testdata/kick.ts";

const REMOTE = new URL("./testdata/remote.ts", import.meta.url);

/** The context's `notified` word (QEMU ctx->notified). */
function notified(ctx: AioContext): number {
  const reg = defaultRegistry();
  return Atomics.load(reg.words, reg.contextBase(ctx.id) + CONTEXT.NOTIFIED);
}

/** Deletes the BHs, reaps them with one BH pass, destroys the context. */
function teardown(ctx: AioContext, ...bhs: BottomHalf[]): void {
  for (const bh of bhs) bh.delete();
  ctx.poll(false);
  ctx.destroy();
}

// ------------------------------------------------------------- local BHs

Deno.test("bh: a new BH does not run until scheduled (§1.3 aio_bh_new)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.bhNew(() => runs++);
  assert.equal(bh.flags, 0);
  assert.equal(bh.scheduled, false);
  assert.equal(ctx.computeTimeout(), -1);
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 0);
  assert.equal(ctx.stats().bhRuns, 0);
  teardown(ctx, bh);
});

Deno.test("bh: N schedules before a poll -> exactly one run (inv. 10)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.bhNew(() => runs++);
  for (let i = 0; i < 5; i++) bh.schedule();
  assert.equal(bh.flags, BH_FLAG.PENDING | BH_FLAG.SCHEDULED);
  assert.equal(bh.scheduled, true);
  assert.equal(ctx.computeTimeout(), 0);

  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  assert.equal(bh.flags, 0, "running clears PENDING|SCHEDULED");
  assert.deepEqual(
    [ctx.stats().bhRuns, ctx.stats().polls, ctx.stats().progress],
    [1, 1, 1],
  );

  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 1);
  assert.deepEqual(
    [ctx.stats().bhRuns, ctx.stats().polls, ctx.stats().progress],
    [1, 2, 1],
  );

  // Once it ran, a new schedule makes a new run.
  bh.schedule();
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 2);
  teardown(ctx, bh);
});

Deno.test("bh: every schedule kicks the context, even of a pending BH (inv. 6)", () => {
  const ctx = new AioContext();
  const bh = ctx.bhNew(() => {});
  ctx.poll(false);
  const kicks0 = ctx.stats().notifySkips; // home-thread kicks: counted as skips
  bh.schedule();
  assert.equal(ctx.stats().notifySkips, kicks0 + 1);
  bh.schedule(); // already pending: not linked again, but kicked again
  assert.equal(ctx.stats().notifySkips, kicks0 + 2);
  assert.equal(ctx.stats().notifyWakes, 0, "the owner is awake: no futex wake");
  assert.equal(notified(ctx), 0, "a home-thread kick needs no shared-word store");
  // The kick is real: with the run cancelled, poll(true) still returns at
  // once (false: a kick is not progress) instead of sleeping.
  bh.cancel();
  assert.equal(ctx.poll(true), false);
  assert.equal(ctx.stats().blockingWaits, 0);
  teardown(ctx, bh);
});

Deno.test("bh: cancel -> callback not run, no progress (inv. 11)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.bhNew(() => runs++);
  bh.schedule();
  bh.cancel();
  assert.equal(bh.scheduled, false);
  assert.equal(bh.flags & BH_FLAG.PENDING, BH_FLAG.PENDING, "still linked until the next pass");
  assert.equal(ctx.computeTimeout(), -1, "a cancelled BH does not stop a blocking poll");
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 0);
  assert.equal(ctx.stats().bhRuns, 0);
  assert.equal(bh.flags, 0, "the pass unlinked it");

  // The BH stays allocated: it can be scheduled again.
  bh.schedule();
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  teardown(ctx, bh);
});

Deno.test("bh: schedule after cancel (still pending) re-arms it (inv. 10)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.bhNew(() => runs++);
  bh.schedule();
  bh.cancel();
  bh.schedule();
  assert.equal(bh.scheduled, true);
  assert.equal(ctx.computeTimeout(), 0);
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1, "linked once, runs once");
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 1);
  teardown(ctx, bh);
});

Deno.test("bh: delete with a pending schedule -> never runs, no progress (inv. 12)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.bhNew(() => runs++);
  bh.schedule();
  bh.delete();
  assert.equal(bh.scheduled, false);
  assert.equal(ctx.computeTimeout(), -1);
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 0);
  // Scheduling a deleted BH never runs it either.
  bh.schedule();
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 0);
  assert.equal(ctx.stats().bhRuns, 0);
  ctx.destroy(); // deleted: not a leak
});

Deno.test("bh: delete without a pending schedule kicks and is reaped without running (inv. 6, 12)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.bhNew(() => runs++);
  ctx.poll(false);
  const kicks0 = ctx.stats().notifySkips;
  bh.delete();
  assert.equal(ctx.stats().notifySkips, kicks0 + 1, "delete goes through enqueue, which kicks");
  assert.equal(bh.flags, BH_FLAG.PENDING | BH_FLAG.DELETED);
  assert.equal(ctx.poll(true), false, "kicked: returns at once, nothing ran");
  assert.equal(ctx.stats().blockingWaits, 0);
  assert.equal(runs, 0);
  assert.equal(bh.flags, BH_FLAG.DELETED);
  ctx.destroy();
});

Deno.test("bh: a BH may delete itself inside its callback (inv. 12)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh: BottomHalf = ctx.bhNew(() => {
    runs++;
    bh.delete();
    bh.schedule(); // too late: deleted
  });
  bh.schedule();
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  assert.equal(bh.scheduled, false);
  assert.equal(ctx.poll(false), false, "the reaping pass runs nothing");
  assert.equal(runs, 1);
  bh.schedule();
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 1);
  ctx.destroy();
});

Deno.test("bh: a oneshot runs exactly once, in the BH phase (inv. 13)", () => {
  const ctx = new AioContext();
  const seen: unknown[] = [];
  ctx.scheduleOneshot(function once(o) {
    seen.push(o, ctx.currentHandler(), ctx.pollDepth());
  }, "opaque");
  assert.equal(ctx.computeTimeout(), 0);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(seen, ["opaque", "once", 1]);
  assert.equal(ctx.currentHandler(), null);
  assert.equal(ctx.stats().bhRuns, 1);
  assert.equal(ctx.poll(false), false);
  assert.equal(seen.length, 3);
  assert.equal(ctx.stats().bhRuns, 1);
  ctx.destroy(); // freed after running: not a leak
});

Deno.test("bh: a BH rescheduling itself runs on the NEXT poll, not the same one (inv. 14)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh: BottomHalf = ctx.bhNew(() => {
    runs++;
    if (runs < 3) bh.schedule();
  });
  bh.schedule();
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  assert.equal(bh.scheduled, true);
  assert.equal(ctx.computeTimeout(), 0, "the next blocking poll will not sleep");
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 2);
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 3);
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 3);
  teardown(ctx, bh);
});

Deno.test("bh: a BH scheduled by another BH's callback waits for the next poll (inv. 14)", () => {
  const ctx = new AioContext();
  const log: string[] = [];
  const b = ctx.bhNew(() => log.push("b"));
  const a = ctx.bhNew(() => {
    log.push("a");
    b.schedule();
  });
  a.schedule();
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["a"]);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["a", "b"]);
  assert.equal(ctx.poll(false), false);
  teardown(ctx, a, b);
});

Deno.test("bh: nested poll from a callback runs new BHs and finishes the parent's batch (inv. 3, 14)", () => {
  const ctx = new AioContext();
  const log: string[] = [];
  let nestedProgress: boolean | null = null;
  let nestedTimeout: number | null = null;
  const x = ctx.bhNew(() => log.push("x"));
  const d = ctx.bhNew(() => log.push("d"));
  const a = ctx.bhNew(() => {
    log.push("a:start");
    d.schedule();
    // x is still in the parent's slice: a blocking nested poll must not sleep.
    nestedTimeout = ctx.computeTimeout();
    nestedProgress = ctx.poll(true);
    log.push("a:end");
  });
  // LIFO per batch: a (scheduled last) runs first, x is left in the slice.
  x.schedule();
  a.schedule();
  assert.equal(ctx.poll(false), true);
  assert.equal(nestedTimeout, 0);
  assert.equal(nestedProgress, true);
  assert.deepEqual(log, ["a:start", "x", "d", "a:end"], "x ran once, inside the nested poll");
  assert.equal(ctx.stats().blockingWaits, 0);
  assert.equal(ctx.stats().polls, 2);
  assert.equal(ctx.stats().bhRuns, 3);
  assert.equal(ctx.pollDepth(), 0);
  assert.equal(ctx.poll(false), false, "nothing left: x did not run twice");
  assert.equal(log.length, 4);
  teardown(ctx, a, d, x);
});

Deno.test("bh: within one batch BHs run in reverse schedule order (LIFO; implementation, not guaranteed, inv. 15)", () => {
  const ctx = new AioContext();
  const order: string[] = [];
  const bhs = ["a", "b", "c", "d"].map((n) =>
    ctx.bhNew(() => order.push(n), undefined, { name: n })
  );
  bhs[1].schedule();
  bhs[0].schedule();
  bhs[3].schedule();
  bhs[2].schedule();
  bhs[1].schedule(); // already pending: keeps its place
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(order, ["c", "d", "a", "b"]);
  teardown(ctx, ...bhs);
});

Deno.test("bh: idle BHs are not progress and bound the sleep to 10 ms (inv. 16)", () => {
  const mono = new ManualTimeSource(1_000_000_000);
  const ctx = new AioContext({ clocks: new Clocks({ monotonic: mono }) });
  let idleRuns = 0;
  let busyRuns = 0;
  const idle = ctx.bhNew(() => idleRuns++);
  const busy = ctx.bhNew(() => busyRuns++);
  assert.equal(IDLE_BH_TIMEOUT_NS, 10_000_000);
  assert.equal(ctx.computeTimeout(), -1, "nothing pending: sleep forever");

  idle.scheduleIdle();
  assert.equal(idle.flags, BH_FLAG.PENDING | BH_FLAG.SCHEDULED | BH_FLAG.IDLE);
  assert.equal(ctx.computeTimeout(), IDLE_BH_TIMEOUT_NS);
  assert.equal(ctx.poll(false), false, "an idle BH is not progress");
  assert.equal(idleRuns, 1);
  assert.deepEqual([ctx.stats().bhRuns, ctx.stats().progress], [1, 0]);
  assert.equal(ctx.computeTimeout(), -1);

  idle.scheduleIdle();
  busy.schedule();
  assert.equal(ctx.computeTimeout(), 0, "a non-idle BH: do not sleep");
  assert.equal(ctx.poll(false), true);
  assert.deepEqual([idleRuns, busyRuns], [2, 1]);
  assert.deepEqual([ctx.stats().bhRuns, ctx.stats().progress], [3, 1]);

  // Combined with timers: the soonest of 10 ms and the deadline.
  const t = ctx.timerNew(ClockType.REALTIME, Scale.MS, () => {});
  t.mod(mono.nowNs() / 1e6 + 3);
  idle.scheduleIdle();
  assert.equal(ctx.computeTimeout(), 3_000_000);
  t.mod(mono.nowNs() / 1e6 + 20);
  assert.equal(ctx.computeTimeout(), IDLE_BH_TIMEOUT_NS);
  t.del();
  assert.equal(ctx.poll(false), false);
  assert.equal(idleRuns, 3);
  teardown(ctx, idle, busy);
});

Deno.test("bh: destroy with live BHs throws naming them; deleted ones are fine (inv. 17)", () => {
  const ctx = new AioContext({ name: "leaky" });
  const keep = ctx.bhNew(() => {}, undefined, { name: "keep-me" });
  const named = ctx.bhNew(function namedCallback() {});
  const gone = ctx.bhNew(() => {}, undefined, { name: "gone" });
  gone.delete();
  assert.equal(named.name, "namedCallback");
  assert.throws(
    () => ctx.destroy(),
    (e: Error) =>
      /"leaky"/.test(e.message) && /keep-me/.test(e.message) &&
      /namedCallback/.test(e.message) && !/gone/.test(e.message) && /2 live/.test(e.message),
  );
  // The failed destroy left the context usable.
  keep.schedule();
  assert.equal(ctx.poll(false), true);
  teardown(ctx, keep, named);
});

Deno.test("bh: a oneshot still pending at destroy is a leak too (inv. 17)", () => {
  const ctx = new AioContext();
  ctx.scheduleOneshot(() => {}, undefined, "pending-oneshot");
  assert.throws(() => ctx.destroy(), /pending-oneshot/);
  assert.equal(ctx.poll(false), true);
  ctx.destroy();
});

Deno.test("bh: the reentrancy guard is engaged during the callback only (§1.3)", () => {
  const ctx = new AioContext();
  const guard = { engagedInIo: false };
  const seen: boolean[] = [];
  const bh = ctx.bhNew(() => seen.push(guard.engagedInIo), undefined, { guard });
  const plain = ctx.bhNew(() => seen.push(guard.engagedInIo));
  assert.equal(bh.guard, guard);
  bh.schedule();
  assert.equal(guard.engagedInIo, false);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(seen, [true]);
  assert.equal(guard.engagedInIo, false, "restored after the callback");
  plain.schedule();
  ctx.poll(false);
  assert.deepEqual(seen, [true, false], "unguarded BHs leave it alone");
  // Restored to its previous value, not forced to false.
  guard.engagedInIo = true;
  bh.schedule();
  ctx.poll(false);
  assert.equal(guard.engagedInIo, true);
  teardown(ctx, bh, plain);
});

Deno.test("bh: the guard is restored even when the callback throws (§1.3)", () => {
  const ctx = new AioContext();
  const guard = { engagedInIo: false };
  const bh = ctx.bhNew(
    () => {
      throw new Error("boom");
    },
    undefined,
    { guard, name: "thrower" },
  );
  bh.schedule();
  assert.throws(() => ctx.poll(false), /boom/);
  assert.equal(guard.engagedInIo, false);
  assert.equal(ctx.currentHandler(), "thrower", "the culprit is named after the throw");
  assert.equal(ctx.pollDepth(), 0);
  teardown(ctx, bh);
});

Deno.test("bh: a oneshot whose callback throws is still freed (inv. 13, 17)", () => {
  const ctx = new AioContext();
  ctx.scheduleOneshot(
    () => {
      throw new Error("oneshot failed");
    },
    undefined,
    "bad-oneshot",
  );
  assert.throws(() => ctx.poll(false), /oneshot failed/);
  assert.equal(ctx.currentHandler(), "bad-oneshot");
  assert.equal(ctx.pollDepth(), 0);
  assert.equal(ctx.poll(false), false, "it does not run again");
  ctx.destroy(); // would throw "live bottom half(s): bad-oneshot" if it leaked
});

Deno.test("bh: after a callback throws, the rest of its batch runs on the next poll (inv. 14)", () => {
  const ctx = new AioContext();
  const log: string[] = [];
  const b = ctx.bhNew(() => log.push("b"));
  const a = ctx.bhNew(() => {
    log.push("a");
    throw new Error("a failed");
  });
  b.schedule();
  a.schedule(); // LIFO: a runs first
  assert.throws(() => ctx.poll(false), /a failed/);
  assert.deepEqual(log, ["a"]);
  assert.equal(b.scheduled, true);
  assert.equal(ctx.computeTimeout(), 0, "b is still pending in the interrupted slice");
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["a", "b"]);
  assert.equal(ctx.poll(false), false);
  teardown(ctx, a, b);
});

Deno.test("bh: BottomHalf methods act on its host: link once, kick always (inv. 6, 10)", () => {
  const linked: BottomHalf[] = [];
  let kicks = 0;
  const host: BhHost = { name: "fake", bhEnqueued: (bh) => linked.push(bh), bhKick: () => kicks++ };
  const bh = new BottomHalf(host, () => {}, undefined, "direct");
  bh.schedule();
  bh.schedule();
  bh.scheduleIdle();
  assert.equal(linked.length, 1, "linked only when PENDING was clear");
  assert.equal(kicks, 2, "later schedules only kick");
  assert.equal(bh.takeFlags(), BH_FLAG.PENDING | BH_FLAG.SCHEDULED | BH_FLAG.IDLE);
  assert.equal(bh.flags, 0);
  bh.delete();
  assert.equal(linked.length, 2);
  assert.equal(bh.takeFlags(), BH_FLAG.PENDING | BH_FLAG.DELETED);
  assert.equal(bh.flags, BH_FLAG.DELETED, "DELETED survives a pass");
});

// ------------------------------------------------------------- shared BHs

Deno.test("shared bh: scheduled from a real worker thread, runs once (inv. 2, 10)", async () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.sharedBhNew(() => runs++, undefined, "shared-one");
  assert.equal(bh.index, 0);
  ctx.poll(false);
  const thread = await runInThread<number>(REMOTE, "scheduleBh", ctx.handle, bh.index, 1);
  assert.notEqual(thread, 0);
  assert.equal(bh.scheduled, true);
  assert.equal(notified(ctx), 1, "the remote schedule kicked the context");
  assert.equal(ctx.computeTimeout(), 0);
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  assert.equal(ctx.stats().bhRuns, 1);
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 1);
  teardown(ctx, bh);
});

Deno.test("shared bh: many schedules from another thread before a poll -> one run (inv. 10)", async () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.sharedBhNew(() => runs++);
  const before = ctx.remote().notifyStats();
  await runInThread(REMOTE, "scheduleBh", ctx.handle, bh.index, 50);
  const after = ctx.remote().notifyStats();
  assert.equal(after.skips - before.skips, 50, "owner awake: every kick skipped the futex");
  assert.equal(after.wakes - before.wakes, 0);
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 1);
  teardown(ctx, bh);
});

Deno.test("shared bh: deleted from another thread -> never runs, slot reaped and reused (inv. 2, 12)", async () => {
  const ctx = new AioContext({ sharedBhCapacity: 2 });
  let runs = 0;
  const a = ctx.sharedBhNew(() => runs++, undefined, "a");
  const b = ctx.sharedBhNew(() => runs++, undefined, "b");
  assert.deepEqual([a.index, b.index], [0, 1]);
  assert.throws(() => ctx.sharedBhNew(() => {}), RangeError, "table full");
  a.schedule(); // pending when the remote delete arrives
  await runInThread(REMOTE, "deleteBh", ctx.handle, a.index);
  assert.equal(a.scheduled, false);
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 0);
  // The slot was reclaimed by that pass: a new shared BH gets index 0 again.
  const c = ctx.sharedBhNew(() => runs++, undefined, "c");
  assert.equal(c.index, 0);
  await runInThread(REMOTE, "scheduleBh", ctx.handle, c.index, 1);
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  assert.throws(() => ctx.destroy(), /\bb\b.*\bc\b|\bc\b.*\bb\b/, "a is not a leak");
  teardown(ctx, b, c);
});

Deno.test("shared bh: computeTimeout sees every BH on the cross-thread pending stack (inv. 20)", async () => {
  const ctx = new AioContext();
  const log: string[] = [];
  const a = ctx.sharedBhNew(() => log.push("a"));
  const b = ctx.sharedBhNew(() => log.push("b"));
  await runInThread(REMOTE, "scheduleBh", ctx.handle, a.index, 1);
  await runInThread(REMOTE, "scheduleBh", ctx.handle, b.index, 1);
  b.cancel(); // top of the stack no longer wants to run; a (below it) does
  assert.equal(ctx.computeTimeout(), 0);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["a"]);
  assert.equal(ctx.computeTimeout(), -1);
  teardown(ctx, a, b);
});

Deno.test("shared bh: home-thread schedule/cancel/delete behave like a local BH (inv. 10, 11, 16)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.sharedBhNew(() => runs++);
  bh.schedule();
  bh.schedule();
  assert.equal(bh.flags, BH_FLAG.PENDING | BH_FLAG.SCHEDULED);
  bh.cancel();
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 0);
  bh.schedule();
  ctx.remote().scheduleBh(bh.index); // same BH through the handle: still one run
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  bh.scheduleIdle();
  assert.equal(ctx.computeTimeout(), IDLE_BH_TIMEOUT_NS);
  assert.equal(ctx.poll(false), false);
  assert.equal(runs, 2);
  teardown(ctx, bh);
});

Deno.test("shared bh: out-of-range indexes are rejected (§1.3)", () => {
  const ctx = new AioContext({ sharedBhCapacity: 4 });
  const r = ctx.remote();
  assert.throws(() => r.scheduleBh(-1), RangeError);
  assert.throws(() => r.scheduleBh(4), /out of range \[0, 4\)/);
  assert.throws(() => r.deleteBh(1.5), RangeError);
  const table = new Int32Array(ctx.handle.sharedBh);
  assert.throws(() => sharedBhEnqueue(table, 99, BH_FLAG.SCHEDULED), RangeError);
  ctx.destroy();
});

Deno.test("shared bh: sharedBhEnqueue links a slot only when PENDING was clear (inv. 10)", () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.sharedBhNew(() => runs++);
  const table = new Int32Array(ctx.handle.sharedBh);
  assert.equal(sharedBhEnqueue(table, bh.index, BH_FLAG.SCHEDULED), true);
  assert.equal(sharedBhEnqueue(table, bh.index, BH_FLAG.SCHEDULED), false);
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  teardown(ctx, bh);
});

Deno.test("shared bh: a schedule from another thread wakes a sleeping poll(true) (inv. 6, 7)", async () => {
  const ctx = new AioContext();
  let runs = 0;
  const bh = ctx.sharedBhNew(() => runs++);
  const { progress, before, after, worker: res } = await sleepUntilKicked(ctx, {
    kind: "bh",
    index: bh.index,
  });
  assert.equal(res.kicked, true);
  assert.equal(progress, true);
  assert.equal(runs, 1);
  assert.equal(after.blockingWaits - before.blockingWaits, 1);
  assert.equal(after.notifyWakes - before.notifyWakes, 1);
  teardown(ctx, bh);
});

/**
 * The slots on the shared BH pending stack, newest first, walking at most
 * `capacity + 1` links: a slot linked twice makes the stack a cycle, which
 * this reports instead of looping (as poll's detach walk would).
 */
function pendingStack(ctx: AioContext): number[] {
  const t = new Int32Array(ctx.handle.sharedBh);
  const slots: number[] = [];
  let top = Atomics.load(t, SHARED_BH.HEAD);
  while (top !== 0) {
    if (slots.length > t[SHARED_BH.CAPACITY]) {
      assert.fail(`shared BH pending stack is a cycle: ${slots.slice(0, 8).join(" -> ")} ...`);
    }
    slots.push(top - 1);
    top = t[SHARED_BH.SLOTS + (top - 1) * SHARED_BH.SLOT_WORDS + SHARED_BH.NEXT];
  }
  return slots;
}

Deno.test("shared bh: a late schedule of a deleted BH is ignored; its slot is reused unlinked (no double link)", () => {
  const ctx = new AioContext({ sharedBhCapacity: 4 });
  const r = ctx.remote();
  const runs: string[] = [];
  const a = ctx.sharedBhNew(() => runs.push("a"), undefined, "a");
  a.delete();
  assert.equal(ctx.poll(false), false);
  // A remote thread still holding a's index schedules it after it was freed.
  r.scheduleBh(a.index);
  r.deleteBh(a.index);
  assert.deepEqual(pendingStack(ctx), [], "ignored: nothing linked for a freed slot");
  const b = ctx.sharedBhNew(() => runs.push("b"), undefined, "b");
  assert.equal(b.index, a.index, "the slot is reused once nothing links it");
  r.scheduleBh(b.index);
  r.scheduleBh(b.index);
  assert.deepEqual(pendingStack(ctx), [b.index], "linked once");
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(runs, ["b"], "the deleted BH never ran");
  assert.equal(ctx.poll(false), false);
  teardown(ctx, b);
});

Deno.test("shared bh: late schedules from a real Worker after delete never corrupt the stack (bounded steps)", async () => {
  const ctx = new AioContext({ sharedBhCapacity: 2 });
  let runs = 0;
  let late = 0;
  for (let round = 0; round < 4; round++) {
    const a = ctx.sharedBhNew(() => late++, undefined, "deleted");
    a.schedule();
    a.delete();
    assert.equal(ctx.poll(false), false);
    await runInThread(REMOTE, "scheduleBh", ctx.handle, a.index, 3);
    const b = ctx.sharedBhNew(() => runs++, undefined, "fresh");
    await runInThread(REMOTE, "scheduleBh", ctx.handle, b.index, 2);
    const stack = pendingStack(ctx);
    assert.equal(stack.filter((i) => i === b.index).length, 1, `round ${round}: linked once`);
    assert.equal(ctx.poll(false), true);
    assert.equal(ctx.poll(false), false);
    b.delete();
    ctx.poll(false);
  }
  assert.deepEqual([runs, late], [4, 0]);
  ctx.destroy();
});
