/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// Worker of the calibration (calibrate.ts): plays one side of a blocking
// Atomics.wait / notify ping-pong with another Worker. Posts its samples
// (ns) and closes. Not part of the public API. (The idle jitter is measured
// in an IOThread by the runs' own probe: lib/machine/context_probe.ts.)

/** A job of the calibration worker. */
export type CalibrationJob =
  | { kind: "ping"; sab: SharedArrayBuffer; rounds: number }
  | { kind: "pong"; sab: SharedArrayBuffer };

/** Word 0 of the ping-pong buffer: 0 idle, 1 ping posted, 3 quit. */
const IDLE = 0;
const PING = 1;
const QUIT = 3;
/** Longest wait for the other side, ms (it never takes this long unless it died). */
const WAIT_MS = 5000;

function ping(w: Int32Array, rounds: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    // Pairs with the pong side's Atomics.wait / load of word 0.
    Atomics.store(w, 0, PING);
    Atomics.notify(w, 0);
    while (Atomics.load(w, 0) === PING) {
      if (Atomics.wait(w, 0, PING, WAIT_MS) === "timed-out") return out;
    }
    out.push((performance.now() - t) * 1e6);
  }
  Atomics.store(w, 0, QUIT);
  Atomics.notify(w, 0);
  return out;
}

function pong(w: Int32Array): void {
  for (;;) {
    // Pairs with the ping side's Atomics.store + notify of word 0.
    while (Atomics.load(w, 0) === IDLE) {
      if (Atomics.wait(w, 0, IDLE, WAIT_MS) === "timed-out") return;
    }
    if (Atomics.load(w, 0) === QUIT) return;
    Atomics.store(w, 0, IDLE);
    Atomics.notify(w, 0);
  }
}

self.onmessage = (e: MessageEvent<CalibrationJob>) => {
  const job = e.data;
  let samples: number[] = [];
  if (job.kind === "ping") samples = ping(new Int32Array(job.sab), job.rounds);
  else pong(new Int32Array(job.sab));
  postMessage(samples);
  self.close();
};
