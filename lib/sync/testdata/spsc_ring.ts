// Test fixtures of spsc_ring_test.ts, run in Workers by runInThread: a
// producer and a consumer on opposite threads, each side's counts returned.

import { SpscRing, type SpscRingHandle } from "../spsc_ring.ts";

/**
 * Pushes records [i, i * 2, -i, 7] for i in [0, n), waiting (spin) while the
 * ring is full; returns how many times it found it full.
 */
export function produce(handle: SpscRingHandle, n: number): number {
  const ring = SpscRing.fromHandle(handle);
  let fulls = 0;
  for (let i = 0; i < n; i++) {
    while (ring.size() >= ring.capacity) fulls++;
    ring.push(i, i * 2, -i, 7);
  }
  return fulls;
}

/**
 * Consumes `n` records, checking that they come in order with the words
 * produce() wrote; returns the number of out-of-order or corrupt records.
 */
export function consume(handle: SpscRingHandle, n: number): number {
  const ring = SpscRing.fromHandle(handle);
  let next = 0;
  let bad = 0;
  while (next < n) {
    ring.drain((a, b, c, d) => {
      if (a !== next || b !== next * 2 || c !== -next || d !== 7) bad++;
      next++;
    });
  }
  return bad;
}

/** Ping-pong: takes `n` records from `inbox`, answering each with r0 + 1 into `outbox`. */
export function echo(inbox: SpscRingHandle, outbox: SpscRingHandle, n: number): number {
  const rx = SpscRing.fromHandle(inbox);
  const tx = SpscRing.fromHandle(outbox);
  let seen = 0;
  while (seen < n) {
    seen += rx.drain((r0) => tx.push(r0 + 1));
  }
  return seen;
}

/** Drains what is there now into an array of first words. */
export function drainNow(handle: SpscRingHandle): number[] {
  const out: number[] = [];
  SpscRing.fromHandle(handle).drain((r0) => out.push(r0));
  return out;
}
