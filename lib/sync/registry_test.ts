import assert from "node:assert/strict";
import { CONTEXT, MAX_CONTEXTS, MAX_THREADS, MUTEX, NAMES, REGISTRY } from "./layout.ts";
import {
  defaultRegistry,
  installRegistry,
  notifyContext,
  Registry,
  registryFor,
  wakeContextIfWaiting,
} from "./registry.ts";
import { Barrier } from "../testing/barrier.ts";
import { runInThread } from "../testing/thread.ts";
import type { InstallChecks } from "./testdata/registry.ts";

const FIXTURE = new URL("./testdata/registry.ts", import.meta.url);

/** A name nobody else in this process interns. */
function unique(tag: string): string {
  return `file:///registry_test/${tag}-${crypto.randomUUID()}.ts#handler`;
}

function namesWords(reg: Registry): Int32Array {
  return new Int32Array(reg.handle.names, 0, NAMES.DATA_BYTE / 4);
}

Deno.test("Registry: a fresh registry's initial words", () => {
  const reg = new Registry();
  const w = reg.words;
  assert.equal(w.length, REGISTRY.WORDS);
  assert.equal(w[REGISTRY.THREAD_BITS_LO], 1, "bit 0 (the orchestrator) must be taken");
  assert.equal(w[REGISTRY.THREAD_BITS_HI], 0);
  assert.equal(w[REGISTRY.THREADS_STARTED], 0);
  assert.equal(w[REGISTRY.NEXT_CONTEXT], 0);
  assert.equal(w[REGISTRY.MAIN_CONTEXT], 0);
  assert.equal(w[REGISTRY.NEXT_NOTIFIER], 0);
  assert.equal(w[REGISTRY.WAITERS], 0);
  assert.equal(w[REGISTRY.KICKS], 0);
  assert.ok(w[REGISTRY.TOKEN] >= 1 && w[REGISTRY.TOKEN] <= 0x7fffffff);
  assert.equal(reg.contextBase(0), REGISTRY.CONTEXTS);
  assert.equal(reg.contextBase(1), REGISTRY.CONTEXTS + REGISTRY.CONTEXT_WORDS);
  assert.equal(
    reg.contextBase(MAX_CONTEXTS - 1),
    REGISTRY.CONTEXTS + (MAX_CONTEXTS - 1) * REGISTRY.CONTEXT_WORDS,
  );
  for (let i = REGISTRY.CONTEXTS; i < REGISTRY.WORDS; i++) assert.equal(w[i], 0);
  // The BQL: a named mutex with statistics, free.
  assert.equal(reg.bql.name, "bql");
  assert.equal(new Int32Array(reg.handle.bql.sab)[MUTEX.STATS_ON], 1);
  assert.equal(reg.bql.owner(), -1);
  assert.equal(Atomics.load(namesWords(reg), NAMES.COUNT), 0);
  // A second view of the handle shares everything.
  const view = new Registry(reg.handle);
  assert.equal(view.words.buffer, reg.words.buffer);
  reg.bql.lock();
  assert.equal(view.bql.heldByMe(), true);
  view.bql.unlock();
  assert.equal(reg.bql.owner(), -1);
});

Deno.test("Registry: thread ids are handed out lowest-free first and reused", () => {
  const reg = new Registry();
  assert.equal(reg.allocThreadId(), 1);
  assert.equal(reg.allocThreadId(), 2);
  assert.equal(reg.allocThreadId(), 3);
  assert.equal(reg.words[REGISTRY.THREAD_BITS_LO], 0b1111);
  reg.freeThreadId(2);
  assert.equal(reg.words[REGISTRY.THREAD_BITS_LO], 0b1011);
  assert.equal(reg.allocThreadId(), 2, "freed id not reused");
  reg.freeThreadId(1);
  reg.freeThreadId(3);
  assert.equal(reg.allocThreadId(), 1);
  assert.equal(reg.allocThreadId(), 3);
  assert.equal(reg.allocThreadId(), 4);
  assert.equal(reg.words[REGISTRY.THREADS_STARTED], 7);
  // Freeing an id twice is harmless; bit 0 is never freed.
  reg.freeThreadId(4);
  reg.freeThreadId(4);
  assert.equal(reg.words[REGISTRY.THREAD_BITS_LO] & 1, 1);
  assert.equal(reg.allocThreadId(), 4);
});

Deno.test("Registry: thread ids run out after MAX_THREADS - 1 and come back", () => {
  const reg = new Registry();
  const ids: number[] = [];
  for (let i = 0; i < MAX_THREADS - 1; i++) ids.push(reg.allocThreadId());
  assert.deepEqual(ids, Array.from({ length: MAX_THREADS - 1 }, (_, i) => i + 1));
  assert.equal(reg.words[REGISTRY.THREAD_BITS_LO], -1);
  assert.equal(reg.words[REGISTRY.THREAD_BITS_HI], -1);
  assert.throws(() => reg.allocThreadId(), {
    name: "RangeError",
    message: `too many aiolab threads alive: at most ${MAX_THREADS - 1} Workers`,
  });
  assert.throws(() => reg.allocThreadId(), RangeError);
  assert.equal(reg.words[REGISTRY.THREADS_STARTED], MAX_THREADS - 1);
  // Ids on both bitmap words come back.
  reg.freeThreadId(40);
  assert.equal(reg.allocThreadId(), 40);
  reg.freeThreadId(31);
  reg.freeThreadId(MAX_THREADS - 1);
  assert.equal(reg.allocThreadId(), 31);
  assert.equal(reg.allocThreadId(), MAX_THREADS - 1);
  assert.throws(() => reg.allocThreadId(), RangeError);
});

Deno.test("Registry: freeThreadId refuses ids outside [1, MAX_THREADS)", () => {
  const reg = new Registry();
  const before = Array.from(reg.words.subarray(0, REGISTRY.CONTEXTS));
  for (const id of [0, -1, MAX_THREADS, 1.5, Number.NaN]) {
    assert.throws(() => reg.freeThreadId(id), {
      name: "RangeError",
      message: `thread id must be in [1, ${MAX_THREADS}), got ${id}`,
    });
  }
  assert.deepEqual(Array.from(reg.words.subarray(0, REGISTRY.CONTEXTS)), before);
  assert.equal(reg.words[REGISTRY.THREAD_BITS_LO] & 1, 1, "the orchestrator's id was freed");
});

Deno.test("Registry: allocContext claims a block, records the home and resets its words but GEN", () => {
  const reg = new Registry();
  const a = reg.allocContext(0);
  const b = reg.allocContext(5);
  assert.notEqual(a, b);
  assert.ok(a >= 0 && a < MAX_CONTEXTS && b >= 0 && b < MAX_CONTEXTS);
  assert.equal(reg.words[reg.contextBase(a) + CONTEXT.HOME], 1);
  assert.equal(reg.words[reg.contextBase(b) + CONTEXT.HOME], 6);
  // Dirty every word of b, free it, and get it back: all reset but HOME and
  // GEN, which moved on by one (handles of the freed context are stale).
  for (let k = 0; k < REGISTRY.CONTEXT_WORDS; k++) reg.words[reg.contextBase(b) + k] = 100 + k;
  reg.freeContext(b);
  assert.equal(reg.contextGeneration(b), 100 + CONTEXT.GEN + 1);
  assert.equal(reg.words[reg.contextBase(b) + CONTEXT.HOME], 0);
  let again = -1;
  const taken: number[] = [];
  for (let i = 0; i < MAX_CONTEXTS && again !== b; i++) {
    again = reg.allocContext(7);
    taken.push(again);
  }
  assert.equal(again, b, "a freed block was never handed out again");
  const base = reg.contextBase(b);
  for (let k = 0; k < REGISTRY.CONTEXT_WORDS; k++) {
    const want = k === CONTEXT.HOME ? 8 : k === CONTEXT.GEN ? 100 + CONTEXT.GEN + 1 : 0;
    assert.equal(reg.words[base + k], want, `word ${k}`);
  }
  // Neighbouring blocks were not disturbed.
  assert.equal(reg.words[reg.contextBase(a) + CONTEXT.HOME], 1);
  assert.equal(new Set([a, ...taken]).size, taken.length + 1, "a live block was handed out twice");
});

Deno.test("Registry: contexts run out at MAX_CONTEXTS and a freed one is reused", () => {
  const reg = new Registry();
  const ids = new Set<number>();
  for (let i = 0; i < MAX_CONTEXTS; i++) ids.add(reg.allocContext(i % MAX_THREADS));
  assert.equal(ids.size, MAX_CONTEXTS);
  assert.deepEqual(
    [...ids].sort((x, y) => x - y),
    Array.from({ length: MAX_CONTEXTS }, (_, i) => i),
  );
  assert.throws(() => reg.allocContext(0), {
    name: "RangeError",
    message: `too many AioContexts alive: at most ${MAX_CONTEXTS}`,
  });
  Atomics.store(reg.words, reg.contextBase(77) + CONTEXT.NOTIFIED, 1);
  Atomics.store(reg.words, reg.contextBase(77) + CONTEXT.WAITS, 9);
  reg.freeContext(77);
  assert.equal(reg.allocContext(3), 77);
  assert.equal(reg.words[reg.contextBase(77) + CONTEXT.HOME], 4);
  assert.equal(reg.words[reg.contextBase(77) + CONTEXT.NOTIFIED], 0);
  assert.equal(reg.words[reg.contextBase(77) + CONTEXT.WAITS], 0);
  assert.throws(() => reg.allocContext(0), RangeError);
});

Deno.test("Registry: a context allocated by a worker is homed there", async () => {
  const reg = defaultRegistry();
  const r = await runInThread<{ ctx: number; thread: number }>(FIXTURE, "allocContextHere");
  try {
    assert.ok(r.thread >= 1);
    assert.equal(reg.words[reg.contextBase(r.ctx) + CONTEXT.HOME], r.thread + 1);
    await runInThread(FIXTURE, "dirtyContext", r.ctx, CONTEXT.MAILBOX, 5);
    assert.equal(reg.words[reg.contextBase(r.ctx) + CONTEXT.MAILBOX], 5);
  } finally {
    reg.freeContext(r.ctx);
  }
  assert.equal(reg.words[reg.contextBase(r.ctx) + CONTEXT.HOME], 0);
});

Deno.test("Registry: notifyContext pays for a wake only when the owner may sleep", () => {
  const reg = new Registry();
  const id = reg.allocContext(0);
  const other = reg.allocContext(0);
  const base = reg.contextBase(id);
  const word = (k: number) => reg.words[base + k];
  assert.equal(notifyContext(reg.words, id), false);
  assert.equal(word(CONTEXT.NOTIFIED), 1);
  assert.equal(word(CONTEXT.NOTIFY_SKIPS), 1);
  assert.equal(word(CONTEXT.NOTIFY_WAKES), 0);
  assert.equal(word(CONTEXT.WAKE), 0);
  reg.words[base + CONTEXT.NOTIFIED] = 0;
  reg.words[base + CONTEXT.NOTIFY_ME] = 2;
  assert.equal(notifyContext(reg.words, id), true);
  assert.equal(notifyContext(reg.words, id), true);
  assert.equal(word(CONTEXT.NOTIFIED), 1);
  assert.equal(word(CONTEXT.WAKE), 2);
  assert.equal(word(CONTEXT.NOTIFY_WAKES), 2);
  assert.equal(word(CONTEXT.NOTIFY_SKIPS), 1);
  assert.equal(word(CONTEXT.NOTIFY_ME), 2, "notifyContext must not touch NOTIFY_ME");
  // The other block is untouched.
  for (let k = 0; k < REGISTRY.CONTEXT_WORDS; k++) {
    assert.equal(reg.words[reg.contextBase(other) + k], k === CONTEXT.HOME ? 1 : 0);
  }
});

Deno.test("Registry: a futex wake is counted before the owner can see it", () => {
  // The owner may return from its wait as soon as WAKE changes or the
  // notify lands, and a thread it talks to may read the statistics at once:
  // the count must already be there at both points. Observe both
  // operations as they happen (the real ones still run).
  const reg = new Registry();
  const id = reg.allocContext(0);
  const base = reg.contextBase(id);
  const words = reg.words;
  const seenAt: { op: string; wakes: number }[] = [];
  const { add, notify } = Atomics;
  const watch = (ta: unknown, index: number, op: string): void => {
    if (ta === words && index === base + CONTEXT.WAKE) {
      seenAt.push({ op, wakes: Atomics.load(words, base + CONTEXT.NOTIFY_WAKES) });
    }
  };
  Atomics.add = ((ta: Int32Array, index: number, v: number) => {
    watch(ta, index, "add(WAKE)");
    return add(ta, index, v);
  }) as typeof Atomics.add;
  Atomics.notify = ((ta: Int32Array, index: number, count?: number) => {
    watch(ta, index, "notify(WAKE)");
    return notify(ta, index, count);
  }) as typeof Atomics.notify;
  try {
    words[base + CONTEXT.NOTIFY_ME] = 2;
    assert.equal(notifyContext(words, id), true);
    assert.equal(wakeContextIfWaiting(words, id), true);
  } finally {
    Atomics.add = add;
    Atomics.notify = notify;
  }
  assert.deepEqual(seenAt, [
    { op: "add(WAKE)", wakes: 1 },
    { op: "notify(WAKE)", wakes: 1 },
    { op: "add(WAKE)", wakes: 2 },
    { op: "notify(WAKE)", wakes: 2 },
  ]);
  reg.freeContext(id);
});

Deno.test("Registry: intern is idempotent and nameOf returns the string", () => {
  const reg = new Registry();
  const a = reg.intern("file:///a.ts#one");
  const b = reg.intern("file:///a.ts#two");
  assert.equal(a, 0);
  assert.equal(b, 1);
  assert.equal(reg.intern("file:///a.ts#one"), a);
  assert.equal(reg.intern("file:///a.ts#two"), b);
  assert.equal(reg.nameOf(a), "file:///a.ts#one");
  assert.equal(reg.nameOf(b), "file:///a.ts#two");
  const empty = reg.intern("");
  assert.equal(empty, 2);
  assert.equal(reg.nameOf(empty), "");
  assert.equal(reg.intern(""), empty);
  const n = namesWords(reg);
  assert.equal(n[NAMES.COUNT], 3);
  assert.equal(n[NAMES.BYTES_USED], 32);
  // Another view of the same registry (no shared cache) agrees.
  const view = new Registry(reg.handle);
  assert.equal(view.nameOf(b), "file:///a.ts#two");
  assert.equal(view.intern("file:///a.ts#one"), a);
  for (const bad of [-1, 3, 1000]) {
    assert.throws(() => reg.nameOf(bad), {
      name: "RangeError",
      message: `no handler name with id ${bad}`,
    });
  }
});

Deno.test("Registry: intern round-trips unicode and counts UTF-8 bytes", () => {
  const reg = new Registry();
  const names = ["é", "日本語#ハンドラ", "emoji 🙂🚀", "mixed ñ/λ/€#x", "e\u0301"];
  const ids = names.map((s) => reg.intern(s));
  assert.deepEqual(ids, [0, 1, 2, 3, 4]);
  assert.deepEqual(ids.map((id) => reg.nameOf(id)), names);
  // "é" precomposed and decomposed are different strings: different ids.
  assert.notEqual(reg.intern("é"), reg.intern("e\u0301"));
  const bytes = names.reduce((sum, s) => sum + new TextEncoder().encode(s).length, 0);
  assert.equal(namesWords(reg)[NAMES.BYTES_USED], bytes);
  assert.deepEqual(names.map((s) => reg.intern(s)), ids);
  assert.equal(new Registry(reg.handle).nameOf(2), "emoji 🙂🚀");
});

Deno.test("Registry: the name table refuses a name past MAX_NAMES or DATA_BYTES", () => {
  const reg = new Registry();
  for (let i = 0; i < NAMES.MAX_NAMES; i++) assert.equal(reg.intern(`n${i}`), i);
  assert.throws(() => reg.intern("one too many"), {
    name: "RangeError",
    message: `handler name table full (${NAMES.MAX_NAMES} names)`,
  });
  // Known names still resolve, the lock was released, nothing was added.
  assert.equal(reg.intern("n7"), 7);
  assert.equal(namesWords(reg)[NAMES.COUNT], NAMES.MAX_NAMES);
  assert.equal(namesWords(reg)[NAMES.LOCK], 0);

  const big = new Registry();
  const fill = "x".repeat(NAMES.DATA_BYTES - 1);
  assert.equal(big.intern(fill), 0);
  assert.equal(big.intern("y"), 1); // exactly full now
  assert.equal(namesWords(big)[NAMES.BYTES_USED], NAMES.DATA_BYTES);
  assert.throws(() => big.intern("z"), {
    name: "RangeError",
    message: `handler name table full (${NAMES.DATA_BYTES} bytes)`,
  });
  assert.equal(namesWords(big)[NAMES.LOCK], 0);
  assert.equal(big.intern(""), 2, "an empty name needs no bytes");
  assert.equal(big.nameOf(1), "y");
  assert.equal(big.nameOf(0).length, NAMES.DATA_BYTES - 1);
});

Deno.test("Registry: names interned in a worker resolve in the main thread and back", async () => {
  const reg = defaultRegistry();
  const fromWorker = [unique("w1"), unique("w2 ∂")];
  const ids = await runInThread<number[]>(FIXTURE, "internNames", fromWorker);
  assert.equal(ids.length, 2);
  assert.notEqual(ids[0], ids[1]);
  assert.deepEqual(ids.map((id) => reg.nameOf(id)), fromWorker);
  assert.deepEqual(fromWorker.map((s) => reg.intern(s)), ids, "main re-interned as new ids");

  const fromMain = [unique("m1"), unique("m2 🙂")];
  const mainIds = fromMain.map((s) => reg.intern(s));
  assert.deepEqual(await runInThread<string[]>(FIXTURE, "namesOf", mainIds), fromMain);
  assert.deepEqual(await runInThread<number[]>(FIXTURE, "internNames", fromMain), mainIds);
});

Deno.test("Registry: three workers interning the same names at once agree on ids", async () => {
  const reg = defaultRegistry();
  const names = Array.from({ length: 40 }, (_, i) => unique(`c${i}`));
  const countBefore = Atomics.load(namesWords(reg), NAMES.COUNT);
  const start = new Barrier(3);
  const results = await Promise.all(
    [false, true, false].map((reverse) =>
      runInThread<number[]>(FIXTURE, "internConcurrently", names, start.handle, reverse)
    ),
  );
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
  assert.equal(new Set(results[0]).size, names.length, "two names share an id");
  assert.equal(
    Atomics.load(namesWords(reg), NAMES.COUNT) - countBefore,
    names.length,
    "a name was appended twice",
  );
  assert.deepEqual(results[0].map((id) => reg.nameOf(id)), names);
  assert.equal(Atomics.load(namesWords(reg), NAMES.LOCK), 0);
});

Deno.test("Registry: defaultRegistry, registryFor and installRegistry in the main thread", () => {
  const reg = defaultRegistry();
  assert.equal(defaultRegistry(), reg);
  assert.equal(registryFor(reg.handle), reg);
  assert.equal(
    registryFor(structuredClone(reg.handle)),
    reg,
    "a cloned handle is the same registry",
  );
  assert.equal(installRegistry(reg.handle), reg, "re-installing the same registry must be a no-op");
  assert.equal(defaultRegistry(), reg);

  // A handle built from the same buffers (other handle object) is the same registry.
  assert.equal(registryFor({ ...reg.handle }), reg);

  // A different registry gets a separate view; the default is not replaced.
  const other = new Registry();
  const view = registryFor(other.handle);
  assert.notEqual(view, reg);
  assert.notEqual(view, other);
  assert.equal(view.words.buffer, other.words.buffer);
  assert.equal(view.words[REGISTRY.TOKEN], other.words[REGISTRY.TOKEN]);
  assert.equal(defaultRegistry(), reg);
  // (installRegistry with a different registry is exercised in a worker:
  // the main thread's registry is shared by every test file.)
});

Deno.test("Registry: a worker runs on the spawner's registry and refuses another", async () => {
  const reg = defaultRegistry();
  const other = new Registry();
  const r = await runInThread<InstallChecks>(FIXTURE, "installChecks", other.handle, reg.handle);
  assert.deepEqual(r, {
    token: reg.words[REGISTRY.TOKEN],
    installSameIsCurrent: true,
    registryForSameIsCurrent: true,
    differentError: "a different aiolab registry is already installed in this thread",
    stillCurrentAfterError: true,
    registryForOtherIsView: true,
    otherToken: other.words[REGISTRY.TOKEN],
  });
});

Deno.test("Registry: the BQL is one lock shared with every worker", async () => {
  const bql = defaultRegistry().bql;
  const before = bql.stats();
  const wid = await runInThread<number>(FIXTURE, "touchBql");
  const after = bql.stats();
  const acquired = (s: typeof before, id: number) =>
    s.perThread.find((t) => t.threadId === id)?.acquired ?? 0;
  assert.equal(acquired(after, wid) - acquired(before, wid), 1);
  assert.equal(after.acquired - before.acquired, 1);
  assert.equal(bql.owner(), -1);
});

Deno.test({
  // Regression (lib/sync/registry.ts allocContext, fixed): the round-robin start came
  // from Atomics.add(NEXT_CONTEXT, 1), which wraps to negative after 2^31
  // allocations; `(start + i) % MAX_CONTEXTS` is then negative (or -0), and
  // Atomics.compareExchange at a negative index throws
  // "RangeError: Invalid atomic access index" although blocks are free.
  name: "Registry: allocContext keeps working after NEXT_CONTEXT wraps past 2^31",
  fn() {
    const reg = new Registry();
    reg.words[REGISTRY.NEXT_CONTEXT] = 0x7fffffff;
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(reg.allocContext(0));
    for (const id of ids) {
      assert.ok(Number.isInteger(id) && id >= 0 && id < MAX_CONTEXTS, `bad id ${id}`);
      assert.ok(!Object.is(id, -0), "id -0");
    }
    assert.equal(new Set(ids).size, 4);
  },
});
