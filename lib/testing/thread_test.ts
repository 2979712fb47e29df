import assert from "node:assert/strict";
import { defaultRegistry } from "../sync/registry.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import { runInThread } from "./thread.ts";

const THREAD_ID = new URL("../sync/thread_id.ts", import.meta.url);

Deno.test("runInThread: the export runs in a fresh aiolab thread with its own id", async () => {
  const before = defaultRegistry().threadsInUse();
  const [a, b] = await Promise.all([
    runInThread<number>(THREAD_ID, "currentThreadId"),
    runInThread<number>(THREAD_ID, "currentThreadId"),
  ]);
  assert.notEqual(a, currentThreadId());
  assert.notEqual(a, b);
  const name = await runInThread<string>(THREAD_ID.href, "currentThreadName");
  assert.match(name, /^test-\d+$/);
  assert.notEqual(name, currentThreadName());
  assert.equal(defaultRegistry().threadsInUse(), before, "thread ids freed");
});

Deno.test("runInThread: a throwing export rejects with the thread's error", async () => {
  const before = defaultRegistry().threadsInUse();
  await assert.rejects(
    runInThread(THREAD_ID, "setCurrentThread", 1, "again"),
    /test thread \d+ \(.*thread_id\.ts#setCurrentThread\): .*already/s,
  );
  assert.equal(defaultRegistry().threadsInUse(), before, "thread id freed on failure too");
});
