// Handlers that faulty_machine.ts schedules as oneshots into the real main
// loop of a real Machine, to test the lab's fault handling: one throws (the
// main-loop thread reports it, naming the handler, and stops), one spins
// synchronously forever and one blocks forever (either way the thread stops
// making progress; only the death of its process ends it). Test fixture;
// not part of the API. Main-loop thread.

/** Throws at once: a device or chore handler with a bug. */
export function faultThrowingHandler(): never {
  throw new Error("fault injected by the lab's tests: a main-loop handler threw");
}

/** Never returns: a handler stuck in synchronous code (the BQL stays held). */
export function faultSpinningHandler(): void {
  let n = 0;
  for (;;) n = (n + 1) | 0;
}

/** Never returns: a handler blocked for good (a wait nothing ends), holding the BQL, idle. */
export function faultBlockingHandler(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}
