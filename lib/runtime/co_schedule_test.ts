// aio_co_schedule across threads with no fixture: a real Worker runs the
// real aioCoScheduleRemote against a context of this (orchestrator) thread,
// which never called registerCoroutineHandlers itself.

import assert from "node:assert/strict";
import { runInThread } from "../testing/thread.ts";
import { AioContext } from "./aio_context.ts";
import { coEnter, Coroutine, coroutineStats } from "./co_core.ts";
import { aioCoSchedule, aioCoScheduleRemote, aioCoTryScheduleRemote } from "./co_schedule.ts";
import { RemoteAioContext } from "./context_handle.ts";

const SCHEDULE = new URL("./co_schedule.ts", import.meta.url);

Deno.test("a Worker schedules a coroutine of this thread: it runs in the home thread's BH phase", async () => {
  const ctx = new AioContext({ name: "home" });
  const log: string[] = [];
  const co = Coroutine.create(
    function* () {
      for (;;) {
        yield;
        log.push("woken");
      }
    },
    null,
    "parked",
  );
  coEnter(co, ctx);
  const before = coroutineStats().scheduledRemote;
  await runInThread(SCHEDULE, "aioCoScheduleRemote", ctx.handle, co.ref);
  assert.equal(co.scheduled, true);
  assert.deepEqual(log, [], "nothing runs before the home thread polls");
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["woken"]);
  assert.equal(co.scheduled, false);
  assert.equal(coroutineStats().scheduledRemote - before, 1);
  // Already scheduled: the strict form throws in the Worker, the try form says false.
  assert.equal(await runInThread(SCHEDULE, "aioCoTryScheduleRemote", ctx.handle, co.ref), true);
  assert.equal(await runInThread(SCHEDULE, "aioCoTryScheduleRemote", ctx.handle, co.ref), false);
  await assert.rejects(
    runInThread(SCHEDULE, "aioCoScheduleRemote", ctx.handle, co.ref),
    /already scheduled in 'home'/,
  );
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(log, ["woken", "woken"]);
  assert.equal(ctx.poll(false), false);
  ctx.destroy();
});

Deno.test("aioCoSchedule through a handle of this thread takes the ring; a stale ref throws", () => {
  const ctx = new AioContext({ name: "ring" });
  let runs = 0;
  const co = Coroutine.create(function* () {
    yield;
    runs++;
  }, null);
  coEnter(co, ctx);
  aioCoSchedule(new RemoteAioContext(ctx.handle), co);
  assert.equal(co.scheduled, true);
  assert.equal(ctx.poll(false), true);
  assert.equal(runs, 1);
  assert.equal(co.terminated, true);
  assert.throws(() => aioCoScheduleRemote(ctx.handle, co.ref), /no longer exists/);
  assert.throws(() => aioCoTryScheduleRemote(ctx.handle, co.ref), /no longer exists/);
  ctx.destroy();
});
