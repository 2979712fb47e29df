import assert from "node:assert/strict";
import { MAX_THREADS } from "./layout.ts";
import { defaultRegistry } from "./registry.ts";
import { currentThreadId, currentThreadName } from "./thread_id.ts";
import { runInThread } from "../testing/thread.ts";
import type { Attempt } from "./testdata/thread_id_entry.ts";

const FIXTURE = new URL("./testdata/thread_id.ts", import.meta.url);

Deno.test("thread_id: the orchestrator is thread 0 named orchestrator", () => {
  assert.equal(currentThreadId(), 0);
  assert.equal(currentThreadName(), "orchestrator");
});

Deno.test("thread_id: a runInThread worker has its allocated non-zero id", async () => {
  const [a, b] = await Promise.all([
    runInThread<{ id: number; name: string }>(FIXTURE, "identity"),
    runInThread<{ id: number; name: string }>(FIXTURE, "identity"),
  ]);
  for (const t of [a, b]) {
    assert.ok(Number.isInteger(t.id) && t.id >= 1 && t.id < MAX_THREADS, `bad id ${t.id}`);
    assert.equal(t.name, `test-${t.id}`);
  }
  assert.notEqual(a.id, b.id, "two live threads share an id");
  // The main thread's identity is untouched by the workers.
  assert.equal(currentThreadId(), 0);
  assert.equal(currentThreadName(), "orchestrator");
});

Deno.test("thread_id: setting the identity twice throws and keeps the first one", async () => {
  const r = await runInThread<
    { error: string | null; errorType: string | null; id: number; name: string }
  >(FIXTURE, "setAgain", 5, "again");
  assert.equal(r.errorType, "Error");
  assert.equal(r.error, `thread identity already set to ${r.id} (test-${r.id})`);
  assert.equal(r.name, `test-${r.id}`);
  assert.ok(r.id >= 1);
});

Deno.test("thread_id: setCurrentThread validates the id range in a fresh Worker", async () => {
  const w = new Worker(new URL("./testdata/thread_id_entry.ts", import.meta.url), {
    type: "module",
  });
  try {
    const done = new Promise<Attempt[]>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<Attempt[]>) => resolve(e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
    });
    const attempts: [number, string][] = [
      [0, "zero"],
      [-1, "negative"],
      [MAX_THREADS, "too big"],
      [1.5, "fraction"],
      [Number.NaN, "nan"],
      [Number.POSITIVE_INFINITY, "inf"],
      [MAX_THREADS - 1, "last"],
      [1, "second"],
    ];
    w.postMessage({ attempts });
    const out = await done;
    assert.equal(out.length, attempts.length + 1);
    // Before any attempt: the default identity.
    assert.deepEqual([out[0].idAfter, out[0].nameAfter], [0, "orchestrator"]);
    // Every out-of-range id: RangeError, identity unchanged.
    for (let i = 0; i < 6; i++) {
      const o = out[i + 1];
      assert.equal(o.ok, false, `attempt ${attempts[i][0]} was accepted`);
      assert.equal(o.errorType, "RangeError", `attempt ${attempts[i][0]}: ${o.error}`);
      assert.equal(
        o.error,
        `thread id must be an integer in [1, ${MAX_THREADS}), got ${attempts[i][0]}`,
      );
      assert.deepEqual([o.idAfter, o.nameAfter], [0, "orchestrator"]);
    }
    // The highest legal id is accepted...
    assert.equal(out[7].ok, true, out[7].error ?? "");
    assert.deepEqual([out[7].idAfter, out[7].nameAfter], [MAX_THREADS - 1, "last"]);
    // ... and only once, even with a valid id.
    assert.equal(out[8].ok, false);
    assert.equal(out[8].errorType, "Error");
    assert.equal(out[8].error, `thread identity already set to ${MAX_THREADS - 1} (last)`);
    assert.deepEqual([out[8].idAfter, out[8].nameAfter], [MAX_THREADS - 1, "last"]);
  } finally {
    w.terminate();
  }
  // The bare worker never touched the registry.
  assert.equal(currentThreadId(), 0);
  assert.ok(defaultRegistry().words.length > 0);
});
