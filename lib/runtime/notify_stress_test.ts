// Stress test of the notify protocol (issue: foundation §5): at least
// 1,000,000 cross-thread schedules into 2 IOThreads (one busy-polling, one
// blocking) from 2 producer threads with random pauses. Every item must run
// exactly once, and once the producers are done every item must run without
// any further kick: a context asleep with work pending (a lost wakeup) would
// leave items unprocessed. Set AIOLAB_STRESS_N for a longer run.

import assert from "node:assert/strict";
import { IoThread } from "./io_thread.ts";
import { withCleanup } from "../testing/cleanup.ts";

const FIX = new URL("./testdata/stress.ts", import.meta.url).href;
const ref = (name: string) => `${FIX}#${name}`;

function itemsFromEnv(): number {
  try {
    const v = Deno.env.get("AIOLAB_STRESS_N");
    if (v !== undefined && v !== "") {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 2) {
        throw new RangeError(`AIOLAB_STRESS_N must be an integer >= 2, got "${v}"`);
      }
      return n;
    }
  } catch (err) {
    if (err instanceof RangeError) throw err;
    // no env permission: default size
  }
  return 1_000_000;
}

Deno.test("notify protocol stress: every cross-thread schedule runs exactly once, none stranded", async () => {
  const total = itemsFromEnv();
  const producers = 2;
  const per = Math.ceil(total / producers);
  const seenSab = new SharedArrayBuffer(producers * per);
  const doneSab = new SharedArrayBuffer(4);
  const done = new Int32Array(doneSab);
  const targets = [
    await IoThread.create({ id: "stress-poll", pollMaxNs: 32768 }),
    await IoThread.create({ id: "stress-block", pollMaxNs: 0 }),
  ];
  const prods = [
    await IoThread.create({ id: "stress-p0", pollMaxNs: 0 }),
    await IoThread.create({ id: "stress-p1", pollMaxNs: 0 }),
  ];
  await withCleanup(async () => {
    for (const t of targets) await t.run(ref("stressSetup"), seenSab, doneSab, per);
    const handles = targets.map((t) => t.contextHandle);
    const t0 = performance.now();
    const sleeps = await Promise.all(
      prods.map((p, i) => p.run<number>(ref("stressProduce"), handles, i, per, 0x9e3779b9 + i)),
    );
    // Producers are done: no further kick will come. Everything still queued
    // must be processed by the targets on their own.
    const deadline = performance.now() + 60_000;
    while (Atomics.load(done, 0) < producers * per && performance.now() < deadline) {
      const w = Atomics.waitAsync(done, 0, Atomics.load(done, 0), 1000);
      if (w.async) await w.value;
    }
    const elapsed = performance.now() - t0;
    const finished = Atomics.load(done, 0);
    assert.equal(
      finished,
      producers * per,
      `${producers * per - finished} items still pending 60 s after the producers ` +
        `finished: a context slept with work pending`,
    );
    const seen = new Uint8Array(seenSab);
    let wrong = -1;
    for (let i = 0; i < seen.length; i++) {
      if (seen[i] !== 1) {
        wrong = i;
        break;
      }
    }
    assert.equal(wrong, -1, `item ${wrong} ran ${seen[wrong]} times`);
    for (const t of targets) await t.run(ref("stressTeardown"));
    const stats = targets.map((t) => t.getAioContext().notifyStats());
    console.log(
      `stress: ${producers * per} items in ${elapsed.toFixed(0)} ms ` +
        `(${((producers * per) / elapsed / 1000).toFixed(2)} M/s), producer sleeps ${sleeps}, ` +
        `target wakes ${stats.map((s) => s.wakes)}, skips ${stats.map((s) => s.skips)}, ` +
        `waits ${stats.map((s) => s.waits)}`,
    );
    assert.ok(stats.every((s) => s.waits > 0), "targets went to sleep and were woken");
  }, async () => {
    for (const t of [...targets, ...prods]) t.stop();
    await Promise.all([...targets, ...prods].map((t) => t.join()));
  });
});
