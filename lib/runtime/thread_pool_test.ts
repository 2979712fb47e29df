import assert from "node:assert/strict";
import { MAX_THREADS } from "../sync/layout.ts";
import {
  POOL,
  POOL_RESULT,
  POOL_SLOT,
  POOL_SLOT_STATE,
  POOL_WORKER,
  POOL_WORKER_STATE,
} from "./layout.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { currentThreadId } from "../sync/thread_id.ts";
import { AioContext } from "./aio_context.ts";
import { AioThreadError } from "./aio_thread_error.ts";
import { handlerId } from "./handler_ref.ts";
import { IoThread } from "./io_thread.ts";
import {
  DEFAULT_POOL_IDLE_TIMEOUT_MS,
  DEFAULT_POOL_MAX_WORKERS,
  POOL_COMPLETION_BH,
  ThreadPool,
  threadPoolFor,
  type ThreadPoolResult,
  validatePoolMinMax,
} from "./thread_pool.ts";
import { decode, Encoder, MissingBufferError } from "./_pool_codec.ts";
import { withCleanup } from "../testing/cleanup.ts";
import { waitFor } from "../testing/wait.ts";

const JOBS = new URL("./testdata/pool_jobs.ts", import.meta.url).href;
const job = (name: string) => `${JOBS}#${name}`;
const IOT_FIX = new URL("./testdata/pool_iothread.ts", import.meta.url).href;

const threadsInUse = (): number => defaultRegistry().threadsInUse();

/** Polls `ctx` without blocking until `cond()` holds. */
function pollUntil(ctx: AioContext, cond: () => boolean, what: string): Promise<void> {
  return waitFor(() => {
    ctx.poll(false);
    return cond();
  }, what);
}

async function teardown(pool: ThreadPool, ctx: AioContext): Promise<void> {
  await pool.destroy();
  ctx.poll(false); // reclaims the deleted completion BH
  ctx.destroy();
}

// ------------------------------------------------------------------ layout

Deno.test("thread pool layout: words are distinct and fit their blocks", () => {
  const header = Object.entries(POOL).filter(([k]) => k !== "QUEUE");
  const seen = new Map<number, string>();
  for (const [k, v] of header) {
    assert.ok(Number.isInteger(v) && v >= 0 && v < POOL.QUEUE, `POOL.${k}`);
    assert.ok(!seen.has(v), `POOL.${k} and POOL.${seen.get(v)} share word ${v}`);
    seen.set(v, k);
  }
  // Futex words and statistics sit on other 64-byte lines than the header.
  assert.ok(POOL.REQUEST_SEQ >= 16 && POOL.EXIT_SEQ < 32 && POOL.SPAWNED >= 32);
  const slotWords = Object.entries(POOL_SLOT).filter(([k]) => k !== "WORDS");
  assert.equal(new Set(slotWords.map(([, v]) => v)).size, slotWords.length);
  for (const [k, v] of slotWords) assert.ok(v < POOL_SLOT.WORDS, `POOL_SLOT.${k}`);
  assert.equal(POOL_SLOT.WORDS % 2, 0);
  assert.equal(POOL_SLOT.NUMBER % 2, 0, "Float64 needs 8-byte alignment");
  assert.ok(POOL_SLOT.NUMBER + 1 < POOL_SLOT.WORDS);
  const workerWords = Object.entries(POOL_WORKER).filter(([k]) => k !== "WORDS");
  assert.equal(new Set(workerWords.map(([, v]) => v)).size, workerWords.length);
  for (const [k, v] of workerWords) assert.ok(v < POOL_WORKER.WORDS, `POOL_WORKER.${k}`);
  for (const e of [POOL_SLOT_STATE, POOL_RESULT, POOL_WORKER_STATE]) {
    assert.equal(new Set(Object.values(e)).size, Object.keys(e).length);
  }
  assert.equal(POOL_SLOT_STATE.FREE, 0, "a fresh table is all FREE");
  assert.equal(POOL_WORKER_STATE.FREE, 0, "a fresh worker table is all FREE");
  assert.ok(MAX_THREADS >= 2);
});

// ------------------------------------------------------------------- codec

Deno.test("thread pool codec: plain data, typed arrays and v8 fallbacks round-trip", () => {
  const sabs: SharedArrayBuffer[] = [];
  const enc = new Encoder((s) => {
    let i = sabs.indexOf(s);
    if (i < 0) i = sabs.push(s) - 1;
    return i;
  });
  const rt = (v: unknown): unknown => decode(enc.encode(v).slice(), (i) => sabs[i]);
  const sab = new SharedArrayBuffer(16);
  const values: unknown[] = [
    undefined,
    null,
    true,
    false,
    0,
    -0,
    -7,
    2 ** 31,
    1.5,
    NaN,
    Infinity,
    "",
    "ascii",
    "héllo wörld ✓",
    "x".repeat(10_000),
    123n,
    -(2n ** 70n),
    [1, "a", [null, undefined]],
    { a: 1, nested: { b: [true, { c: "d" }] } },
    new Uint8Array([1, 2, 3]),
    new Float64Array([1.5, -2]),
    new BigInt64Array([5n]),
    new Uint8Array([9, 8, 7]).buffer,
    new Date(86_400_000),
    new Map([["k", 1]]),
    new Set([1, 2]),
    /re+/gi,
  ];
  for (const v of values) assert.deepEqual(rt(v), v);
  const err = rt(new RangeError("bad")) as Error;
  assert.ok(err instanceof RangeError);
  assert.equal(err.message, "bad");
  // Shared memory travels by reference.
  const view = rt(new Int32Array(sab, 4, 2)) as Int32Array;
  assert.equal(view.buffer, sab);
  assert.equal(view.byteOffset, 4);
  assert.equal(view.length, 2);
  assert.equal(rt(sab), sab);
  // Cycles fall back to node:v8 whole.
  const cyc: Record<string, unknown> = { a: 1 };
  cyc.self = cyc;
  const back = rt(cyc) as Record<string, unknown>;
  assert.equal(back.self, back);
  // "__proto__" stays an own key, as with structured cloning.
  const proto = rt(JSON.parse('{"__proto__": {"x": 1}}')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(proto), ["__proto__"]);
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
});

Deno.test("thread pool codec: functions are refused; an unknown buffer id is reported", () => {
  const enc = new Encoder(() => 0);
  assert.throws(() => enc.encode([() => 1]), { name: "DataCloneError" });
  assert.throws(() => enc.encode({ s: Symbol("x") }), { name: "DataCloneError" });
  assert.throws(() => enc.encode(new Map([[1, () => 1]])), { name: "DataCloneError" });
  const bytes = enc.encode(new SharedArrayBuffer(4)).slice();
  assert.throws(
    () => decode(bytes, () => undefined),
    (e: unknown) => e instanceof MissingBufferError && e.bufferId === 0,
  );
});

// ------------------------------------------------------------- validation

Deno.test("thread pool: min/max and options are validated as QEMU does", async () => {
  validatePoolMinMax(0, 1);
  validatePoolMinMax(3, 3);
  for (const [min, max] of [[2, 1], [0, 0], [-1, 4], [0, -1], [0.5, 2], [0, NaN]]) {
    assert.throws(() => validatePoolMinMax(min, max), RangeError, `${min}/${max}`);
  }
  const ctx = new AioContext({ name: "pool-validate" });
  assert.throws(() => new ThreadPool(ctx, { minWorkers: 3, maxWorkers: 2 }), RangeError);
  assert.throws(() => new ThreadPool(ctx, { maxWorkers: 0 }), RangeError);
  assert.throws(() => new ThreadPool(ctx, { idleTimeoutMs: -1 }), RangeError);
  assert.throws(() => new ThreadPool(ctx, { capacity: 0 }), RangeError);
  assert.throws(() => new ThreadPool(ctx, { maxPayloadBytes: 10 }), RangeError);
  const pool = threadPoolFor(ctx);
  assert.equal(pool.minWorkers, 0);
  assert.equal(pool.maxWorkers, DEFAULT_POOL_MAX_WORKERS);
  assert.equal(pool.idleTimeoutMs, DEFAULT_POOL_IDLE_TIMEOUT_MS);
  assert.equal(threadPoolFor(ctx), pool, "one pool per context");
  assert.throws(() => threadPoolFor(ctx, { maxWorkers: 2 }), /already has thread pool/);
  assert.throws(() => new ThreadPool(ctx), /already has a thread pool/);
  assert.throws(() => pool.setMinMax(5, 4), RangeError);
  assert.equal(pool.stats().workersSpawned, 0, "no worker before the first request");
  // Bad jobs are refused by submit, and nothing is queued.
  assert.throws(() => pool.submit({ fn: 42 }), /module reference/);
  assert.throws(() => pool.submit({ fn: "no-hash" }), TypeError);
  assert.throws(() => pool.submit({ fn: job("add"), args: [() => 1] }), {
    name: "DataCloneError",
  });
  assert.equal(pool.stats().submitted, 0);
  assert.equal(pool.outstanding, 0);
  assert.throws(() => threadPoolFor(null), /runs none/);
  await teardown(pool, ctx);
  assert.ok(pool.destroyed);
  assert.throws(() => pool.submit({ fn: job("noop") }), /destroyed/);
});

// ------------------------------------------------------------- completion

Deno.test("thread pool: completions run in the submitting thread, from the BH, one at a time, never inside submit", async () => {
  const ctx = new AioContext({ name: "pool-complete" });
  const pool = threadPoolFor(ctx);
  const before = threadsInUse();
  const seen: { thread: number; handler: string | null; worker: number; depth: number }[] = [];
  let inCallback = 0;
  const onComplete = (r: ThreadPoolResult<{ threadId: number }>) => {
    inCallback++;
    assert.equal(inCallback, 1, "callbacks never overlap");
    assert.equal(r.status, "ok");
    if (r.status === "ok") {
      assert.equal(r.value.threadId, r.workerThread, "the job ran in the reported worker");
      seen.push({
        thread: currentThreadId(),
        handler: ctx.currentHandler(),
        worker: r.workerThread,
        depth: ctx.pollDepth(),
      });
    }
    inCallback--;
  };
  const gate = new Int32Array(new SharedArrayBuffer(16));
  const reqs = [1, 2, 3].map(() =>
    pool.submit({ fn: job("gatedWhoAmI"), args: [gate] }, { onComplete })
  );
  // Step 0: nothing delivered inside submit.
  assert.equal(seen.length, 0);
  assert.deepEqual(reqs.map((r) => r.id), [1, 2, 3]);
  for (const r of reqs) assert.equal(r.status, "queued");
  assert.equal(pool.stats().submitted, 3);
  assert.equal(pool.stats().completed, 0);
  // Polls create the workers (the spawn BH); the jobs wait behind the gate.
  await pollUntil(ctx, () => Atomics.load(gate, 0) === 3, "three jobs running");
  assert.equal(seen.length, 0);
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
  // Wait for the workers without polling: results are published, not delivered.
  await waitFor(() => reqs.every((r) => r.status === "done"), "all three done");
  assert.equal(seen.length, 0, "DONE is not delivered until the context polls");
  assert.equal(pool.stats().completed, 0);
  assert.ok(threadsInUse() > before, "workers hold aiolab thread ids");
  // Step 1: one poll runs the completion BH, which delivers all three in turn.
  assert.equal(ctx.poll(false), true);
  assert.equal(seen.length, 3);
  for (const s of seen) {
    assert.equal(s.thread, currentThreadId(), "callback in the submitting thread");
    assert.equal(s.handler, POOL_COMPLETION_BH, "callback from the completion BH");
    assert.equal(s.depth, 1, "not nested");
    assert.notEqual(s.worker, currentThreadId(), "job ran in a worker");
  }
  for (const r of reqs) assert.equal(r.status, "completed");
  const st = pool.stats();
  assert.equal(st.completed, 3);
  assert.equal(st.inFlight, 0);
  // Step 2: the BH re-scheduled itself around each callback and cancelled
  // that afterwards: the next poll has nothing to do.
  assert.equal(ctx.poll(false), false);
  await teardown(pool, ctx);
  assert.equal(threadsInUse(), before, "thread ids returned");
});

Deno.test("thread pool: a callback that nests poll() receives the other completions (self-reschedule)", async () => {
  const ctx = new AioContext({ name: "pool-nested" });
  const pool = threadPoolFor(ctx);
  const order: string[] = [];
  let nestedProgress: boolean | null = null;
  const a = pool.submit({ fn: job("add"), args: [1, 1] }, {
    onComplete: () => {
      order.push("a:start");
      nestedProgress = ctx.poll(false); // delivers b inside
      order.push("a:end");
    },
  });
  const b = pool.submit({ fn: job("add"), args: [2, 2] }, {
    onComplete: () => order.push(`b@depth${ctx.pollDepth()}`),
  });
  // Create the workers (one spawn BH pass each), then let both finish.
  await pollUntil(ctx, () => pool.stats().pendingSpawns === 0, "workers created");
  assert.deepEqual(order, [], "nothing delivered while spawning");
  await waitFor(() => a.status === "done" && b.status === "done", "both done");
  assert.equal(ctx.poll(false), true);
  // a is delivered first (submission order); b from the nested poll.
  assert.deepEqual(order, ["a:start", "b@depth2", "a:end"]);
  assert.equal(nestedProgress, true);
  assert.equal(ctx.poll(false), false);
  await teardown(pool, ctx);
});

Deno.test("thread pool: completion wakes an IOThread blocked in poll(true)", async () => {
  const iot = await IoThread.create({ id: "pool-iot" });
  // A failure here leaves the pool alive, so the join fails too; the first
  // failure is the one reported.
  await withCleanup(async () => {
    const rec = new SharedArrayBuffer(32);
    const r = new Int32Array(rec);
    const waitsBefore = iot.getAioContext().notifyStats().waits;
    await iot.run(`${IOT_FIX}#submitWhileSleeping`, rec);
    await waitFor({ words: r, index: 0, equals: 1 }, "the completion callback", { watch: iot });
    assert.equal(Atomics.load(r, 0), 1, "callback ran");
    assert.equal(r[1], iot.threadId, "callback ran in the IOThread");
    assert.equal(r[2], 1, "the job saw the IOThread sleeping in poll(true) before completing");
    assert.equal(r[3], 1, "callback ran from the completion BH");
    assert.notEqual(r[4], iot.threadId, "the job ran in a pool worker");
    const ns = iot.getAioContext().notifyStats();
    assert.ok(ns.waits > waitsBefore, "the IOThread slept");
    // The job returned only once the IOThread was committed to its futex
    // wait, and the wake is counted before it is issued.
    assert.ok(ns.wakes >= 1, "the completion paid a futex wake");
    const stats = await iot.run<{ completed: number; workersSpawned: number }>(
      `${IOT_FIX}#destroyPool`,
    );
    assert.equal(stats.completed, 1);
    assert.equal(stats.workersSpawned, 1);
  }, async () => {
    iot.stop();
    await iot.join();
  });
});

// ----------------------------------------------------------- cancellation

Deno.test("thread pool: a queued request cancels (ECANCELED); a running one completes with its result", async () => {
  const ctx = new AioContext({ name: "pool-cancel" });
  const pool = threadPoolFor(ctx, { maxWorkers: 1 });
  const gate = new Int32Array(new SharedArrayBuffer(16));
  const results: string[] = [];
  const running = pool.submit<string>({ fn: job("gated"), args: [gate, "real result"] }, {
    onComplete: (r) => results.push(`running:${r.status === "ok" ? r.value : r.status}`),
  });
  const queued = pool.submit<string>({ fn: job("gated"), args: [gate, "never"] }, {
    onComplete: (r) => results.push(`queued:${r.status}`),
  });
  await pollUntil(
    ctx,
    () => running.status === "running" && Atomics.load(gate, 0) === 1,
    "first runs",
  );
  assert.equal(queued.status, "queued", "max 1: the second waits in the queue");
  assert.equal(running.cancel(), false, "running: cancel has no effect");
  assert.equal(queued.cancel(), true);
  assert.equal(queued.cancel(), false, "only once");
  assert.equal(queued.status, "done", "marked done; delivered by the BH");
  assert.deepEqual(results, [], "cancel does not call back synchronously");
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(results, ["queued:cancelled"], "delivered while the first still runs");
  assert.equal(running.status, "running");
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
  await pollUntil(ctx, () => results.length === 2, "first completes");
  assert.deepEqual(results, ["queued:cancelled", "running:real result"]);
  assert.equal(Atomics.load(gate, 0), 1, "the cancelled job never ran");
  assert.deepEqual(queued.result, { status: "cancelled" });
  assert.equal(running.cancel(), false, "completed: no effect");
  const st = pool.stats();
  assert.equal(st.cancelled, 1);
  assert.equal(st.completed, 1);
  assert.equal(st.started, 1);
  await teardown(pool, ctx);
});

// ---------------------------------------------------------------- errors

Deno.test("thread pool: a throwing job completes with its name, message and stack", async () => {
  const ctx = new AioContext({ name: "pool-error" });
  const pool = threadPoolFor(ctx);
  const results: ThreadPoolResult[] = [];
  const onComplete = (r: ThreadPoolResult) => results.push(r);
  pool.submit({ fn: job("fail"), args: ["bad sector"] }, { onComplete });
  await pollUntil(ctx, () => results.length === 1, "failure delivered");
  const r = results[0];
  assert.equal(r.status, "error");
  if (r.status !== "error") return;
  assert.ok(r.error instanceof AioThreadError);
  assert.equal(r.error.remote.name, "TypeError");
  assert.equal(r.error.remote.message, "bad sector");
  assert.match(r.error.remote.stack, /testdata\/pool_jobs\.ts/);
  assert.equal(r.error.handler, job("fail"));
  assert.match(r.error.thread, /pool@pool-error worker/);
  assert.match(r.error.message, /TypeError: bad sector/);
  assert.equal(pool.stats().failed, 1);

  // Other ways a job fails, each reported as its result.
  const more = [
    pool.submit({ fn: job("noSuchExport") }, { onComplete }),
    pool.submit({ fn: job("notAFunction") }, { onComplete }),
    pool.submit({ fn: job("returnsFunction") }, { onComplete }),
    pool.submit({ fn: job("returnsNewSab") }, { onComplete }),
    pool.submit({ fn: `${new URL("./no_such_module.ts", import.meta.url)}#f` }, { onComplete }),
  ];
  await pollUntil(ctx, () => more.every((q) => q.result !== null), "all delivered");
  const messages = more.map((q) => {
    const res = q.result!;
    assert.equal(res.status, "error");
    return res.status === "error" ? `${res.error.remote.name}: ${res.error.remote.message}` : "";
  });
  assert.match(messages[0], /no exported function "noSuchExport"/);
  assert.match(messages[1], /no exported function "notAFunction"/);
  assert.match(messages[2], /DataCloneError: function .* could not be cloned/);
  assert.match(messages[3], /DataCloneError: a SharedArrayBuffer the pool did not pass/);
  assert.match(messages[4], /cannot load module/);
  assert.equal(pool.stats().failed, 6);
  // The worker is still fine.
  const ok = pool.submit({ fn: job("add"), args: [1, 2] });
  await pollUntil(ctx, () => ok.result !== null, "ok after errors");
  const okResult = ok.result!;
  assert.ok(okResult.status === "ok" && okResult.value === 3, Deno.inspect(okResult));
  await teardown(pool, ctx);
});

// -------------------------------------------------------------- data path

Deno.test("thread pool: arguments and results of every kind, big payloads, async jobs, handler ids", async () => {
  const ctx = new AioContext({ name: "pool-data" });
  const pool = threadPoolFor(ctx, { maxWorkers: 2 });
  const shared = new SharedArrayBuffer(64);
  const value = {
    n: 1.25,
    s: "ünïcode",
    list: [1, [2, [3]]],
    bytes: new Uint8Array([4, 5, 6]),
    when: new Date(0),
    map: new Map([[1, "one"]]),
    big: 2n ** 80n,
    view: new Int32Array(shared, 8, 4),
  };
  const echo = pool.submit<typeof value>({ fn: job("echo"), args: [value] });
  const big = pool.submit<Uint8Array>({ fn: job("echo"), args: [new Uint8Array(1 << 20).fill(7)] });
  const out = pool.submit<Uint8Array>({ fn: job("bytes"), args: [300_000] });
  const later = pool.submit<number>({ fn: job("later"), args: [21] });
  const byId = pool.submit<number>({
    fn: handlerId({ module: JOBS, name: "add" }),
    args: [40, 2],
  });
  const undef = pool.submit({ fn: job("noop") });
  const all = [echo, big, out, later, byId, undef];
  await pollUntil(ctx, () => all.every((r) => r.result !== null), "all delivered");
  const v = (r: typeof all[number]) => {
    const res = r.result!;
    assert.equal(res.status, "ok", Deno.inspect(res));
    return res.status === "ok" ? res.value : undefined;
  };
  const e = v(echo) as typeof value;
  assert.deepEqual({ ...e, view: undefined }, { ...value, view: undefined });
  assert.equal(e.view.buffer, shared, "shared memory travels by reference");
  assert.equal(e.view.byteOffset, 8);
  const b = v(big) as Uint8Array;
  assert.equal(b.length, 1 << 20);
  assert.ok(b.every((x) => x === 7));
  const o = v(out) as Uint8Array;
  assert.equal(o.length, 300_000);
  assert.equal(o[299_999], 299_999 & 0xff);
  assert.equal(v(later), 42, "a returned promise is awaited");
  assert.equal(v(byId), 42);
  assert.equal(v(undef), undefined);
  // A payload above maxPayloadBytes is refused at submit.
  const small = new AioContext({ name: "pool-small" });
  const tiny = threadPoolFor(small, { maxPayloadBytes: 4096 });
  assert.throws(() => tiny.submit({ fn: job("echo"), args: [new Uint8Array(8192)] }), RangeError);
  await teardown(tiny, small);
  await teardown(pool, ctx);
});

Deno.test("thread pool: more requests than table slots wait their turn and can be cancelled", async () => {
  const ctx = new AioContext({ name: "pool-overflow" });
  const pool = threadPoolFor(ctx, { capacity: 2, maxWorkers: 2 });
  const gate = new Int32Array(new SharedArrayBuffer(16));
  const reqs = [0, 1, 2, 3, 4].map((i) =>
    pool.submit<number>({ fn: job("gated"), args: [gate, i] })
  );
  assert.equal(pool.stats().overflowed, 3);
  assert.equal(reqs[4].status, "queued");
  assert.equal(reqs[4].cancel(), true, "a request waiting for a slot cancels");
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
  await pollUntil(ctx, () => reqs.every((r) => r.result !== null), "all delivered");
  assert.deepEqual(
    reqs.map((r) => (r.result!.status === "ok" ? r.result!.value : r.result!.status)),
    [0, 1, 2, 3, "cancelled"],
  );
  assert.equal(Atomics.load(gate, 0), 4);
  assert.equal(pool.stats().queueDepthMax <= 2, true);
  await teardown(pool, ctx);
});

// ---------------------------------------------------------------- spawning

Deno.test("thread pool: submit never creates a Worker; the spawn BH creates them one per BH pass (QEMU's spawn_thread_bh_fn)", async () => {
  const ctx = new AioContext({ name: "pool-spawn" });
  const pool = threadPoolFor(ctx, { maxWorkers: 3 });
  const before = threadsInUse();
  const gate = new Int32Array(new SharedArrayBuffer(16));
  const reqs = [0, 1, 2].map((i) => pool.submit<number>({ fn: job("gated"), args: [gate, i] }));
  // Step 0: counted in cur_threads, but no Worker exists (a Worker takes an
  // aiolab thread id when it is created).
  assert.equal(threadsInUse(), before, "no Worker created inside submit");
  let st = pool.stats();
  assert.equal(st.workers, 3, "cur_threads counts the three spawns");
  assert.equal(st.pendingSpawns, 3, "none created yet");
  assert.equal(st.queued, 3);
  // Steps 1-3: each BH pass of the pool's context creates one Worker and
  // leaves the next to the next pass.
  for (let left = 2; left >= 0; left--) {
    assert.equal(ctx.poll(false), true);
    st = pool.stats();
    assert.equal(st.pendingSpawns, left);
    assert.equal(threadsInUse(), before + 3 - left, "one more Worker");
    assert.equal(st.workers, 3);
  }
  // Step 4: nothing left to spawn (the jobs wait behind the gate).
  assert.equal(ctx.poll(false), false);
  await waitFor(() => Atomics.load(gate, 0) === 3, "the three workers run the jobs");
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
  await pollUntil(ctx, () => reqs.every((r) => r.result !== null), "all delivered");
  assert.deepEqual(reqs.map((r) => r.result!.status === "ok" && r.result!.value), [0, 1, 2]);
  assert.equal(pool.stats().workersSpawned, 3);
  await teardown(pool, ctx);
});

Deno.test("thread pool: when no worker can start, the queued requests complete with the error (submit never throws for it)", async () => {
  const ctx = new AioContext({ name: "pool-nospawn" });
  const pool = threadPoolFor(ctx, { capacity: 1, maxWorkers: 2 });
  const reg = defaultRegistry();
  const taken: number[] = [];
  await withCleanup(async () => {
    // Every aiolab thread id in use: creating a Worker fails.
    for (;;) {
      try {
        taken.push(reg.allocThreadId());
      } catch (err) {
        assert.match(String(err), /too many aiolab threads/);
        break;
      }
    }
    const results: ThreadPoolResult[] = [];
    const onComplete = (r: ThreadPoolResult) => results.push(r);
    const a = pool.submit({ fn: job("add"), args: [1, 2] }, { onComplete });
    const b = pool.submit({ fn: job("add"), args: [3, 4] }, { onComplete }); // waits for a slot
    assert.equal(pool.stats().overflowed, 1);
    assert.equal(pool.stats().pendingSpawns, 1, "one spawn counted for the queued request");
    // The spawn BH fails, no worker is left: both requests fail.
    assert.equal(ctx.poll(false), true);
    assert.equal(pool.stats().spawnFailures, 1);
    assert.equal(pool.stats().workers, 0);
    assert.deepEqual([a.status, b.status], ["done", "done"]);
    assert.equal(ctx.poll(false), true, "the completion BH delivers them");
    assert.equal(results.length, 2);
    for (const r of results) {
      assert.equal(r.status, "error");
      if (r.status !== "error") continue;
      assert.ok(r.error instanceof AioThreadError);
      assert.match(r.error.message, /cannot start a worker and none is running/);
      assert.match(r.error.remote.message, /too many aiolab threads/);
      assert.equal(r.workerThread, -1, "no worker ran it");
    }
    assert.equal(pool.stats().failed, 2);
    assert.equal(pool.outstanding, 0);
    // With thread ids back, the pool works again.
    for (const id of taken.splice(0)) reg.freeThreadId(id);
    const ok = pool.submit<number>({ fn: job("add"), args: [20, 22] });
    await pollUntil(ctx, () => ok.result !== null, "served");
    const r = ok.result!;
    assert.ok(r.status === "ok" && r.value === 42, Deno.inspect(r));
  }, async () => {
    for (const id of taken) reg.freeThreadId(id);
    await teardown(pool, ctx);
  });
});

// ------------------------------------------------------------ pool sizing

Deno.test("thread pool: max 2 workers never run more than 2 jobs at once", async () => {
  const ctx = new AioContext({ name: "pool-max" });
  const pool = threadPoolFor(ctx, { maxWorkers: 2 });
  const probe = new Int32Array(new SharedArrayBuffer(32));
  const total = 6;
  const reqs = Array.from(
    { length: total },
    () => pool.submit<number>({ fn: job("withPermit"), args: [probe] }),
  );
  await pollUntil(ctx, () => Atomics.load(probe, 2) === 2, "two jobs entered");
  let st = pool.stats();
  assert.equal(st.workers, 2, "no third worker");
  assert.equal(st.busyWorkers, 2);
  assert.equal(st.queued, total - 2, "the rest wait in the queue");
  // Let them leave one at a time: each departure lets exactly one more in.
  for (let left = 1; left <= total; left++) {
    Atomics.add(probe, 3, 1);
    Atomics.notify(probe, 3);
    const entered = Math.min(total, left + 2);
    await pollUntil(
      ctx,
      () => Atomics.load(probe, 4) === left && Atomics.load(probe, 2) === entered,
      `${left} left, ${entered} entered`,
    );
    assert.ok(Atomics.load(probe, 0) <= 2, `running ${Atomics.load(probe, 0)}`);
  }
  await pollUntil(ctx, () => reqs.every((r) => r.result !== null), "all six delivered");
  assert.equal(Atomics.load(probe, 1), 2, "two at once, never three");
  st = pool.stats();
  assert.equal(st.workersSpawned, 2);
  assert.equal(st.maxBusyWorkers, 2);
  assert.ok(st.queueDepthMax <= total);
  const workers = new Set(reqs.map((r) => r.result!.status === "ok" ? r.result!.value : -1));
  assert.ok(workers.size <= 2 && !workers.has(-1));
  await teardown(pool, ctx);
});

Deno.test("thread pool: min workers are spawned at once and kept warm past idle timeouts", async () => {
  const ctx = new AioContext({ name: "pool-min" });
  const pool = threadPoolFor(ctx, { minWorkers: 2, idleTimeoutMs: 20 });
  assert.equal(pool.stats().workers, 2, "counted by the constructor");
  assert.equal(pool.stats().pendingSpawns, 2, "created by the spawn BH");
  await pollUntil(ctx, () => pool.stats().idleWorkers === 2, "both idle");
  await waitFor(() => pool.stats().idleTimeouts >= 6, "several idle timeouts");
  let st = pool.stats();
  assert.equal(st.workers, 2, "kept warm");
  assert.equal(st.workersExited, 0);
  const r = pool.submit({ fn: job("add"), args: [1, 1] });
  await pollUntil(ctx, () => r.result !== null, "served by a warm worker");
  assert.equal(pool.stats().workersSpawned, 2, "an idle warm worker took it: no spawn");
  // Lowering min lets them retire after their next idle timeout.
  pool.setMinMax(0, 4);
  await waitFor(() => pool.stats().workers === 0, "warm workers retire");
  st = pool.stats();
  assert.equal(st.workersExited, 2);
  assert.equal(st.minWorkers, 0);
  // Raising min spawns again.
  pool.setMinMax(1, 4);
  assert.equal(pool.stats().workers, 1);
  await teardown(pool, ctx);
});

Deno.test("thread pool: idle workers exit after the idle timeout and free their thread ids", async () => {
  const ctx = new AioContext({ name: "pool-idle" });
  const before = threadsInUse();
  const pool = threadPoolFor(ctx, { idleTimeoutMs: 30, maxWorkers: 3 });
  const gate = new Int32Array(new SharedArrayBuffer(16));
  const reqs = [1, 2, 3].map((i) => pool.submit({ fn: job("gated"), args: [gate, i] }));
  await pollUntil(ctx, () => Atomics.load(gate, 0) === 3, "three workers busy");
  assert.equal(pool.stats().workers, 3);
  assert.equal(threadsInUse(), before + 3);
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
  await pollUntil(ctx, () => reqs.every((r) => r.result !== null), "delivered");
  await waitFor(() => pool.stats().workers === 0, "all idle workers exit");
  const st = pool.stats();
  assert.equal(st.workersExited, 3);
  assert.ok(st.idleTimeouts >= 3);
  await waitFor(() => threadsInUse() === before, "thread ids freed");
  // The pool still works: a new worker is spawned on demand.
  const again = pool.submit({ fn: job("add"), args: [2, 3] });
  await pollUntil(ctx, () => again.result !== null, "served again");
  assert.equal(pool.stats().workersSpawned, 4);
  await teardown(pool, ctx);
  assert.equal(threadsInUse(), before);
});

Deno.test("thread pool: lowering max retires surplus workers", async () => {
  const ctx = new AioContext({ name: "pool-shrink" });
  const pool = threadPoolFor(ctx, { minWorkers: 3, maxWorkers: 3 });
  await pollUntil(ctx, () => pool.stats().idleWorkers === 3, "three idle");
  pool.setMinMax(0, 1);
  await waitFor(() => pool.stats().workers === 1, "two retire");
  assert.equal(pool.stats().workersExited, 2);
  await teardown(pool, ctx);
});

// ----------------------------------------------------------------- destroy

Deno.test("thread pool: destroy refuses while requests are outstanding", async () => {
  const ctx = new AioContext({ name: "pool-destroy" });
  const pool = threadPoolFor(ctx);
  const gate = new Int32Array(new SharedArrayBuffer(16));
  const r = pool.submit({ fn: job("gated"), args: [gate, 0] });
  assert.throws(() => pool.destroy(), /destroy with 1 outstanding request/);
  assert.throws(() => pool.destroySync(), /outstanding/);
  assert.throws(() => ctx.destroy(), /live bottom half.*thread-pool-completion/);
  await pollUntil(ctx, () => Atomics.load(gate, 0) === 1, "the job runs");
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
  await waitFor(() => r.status === "done", "done");
  assert.throws(() => pool.destroy(), /outstanding/, "done but not delivered still counts");
  ctx.poll(false);
  assert.equal(pool.outstanding, 0);
  await pool.destroy();
  assert.equal(pool.stats().workers, 0);
  assert.notEqual(threadPoolFor(ctx), pool, "a new pool after destroy");
  await threadPoolFor(ctx).destroy();
  ctx.poll(false);
  ctx.destroy();
});

// -------------------------------------------------------------- coroutine

Deno.test("thread pool: submitCo suspends a generator coroutine until completion", async () => {
  const ctx = new AioContext({ name: "pool-co" });
  const pool = threadPoolFor(ctx);
  const log: string[] = [];
  let wakes = 0;
  function* co(): Generator<void, void, unknown> {
    log.push("start");
    const sum = yield* pool.submitCo<number>({ fn: job("add"), args: [5, 6] }, wake);
    log.push(`sum ${sum}`);
    try {
      yield* pool.submitCo({ fn: job("fail"), args: ["co failure"] }, wake);
    } catch (e) {
      log.push(`caught ${(e as AioThreadError).remote.message}`);
    }
  }
  const it = co();
  const wake = () => {
    wakes++;
    log.push(`wake in ${ctx.currentHandler()}`);
    it.next();
  };
  it.next();
  assert.deepEqual(log, ["start"], "suspended at the submit");
  it.next(); // a spurious resumption just yields again
  assert.deepEqual(log, ["start"]);
  await pollUntil(ctx, () => log.length >= 5, "coroutine finished");
  assert.deepEqual(log, [
    "start",
    `wake in ${POOL_COMPLETION_BH}`,
    "sum 11",
    `wake in ${POOL_COMPLETION_BH}`,
    "caught co failure",
  ]);
  assert.equal(wakes, 2);
  await teardown(pool, ctx);
});
