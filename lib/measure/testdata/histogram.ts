// Test fixtures for histogram_test.ts: recorders that run in real Workers.

import { Barrier, type BarrierHandle } from "../../testing/barrier.ts";
import { SharedHistogram, type SharedHistogramHandle } from "../histogram.ts";

/**
 * Waits at the start barrier with the other recorders, then records `n`
 * values `base + (i % spread)` into the shared histogram. Returns n.
 */
export function recordMany(
  h: SharedHistogramHandle,
  start: BarrierHandle,
  n: number,
  base: number,
  spread: number,
): number {
  const hist = SharedHistogram.fromHandle(h);
  Barrier.fromHandle(start).arrive();
  for (let i = 0; i < n; i++) hist.record(base + (i % spread));
  return n;
}
