// Test fixtures for histogram_test.ts: recorders that run in real Workers.

import { SharedHistogram, type SharedHistogramHandle } from "../histogram.ts";

/**
 * Waits until all `parties` reached the start word, then records `n`
 * values `base + (i % spread)` into the shared histogram. Returns n.
 */
export function recordMany(
  h: SharedHistogramHandle,
  start: SharedArrayBuffer,
  parties: number,
  n: number,
  base: number,
  spread: number,
): number {
  const hist = SharedHistogram.fromHandle(h);
  const s = new Int32Array(start);
  Atomics.add(s, 0, 1);
  Atomics.notify(s, 0);
  const deadline = Date.now() + 30_000;
  for (let v = Atomics.load(s, 0); v < parties; v = Atomics.load(s, 0)) {
    if (Date.now() > deadline) throw new Error("recorder start barrier timed out");
    Atomics.wait(s, 0, v, 10);
  }
  for (let i = 0; i < n; i++) hist.record(base + (i % spread));
  return n;
}
