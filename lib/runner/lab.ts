/**
 * The lab: runs scenarios and writes their result documents. For each
 * scenario, for each sweep point, the placements run interleaved over the
 * repetitions (A B A B ...), each run in its own Deno process
 * (`run_child.ts`, started by {@linkcode runProcess} with read access to
 * lib/ and scenarios/ only, plus the files of file drivers), every
 * placement of a round with the same seed (repetition r uses seed + r - 1).
 *
 * Before the first run it checks that the output directory is writable
 * (else {@linkcode LabSetupError}, nothing runs), warns when a placement
 * needs more busy threads (vCPUs and polling IOThreads) than the host has
 * cores, and measures the noise floor ({@linkcode calibrate}).
 *
 * While a run goes, a watchdog reads its heartbeat lines: a thread whose
 * progress counter does not grow for `stallTimeoutMs` during warm-up or
 * measurement, a run that has been stopping (phases `stop` and `collect`)
 * for longer than `stallTimeoutMs`, or a run process that sends nothing for
 * that long (30 s more while it starts its machine), gets the run killed
 * and recorded as failed, naming the thread and what it was doing (for a
 * stop: each thread that has not ended and no longer makes progress, the
 * longest silent first). A stop is bounded as a whole, not per thread,
 * because its threads rightly stop making progress as they end; the
 * machine's own bound is per stop step (lib/machine `joinTimeoutMs`, 5 s),
 * and a thread stuck for good misses every step that waits for it (six or
 * seven for the main loop: 30 s or more, which the run's overall timeout,
 * 30 s beyond its estimate, would otherwise race). A stop that ends within
 * the bound is recorded with the errors the machine reported (a step that
 * timed out among them). An interrupted run's stop is bounded by the
 * interrupt instead (below). A failed run is recorded with its error and
 * the lab goes on with the next run (a fault in one placement should not
 * cost the others' figures); the document is then marked partial. The abort
 * signal (Ctrl-C) asks the current run to stop (SIGTERM; SIGKILL 1.5 s
 * later), keeps what it measured, runs nothing more and marks the document
 * partial.
 *
 * The document of a scenario is written (atomically) after each of its
 * runs, to `<outDir>/<timestamp>-<scenario>/result.json`, so a crash of the
 * orchestrator itself loses at most the run in progress.
 *
 * Needs: run permission for the Deno executable, read permission for lib/
 * (calibration Workers) and deno.json (aiolab's version; `"unknown"`
 * without it), write permission for `outDir`; `--allow-sys=cpus` for the
 * CPU model and run permission for `git` for the commit (both optional).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planLab } from "./lab.ts";
 * import { validateScenario } from "../scenario/validate.ts";
 * const scenario = validateScenario({
 *   name: "ab", repetitions: 2, devices: [{ id: "disk0" }],
 *   placements: { a: {}, b: { iothreads: { io0: {} }, map: { disk0: "io0" } } },
 * });
 * const [plan] = planLab([{ file: "ab.json", text: "", input: {}, scenario }]);
 * assert.deepEqual(plan.runs.map((r) => `${r.placement}${r.repetition}`), ["a1", "b1", "a2", "b2"]);
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { measureClockResolution } from "../measure/time_base.ts";
import {
  type Manifest,
  type NoiseFloor,
  RESULT_SCHEMA_VERSION,
  type ResultDocument,
  RUN_OUTPUT_STRAY_KEPT,
  type RunError,
  type RunRecord,
  type RunRecordStatus,
  sha256Hex,
  summarize,
  writeResult,
} from "../result/document.ts";
import { describeHost, type HostDescription } from "../result/host.ts";
import type { MachineReport, ThreadErrorReport } from "../result/machine_report.ts";
import { expandScenario } from "../scenario/expand.ts";
import type { LoadedScenario } from "../scenario/load.ts";
import type { ResolvedScenario, RunLabel, RunScenario } from "../scenario/types.ts";
import { LIBC_PATHS, setTimerSlack } from "../runtime/timer_slack.ts";
import { ScenarioError } from "../scenario/scenario_error.ts";
import { calibrate, type CalibrateOptions } from "./calibrate.ts";
import { interleave } from "./interleave.ts";
import type { RunChildMessage, RunChildSpec, RunPhase } from "./run_child.ts";
import { type RunMessage, runProcess } from "./run_process.ts";

/** Values given on the command line that replace the scenario's. */
export interface LabOverrides {
  /** Measured time per run, ns. */
  duration?: number;
  /** Warm-up per run, ns. */
  warmup?: number;
  /** Repetitions per placement. */
  repetitions?: number;
  /** Seed. */
  seed?: number;
  /** A subset of the placements, in this order. */
  placements?: string[];
}

/** Options of {@linkcode runLab}. */
export interface LabOptions {
  /** Loaded and validated scenarios (lib/scenario loadScenario). */
  scenarios: LoadedScenario[];
  /** Command-line overrides. */
  overrides?: LabOverrides;
  /**
   * Thresholds given on the command line (`--threshold`), recorded in each
   * document's manifest after the scenario's own; the runner does not
   * evaluate them.
   */
  thresholds?: readonly string[];
  /** Results go to `<outDir>/<timestamp>-<scenario>/result.json` (the CLI's default: results/runs). */
  outDir: string;
  /** Ctrl-C: the current run stops within 2 s, what it measured is kept, the document is partial. */
  signal?: AbortSignal;
  /**
   * A thread whose heartbeat does not grow for this long while the run warms
   * up or measures, or a run that takes longer than this to stop, fails its
   * run. Default 10 000 ms.
   */
  stallTimeoutMs?: number;
  /** The command line, for the manifest. */
  commandLine: string[];
  /** Module whose `Machine` export the runs start. Default lib/machine/machine.ts (tests give a stand-in). */
  machineModule?: string | URL;
  /** Calibration options, or `false` to skip it (the manifest's noiseFloor is then null). */
  calibration?: CalibrateOptions | false;
}

/** Callbacks of {@linkcode runLab} (all optional; they run on the orchestrator). */
export interface LabHooks {
  /** Once, before calibration and the first run. */
  onPlan?(plan: { runs: number; estimatedMs: number; warnings: string[] }): void;
  /** Before each run; `index` is 0-based over every scenario's runs, `repetition` 1-based. */
  onRunStart?(info: {
    index: number;
    total: number;
    scenario: string;
    placement: string;
    repetition: number;
    label: Record<string, number>;
  }): void;
  /** At every time-series interval of a run: completions so far and p99 of the last interval. */
  onProgress?(info: {
    index: number;
    total: number;
    elapsedMs: number;
    etaMs: number;
    devices: Record<string, { completions: number; p99Ns: number }>;
  }): void;
  /** After each run. */
  onRunEnd?(info: {
    index: number;
    total: number;
    status: "completed" | "failed" | "stopped";
    error?: string;
  }): void;
  /** Each warning (also listed in onPlan and in the manifests). */
  onWarning?(message: string): void;
}

/** What {@linkcode runLab} did. */
export interface LabOutcome {
  /** One result.json per scenario that started (the first one if none did). */
  results: { scenario: string; path: string; document: ResultDocument }[];
  /** Interrupted, or a run did not complete. */
  partial: boolean;
  /** The signal fired. */
  interrupted: boolean;
}

/**
 * A mistake in what the lab was asked to do, found before any run: an
 * unwritable output directory, an unknown placement, a bad override. One
 * paragraph; the CLI exits 2 on it.
 */
export class LabSetupError extends Error {
  /** `message`: one paragraph saying what was expected and what was found. */
  constructor(message: string) {
    super(message);
    this.name = "LabSetupError";
  }
}

/** One planned run. */
export interface PlannedRun {
  /** Position in its scenario's plan, 0-based. */
  index: number;
  /** Sweep point (ScenarioRun.index). */
  sweepIndex: number;
  /** Swept values at this point. */
  label: RunLabel;
  /** The scenario at this point, overrides applied. */
  run: RunScenario;
  /** Placement name. */
  placement: string;
  /** Repetition, 1-based. */
  repetition: number;
  /** Seed of this run. */
  seed: number;
}

/** The plan of one scenario. */
export interface ScenarioPlan {
  /** The scenario as loaded. */
  loaded: LoadedScenario;
  /** The scenario with the overrides applied. */
  resolved: ResolvedScenario;
  /** Its runs, in the order they run. */
  runs: PlannedRun[];
}

const LIB_DIR = fileURLToPath(new URL("../", import.meta.url));
const SCENARIOS_DIR = fileURLToPath(new URL("../../scenarios/", import.meta.url));
const CONFIG = new URL("../../deno.json", import.meta.url);
const RUN_CHILD = new URL("./run_child.ts", import.meta.url);
/** Start-up and tear-down of one run process, ms, for the estimate. */
const RUN_OVERHEAD_MS = 1500;
/** Extra silence allowed while a run process starts its machine, ms. */
const START_SILENCE_MS = 30_000;
/** How long a run being interrupted may take to report and exit, ms. */
const INTERRUPT_GRACE_MS = 1500;
/**
 * What a heartbeat says of a thread that has ended or is leaving, which a
 * stop that overran does not blame: lib/machine's vCPUs report "stopped",
 * lib/runtime's event-loop threads "exiting" (with any run() calls still in
 * flight after it).
 */
const ENDED_DOING = /^(stopped|exiting)\b/;

function checkOverrides(o: LabOverrides): void {
  const bad = (what: string, expected: string, v: unknown) =>
    new LabSetupError(`override ${what}: expected ${expected}, found ${JSON.stringify(v)}.`);
  for (const k of ["duration", "warmup"] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
      throw bad(k, "a whole number of ns, at least 0", v);
    }
  }
  if (o.duration === 0) throw bad("duration", "a positive duration", 0);
  const r = o.repetitions;
  if (r !== undefined && !(Number.isInteger(r) && r >= 1 && r <= 1000)) {
    throw bad("repetitions", "an integer from 1 to 1000", r);
  }
  const s = o.seed;
  if (s !== undefined && !(Number.isInteger(s) && s >= 0 && s <= 0xffffffff)) {
    throw bad("seed", "an integer from 0 to 2^32-1", s);
  }
  if (o.placements !== undefined && o.placements.length === 0) {
    throw bad("placements", "at least one placement", o.placements);
  }
}

function applyOverrides(l: LoadedScenario, o: LabOverrides): ResolvedScenario {
  const s: ResolvedScenario = { ...l.scenario };
  if (o.duration !== undefined) s.duration = o.duration;
  if (o.warmup !== undefined) s.warmup = o.warmup;
  if (o.repetitions !== undefined) s.repetitions = o.repetitions;
  if (o.seed !== undefined) s.seed = o.seed;
  if (o.placements !== undefined) {
    const known = Object.keys(l.scenario.placements);
    const unknown = o.placements.filter((p) => !known.includes(p));
    if (unknown.length > 0) {
      throw new LabSetupError(
        `${l.file}: expected placements of scenario "${s.name}" (${known.join(", ")}), found ` +
          `${unknown.map((p) => `"${p}"`).join(", ")}. Name them as the scenario does.`,
      );
    }
    s.placements = Object.fromEntries(o.placements.map((p) => [p, l.scenario.placements[p]]));
  }
  return s;
}

/**
 * The plan of every scenario: overrides applied, sweeps expanded, and per
 * sweep point the placements interleaved over the repetitions. Throws
 * {@linkcode LabSetupError} for a bad override or unknown placement and
 * the scenario layer's `ScenarioError` for a sweep point that breaks a
 * cross-field rule. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planLab } from "./lab.ts";
 * import { validateScenario } from "../scenario/validate.ts";
 * const scenario = validateScenario({
 *   name: "s", seed: 7, repetitions: 2, devices: [{ id: "d" }], placements: { a: {}, b: {} },
 * });
 * const [plan] = planLab([{ file: "s.json", text: "", input: {}, scenario }], {
 *   placements: ["b"],
 * });
 * assert.deepEqual(plan.runs.map((r) => [r.placement, r.seed]), [["b", 7], ["b", 8]]);
 * ```
 */
export function planLab(
  scenarios: readonly LoadedScenario[],
  overrides: LabOverrides = {},
): ScenarioPlan[] {
  checkOverrides(overrides);
  return scenarios.map((loaded) => {
    const resolved = applyOverrides(loaded, overrides);
    const runs: PlannedRun[] = [];
    for (const point of expandScenario(resolved, { file: loaded.file })) {
      const placements = Object.keys(point.scenario.placements);
      for (const slot of interleave(placements, point.scenario.repetitions)) {
        runs.push({
          index: runs.length,
          sweepIndex: point.index,
          label: point.label,
          run: point.scenario,
          placement: slot.item,
          repetition: slot.round,
          seed: (point.scenario.seed + slot.round - 1) % 2 ** 32,
        });
      }
    }
    return { loaded, resolved, runs };
  });
}

/**
 * Refuses, before anything runs, a placement that pins a thread to a CPU
 * this host does not have: a ScenarioError naming the file and the path.
 */
function checkPinnedCpus(plans: readonly ScenarioPlan[], cores: number): void {
  for (const plan of plans) {
    for (const [name, p] of Object.entries(plan.resolved.placements)) {
      for (const [thread, cpus] of Object.entries(p.cpus)) {
        const i = cpus.findIndex((c) => c >= cores);
        if (i < 0) continue;
        throw new ScenarioError({
          file: plan.loaded.file,
          path: `placements.${name}.cpus.${thread}[${i}]`,
          expected: `a CPU of this host (0 to ${cores - 1}: it has ${cores})`,
          found: `the number ${cpus[i]}`,
        });
      }
    }
  }
}

/** Warnings about placements that need more busy threads than the host has cores. */
function coreWarnings(plans: readonly ScenarioPlan[], cores: number): string[] {
  const out = new Set<string>();
  for (const plan of plans) {
    for (const r of plan.runs) {
      const p = r.run.placements[r.placement];
      const polling = Object.values(p.iothreads).filter((t) => t.pollMaxNs > 0).length;
      const busy = r.run.machine.vcpus + polling;
      if (busy > cores) {
        out.add(
          `scenario "${plan.resolved.name}", placement "${r.placement}": ${busy} busy threads ` +
            `(${r.run.machine.vcpus} vCPU, ${polling} polling IOThread) on ${cores} core` +
            `${cores === 1 ? "" : "s"}: threads will share cores, so the figures include ` +
            `the host scheduler's time slicing.`,
        );
      }
    }
  }
  return [...out];
}

function runEstimateMs(r: PlannedRun): number {
  return (r.run.warmup + r.run.duration) / 1e6 + RUN_OVERHEAD_MS;
}

async function checkWritable(outDir: string): Promise<void> {
  const probe = join(outDir, `.aiolab-write-check-${Deno.pid}`);
  try {
    await Deno.mkdir(outDir, { recursive: true });
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new LabSetupError(
      `cannot write results to "${outDir}": expected a directory aiolab can create and write ` +
        `files in, found an error (${why}). Nothing was run. Choose another directory ` +
        `(--out DIR) or grant write permission for it.`,
    );
  }
}

async function aiolabVersion(): Promise<string> {
  if (CONFIG.protocol !== "file:") return "unknown";
  const path = fileURLToPath(CONFIG);
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return "unknown";
  try {
    const v = JSON.parse(await Deno.readTextFile(path)).version;
    return typeof v === "string" ? v : "unknown";
  } catch {
    return "unknown";
  }
}

/** `2025-01-02T03:04:05.678Z` -> `20250102T030405Z`. */
function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

async function freeDir(base: string): Promise<string> {
  for (let n = 1;; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await Deno.lstat(dir);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return dir;
      throw e;
    }
  }
}

/** Per-run flags beyond lib/ and scenarios/: the files of file drivers (read and write). */
function fileDriverPaths(run: RunScenario): string[] {
  const paths = new Set<string>();
  for (const d of run.devices) if (d.driver.kind === "file") paths.add(d.driver.path);
  return [...paths];
}

interface RunContext {
  plan: ScenarioPlan;
  planned: PlannedRun;
  globalIndex: number;
  total: number;
  labStart: number;
  remainingAfterMs: number;
  stallTimeoutMs: number;
  machineModule: string | undefined;
  signal: AbortSignal | undefined;
  hooks: LabHooks;
}

function lastOf(messages: readonly RunMessage[], type: string): RunMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].type === type) return messages[i];
  return undefined;
}

function fromThreadError(e: ThreadErrorReport): RunError {
  return { thread: e.thread, handler: e.handler, message: e.message, stack: e.stack, doing: null };
}

/** What the watchdog knows of one thread of a run, from its heartbeats. Orchestrator. */
interface ThreadWatch {
  /** The last progress counter seen. */
  progress: number;
  /** When it last changed, or the run's phase did (a stop is one phase), performance.now() ms. */
  since: number;
  /** What the thread said it was doing in the last heartbeat. */
  doing: string;
}

/**
 * The error of a run that has been stopping for `stoppingMs`, longer than
 * the stall timeout: it names every thread that has not ended and made no
 * progress for half the stall timeout or more (at least two heartbeats),
 * the longest-silent first, with what each was doing; or, when there is
 * none (every thread ended or still makes progress), the run process's own
 * main thread, which did not finish stopping its machine. Pure; orchestrator.
 */
function stopOverrun(
  threads: ReadonlyMap<string, ThreadWatch>,
  now: number,
  stoppingMs: number,
  stallTimeoutMs: number,
): RunError {
  const within = `within ${Math.round(stoppingMs)} ms (stall timeout ${stallTimeoutMs} ms)`;
  const stuck = [...threads]
    .filter(([, t]) => !ENDED_DOING.test(t.doing) && now - t.since >= stallTimeoutMs / 2)
    .sort(([, a], [, b]) => a.since - b.since);
  if (stuck.length === 0) {
    return {
      thread: "run-child",
      handler: null,
      message: `the run process did not finish stopping its machine ${within}, though every ` +
        `thread of it has ended or still makes progress; the run was killed while stopping.`,
      stack: "",
      doing: "stopping the machine",
    };
  }
  const silent = ([name, t]: [string, ThreadWatch]) =>
    `thread ${name} (no progress for ${Math.round(now - t.since)} ms, while ${t.doing})`;
  const [[name, first], ...others] = stuck;
  return {
    thread: name,
    handler: null,
    message: `thread ${name} did not stop ${within}: it made no progress for ` +
      `${Math.round(now - first.since)} ms while ${first.doing}` +
      (others.length === 0 ? "" : `; nor did ${others.map(silent).join(", ")}`) +
      `; the run was killed while stopping.`,
    stack: "",
    doing: first.doing,
  };
}

async function executeRun(c: RunContext): Promise<RunRecord> {
  const { planned, stallTimeoutMs } = c;
  const startTime = new Date().toISOString();
  const runStart = performance.now();
  const heartbeatMs = Math.max(10, Math.min(250, stallTimeoutMs / 4));
  const spec: RunChildSpec = {
    run: planned.run,
    placement: planned.placement,
    seed: planned.seed,
    heartbeatMs,
    ...(c.machineModule === undefined ? {} : { machineModule: c.machineModule }),
  };
  const files = fileDriverPaths(planned.run);
  const flags = [`--config=${fileURLToPath(CONFIG)}`];
  if (files.length > 0) flags.push(`--allow-write=${files.join(",")}`);
  // A pinned placement's process sets its threads' CPU affinity through libc.
  if (Object.keys(planned.run.placements[planned.placement].cpus).length > 0) {
    flags.push(`--allow-ffi=${LIBC_PATHS.join(",")}`);
  }

  const kill = new AbortController();
  let stall: RunError | null = null;
  let helloSeen = false;
  let phase: RunPhase = "start";
  let lastMessageAt = performance.now();
  let lastProgress: RunRecord["lastProgress"] = null;
  /** When the first heartbeat of phase stop or collect arrived, or null. */
  let stoppingSince: number | null = null;
  const threads = new Map<string, ThreadWatch>();
  const fail = (error: RunError): void => {
    stall = error;
    kill.abort();
  };
  const stalled = (thread: string, doing: string, ms: number): void =>
    fail({
      thread,
      handler: null,
      message: `thread ${thread} made no progress for ${Math.round(ms)} ms ` +
        `(stall timeout ${stallTimeoutMs} ms) while ${doing}; the run was killed.`,
      stack: "",
      doing,
    });
  const watchdog = setInterval(() => {
    if (!helloSeen || stall !== null) return;
    const now = performance.now();
    // Loading the machine's modules and starting its threads may block the
    // child's event loop for a while on a loaded host: the start phase gets longer.
    const silence = phase === "start" ? stallTimeoutMs + START_SILENCE_MS : stallTimeoutMs;
    if (now - lastMessageAt > silence) {
      stalled("run-child", `in phase ${phase} (its process sent nothing)`, now - lastMessageAt);
      return;
    }
    if (stoppingSince !== null) {
      // Ctrl-C: the interrupt's grace bounds the stop, and the run is recorded as stopped.
      if (c.signal?.aborted) return;
      if (now - stoppingSince > stallTimeoutMs) {
        fail(stopOverrun(threads, now, now - stoppingSince, stallTimeoutMs));
      }
      return;
    }
    if (phase !== "warmup" && phase !== "measure") return;
    for (const [name, t] of threads) {
      if (now - t.since > stallTimeoutMs) return stalled(name, t.doing, now - t.since);
    }
  }, Math.max(5, Math.min(250, stallTimeoutMs / 4)));

  const onMessage = (raw: RunMessage): void => {
    const now = performance.now();
    lastMessageAt = now;
    const msg = raw as unknown as RunChildMessage;
    if (msg.type === "hello") helloSeen = true;
    else if (msg.type === "heartbeat") {
      if (msg.phase !== phase) {
        const wasStopping = stoppingSince !== null;
        phase = msg.phase;
        if (phase === "stop" || phase === "collect") stoppingSince ??= now;
        // Progress counts afresh in each phase; a stop that goes on to collect is one stop.
        if (!wasStopping) { for (const t of threads.values()) t.since = now; }
      }
      for (const h of msg.threads) {
        const t = threads.get(h.thread);
        if (t === undefined || h.progress !== t.progress) {
          threads.set(h.thread, { progress: h.progress, since: now, doing: h.doing });
        } else t.doing = h.doing;
      }
    } else if (msg.type === "progress") {
      lastProgress = msg.devices;
      const inRun = now - runStart;
      c.hooks.onProgress?.({
        index: c.globalIndex,
        total: c.total,
        elapsedMs: now - c.labStart,
        etaMs: Math.max(0, runEstimateMs(planned) - inRun) + c.remainingAfterMs,
        devices: msg.devices,
      });
    }
  };

  let outcome;
  try {
    outcome = await runProcess<MachineReport>(spec, {
      entry: RUN_CHILD,
      allowRead: [LIB_DIR, SCENARIOS_DIR, ...files],
      flags,
      timeoutMs: runEstimateMs(planned) + 30_000 + stallTimeoutMs,
      signal: kill.signal,
      ...(c.signal === undefined
        ? {}
        : { interrupt: { signal: c.signal, graceMs: INTERRUPT_GRACE_MS } }),
      onMessage,
    });
  } finally {
    clearInterval(watchdog);
  }

  const result = lastOf(outcome.messages, "result") as
    | Extract<RunChildMessage, { type: "result" }>
    | undefined;
  const childError = lastOf(outcome.messages, "error");
  let status: RunRecordStatus;
  let error: RunError | null = null;
  if (stall !== null) {
    status = "failed";
    error = stall;
  } else if (outcome.stopReason === "interrupted") {
    status = "stopped";
    error = result?.error ? fromThreadError(result.error) : null;
  } else if (outcome.status === "completed" && !result?.error) {
    status = "completed";
  } else {
    status = "failed";
    if (result?.error) error = fromThreadError(result.error);
    else if (childError !== undefined) {
      error = {
        thread: "run-child",
        handler: null,
        message: String(childError.message),
        stack: String(childError.stack ?? ""),
        doing: null,
      };
    } else {
      const how = outcome.stopReason !== null
        ? `was killed (${outcome.stopReason})`
        : `exited with code ${outcome.exitCode}${
          outcome.signal === null ? "" : ` (${outcome.signal})`
        } without a result`;
      error = {
        thread: "run-child",
        handler: null,
        message: `the run process ${how}; its stderr ends: ${outcome.stderr.slice(-2000)}`,
        stack: "",
        doing: `phase ${phase}`,
      };
    }
  }
  return {
    index: planned.index,
    scenario: c.plan.resolved.name,
    placement: planned.placement,
    sweepIndex: planned.sweepIndex,
    sweep: { ...planned.label },
    repetition: planned.repetition,
    seed: planned.seed,
    status,
    error,
    startTime,
    elapsedMs: outcome.elapsedMs,
    exitCode: outcome.exitCode,
    lastProgress,
    report: result?.report ?? outcome.report ?? null,
    ...(outcome.stderr === "" && outcome.malformed.length === 0 ? {} : {
      output: {
        stderr: outcome.stderr,
        strayStdout: outcome.malformed.slice(0, RUN_OUTPUT_STRAY_KEPT),
        strayStdoutLines: outcome.malformed.length,
      },
    }),
  };
}

interface ScenarioState {
  plan: ScenarioPlan;
  dir: string | null;
  runs: RunRecord[];
  sha256: string;
  path: string | null;
  document: ResultDocument | null;
}

/**
 * Runs every scenario's plan (see the module doc) and writes one result
 * document per scenario. Rejects with {@linkcode LabSetupError} before any
 * run for an unwritable `outDir` or a bad override, and with the scenario
 * layer's `ScenarioError` for a sweep point that breaks a cross-field rule;
 * a run's failure never rejects (it is recorded). Orchestrator.
 *
 * @example
 * ```ts ignore
 * const ac = new AbortController();
 * Deno.addSignalListener("SIGINT", () => ac.abort());
 * const outcome = await runLab({
 *   scenarios: [await loadScenario("scenarios/default.ts")],
 *   outDir: "results/runs",
 *   signal: ac.signal,
 *   commandLine: ["aiolab", "run"],
 * });
 * ```
 */
export async function runLab(options: LabOptions, hooks: LabHooks = {}): Promise<LabOutcome> {
  const plans = planLab(options.scenarios, options.overrides ?? {});
  const stallTimeoutMs = options.stallTimeoutMs ?? 10_000;
  if (!(Number.isFinite(stallTimeoutMs) && stallTimeoutMs > 0)) {
    throw new LabSetupError(
      `stallTimeoutMs: expected a positive number of ms, found ${stallTimeoutMs}.`,
    );
  }
  await checkWritable(options.outDir);
  const startDate = new Date();
  const labStart = performance.now();
  const host: HostDescription = await describeHost();
  checkPinnedCpus(plans, host.cores);
  const warnings = coreWarnings(plans, host.cores);
  // QEMU's init_clocks: a timer slack of 1 ns, which the calibration's
  // Workers and every run's process (and its threads) inherit from here.
  const slack = setTimerSlack(1);
  if (!slack.applied) {
    warnings.push(
      `timers are late by up to the kernel's default slack (QEMU sets 1 ns): ${slack.reason}`,
    );
  }
  const all = plans.flatMap((p) => p.runs);
  const estimates = all.map(runEstimateMs);
  const estimatedMs = estimates.reduce((a, b) => a + b, 0);
  hooks.onPlan?.({ runs: all.length, estimatedMs, warnings });
  for (const w of warnings) hooks.onWarning?.(w);

  const clockResolutionNs = measureClockResolution();
  const version = await aiolabVersion();
  let noiseFloor: NoiseFloor | null = null;
  if (options.calibration !== false && !options.signal?.aborted) {
    noiseFloor = await calibrate(options.calibration ?? {});
  }
  const machineModule = options.machineModule === undefined
    ? undefined
    : String(options.machineModule);

  const states: ScenarioState[] = [];
  for (const plan of plans) {
    states.push({
      plan,
      dir: null,
      runs: [],
      sha256: await sha256Hex(plan.loaded.text),
      path: null,
      document: null,
    });
  }
  let interrupted = false;

  const write = async (st: ScenarioState): Promise<void> => {
    st.dir ??= await freeDir(join(options.outDir, `${stamp(startDate)}-${st.plan.resolved.name}`));
    const partial = interrupted || st.runs.length < st.plan.runs.length ||
      st.runs.some((r) => r.status !== "completed");
    const manifest: Manifest = {
      aiolabVersion: version,
      gitCommit: host.gitCommit,
      deno: host.deno,
      v8: host.v8,
      typescript: host.typescript,
      os: host.os,
      arch: host.arch,
      cpu: host.cpu,
      cores: host.cores,
      clockResolutionNs,
      noiseFloor,
      scenario: {
        name: st.plan.resolved.name,
        file: st.plan.loaded.file,
        text: st.plan.loaded.text,
        sha256: st.sha256,
        description: st.plan.resolved.description,
        thresholds: [...st.plan.resolved.thresholds, ...(options.thresholds ?? [])],
      },
      seed: st.plan.runs[0]?.run.seed ?? options.overrides?.seed ?? 0,
      overrides: { ...(options.overrides ?? {}) },
      commandLine: [...options.commandLine],
      startTime: startDate.toISOString(),
      endTime: new Date().toISOString(),
      partial,
      interrupted,
      plannedRuns: st.plan.runs.length,
      warnings: warnings.filter((w) =>
        w.startsWith(`scenario "${st.plan.resolved.name}"`) || !w.startsWith(`scenario "`)
      ),
    };
    const document: ResultDocument = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      manifest,
      runs: st.runs,
      summary: summarize(st.runs),
    };
    st.path = await writeResult(st.dir, document);
    st.document = document;
  };

  let globalIndex = 0;
  outer: for (const st of states) {
    for (const planned of st.plan.runs) {
      if (options.signal?.aborted) {
        interrupted = true;
        break outer;
      }
      hooks.onRunStart?.({
        index: globalIndex,
        total: all.length,
        scenario: st.plan.resolved.name,
        placement: planned.placement,
        repetition: planned.repetition,
        label: { ...planned.label },
      });
      const record = await executeRun({
        plan: st.plan,
        planned,
        globalIndex,
        total: all.length,
        labStart,
        remainingAfterMs: estimates.slice(globalIndex + 1).reduce((a, b) => a + b, 0),
        stallTimeoutMs,
        machineModule,
        signal: options.signal,
        hooks,
      });
      if (options.signal?.aborted) interrupted = true;
      st.runs.push(record);
      await write(st);
      hooks.onRunEnd?.({
        index: globalIndex,
        total: all.length,
        status: record.status,
        ...(record.error === null ? {} : { error: record.error.message }),
      });
      globalIndex++;
    }
  }
  if (options.signal?.aborted) interrupted = true;

  const started = states.filter((s) => s.runs.length > 0);
  const written = started.length > 0 ? started : states.slice(0, 1);
  const results: LabOutcome["results"] = [];
  for (const st of written) {
    await write(st);
    results.push({ scenario: st.plan.resolved.name, path: st.path!, document: st.document! });
  }
  return {
    results,
    partial: interrupted || results.some((r) => r.document.manifest.partial) ||
      states.length > written.length,
    interrupted,
  };
}
