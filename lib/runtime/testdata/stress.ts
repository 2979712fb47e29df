// Fixture of notify_stress_test.ts: producers schedule cross-thread oneshots
// with random pauses; consumers count every (producer, seq) item.

import { type AioContextHandle, RemoteAioContext } from "../context_handle.ts";
import { registerHandler, unregisterHandler } from "../handler_ref.ts";
import { HANDLER_ID } from "../handler_ids.ts";

/** Handler id of the stress item. */
export const STRESS_HANDLER: number = HANDLER_ID.TEST_STRESS;

/** Consumer: count item (producer, seq) into `seen` and `done[0]`. */
export function stressSetup(seenSab: SharedArrayBuffer, doneSab: SharedArrayBuffer, per: number) {
  const seen = new Uint8Array(seenSab);
  const done = new Int32Array(doneSab);
  registerHandler(STRESS_HANDLER, (producer: number, seq: number) => {
    seen[producer * per + seq]++;
    Atomics.add(done, 0, 1);
    Atomics.notify(done, 0);
  }, "stress-item");
  return true;
}

/** Consumer teardown. */
export function stressTeardown(): boolean {
  unregisterHandler(STRESS_HANDLER);
  return true;
}

/**
 * Producer `producer`: `per` oneshots spread at random over `targets`, with
 * random pauses: short spins (targets keep polling) and, now and then, real
 * sleeps (targets fall asleep and must be woken by the notify protocol).
 */
export function stressProduce(
  targets: AioContextHandle[],
  producer: number,
  per: number,
  seed: number,
): number {
  const remotes = targets.map((t) => RemoteAioContext.fromHandle(t));
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let x = (seed | 0) || 1;
  const rnd = (): number => {
    // xorshift32
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  let sleeps = 0;
  for (let seq = 0; seq < per; seq++) {
    const r = rnd();
    remotes[r % remotes.length].scheduleOneshot(STRESS_HANDLER, producer, seq);
    if ((r & 63) === 0) {
      const end = performance.now() + ((r >>> 8) % 20) / 1000; // spin up to 20 µs
      while (performance.now() < end) { /* pause */ }
    } else if ((r & 4095) === 1) {
      sleeps++;
      Atomics.wait(nap, 0, 0, ((r >>> 12) % 300) / 1000 + 0.05); // sleep up to ~0.35 ms
    }
  }
  return sleeps;
}
