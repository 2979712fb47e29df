// `deno bench bench/primitives_bench.ts`: single-thread costs of aiolab's
// primitives, each group against the raw Atomics operation it is built on
// (the group's baseline), so deno bench prints ratios. Cross-thread figures
// and the C / postMessage baselines are in `deno task bench:micro`.

import { AioContext } from "../lib/runtime/aio_context.ts";
import { ClockType, Scale } from "../lib/runtime/clock.ts";
import { EventNotifier } from "../lib/sync/event_notifier.ts";
import { MpscRing } from "../lib/sync/mpsc_ring.ts";
import { Mutex } from "../lib/sync/mutex.ts";

const word = new Int32Array(new SharedArrayBuffer(8));

Deno.bench({
  name: "Atomics.compareExchange + store (raw lock shape)",
  group: "lock",
  baseline: true,
  fn() {
    Atomics.compareExchange(word, 0, 0, 1);
    Atomics.store(word, 0, 0);
  },
});
const m = new Mutex();
Deno.bench({
  name: "Mutex lock+unlock (stats off)",
  group: "lock",
  fn() {
    m.lock();
    m.unlock();
  },
});
const ms = new Mutex({ stats: true });
Deno.bench({
  name: "Mutex lock+unlock (stats on)",
  group: "lock",
  fn() {
    ms.lock();
    ms.unlock();
  },
});

Deno.bench({
  name: "Atomics.add (raw notifier shape)",
  group: "notifier",
  baseline: true,
  fn() {
    Atomics.add(word, 1, 1);
  },
});
const e = new EventNotifier();
Deno.bench({
  name: "EventNotifier set + testAndClear (unbound)",
  group: "notifier",
  fn() {
    e.set();
    e.testAndClear();
  },
});

const ring = new MpscRing({ capacity: 1024, recordWords: 4 });
const sink = (): void => {};
Deno.bench({
  name: "MpscRing push + drain one record",
  group: "ring",
  baseline: true,
  fn() {
    ring.push(1, 2, 3, 4);
    ring.drain(sink);
  },
});

const ctx = new AioContext({ name: "bench" });
const bh = ctx.bhNew(() => {});
Deno.bench({
  name: "poll(false) with nothing to do",
  group: "context",
  baseline: true,
  fn() {
    ctx.poll(false);
  },
});
Deno.bench({
  name: "BH schedule + poll(false)",
  group: "context",
  fn() {
    bh.schedule();
    ctx.poll(false);
  },
});
const t = ctx.timerNew(ClockType.REALTIME, Scale.NS, () => {});
Deno.bench({
  name: "timer mod(0) + poll(false) (arm + fire)",
  group: "context",
  fn() {
    t.modNs(0);
    ctx.poll(false);
  },
});
const remote = ctx.remote();
Deno.bench({
  name: "remote scheduleOneshot(NOOP) + poll(false)",
  group: "context",
  fn() {
    remote.scheduleOneshot(1);
    ctx.poll(false);
  },
});

globalThis.addEventListener("unload", () => {
  bh.delete();
  ctx.poll(false);
  ctx.destroy();
});
