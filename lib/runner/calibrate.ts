/**
 * The noise floor of this host, measured before a lab's runs and stored in
 * each result's manifest:
 *
 * - idle jitter: the lateness of the jitter probe that every context of a
 *   run carries (lib/machine `jitterProbeTimer`, a 1 ms AioContext timer),
 *   run alone in an idle IOThread with QEMU's default polling for about
 *   `jitterSamples` ms. A context's jitter in a run is only meaningful
 *   above this: it is what the same probe sees with nothing else running
 *   in the process (the timer's wait, the kernel's timer slack and wakeup
 *   latency, the other load of the host).
 * - the blocking handoff round trip between two Workers (Atomics.wait /
 *   notify): the cost of every cross-thread wakeup a run pays.
 *
 * The calibration's threads inherit this process's timer slack, as the
 * runs' processes do (the runner sets QEMU's 1 ns first when it may).
 * Needs read permission for lib/ (the Workers load from there).
 * Orchestrator; it never blocks (the threads do).
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
import { IoThread } from "../runtime/io_thread.ts";
import { CONTEXT_PROBE_MODULE } from "../machine/context_probe.ts";
import type { NoiseFloor, SampleSummary } from "../result/document.ts";
import type { CalibrationJob } from "./_calibration_worker.ts";

const WORKER = new URL("./_calibration_worker.ts", import.meta.url);

/** Period of the idle jitter probe, ns (the runs' default probe period). */
export const CALIBRATION_PROBE_PERIOD_NS = 1_000_000;

/** Options of {@linkcode calibrate}. */
export interface CalibrateOptions {
  /** Probe ticks measured (1 ms each) in the idle IOThread. Default 300 (about 0.3 s). */
  jitterSamples?: number;
  /** Handoff round trips measured. Default 1000. */
  handoffRounds?: number;
}

function summary(xs: readonly number[]): SampleSummary {
  if (xs.length === 0) return { samples: 0, p50Ns: 0, p99Ns: 0, maxNs: 0 };
  const [p50, p99, max] = percentiles(xs, [50, 99, 100]);
  return { samples: xs.length, p50Ns: p50, p99Ns: p99, maxNs: max };
}

function positiveInt(name: string, v: number): number {
  if (!(Number.isInteger(v) && v > 0)) {
    throw new RangeError(`calibrate: ${name} must be an integer > 0, got ${v}`);
  }
  return v;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
 * The idle probe: `samples` lateness values of the jitter probe in an idle
 * IOThread (QEMU's default poll-max-ns), which is stopped and joined before
 * this resolves. Waits at most ten times the expected time plus 2 s; what
 * was measured by then is returned (fewer samples on a stalled host).
 */
async function idleJitter(samples: number): Promise<number[]> {
  const iot = await IoThread.create({ id: `calibration-${crypto.randomUUID().slice(0, 8)}` });
  try {
    await iot.run(`${CONTEXT_PROBE_MODULE}#idleProbeStart`, CALIBRATION_PROBE_PERIOD_NS, samples);
    // Nothing else wakes the IOThread while it measures; then a few checks.
    const expectedMs = (samples * CALIBRATION_PROBE_PERIOD_NS) / 1e6;
    await sleep(expectedMs + 20);
    const deadline = performance.now() + 10 * expectedMs + 2000;
    while (performance.now() < deadline) {
      if (await iot.run<number>(`${CONTEXT_PROBE_MODULE}#idleProbeCount`) >= samples) break;
      await sleep(Math.max(5, expectedMs / 20));
    }
    return await iot.run<number[]>(`${CONTEXT_PROBE_MODULE}#idleProbeStop`);
  } finally {
    iot.stop();
    await iot.join();
  }
}

/**
 * Measures the noise floor (see the module doc); takes about
 * `jitterSamples` ms plus the round trips. Every thread it starts is
 * stopped (or terminated) before it returns. Orchestrator.
 *
 * @throws {RangeError} for a count that is not a positive integer.
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
  const jitterSamples = positiveInt("jitterSamples", options.jitterSamples ?? 300);
  const handoffRounds = positiveInt("handoffRounds", options.handoffRounds ?? 1000);
  const t0 = performance.now();
  const idle = await idleJitter(jitterSamples);
  const started: Worker[] = [];
  try {
    const sab = new SharedArrayBuffer(4);
    const pong = inWorker({ kind: "pong", sab }, started);
    const rt = await inWorker({ kind: "ping", sab, rounds: handoffRounds }, started);
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
