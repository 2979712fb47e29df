import assert from "node:assert/strict";
import { runInThread } from "./thread.ts";
import { waitFor } from "./wait.ts";

const SYNC_THREAD_ID = new URL("../sync/thread_id.ts", import.meta.url);

function later(fn: () => void, ms = 1): void {
  setTimeout(fn, ms);
}

Deno.test("waitFor: a predicate that becomes true ends the wait", async () => {
  let n = 0;
  const timer = setInterval(() => n++, 1);
  try {
    await waitFor(() => n >= 3, "three ticks");
    assert.ok(n >= 3);
  } finally {
    clearInterval(timer);
  }
});

Deno.test("waitFor: a word reaching `equals` or `atLeast` ends the wait", async () => {
  const words = new Int32Array(new SharedArrayBuffer(8));
  later(() => {
    Atomics.store(words, 1, 7);
    Atomics.notify(words, 1);
  });
  await waitFor({ words, index: 1, equals: 7 }, "word 1 == 7");
  assert.equal(Atomics.load(words, 1), 7);
  later(() => {
    Atomics.add(words, 0, 5);
    Atomics.notify(words, 0);
  });
  await waitFor({ words, index: 0, atLeast: 5 }, "word 0 >= 5");
  // Already true: returns without waiting.
  await waitFor({ words, index: 0, atLeast: 1 }, "word 0 >= 1");
});

Deno.test("waitFor: a word condition needs exactly one of equals / atLeast", async () => {
  const words = new Int32Array(new SharedArrayBuffer(4));
  await assert.rejects(
    waitFor({ words, index: 0 }, "x"),
    /exactly one of "equals" and "atLeast", got neither/,
  );
  await assert.rejects(
    waitFor({ words, index: 0, equals: 0, atLeast: 0 }, "x"),
    /got both/,
  );
});

Deno.test("waitFor: a watched job that rejects fails the wait with its own error", async () => {
  const job = runInThread(SYNC_THREAD_ID, "setCurrentThread", 1, "twice");
  const err = await waitFor(() => false, "never", { watch: job }).then(
    () => assert.fail("waitFor should reject"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof Error);
  assert.match(err.message, /test thread .*setCurrentThread/);
  await assert.rejects(job);
});

Deno.test("waitFor: a watched job that ends without the condition fails naming what was awaited", async () => {
  const words = new Int32Array(new SharedArrayBuffer(4));
  const job = runInThread<number>(SYNC_THREAD_ID, "currentThreadId");
  await assert.rejects(
    waitFor({ words, index: 0, equals: 1 }, "the flag", { watch: [job] }),
    /watched job 0 ended while waiting for the flag \(word 0 is 0, want == 1\)/,
  );
  await job;
});

Deno.test("waitFor: a condition that holds when the watched job ends is not a failure", async () => {
  const words = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(words, 0, 1);
  const job = Promise.resolve();
  await job;
  await waitFor({ words, index: 0, equals: 1 }, "the flag", { watch: job });
});

Deno.test("waitFor: a watched thread (join) that exits or fails ends the wait", async () => {
  const exits = { id: "t-exit", join: () => Promise.resolve(null) };
  await assert.rejects(
    waitFor(() => false, "work", { watch: exits }),
    /thread t-exit ended while waiting for work/,
  );
  const dies = { id: "t-die", join: () => Promise.reject(new RangeError("died in its loop")) };
  await assert.rejects(waitFor(() => false, "work", { watch: dies }), RangeError);
});

Deno.test("waitFor: the hang guard turns a hang into a failure naming the condition", async () => {
  const words = new Int32Array(new SharedArrayBuffer(4));
  await assert.rejects(
    waitFor({ words, index: 0, atLeast: 1 }, "a word nobody sets", { hangMs: 30 }),
    /hang guard: waited 30 ms for a word nobody sets \(word 0 is 0, want >= 1\)/,
  );
  await assert.rejects(waitFor(() => false, "a predicate", { hangMs: 10 }), /hang guard/);
});
