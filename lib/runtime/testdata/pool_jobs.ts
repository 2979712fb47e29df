// Test fixtures: thread-pool jobs (they run inside pool workers, called by
// reference from thread_pool_test.ts and the thread-pool doc examples).
// Not part of the public API.

import { CONTEXT } from "../../sync/layout.ts";
import { defaultRegistry } from "../../sync/registry.ts";
import { currentThreadId, currentThreadName } from "../../sync/thread_id.ts";

/** Adds two numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

/** Returns nothing (the cheapest job: no arguments, no result bytes). */
export function noop(): void {}

/** Returns its argument (a round trip through the job codec, both ways). */
export function echo<T>(x: T): T {
  return x;
}

/** The worker's aiolab thread id and name. */
export function whoAmI(): { threadId: number; threadName: string } {
  return { threadId: currentThreadId(), threadName: currentThreadName() };
}

/** Throws a recognisable TypeError. */
export function fail(message: string): never {
  throw new TypeError(message);
}

/** Not a function: a job referring to it fails to load. */
export const notAFunction = 42;

/** Returns a promise (awaited by the worker). */
export function later(x: number): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(x * 2), 0));
}

/** Returns a function: the result cannot be cloned. */
export function returnsFunction(): () => number {
  return () => 1;
}

/** Returns a SharedArrayBuffer the pool never passed in: refused. */
export function returnsNewSab(): SharedArrayBuffer {
  return new SharedArrayBuffer(8);
}

/** Returns `n` bytes (a result that makes the slot's payload buffer grow). */
export function bytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i & 0xff;
  return out;
}

/**
 * A job that holds its worker until the test opens the gate. `gate[0]`
 * counts jobs that entered, `gate[1]` is the gate (0 closed), `gate[2]`
 * counts jobs that left. Returns `value`.
 */
export function gated<T>(gate: Int32Array, value: T): T {
  Atomics.add(gate, 0, 1);
  Atomics.notify(gate, 0);
  while (Atomics.load(gate, 1) === 0) Atomics.wait(gate, 1, 0, 1000);
  Atomics.add(gate, 2, 1);
  Atomics.notify(gate, 2);
  return value;
}

/**
 * {@link gated}, returning the worker's thread id and name ({@link whoAmI}).
 */
export function gatedWhoAmI(gate: Int32Array): { threadId: number; threadName: string } {
  return gated(gate, whoAmI());
}

/**
 * Concurrency probe with permits. `probe[0]` = jobs running now, `probe[1]`
 * = most seen at once, `probe[2]` = jobs that entered, `probe[3]` = permits
 * to leave (the test hands them out one at a time), `probe[4]` = jobs that
 * left. Returns the worker's thread id.
 */
export function withPermit(probe: Int32Array): number {
  const now = Atomics.add(probe, 0, 1) + 1;
  for (let seen = Atomics.load(probe, 1); now > seen; seen = Atomics.load(probe, 1)) {
    if (Atomics.compareExchange(probe, 1, seen, now) === seen) break;
  }
  Atomics.add(probe, 2, 1);
  Atomics.notify(probe, 2);
  for (;;) {
    const p = Atomics.load(probe, 3);
    if (p > 0 && Atomics.compareExchange(probe, 3, p, p - 1) === p) break;
    if (p === 0) Atomics.wait(probe, 3, 0, 1000);
  }
  Atomics.sub(probe, 0, 1);
  Atomics.add(probe, 4, 1);
  Atomics.notify(probe, 4);
  return currentThreadId();
}

/**
 * Waits until context `ctxId`'s home thread is committed to sleeping: its
 * wait counter passed `waitsBefore` (it counts a wait just before
 * `Atomics.wait`) while its notify_me word is raised (lowered only after
 * that wait returns). From then on, nothing but a futex wake ends the
 * sleep, so a producer that publishes work now must pay one. `waitsBefore`
 * is read by the home thread while it runs. Gives up after `hangMs` (a hang
 * guard) and returns whether it saw that.
 */
export function waitUntilContextSleeps(
  ctxId: number,
  waitsBefore: number,
  hangMs: number,
): boolean {
  const reg = defaultRegistry();
  const base = reg.contextBase(ctxId);
  const end = performance.now() + hangMs;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (performance.now() < end) {
    // Pairs with the home thread's Atomics.add(NOTIFY_ME, 2) and then its
    // Atomics.store(WAITS) before it waits.
    if (
      Atomics.load(reg.words, base + CONTEXT.WAITS) > waitsBefore &&
      Atomics.load(reg.words, base + CONTEXT.NOTIFY_ME) !== 0
    ) return true;
    Atomics.wait(nap, 0, 0, 1);
  }
  return false;
}
