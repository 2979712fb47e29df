// `deno bench --allow-read=. bench/coroutine_bench.ts`: what a coroutine
// costs in one thread, against a plain function call (the group's baseline)
// and the raw generator operations coroutines are built on. deno bench
// prints means and percentiles; medians from batches of 100,000 operations
// (one operation is below the clock's resolution) are printed at the end.

import { AioContext } from "../lib/runtime/aio_context.ts";
import { aioCoEnter, coEnter, Coroutine } from "../lib/runtime/coroutine.ts";
import { CoMutex } from "../lib/runtime/co_mutex.ts";
import { median } from "../lib/analysis/statistics.ts";

let sink = 0;

/** The baseline: a call that cannot be folded away. */
function plain(x: number): number {
  return (x + 1) & 0xffff;
}
const plainRef = { fn: plain };

// deno-lint-ignore require-yield
function* noYield(): Generator<void, void, void> {
  sink = (sink + 1) & 0xffff;
}

function* forever(): Generator<void, void, void> {
  for (;;) {
    sink = (sink + 1) & 0xffff;
    yield;
  }
}

const ctx = new AioContext({ name: "bench-co" });

// One parked coroutine, resumed once per iteration (yield/enter pair).
const looper = Coroutine.create(forever, undefined, "looper");
coEnter(looper, ctx);
const rawLooper = forever();

// Two coroutines handing control to each other with aioCoEnter: each outer
// enter runs HANDOFFS deferred hand-offs on the flat enter loop.
const HANDOFFS = 100;
let turns = 0;
const pong: Coroutine = Coroutine.create(
  function* () {
    for (;;) {
      yield;
      if (--turns > 0) aioCoEnter(ctx, ping);
    }
  },
  undefined,
  "pong",
);
const ping: Coroutine = Coroutine.create(
  function* () {
    for (;;) {
      yield;
      if (--turns > 0) aioCoEnter(ctx, pong);
    }
  },
  undefined,
  "ping",
);
coEnter(pong, ctx);
coEnter(ping, ctx);

// An uncontended CoMutex inside a coroutine.
const m = new CoMutex({ name: "bench" });
const locker = Coroutine.create(
  function* () {
    for (;;) {
      yield* m.lock();
      m.unlock();
      yield;
    }
  },
  undefined,
  "locker",
);
coEnter(locker, ctx);

const bodies: Record<string, () => void> = {
  "plain function call": () => {
    sink = plainRef.fn(sink);
  },
  "generator create + next to completion (raw)": () => {
    noYield().next();
  },
  "Coroutine.create + coEnter + terminate": () => {
    coEnter(Coroutine.create(noYield, undefined, "short"), ctx);
  },
  "generator next to the next yield (raw)": () => {
    rawLooper.next();
  },
  "yield/enter pair (coEnter of a parked coroutine)": () => {
    coEnter(looper, ctx);
  },
  "CoMutex lock + unlock, uncontended (+ enter/yield)": () => {
    coEnter(locker, ctx);
  },
};

for (const [name, fn] of Object.entries(bodies)) {
  Deno.bench({
    name,
    group: "coroutine",
    baseline: name === "plain function call",
    fn,
  });
}

Deno.bench({
  name: `aioCoEnter hand-off (${HANDOFFS} per iteration, deferred, flat stack)`,
  group: "hand-off",
  fn() {
    turns = HANDOFFS;
    coEnter(ping, ctx);
  },
});

/** Median ns per call of `body`, over batches of `ops` calls. */
function batchMedian(body: () => void, ops = 100_000, batches = 30): number {
  for (let k = 0; k < ops; k++) body(); // warm up
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let k = 0; k < ops; k++) body();
    per.push(((performance.now() - t0) * 1e6) / ops);
  }
  return median(per);
}

globalThis.addEventListener("unload", () => {
  console.log("\nmedians (ns per operation, batches of 100,000):");
  const base = batchMedian(bodies["plain function call"]);
  for (const [name, fn] of Object.entries(bodies)) {
    const ns = name === "plain function call" ? base : batchMedian(fn);
    console.log(`  ${name}: ${ns.toFixed(1)} (${(ns / base).toFixed(1)}x the plain call)`);
  }
  const hand = batchMedian(() => {
    turns = HANDOFFS;
    coEnter(ping, ctx);
  }, 1000) / HANDOFFS;
  console.log(`  one aioCoEnter hand-off between two coroutines: ${hand.toFixed(1)}`);
  console.log(`  (sink ${sink >= 0 ? "ok" : "?"}, ${m.stats().acquired} lock acquisitions)`);
  ctx.poll(false);
  ctx.destroy();
});
