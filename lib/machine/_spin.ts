// Busy work for a while, as guest compute, device emulation and main-loop
// chores are: CPU burnt until a clock reads a deadline. The clock is read
// about every SPIN_READ_NS, not on every iteration: a read costs ~100 ns here
// and Deno's performance.now() allocates a heap number (16 bytes) per call,
// so a bare clock spin allocated ~100 MB/s and made its thread scavenge every
// ~20 ms (a pause each time, and a peak RSS that wanders with GC timing).
// The calling thread only (the calibration is per thread).

/** About how often the clock is read while spinning, ns: the most a spin overshoots its deadline. */
export const SPIN_READ_NS = 500;

/** Iterations of {@link work} between clock reads, calibrated on this thread's first spin. */
let iterationsPerRead = 0;
/** Where the work goes, so that it cannot be optimised away. */
let sink = 1;

function work(n: number): void {
  let x = sink;
  for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  sink = x;
}

/** Times a few runs of {@link work} (on performance.now(), whatever clock spins use) and sets the iterations per read. */
function calibrate(): void {
  const n = 20_000;
  work(n); // optimised before it is timed
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    work(n);
    best = Math.min(best, (performance.now() - t0) * 1e6);
  }
  iterationsPerRead = Math.max(1, Math.round((SPIN_READ_NS * n) / Math.max(best, 1)));
}

/**
 * Spins until `now()` (ns) reads `end` or later; returns the last reading
 * (at most about {@link SPIN_READ_NS} past `end`, unless the thread was
 * preempted). The calling thread.
 */
export function spinUntil(now: () => number, end: number): number {
  if (iterationsPerRead === 0) calibrate();
  let t = now();
  while (t < end) {
    work(iterationsPerRead);
    t = now();
  }
  return t;
}

/** The iterations of work between clock reads in this thread (0 before its first spin); for tests. */
export function spinIterationsPerRead(): number {
  return iterationsPerRead;
}
