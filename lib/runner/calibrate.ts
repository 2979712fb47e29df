/**
 * The noise floor of this host, measured before a lab's runs and stored in
 * each result's manifest: the lateness of a 1 ms timer in an idle Worker
 * (what every context's jitter probe would see with nothing running) and
 * the blocking handoff round trip between two Workers (Atomics.wait /
 * notify: the cost of every cross-thread wakeup a run pays). Needs read
 * permission for lib/ (the Workers load from there). Orchestrator; it
 * never blocks (the Workers do).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrate } from "./calibrate.ts";
 * const floor = await calibrate({ jitterSamples: 20, handoffRounds: 50 });
 * assert.equal(floor.idleJitter.samples, 20);
 * assert.ok(floor.handoffRoundTrip.p50Ns > 0);
 * ```
 *
 * @module
 */

import { percentiles } from "../analysis/statistics.ts";
import type { NoiseFloor, SampleSummary } from "../result/document.ts";
import type { CalibrationJob } from "./_calibration_worker.ts";

const WORKER = new URL("./_calibration_worker.ts", import.meta.url);

/** Options of {@linkcode calibrate}. */
export interface CalibrateOptions {
  /** Timer ticks measured (1 ms each). Default 200. */
  jitterSamples?: number;
  /** Handoff round trips measured. Default 1000. */
  handoffRounds?: number;
}

function summary(xs: readonly number[]): SampleSummary {
  if (xs.length === 0) return { samples: 0, p50Ns: 0, p99Ns: 0, maxNs: 0 };
  const [p50, p99, max] = percentiles(xs, [50, 99, 100]);
  return { samples: xs.length, p50Ns: p50, p99Ns: p99, maxNs: max };
}

/** Runs `job` in a new Worker and resolves with the samples it posts. */
function inWorker(job: CalibrationJob, started: Worker[]): Promise<number[]> {
  const w = new Worker(WORKER, { type: "module", name: `calibration-${job.kind}` });
  started.push(w);
  return new Promise((resolve, reject) => {
    w.onmessage = (e: MessageEvent<number[]>) => resolve(e.data);
    w.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`calibration worker (${job.kind}) failed: ${e.message}`));
    };
    w.postMessage(job);
  });
}

/**
 * Measures the noise floor (see the module doc); takes about
 * `jitterSamples` ms plus the round trips. Every Worker it starts is
 * terminated before it returns. Orchestrator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrate } from "./calibrate.ts";
 * const floor = await calibrate({ jitterSamples: 5, handoffRounds: 5 });
 * assert.ok(floor.idleJitter.p99Ns >= floor.idleJitter.p50Ns);
 * ```
 */
export async function calibrate(options: CalibrateOptions = {}): Promise<NoiseFloor> {
  const t0 = performance.now();
  const started: Worker[] = [];
  try {
    const idle = await inWorker({ kind: "jitter", samples: options.jitterSamples ?? 200 }, started);
    const sab = new SharedArrayBuffer(4);
    const pong = inWorker({ kind: "pong", sab }, started);
    const rt = await inWorker(
      { kind: "ping", sab, rounds: options.handoffRounds ?? 1000 },
      started,
    );
    await pong;
    return {
      idleJitter: summary(idle),
      handoffRoundTrip: summary(rt),
      elapsedMs: performance.now() - t0,
    };
  } finally {
    for (const w of started) w.terminate();
  }
}
