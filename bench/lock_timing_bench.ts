// `deno bench --allow-read=. bench/lock_timing_bench.ts`: what measuring a
// lock costs per uncontended lock/unlock pair, against a bare Mutex (the
// group's baseline, so deno bench prints ratios): statistics alone (two
// clock reads, the per-thread counters) and statistics plus a timing sink
// into two SharedHistograms (what the machine's BQL and AioContext locks
// do: one hold record per pair; an uncontended acquisition records no
// wait). The machine measures the same difference at start and reports it
// as lockMeasurementNs.

import { Mutex } from "../lib/sync/mutex.ts";
import { setLockTimingSink } from "../lib/sync/lock_timing.ts";
import { SharedHistogram } from "../lib/measure/histogram.ts";

const SLOT = 900;
const bare = new Mutex();
const stats = new Mutex({ stats: true });
const timed = new Mutex({ stats: true });
timed.setTimingSlot(SLOT);
setLockTimingSink(SLOT, {
  wait: new SharedHistogram({ highestNs: 120e9 }),
  hold: new SharedHistogram({ highestNs: 120e9 }),
});

Deno.bench("mutex: bare lock/unlock", { group: "lock", baseline: true }, () => {
  bare.lock();
  bare.unlock();
});

Deno.bench("mutex: with statistics", { group: "lock" }, () => {
  stats.lock();
  stats.unlock();
});

Deno.bench("mutex: with statistics and a timing sink", { group: "lock" }, () => {
  timed.lock();
  timed.unlock();
});

Deno.bench("clock: performance.now()", { group: "clock" }, () => {
  performance.now();
});
