// Test helpers shared by the runtime's tests (never re-exported).

import type { IoThread } from "./io_thread.ts";

/**
 * Awaits (without blocking this thread) until a[i] >= want; fails at once,
 * with the thread's error, if one of `threads` dies meanwhile.
 */
export async function until(
  a: Int32Array,
  i: number,
  want: number,
  what: string,
  ...threads: IoThread[]
): Promise<void> {
  const deadline = Date.now() + 60_000;
  const wait = async () => {
    for (;;) {
      const v = Atomics.load(a, i);
      if (v >= want) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${v} < ${want}`);
      const r = Atomics.waitAsync(a, i, v, 20);
      // The timer keeps the event loop alive (a pending waitAsync does not).
      if (r.async) await Promise.race([r.value, new Promise((res) => setTimeout(res, 25))]);
    }
  };
  const died = threads.map((t) =>
    t.join().then(() => {
      throw new Error(`${t.id} exited while waiting for ${what}`);
    })
  );
  await Promise.race([wait(), ...died]);
}
