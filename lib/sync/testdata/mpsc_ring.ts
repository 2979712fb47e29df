// Test fixtures for mpsc_ring_test.ts: producers and a consumer that run
// inside real Workers (via runInThread).

import { MpscRing, type MpscRingHandle } from "../mpsc_ring.ts";
import { currentThreadId } from "../thread_id.ts";
import { Barrier, type BarrierHandle } from "../../testing/barrier.ts";

/** Handshake words. */
export const RING_SYNC = {
  /** Producers that pushed all their records. */
  DONE: 0,
  /** Total Int32 words. */
  WORDS: 1,
} as const;

/** What the consumer saw. */
export interface ConsumerSummary {
  /** Records drained. */
  total: number;
  /** Per producer: next expected sequence (= records received in order). */
  next: number[];
  /** Records whose producer id was out of range. */
  badProducer: number;
  /** Records whose sequence was below the expected one (duplicates / reordering). */
  behind: number;
  /** Records whose sequence skipped ahead (a loss / reordering). */
  ahead: number;
  /** Ring size when the consumer started draining. */
  sizeAtStart: number;
  /** Consumer's thread id. */
  id: number;
}

/**
 * Waits for all producers at the `start` barrier, pushes `n` records
 * `(producerId, seq)` for seq = 0..n-1, then counts itself done.
 */
export function produce(
  h: MpscRingHandle,
  sync: SharedArrayBuffer,
  start: BarrierHandle,
  producerId: number,
  n: number,
): number {
  const ring = MpscRing.fromHandle(h);
  const s = new Int32Array(sync);
  Barrier.fromHandle(start).arrive();
  for (let seq = 0; seq < n; seq++) ring.push(producerId, seq);
  Atomics.add(s, RING_SYNC.DONE, 1);
  return currentThreadId();
}

/**
 * The single consumer: waits until the ring is full (so that producers
 * certainly find it full), then drains until every producer is done and
 * the ring is empty, checking per-producer FIFO order.
 */
export function consume(
  h: MpscRingHandle,
  sync: SharedArrayBuffer,
  producers: number,
): ConsumerSummary {
  const ring = MpscRing.fromHandle(h);
  const s = new Int32Array(sync);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  // Failure bounds only: give up after 10 s without progress.
  const STALL_MS = 10_000;
  let lastProgress = Date.now();
  while (ring.size() < ring.capacity) {
    if (Date.now() - lastProgress > STALL_MS) throw new Error("the ring never filled");
    Atomics.wait(nap, 0, 0, 1);
  }
  const sum: ConsumerSummary = {
    total: 0,
    next: new Array(producers).fill(0),
    badProducer: 0,
    behind: 0,
    ahead: 0,
    sizeAtStart: ring.size(),
    id: currentThreadId(),
  };
  const onRecord = (p: number, seq: number) => {
    sum.total++;
    if (!Number.isInteger(p) || p < 0 || p >= producers) {
      sum.badProducer++;
      return;
    }
    const want = sum.next[p];
    if (seq === want) sum.next[p] = want + 1;
    else if (seq < want) sum.behind++;
    else {
      sum.ahead++;
      sum.next[p] = seq + 1;
    }
  };
  lastProgress = Date.now();
  for (;;) {
    if (ring.drain(onRecord) > 0) {
      lastProgress = Date.now();
      continue;
    }
    // Producers count DONE after publishing their last record, so once all
    // are done an empty ring means everything was drained.
    if (Atomics.load(s, RING_SYNC.DONE) === producers && !ring.hasData()) break;
    if (Date.now() - lastProgress > STALL_MS) {
      throw new Error(
        `no record for ${STALL_MS} ms: drained ${sum.total}, size ${ring.size()}, ` +
          `done ${Atomics.load(s, RING_SYNC.DONE)}/${producers}`,
      );
    }
  }
  return sum;
}

/** Pushes each record (words given as arrays) in order. */
export function pushRecords(h: MpscRingHandle, records: number[][]): number {
  const ring = MpscRing.fromHandle(h);
  for (const r of records) ring.pushArray(r);
  return ring.pushed();
}
