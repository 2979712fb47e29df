// Test helpers shared by the runtime's tests (never re-exported).

import assert from "node:assert/strict";
import { CONTEXT } from "../../sync/layout.ts";
import { defaultRegistry } from "../../sync/registry.ts";
import { runInThread, untilWord } from "../../testing/thread.ts";
import type { AioContext, AioContextStats } from "../aio_context.ts";
import { ClockType, Scale } from "../clock.ts";
import type { IoThread } from "../io_thread.ts";
import { type Kick, newSync, SYNC } from "./remote.ts";

const REMOTE = new URL("./remote.ts", import.meta.url);

/**
 * Awaits (without blocking this thread) until a[i] >= want; fails at once,
 * with the thread's error, if one of `threads` dies meanwhile.
 */
export async function until(
  a: Int32Array,
  i: number,
  want: number,
  what: string,
  ...threads: IoThread[]
): Promise<void> {
  const deadline = Date.now() + 60_000;
  const wait = async () => {
    for (;;) {
      const v = Atomics.load(a, i);
      if (v >= want) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${v} < ${want}`);
      const r = Atomics.waitAsync(a, i, v, 20);
      // The timer keeps the event loop alive (a pending waitAsync does not).
      if (r.async) await Promise.race([r.value, new Promise((res) => setTimeout(res, 25))]);
    }
  };
  const died = threads.map((t) =>
    t.join().then(() => {
      throw new Error(`${t.id} exited while waiting for ${what}`);
    })
  );
  await Promise.race([wait(), ...died]);
}

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
  await untilWord(sync, SYNC.READY, 1, worker);
  const progress = ctx.poll(true);
  Atomics.store(sync, SYNC.CANCEL, 1);
  Atomics.notify(sync, SYNC.CANCEL);
  const res = await worker;
  dog.del();
  assert.equal(watchdog, false, "watchdog fired: the kick never woke poll(true)");
  return { progress, before, after: ctx.stats(), worker: res };
}
