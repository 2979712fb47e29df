// Thread-pool jobs of bench/thread_pool_bench.ts: they run inside pool
// workers, called by reference (`<this module>#add`), and directly in the
// benchmark's baseline. Not part of the public API.

/** Adds two numbers. Any thread (a pool worker, or the benchmark's baseline). */
export function add(a: number, b: number): number {
  return a + b;
}

/** Returns nothing (the cheapest job: no arguments, no result bytes). Any thread. */
export function noop(): void {}

/** Returns its argument (a round trip through the job codec, both ways). Any thread. */
export function echo<T>(x: T): T {
  return x;
}
