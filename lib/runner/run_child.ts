/**
 * The entry module of one lab run's own Deno process, started by
 * {@linkcode runLab} through `runProcess()` as `deno run <narrow
 * permissions> run_child.ts '<RunChildSpec JSON>'`. It starts the guest
 * model, begins the workload, warms up, resets the measurements, measures
 * for the duration (closing a time-series interval every
 * `probes.timeSeriesInterval` and performing the scenario's `move` events at
 * their times), stops, collects and prints one `result` line.
 *
 * Lines on stdout (one JSON object each, see {@linkcode RunChildMessage}):
 * `hello` first; `heartbeat` every `heartbeatMs` for the whole life of the
 * process (the orchestrator's watchdog); `progress` at every interval while
 * measuring; `event` after each move; `result` last. A thread error ends
 * the measurement at once: the `result` carries the error (thread,
 * handler, stack) and what was measured so far, and the exit code is 1.
 * SIGTERM or SIGINT ends the measurement early the same way, marked
 * `interrupted`, exit code 0. The process exits as soon as the result is
 * printed, so no Worker outlives it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRunChildSpec } from "./run_child.ts";
 * assert.throws(() => parseRunChildSpec("{}"), /the run child expects/);
 * ```
 *
 * @module
 */

import type { MachineReport, ThreadErrorReport } from "../result/machine_report.ts";
import type { RunScenario } from "../scenario/types.ts";
import { loadMachine, type MachineLike } from "./_machine_seam.ts";

/** What the orchestrator passes to one run process (its one argument, as JSON). */
export interface RunChildSpec {
  /** The expanded scenario point, overrides applied. */
  run: RunScenario;
  /** Key of `run.placements` to build. */
  placement: string;
  /** Seed of the run's arrival schedules and bursts. */
  seed: number;
  /** Module URL whose `Machine` export is started. Default lib/machine/machine.ts. */
  machineModule?: string;
  /** Interval of heartbeat lines, ms. Default 250. */
  heartbeatMs?: number;
}

/** Phases a run goes through, as heartbeat lines report them. */
export type RunPhase = "start" | "warmup" | "measure" | "stop" | "collect";

/** The messages a run process prints, one JSON object per line. */
export type RunChildMessage =
  | { type: "hello"; pid: number; placement: string }
  | {
    type: "heartbeat";
    phase: RunPhase;
    /** Per thread of the machine (none before it started). */
    threads: { thread: string; progress: number; doing: string }[];
  }
  | {
    type: "progress";
    elapsedNs: number;
    devices: Record<string, { completions: number; p99Ns: number }>;
  }
  | { type: "event"; atNs: number; move: string; to: string }
  | {
    type: "result";
    report: MachineReport | null;
    interrupted: boolean;
    error: ThreadErrorReport | null;
  };

/**
 * Parses and checks the run child's argument. Throws a TypeError saying
 * what was expected and what was found. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRunChildSpec } from "./run_child.ts";
 * assert.throws(
 *   () => parseRunChildSpec('{"run": {"placements": {}}, "placement": "x", "seed": 1}'),
 *   /placement "x" is not one of the run's placements \(none\)/,
 * );
 * ```
 */
export function parseRunChildSpec(text: string | undefined): RunChildSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? "");
  } catch {
    raw = undefined;
  }
  const s = raw as Partial<RunChildSpec> | undefined;
  const ok = s !== null && typeof s === "object" && typeof s.run === "object" &&
    s.run !== null && typeof s.run.placements === "object" && typeof s.placement === "string" &&
    Number.isInteger(s.seed) &&
    (s.machineModule === undefined || typeof s.machineModule === "string") &&
    (s.heartbeatMs === undefined || (typeof s.heartbeatMs === "number" && s.heartbeatMs > 0));
  if (!ok) {
    throw new TypeError(
      `the run child expects one JSON argument { run: a RunScenario, placement: string, ` +
        `seed: integer, machineModule?: string, heartbeatMs?: number }; found ` +
        `${JSON.stringify(text)?.slice(0, 200)}`,
    );
  }
  const spec = s as RunChildSpec;
  if (!(spec.placement in spec.run.placements)) {
    const known = Object.keys(spec.run.placements);
    throw new TypeError(
      `placement "${spec.placement}" is not one of the run's placements (${
        known.length > 0 ? known.join(", ") : "none"
      })`,
    );
  }
  return spec;
}

const encoder = new TextEncoder();

/** Writes one message line to stdout, all of it, synchronously (nothing is lost on exit). */
function emit(msg: RunChildMessage | { type: "error"; message: string; stack: string }): void {
  const bytes = encoder.encode(JSON.stringify(msg) + "\n");
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

function asThreadError(err: unknown, thread = "run-child"): ThreadErrorReport {
  const e = err instanceof Error ? err : new Error(String(err));
  return { thread, handler: null, message: e.message, stack: e.stack ?? "" };
}

/** A sleep that `wake()` cuts short. */
class Sleeper {
  #wake: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    const t = setTimeout(() => this.#done(), Math.max(0, ms));
    this.#wake = () => {
      clearTimeout(t);
      resolve();
    };
    return promise;
  }

  #done(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  wake(): void {
    this.#done();
  }
}

/** Longest sleep between checks for a thread error or a stop request, ms. */
const CHECK_MS = 100;

async function main(): Promise<number> {
  const spec = parseRunChildSpec(Deno.args[0]);
  const run = spec.run;
  emit({ type: "hello", pid: Deno.pid, placement: spec.placement });

  let phase: RunPhase = "start";
  let machine: MachineLike | null = null;
  const heartbeat = setInterval(() => {
    emit({ type: "heartbeat", phase, threads: machine?.heartbeat() ?? [] });
  }, spec.heartbeatMs ?? 250);

  const sleeper = new Sleeper();
  let interrupted = false;
  const onStop = () => {
    interrupted = true;
    sleeper.wake();
  };
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  for (const s of signals) Deno.addSignalListener(s, onStop);

  let error: ThreadErrorReport | null = null;
  let report: MachineReport | null = null;
  try {
    const Machine = await loadMachine(spec.machineModule);
    machine = await Machine.start({ run, placement: spec.placement, seed: spec.seed });
    const m = machine;
    const failed = (): boolean => {
      error ??= m.failure?.() ?? null;
      return error !== null;
    };
    /** Sleeps until `untilMs` (performance.now), waking to check; false when the run must end. */
    const wait = async (untilMs: number): Promise<boolean> => {
      for (let now = performance.now(); now < untilMs; now = performance.now()) {
        if (interrupted || failed()) return false;
        await sleeper.sleep(Math.min(CHECK_MS, untilMs - now));
      }
      return !(interrupted || failed());
    };
    try {
      phase = "warmup";
      m.begin();
      if (await wait(performance.now() + run.warmup / 1e6)) {
        m.resetMeasurements();
        phase = "measure";
        const t0 = performance.now();
        const end = t0 + run.duration / 1e6;
        const intervalMs = run.probes.timeSeriesInterval / 1e6;
        const events = run.events
          .filter((e) => e.placements === null || e.placements.includes(spec.placement))
          .sort((a, b) => a.at - b.at);
        const completions: Record<string, number> = {};
        let nextSample = t0 + intervalMs;
        let ev = 0;
        for (;;) {
          const nextEvent = ev < events.length ? t0 + events[ev].at / 1e6 : Infinity;
          const next = Math.min(nextSample, nextEvent, end);
          if (!await wait(next)) break;
          const now = performance.now();
          if (now >= nextSample || now >= end) {
            const sample = m.sample(now * 1e6);
            const devices: Record<string, { completions: number; p99Ns: number }> = {};
            for (const [d, s] of Object.entries(sample.devices)) {
              completions[d] = (completions[d] ?? 0) + s.completions;
              devices[d] = { completions: completions[d], p99Ns: s.p99Ns };
            }
            emit({ type: "progress", elapsedNs: (now - t0) * 1e6, devices });
            nextSample += intervalMs;
          }
          while (ev < events.length && now >= t0 + events[ev].at / 1e6) {
            const e = events[ev++];
            await m.move(e.move, e.to);
            emit({ type: "event", atNs: (performance.now() - t0) * 1e6, move: e.move, to: e.to });
          }
          if (now >= end) break;
        }
      }
    } catch (err) {
      error ??= asThreadError(err);
    } finally {
      phase = "stop";
      await m.stop();
    }
    phase = "collect";
    report = m.collect();
    error ??= report.errors[0] ?? null;
  } catch (err) {
    error ??= asThreadError(err);
  } finally {
    clearInterval(heartbeat);
    for (const s of signals) Deno.removeSignalListener(s, onStop);
  }
  emit({ type: "result", report, interrupted, error });
  return error === null ? 0 : 1;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main();
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    emit({ type: "error", message: e.message, stack: e.stack ?? "" });
    code = 1;
  }
  // Exit now: a Worker the machine failed to join must not keep the process alive.
  Deno.exit(code);
}
