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

/**
 * Waits at the start barrier, then records `n` values that keep setting new
 * extremes: even steps climb from `mid` upwards, odd steps descend from
 * `mid` downwards (never below 1), so every record takes the min or max
 * compareExchange path. Returns n.
 */
export function recordRamp(
  h: SharedHistogramHandle,
  start: BarrierHandle,
  n: number,
  mid: number,
  step: number,
): number {
  const hist = SharedHistogram.fromHandle(h);
  Barrier.fromHandle(start).arrive();
  for (let i = 0; i < n; i++) {
    const k = (i >> 1) * step;
    hist.record(i % 2 === 0 ? mid + k : Math.max(1, mid - k));
  }
  return n;
}
