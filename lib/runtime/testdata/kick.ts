// Runtime test support: sleepUntilKicked drives a context into a real
// blocking poll(true) and has a worker kick it; word reads the context's
// notify-protocol words. Never re-exported.

import assert from "node:assert/strict";
import { CONTEXT } from "../../sync/layout.ts";
import { defaultRegistry } from "../../sync/registry.ts";
import { runInThread } from "../../testing/thread.ts";
import { waitFor } from "../../testing/wait.ts";
import type { AioContext, AioContextStats } from "../aio_context.ts";
import { ClockType, Scale } from "../clock.ts";
import { type Kick, newSync, SYNC } from "./remote.ts";

const REMOTE = new URL("./remote.ts", import.meta.url);

/** One word of the context's control block (notify protocol). */
export function word(ctx: AioContext, w: number): number {
  const reg = defaultRegistry();
  return Atomics.load(reg.words, reg.contextBase(ctx.id) + w);
}

/** What sleepUntilKicked observed. */
export interface SleepResult {
  progress: boolean;
  before: AioContextStats;
  after: AioContextStats;
  worker: { kicked: boolean; paidWake: boolean | null; thread: number };
}

/**
 * Makes THIS thread sleep in ctx.poll(true) while a worker (started first)
 * performs `kick` once the owner is committed to the wait. A 60 s REALTIME
 * watchdog timer only matters if the kick never arrives (a failing test).
 */
export async function sleepUntilKicked(ctx: AioContext, kick: Kick): Promise<SleepResult> {
  let watchdog = false;
  const dog = ctx.timerNew(ClockType.REALTIME, Scale.MS, () => (watchdog = true), undefined, "dog");
  dog.mod(ctx.clocks.now(ClockType.REALTIME) / 1e6 + 60_000);
  ctx.poll(false); // consume pending kicks so that poll(true) really sleeps
  assert.equal(word(ctx, CONTEXT.NOTIFIED), 0);
  const sync = newSync();
  const before = ctx.stats();
  const worker = runInThread<SleepResult["worker"]>(
    REMOTE,
    "kickWhenAsleep",
    ctx.handle,
    sync.buffer,
    before.blockingWaits,
    kick,
  );
  await waitFor({ words: sync, index: SYNC.READY, equals: 1 }, "the kicker to start", {
    watch: worker,
  });
  const progress = ctx.poll(true);
  Atomics.store(sync, SYNC.CANCEL, 1);
  Atomics.notify(sync, SYNC.CANCEL);
  const res = await worker;
  dog.del();
  assert.equal(watchdog, false, "watchdog fired: the kick never woke poll(true)");
  return { progress, before, after: ctx.stats(), worker: res };
}
