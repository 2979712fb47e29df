import assert from "node:assert/strict";
import { EventNotifier, type EventNotifierHandle } from "./event_notifier.ts";
import { CONTEXT, NOTIFIER, REGISTRY } from "./layout.ts";
import { defaultRegistry } from "./registry.ts";
import { runInThread } from "../testing/thread.ts";
import { waitFor } from "../testing/wait.ts";

const FIXTURE = new URL("./testdata/event_notifier.ts", import.meta.url);

/** A fresh control block in the process registry, freed after `fn`. */
async function withContext(fn: (id: number, ctx: (word: number) => number) => unknown) {
  const reg = defaultRegistry();
  const id = reg.allocContext(0);
  try {
    const base = reg.contextBase(id);
    await fn(id, (word) => Atomics.load(reg.words, base + word));
  } finally {
    reg.freeContext(id);
  }
}

Deno.test("EventNotifier: set, isSet and testAndClear are level-triggered", () => {
  const e = new EventNotifier();
  assert.equal(e.isSet(), false);
  assert.equal(e.testAndClear(), false);
  e.set();
  assert.equal(e.isSet(), true);
  assert.equal(e.isSet(), true, "isSet must not clear");
  e.set(); // two sets before one clear: one readiness
  assert.equal(new Int32Array(e.handle.sab)[NOTIFIER.COUNT], 2);
  assert.equal(e.testAndClear(), true);
  assert.equal(e.isSet(), false);
  assert.equal(e.testAndClear(), false);
  e.set();
  assert.equal(e.testAndClear(), true);
  assert.equal(e.sets(), 3, "sets() counts every set, cleared or not");
});

Deno.test("EventNotifier: active option, name, handle and defaults", () => {
  const a = new EventNotifier({ active: true, name: "kick" });
  assert.equal(a.isSet(), true);
  assert.equal(a.sets(), 0, "an initially active notifier was never set()");
  assert.equal(a.name, "kick");
  assert.equal(a.handle.name, "kick");
  assert.equal(a.testAndClear(), true);
  assert.equal(a.testAndClear(), false);

  const d = new EventNotifier();
  assert.equal(d.name, "notifier");
  assert.equal(d.isSet(), false);
  assert.equal(new EventNotifier({ active: false }).isSet(), false);
  assert.equal(d.handle.sab.byteLength, NOTIFIER.BYTES);
  assert.equal(d.handle.registry.words, defaultRegistry().handle.words);
  assert.equal(d.boundContext(), -1);

  // Two objects of one notifier share its state.
  const other = EventNotifier.fromHandle(structuredClone(d.handle));
  other.set();
  assert.equal(d.isSet(), true);
  assert.equal(d.sets(), 1);
  assert.equal(d.testAndClear(), true);
  assert.equal(other.isSet(), false);
});

Deno.test("EventNotifier: a worker's sets are seen by the main thread and back", async () => {
  const e = new EventNotifier({ name: "xthread" });
  const sets = await runInThread<number>(FIXTURE, "setTimes", e.handle, 3);
  assert.equal(sets, 3);
  assert.equal(e.sets(), 3);
  assert.equal(e.isSet(), true);

  // Main sets on top; the worker sees it set and clears it.
  e.set();
  const seen = await runInThread<
    { isSet: boolean; first: boolean; second: boolean; bound: number; name: string; id: number }
  >(FIXTURE, "observe", e.handle);
  assert.deepEqual(seen, {
    id: e.id,
    isSet: true,
    first: true,
    second: false,
    bound: -1,
    name: "xthread",
  });
  assert.equal(e.isSet(), false, "the worker's testAndClear did not clear the shared word");
  assert.equal(e.sets(), 4);
});

Deno.test("EventNotifier: ids are process-unique and survive handles and threads", async () => {
  const reg = defaultRegistry();
  const next0 = Atomics.load(reg.words, REGISTRY.NEXT_NOTIFIER);
  const a = new EventNotifier();
  const b = new EventNotifier({ active: true });
  assert.ok(a.id >= 1, `id ${a.id}`);
  assert.notEqual(a.id, b.id);
  assert.equal(new Int32Array(a.handle.sab)[NOTIFIER.ID], a.id);
  assert.equal(EventNotifier.fromHandle(a.handle).id, a.id);
  assert.equal(EventNotifier.fromHandle(structuredClone(b.handle)).id, b.id);
  // Notifiers created in workers draw from the same counter.
  const [w1, w2] = await Promise.all([
    runInThread<{ ids: number[]; handles: EventNotifierHandle[] }>(FIXTURE, "createNotifiers", 3),
    runInThread<{ ids: number[]; handles: EventNotifierHandle[] }>(FIXTURE, "createNotifiers", 3),
  ]);
  const all = [a.id, b.id, ...w1.ids, ...w2.ids];
  assert.equal(new Set(all).size, all.length, `duplicate notifier ids: ${all}`);
  assert.equal(Atomics.load(reg.words, REGISTRY.NEXT_NOTIFIER) - next0 >= all.length, true);
  // A worker-made handle, rebuilt here, keeps its id and name and works.
  const remote = EventNotifier.fromHandle(w1.handles[2]);
  assert.equal(remote.id, w1.ids[2]);
  assert.equal(remote.name, "w2");
  remote.set();
  assert.equal(remote.testAndClear(), true);
});

Deno.test("EventNotifier: bind and boundContext", () => {
  const e = new EventNotifier();
  const w = new Int32Array(e.handle.sab);
  assert.equal(e.boundContext(), -1);
  assert.equal(w[NOTIFIER.BOUND], 0);
  e.bind(0);
  assert.equal(e.boundContext(), 0);
  assert.equal(w[NOTIFIER.BOUND], 1);
  e.bind(17);
  assert.equal(e.boundContext(), 17);
  assert.equal(w[NOTIFIER.BOUND], 18);
  e.bind(-1);
  assert.equal(e.boundContext(), -1);
  assert.equal(w[NOTIFIER.BOUND], 0);
  // Binding is shared: another object of the notifier sees it.
  e.bind(3);
  assert.equal(EventNotifier.fromHandle(e.handle).boundContext(), 3);
  e.bind(-1);
});

Deno.test("EventNotifier: set() on a bound notifier runs the notify protocol", async () => {
  await withContext(async (id, ctx) => {
    const e = new EventNotifier();
    // Unbound: the context's words stay untouched.
    e.set();
    assert.equal(ctx(CONTEXT.NOTIFIED), 0);
    assert.equal(ctx(CONTEXT.NOTIFY_SKIPS), 0);
    assert.equal(e.testAndClear(), true);

    e.bind(id);
    // Owner awake (NOTIFY_ME == 0): it finds COUNT itself before sleeping,
    // so neither `notified` nor the wake word is written; the skip counts.
    e.set();
    assert.equal(e.isSet(), true);
    assert.equal(ctx(CONTEXT.NOTIFIED), 0);
    assert.equal(ctx(CONTEXT.NOTIFY_SKIPS), 1);
    assert.equal(ctx(CONTEXT.NOTIFY_WAKES), 0);
    assert.equal(ctx(CONTEXT.WAKE), 0);

    // Owner might sleep (NOTIFY_ME != 0): WAKE bumped and the wake counted.
    const reg = defaultRegistry();
    const base = reg.contextBase(id);
    Atomics.store(reg.words, base + CONTEXT.NOTIFIED, 0);
    Atomics.add(reg.words, base + CONTEXT.NOTIFY_ME, 2);
    e.set();
    e.set();
    assert.equal(ctx(CONTEXT.NOTIFIED), 0, "the owner finds COUNT; notified is for kicks");
    assert.equal(ctx(CONTEXT.WAKE), 2);
    assert.equal(ctx(CONTEXT.NOTIFY_WAKES), 2);
    assert.equal(ctx(CONTEXT.NOTIFY_SKIPS), 1);
    Atomics.sub(reg.words, base + CONTEXT.NOTIFY_ME, 2);

    // Unbound again: no more kicks.
    e.bind(-1);
    e.set();
    assert.equal(ctx(CONTEXT.NOTIFY_SKIPS), 1);
    assert.equal(ctx(CONTEXT.NOTIFY_WAKES), 2);
    assert.equal(e.sets(), 5);
    // Words outside the producer side of the protocol were not touched.
    assert.equal(ctx(CONTEXT.HOME), 1);
    assert.equal(ctx(CONTEXT.MAILBOX), 0);
    assert.equal(ctx(CONTEXT.WAITS), 0);
    // Nor was any other context's block.
    await withContext((other, otherCtx) => {
      assert.notEqual(other, id);
      e.bind(id);
      e.set();
      for (const word of Object.values(CONTEXT)) {
        assert.equal(otherCtx(word), word === CONTEXT.HOME ? 1 : 0, `word ${word} of ${other}`);
      }
      e.bind(-1);
    });
  });
});

Deno.test("EventNotifier: a worker's set() reaches the context the main thread bound", async () => {
  await withContext(async (id, ctx) => {
    const e = new EventNotifier({ name: "cross" });
    e.bind(id);
    assert.equal(await runInThread<number>(FIXTURE, "setTimes", e.handle, 2), 2);
    assert.equal(ctx(CONTEXT.NOTIFIED), 0, "owner awake: found by its own check");
    assert.equal(ctx(CONTEXT.NOTIFY_SKIPS), 2);
    assert.equal(ctx(CONTEXT.NOTIFY_WAKES), 0);
    assert.equal(e.testAndClear(), true);
  });
});

Deno.test("EventNotifier: set() wakes a worker sleeping on the bound context", async () => {
  await withContext(async (id, ctx) => {
    const e = new EventNotifier({ name: "wake" });
    e.bind(id);
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const job = runInThread<{ wait: string; notified: number; wake: number }>(
      FIXTURE,
      "sleepOnContext",
      id,
      ready.buffer,
    );
    await waitFor(() => Atomics.load(ready, 0) === 1, "the worker to announce its sleep", {
      watch: job,
    });
    // The worker raised NOTIFY_ME before `ready`: this set must pay for a wake.
    assert.equal(ctx(CONTEXT.NOTIFY_ME), 2);
    e.set();
    const r = await job;
    assert.ok(r.wait === "ok" || r.wait === "not-equal", `worker wait: ${r.wait}`);
    assert.equal(r.notified, 0, "woken through WAKE alone");
    assert.equal(r.wake, 1);
    assert.equal(ctx(CONTEXT.NOTIFY_WAKES), 1);
    assert.equal(ctx(CONTEXT.NOTIFY_SKIPS), 0);
    assert.equal(ctx(CONTEXT.NOTIFY_ME), 0);
    assert.equal(e.isSet(), true);
  });
});
