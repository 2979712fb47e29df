// Cross-thread oneshots when the target's ring is full (the overflow path of
// RemoteAioContext.scheduleOneshot) and when the target is destroyed with
// oneshots or handler-module loads still pending (AioContext.destroy).

import assert from "node:assert/strict";
import { runInThread } from "../testing/thread.ts";
import { waitFor } from "../testing/wait.ts";
import { AioContext } from "./aio_context.ts";
import { registerHandler, unregisterHandler } from "./handler_ref.ts";
import { IoThread } from "./io_thread.ts";
import {
  COUNTER,
  type FloodReport,
  GATE,
  newCounter,
  type SideReport,
} from "./testdata/oneshot_flood.ts";

const FLOOD = new URL("./testdata/oneshot_flood.ts", import.meta.url);
const REMOTE = new URL("./testdata/remote.ts", import.meta.url);

function allOnce(n: number): SideReport {
  return { runs: n, once: n, never: 0, twice: 0, outOfOrder: 0 };
}

Deno.test({
  name: "scheduleOneshot never waits on a busy target: 6,000 oneshots sent to an IoThread " +
    "busy in a handler are all scheduled before it polls, then run once each in order",
  async fn() {
    const N = 6_000; // more than the default ring's 4,096 records
    const target = await IoThread.create({ id: "busy-target", pollMaxNs: 0 });
    const counter = newCounter(N);
    const gate = new Int32Array(new SharedArrayBuffer(GATE.WORDS * 4));
    try {
      await target.run(`${FLOOD.href}#setupCounter`, counter);
      const held = target.run(`${FLOOD.href}#hold`, gate.buffer);
      await waitFor({ words: gate, index: GATE.HELD, equals: 1 }, "the target to be busy", {
        watch: held,
      });
      const sender = runInThread<number>(
        FLOOD,
        "sendOneshots",
        target.contextHandle,
        N,
        gate.buffer,
      );
      // The sender must finish while the target is still busy; the bound is
      // generous (the sends take milliseconds) and only a sender that waits
      // for the target reaches it. The gate opens either way, so that a
      // waiting sender is released and the test ends.
      let waited: unknown = null;
      try {
        await waitFor(
          { words: gate, index: GATE.SENT, equals: 1 },
          "the sender to finish while the target is busy",
          { watch: sender, hangMs: 30_000 },
        );
      } catch (err) {
        waited = err;
      }
      Atomics.store(gate, GATE.OPEN, 1);
      Atomics.notify(gate, GATE.OPEN);
      await held;
      assert.equal(await sender, N);
      assert.equal(waited, null, `the sender waited for the busy target: ${String(waited)}`);
      await waitFor(
        { words: new Int32Array(counter, 0, 1), index: COUNTER.RUNS, atLeast: N },
        "every oneshot to run",
        { watch: target },
      );
    } finally {
      Atomics.store(gate, GATE.OPEN, 1);
      Atomics.notify(gate, GATE.OPEN);
      target.stop();
      await target.join();
    }
    const words = new Int32Array(counter, 0, 4);
    const counts = new Uint8Array(counter, COUNTER.COUNTS_BYTE);
    assert.equal(Atomics.load(words, COUNTER.RUNS), N);
    assert.equal(words[COUNTER.OUT_OF_ORDER], 0, "one producer's oneshots ran out of order");
    assert.equal(counts.filter((c) => c === 1).length, N, "a oneshot ran twice or never");
  },
});

Deno.test({
  name: "two IoThreads, both busy, send each other 10^6 oneshots: no deadlock, every one " +
    "runs exactly once, in order per producer",
  async fn() {
    const N = 1_000_000;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", FLOOD.pathname, String(N)],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // A deadlock must fail the test, not hang it: the child races a generous
    // deadline (the flood takes seconds) and is killed when it loses.
    const DEADLINE_MS = 150_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), DEADLINE_MS);
    });
    const out = await Promise.race([child.output(), late]);
    clearTimeout(timer);
    if (out === "late") {
      child.kill("SIGKILL");
      await child.status;
      assert.fail(`the flood did not finish in ${DEADLINE_MS} ms: the IoThreads deadlocked`);
    }
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `flood script failed:\n${stderr}`);
    const report = JSON.parse(new TextDecoder().decode(out.stdout)) as FloodReport;
    assert.deepEqual(report, { n: N, sides: [allOnce(N), allOnce(N)] });
  },
});

Deno.test("destroy refuses (as QEMU's finalize does for live BHs) while cross-thread oneshots are queued, naming how many", async () => {
  const ctx = new AioContext({ name: "doomed" });
  let runs = 0;
  registerHandler(7102, () => runs++);
  try {
    await runInThread(REMOTE, "scheduleOneshot", ctx.handle, 7102, 0, 0, 0, 3);
    assert.throws(
      () => ctx.destroy(),
      (e: Error) => /"doomed"/.test(e.message) && /3 cross-thread oneshot/.test(e.message),
    );
    assert.equal(runs, 0, "the refusal ran nothing");
    assert.equal(ctx.poll(false), true);
    assert.equal(runs, 3, "the refusal dropped nothing");
  } finally {
    unregisterHandler(7102);
  }
  ctx.destroy();
});

Deno.test("destroy refuses while oneshots wait in the overflow of a full ring; the home thread's own pushes overflow instead of throwing", () => {
  const ctx = new AioContext({ name: "tiny-ring", ringCapacity: 2 });
  const got: number[] = [];
  registerHandler(7103, (a: number) => got.push(a));
  try {
    const r = ctx.remote();
    for (let i = 0; i < 5; i++) r.scheduleOneshot(7103, i);
    assert.throws(() => ctx.destroy(), /"tiny-ring".*5 cross-thread oneshot/);
    assert.equal(ctx.poll(false), true);
    assert.deepEqual(got, [0, 1, 2, 3, 4], "FIFO from one producer across ring and overflow");
  } finally {
    unregisterHandler(7103);
  }
  ctx.destroy();
});

Deno.test("destroy refuses while a handler-module load is in flight, so that no call reaches a destroyed context", async () => {
  const ctx = new AioContext({ name: "loading" });
  // A URL no other test imports: this thread has certainly not loaded it.
  const ref = `${new URL("./testdata/oneshot_flood.ts?destroy-load", import.meta.url).href}` +
    `#loadedHandler`;
  await runInThread(REMOTE, "scheduleOneshot", ctx.handle, ref, 0, 0, 0, 1);
  assert.equal(ctx.poll(false), false, "a deferred record is not progress");
  assert.equal(ctx.needsEventLoop(), true);
  assert.throws(
    () => ctx.destroy(),
    (e: Error) => /"loading"/.test(e.message) && /1 handler-module load/.test(e.message),
  );
  await ctx.settle();
  // Loaded: the call now waits as a local oneshot BH, which destroy names too.
  assert.throws(() => ctx.destroy(), /live bottom half/);
  assert.equal(ctx.poll(false), true);
  ctx.destroy();
});
