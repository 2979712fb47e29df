// Fixtures for oneshot_overflow_test.ts: cross-thread oneshots sent to an
// AioContext whose home thread is busy, run inside real IoThreads and test
// threads. As a script (`deno run oneshot_flood.ts <n>`) it is the
// two-IoThread flood: each of two IoThreads, busy in a run() handler, sends
// the other n oneshots; it prints a FloodReport as JSON. The test runs it
// in a child process so that a deadlock can be killed, not waited for.

import { Barrier, type BarrierHandle } from "../../testing/barrier.ts";
import { waitFor } from "../../testing/wait.ts";
import { type AioContextHandle, RemoteAioContext } from "../context_handle.ts";
import { registerHandler } from "../handler_ref.ts";
import { IoThread } from "../io_thread.ts";

/** Handler id of the counting handler each receiving thread registers. */
export const COUNT_HANDLER = 7101;

/** Words of a counter block (Int32, in front of the per-sequence counts). */
export const COUNTER = {
  /** Oneshots run so far. Atomics.add by the receiving thread after its plain writes (pairs with the reader's Atomics.load). */
  RUNS: 0,
  /** Oneshots whose sequence was not the previous one + 1 (FIFO per producer broken). Written by the receiving thread. */
  OUT_OF_ORDER: 1,
  /** Last sequence seen + 1. Written by the receiving thread. */
  NEXT: 2,
  /** Byte offset of the Uint8 run count per sequence. */
  COUNTS_BYTE: 16,
} as const;

/** A counter block for `n` sequences. */
export function newCounter(n: number): SharedArrayBuffer {
  return new SharedArrayBuffer(COUNTER.COUNTS_BYTE + n);
}

/** Handshake words of {@link sendOneshots} and {@link hold}. */
export const GATE = {
  /** Set to 1 by the test to let a held thread go on. */
  OPEN: 0,
  /** Set to 1 by the sender once every oneshot was scheduled. */
  SENT: 1,
  /** Set to 1 by the held thread once it is busy. */
  HELD: 2,
  /** Total Int32 words. */
  WORDS: 4,
} as const;

/** Upper bound on any wait in a fixture; only reached when the test is failing. */
const GIVE_UP_MS = 120_000;

/**
 * Registers {@link COUNT_HANDLER} in the calling thread: each call counts its
 * sequence (a0) in `counter` and checks that sequences arrive in order.
 */
export function setupCounter(counter: SharedArrayBuffer): boolean {
  const w = new Int32Array(counter, 0, COUNTER.COUNTS_BYTE / 4);
  const counts = new Uint8Array(counter, COUNTER.COUNTS_BYTE);
  registerHandler(COUNT_HANDLER, (seq: number) => {
    if (counts[seq] < 255) counts[seq]++;
    if (seq !== w[COUNTER.NEXT]) w[COUNTER.OUT_OF_ORDER]++;
    w[COUNTER.NEXT] = seq + 1;
    // Publishes the plain writes above: pairs with the reader's Atomics.load(RUNS).
    Atomics.add(w, COUNTER.RUNS, 1);
    Atomics.notify(w, COUNTER.RUNS);
  }, "count");
  return true;
}

/** Keeps the calling thread busy (inside a handler) until the gate opens. */
export function hold(gate: SharedArrayBuffer): boolean {
  const g = new Int32Array(gate);
  Atomics.store(g, GATE.HELD, 1);
  Atomics.notify(g, GATE.HELD);
  const deadline = Date.now() + GIVE_UP_MS;
  while (Atomics.load(g, GATE.OPEN) === 0) {
    if (Date.now() > deadline) throw new Error("hold: the gate never opened");
    Atomics.wait(g, GATE.OPEN, 0, 100);
  }
  return true;
}

/** Schedules `n` oneshots of {@link COUNT_HANDLER} (sequences 0..n-1) in `target`, then sets SENT. */
export function sendOneshots(target: AioContextHandle, n: number, gate: SharedArrayBuffer): number {
  const r = RemoteAioContext.fromHandle(target);
  for (let i = 0; i < n; i++) r.scheduleOneshot(COUNT_HANDLER, i);
  const g = new Int32Array(gate);
  Atomics.store(g, GATE.SENT, 1);
  Atomics.notify(g, GATE.SENT);
  return n;
}

/**
 * One side of the flood: meets the other side at `start` (so that both are
 * busy in this handler at once), then schedules `n` oneshots in `peer`.
 */
export function flood(peer: AioContextHandle, n: number, start: BarrierHandle): number {
  Barrier.fromHandle(start).arrive();
  const r = RemoteAioContext.fromHandle(peer);
  for (let i = 0; i < n; i++) r.scheduleOneshot(COUNT_HANDLER, i);
  return n;
}

/** A loadable handler (the destroy tests import this module under a fresh URL). */
export function loadedHandler(): void {}

/** What one receiving side of the flood saw. */
export interface SideReport {
  /** Oneshots run. */
  runs: number;
  /** Sequences that ran exactly once. */
  once: number;
  /** Sequences that never ran. */
  never: number;
  /** Sequences that ran more than once. */
  twice: number;
  /** FIFO breaks (the producer is one thread). */
  outOfOrder: number;
}

/** The flood script's output. */
export interface FloodReport {
  /** Oneshots each side sent. */
  n: number;
  /** The two receiving sides. */
  sides: SideReport[];
}

function report(counter: SharedArrayBuffer): SideReport {
  const w = new Int32Array(counter, 0, COUNTER.COUNTS_BYTE / 4);
  // Pairs with the handler's Atomics.add(RUNS) after its plain writes.
  const runs = Atomics.load(w, COUNTER.RUNS);
  const counts = new Uint8Array(counter, COUNTER.COUNTS_BYTE);
  let once = 0;
  let never = 0;
  let twice = 0;
  for (const c of counts) {
    if (c === 1) once++;
    else if (c === 0) never++;
    else twice++;
  }
  return { runs, once, never, twice, outOfOrder: w[COUNTER.OUT_OF_ORDER] };
}

async function main(n: number): Promise<void> {
  const a = await IoThread.create({ id: "flood-a", pollMaxNs: 0 });
  const b = await IoThread.create({ id: "flood-b", pollMaxNs: 0 });
  const here = import.meta.url;
  const counters = [newCounter(n), newCounter(n)];
  await a.run(`${here}#setupCounter`, counters[0]);
  await b.run(`${here}#setupCounter`, counters[1]);
  const start = new Barrier(2);
  await Promise.all([
    a.run(`${here}#flood`, b.contextHandle, n, start.handle),
    b.run(`${here}#flood`, a.contextHandle, n, start.handle),
  ]);
  for (const c of counters) {
    await waitFor(
      { words: new Int32Array(c, 0, 1), index: COUNTER.RUNS, atLeast: n },
      "every oneshot to run",
      { watch: [a, b] },
    );
  }
  a.stop();
  b.stop();
  await Promise.all([a.join(), b.join()]);
  const out: FloodReport = { n, sides: counters.map(report) };
  console.log(JSON.stringify(out));
}

if (import.meta.main) await main(Number(Deno.args[0]));
