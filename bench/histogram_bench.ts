// `deno bench --allow-read=. bench/histogram_bench.ts`: the cost of one
// SharedHistogram.record (clock read excluded), against a bare Atomics.add
// on an Int32Array in the same run (the group's baseline), so deno bench
// prints ratios. Target: record <= 15 ns.

import { SharedHistogram } from "../lib/measure/histogram.ts";
import { TimeBase } from "../lib/measure/time_base.ts";

const counts = new Int32Array(new SharedArrayBuffer(4096 * 4));
let k = 0;

Deno.bench({
  name: "Atomics.add on an Int32Array (baseline)",
  group: "record",
  baseline: true,
  fn() {
    Atomics.add(counts, k = (k + 1) & 1023, 1);
  },
});

// Latency-like values: 1..64 us, spread over many counts, none a new extreme.
const values = new Float64Array(1024);
for (let i = 0; i < values.length; i++) values[i] = 1_000 + ((i * 7919) % 1024) * 61.5;
const h = new SharedHistogram();
h.record(0);
h.record(1e10);
let j = 0;
Deno.bench({
  name: "SharedHistogram.record (ns < 2^32)",
  group: "record",
  fn() {
    h.record(values[j = (j + 1) & 1023]);
  },
});

const big = new SharedHistogram();
big.record(0);
big.record(3_000e9);
let m = 0;
Deno.bench({
  name: "SharedHistogram.record (5..6 s, slow path above 2^32)",
  group: "record",
  fn() {
    big.record(5e9 + values[m = (m + 1) & 1023] * 1e3);
  },
});

const tb = TimeBase.create();
await tb.close();
Deno.bench({
  name: "TimeBase.now() (one performance.now() read)",
  group: "clock",
  baseline: true,
  fn() {
    tb.now();
  },
});
Deno.bench({
  name: "performance.now()",
  group: "clock",
  fn() {
    performance.now();
  },
});
