// `deno bench --allow-read=. bench/thread_pool_bench.ts`: what the thread
// pool costs. Each pool benchmark is one request end to end, submit →
// completion callback, with the submitting context blocked in poll(true)
// while the job runs in a pool worker (two cross-thread futex wakeups: the
// idle worker, then the submitter), against a direct synchronous call of the
// same function (the group's baseline). deno bench prints means and
// percentiles; medians of the same iterations (and the pool's overhead over
// the direct call) are printed at the end.

import { AioContext } from "../lib/runtime/aio_context.ts";
import { handlerId } from "../lib/runtime/handler_ref.ts";
import { ThreadPool } from "../lib/runtime/thread_pool.ts";
import { add, echo } from "../lib/runtime/testdata/pool_jobs.ts";

const JOBS = new URL("../lib/runtime/testdata/pool_jobs.ts", import.meta.url).href;
const ADD = handlerId(`${JOBS}#add`);
const NOOP = handlerId(`${JOBS}#noop`);
const ECHO = handlerId(`${JOBS}#echo`);

/** A request shaped like a block-layer one (guest memory by reference). */
const guest = new SharedArrayBuffer(1 << 16);
const request = { op: "write", offset: 4096, bytes: 512, buf: new Uint8Array(guest, 512, 512) };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A context and its pool, one warm worker, idle workers never time out meanwhile. */
function setup(name: string, pollMaxNs: number): { ctx: AioContext; pool: ThreadPool } {
  const ctx = new AioContext({ name, pollMaxNs });
  const pool = new ThreadPool(ctx, { minWorkers: 1, maxWorkers: 1, idleTimeoutMs: 60_000 });
  return { ctx, pool };
}

const sleeping = setup("bench-pool", 0);
const polling = setup("bench-pool-poll", 200_000);

/** One request end to end; returns its latency in ns. */
function roundTrip(ctx: AioContext, pool: ThreadPool, fn: number, args?: unknown[]): number {
  let done = false;
  const t0 = performance.now();
  pool.submit({ fn, args }, { onComplete: () => (done = true) });
  while (!done) ctx.poll(true);
  return (performance.now() - t0) * 1e6;
}

// Warm up: worker started, job module imported in it.
for (const { ctx, pool } of [sleeping, polling]) {
  for (let i = 0; i < 20; i++) roundTrip(ctx, pool, ADD, [i, 1]);
}

const samples = new Map<string, number[]>();
function record(name: string, ns: number): void {
  let s = samples.get(name);
  if (s === undefined) samples.set(name, s = []);
  s.push(ns);
}

let sink = 0;
Deno.bench({
  name: "direct call add(i, 1)",
  group: "submit→completion",
  baseline: true,
  fn() {
    sink = add(sink & 0xffff, 1);
  },
});
Deno.bench({
  name: "direct call echo(request)",
  group: "submit→completion",
  fn() {
    sink += echo(request).bytes;
  },
});

const POOL_ITERS = { n: 3000, warmup: 200 };
let i = 0;
for (
  const [name, fn, args] of [
    ["pool add(i, 1), submitter sleeps", ADD, () => [i++, 1]],
    ["pool noop(), submitter sleeps", NOOP, () => undefined],
    ["pool echo(request), submitter sleeps", ECHO, () => [request]],
  ] as const
) {
  Deno.bench({
    name,
    group: "submit→completion",
    ...POOL_ITERS,
    fn() {
      record(name, roundTrip(sleeping.ctx, sleeping.pool, fn, args()));
    },
  });
}
Deno.bench({
  name: "pool add(i, 1), submitter busy-polls (poll-max-ns 200000)",
  group: "submit→completion",
  ...POOL_ITERS,
  fn() {
    record(
      "pool add(i, 1), submitter busy-polls",
      roundTrip(polling.ctx, polling.pool, ADD, [i++, 1]),
    );
  },
});

/** Median ns of a direct call, from batches (one call is below the clock's resolution). */
function directMedian(body: () => void): number {
  const per: number[] = [];
  for (let b = 0; b < 30; b++) {
    const t0 = performance.now();
    for (let k = 0; k < 100_000; k++) body();
    per.push(((performance.now() - t0) * 1e6) / 100_000);
  }
  return median(per);
}

globalThis.addEventListener("unload", () => {
  const direct = directMedian(() => (sink = add(sink & 0xffff, 1)));
  const directEcho = directMedian(() => (sink += echo(request).bytes));
  console.log("\nmedians (ns), pool overhead = pool median - direct-call median:");
  console.log(
    `  direct call add: ${direct.toFixed(1)}; direct call echo: ${directEcho.toFixed(1)}`,
  );
  for (const [name, s] of samples) {
    const m = median(s);
    const base = name.includes("echo") ? directEcho : direct;
    console.log(
      `  ${name}: median ${Math.round(m)} ns over ${s.length} (overhead ${
        Math.round(m - base)
      } ns)`,
    );
  }
  const st = sleeping.pool.stats();
  console.log(
    `  pool: ${st.completed} completed, ${st.workersSpawned} worker(s) spawned; sink ${
      sink > 0 ? "ok" : "?"
    }`,
  );
  for (const { ctx, pool } of [sleeping, polling]) {
    pool.destroySync(5000);
    ctx.poll(false);
    ctx.destroy();
  }
});
