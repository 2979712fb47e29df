/**
 * The progress line of `aiolab run` on stderr: run i of n, scenario,
 * placement and repetition, elapsed time and ETA, and each device's live
 * completions and p99. Drawn (with cli-progress) only when stderr is a
 * terminal and `--quiet` is not given; warnings and failed runs are
 * printed as lines either way. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressLine } from "./progress.ts";
 * const line = progressLine({
 *   run: { index: 0, total: 2, scenario: "default", placement: "main", repetition: 1, label: {} },
 *   progress: { index: 0, total: 2, elapsedMs: 1500, etaMs: 9000, devices: { disk0: { completions: 12345, p99Ns: 61000 } } },
 * });
 * assert.equal(line, "run 1/2 default main rep 1 | 1.5s / ETA 9.0s | disk0 12.3k done p99 61.0us");
 * ```
 *
 * @module
 */

// @ts-types="@types/cli-progress"
import cliProgress from "cli-progress";
import type { Writable } from "node:stream";
import { labelText } from "../scenario/expand.ts";
import type { LabHooks } from "../runner/lab.ts";
import { formatCount, formatNs } from "./summary_table.ts";

/** What `onRunStart` said about the current run. */
export type RunStartInfo = Parameters<NonNullable<LabHooks["onRunStart"]>>[0];
/** What `onProgress` said last. */
export type RunProgressInfo = Parameters<NonNullable<LabHooks["onProgress"]>>[0];

/** The state the progress line shows. */
export interface ProgressState {
  /** The current run, once one started. */
  run?: RunStartInfo;
  /** The latest progress of the current run. */
  progress?: RunProgressInfo;
}

/**
 * Seconds for people: `850ms`, `1.5s`, `14s`, `2m05s`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMs } from "./progress.ts";
 * assert.equal(formatMs(125000), "2m05s");
 * ```
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * The progress line's text for a state (run indexes are 0-based).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressLine } from "./progress.ts";
 * assert.equal(progressLine({}), "starting");
 * ```
 */
export function progressLine(state: ProgressState): string {
  const { run, progress } = state;
  if (run === undefined) return "starting";
  const label = labelText(run.label);
  const parts = [
    `run ${run.index + 1}/${run.total} ${run.scenario} ${run.placement} rep ${run.repetition}` +
    (label ? ` (${label})` : ""),
  ];
  if (progress !== undefined && progress.index === run.index) {
    parts.push(`${formatMs(progress.elapsedMs)} / ETA ${formatMs(progress.etaMs)}`);
    const devices = Object.entries(progress.devices).map(([id, d]) =>
      `${id} ${formatCount(d.completions)} done p99 ${formatNs(d.p99Ns)}`
    );
    if (devices.length > 0) parts.push(devices.join(", "));
  }
  return parts.join(" | ");
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Draw the progress line (stderr is a terminal and `--quiet` was not given). */
  draw: boolean;
  /** Where to write: `process.stderr` from `node:process`. */
  stream: Writable;
}

/** A progress display: the hooks to give `runLab`, and `stop` when it returns. */
export interface Progress {
  /** Hooks for `runLab`. */
  hooks: LabHooks;
  /** Prints a line above the progress line (or plainly when none is drawn). */
  log(line: string): void;
  /** Removes the progress line; idempotent. */
  stop(): void;
}

/**
 * Makes the progress display. Warnings and failed runs are always printed,
 * one line each; the progress line only when `draw` is true.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Writable } from "node:stream";
 * import { createProgress } from "./progress.ts";
 * let out = "";
 * const stream = new Writable({ write(c, _e, done) { out += String(c); done(); } });
 * const p = createProgress({ draw: false, stream });
 * p.hooks.onWarning?.("4 busy threads, 2 cores");
 * p.stop();
 * assert.equal(out, "aiolab: warning: 4 busy threads, 2 cores\n");
 * ```
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream } = options;
  const state: ProgressState = {};
  let multi: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let stopped = false;

  const ensureBar = (total: number) => {
    if (!options.draw || stopped || bar !== undefined) return;
    multi = new cliProgress.MultiBar({
      stream,
      format: "{bar} {line}",
      barsize: 12,
      hideCursor: true,
      clearOnComplete: true,
      linewrap: false,
      fps: 5,
      barCompleteChar: "#",
      barIncompleteChar: "-",
    });
    bar = multi.create(total, 0, { line: progressLine(state) });
  };
  const redraw = (done: number) => bar?.update(done, { line: progressLine(state) });
  const log = (line: string) => {
    if (multi !== undefined && !stopped) multi.log(`${line}\n`);
    else stream.write(`${line}\n`);
  };

  const hooks: LabHooks = {
    onPlan(plan) {
      ensureBar(plan.runs);
      for (const w of plan.warnings) log(`aiolab: warning: ${w}`);
    },
    onRunStart(info) {
      ensureBar(info.total);
      state.run = info;
      state.progress = undefined;
      redraw(info.index);
    },
    onProgress(info) {
      state.progress = info;
      const fraction = info.elapsedMs + info.etaMs > 0
        ? info.elapsedMs / (info.elapsedMs + info.etaMs)
        : 0;
      redraw(Math.min(info.total, info.index + Math.max(0, Math.min(1, fraction))));
    },
    onRunEnd(info) {
      if (info.status !== "completed") {
        const run = state.run;
        const what = run !== undefined && run.index === info.index
          ? ` (${run.scenario} ${run.placement} rep ${run.repetition})`
          : "";
        log(
          `aiolab: run ${info.index + 1}/${info.total}${what} ${info.status}` +
            (info.error ? `: ${info.error}` : ""),
        );
      }
      redraw(info.index + 1);
    },
    onWarning(message) {
      log(`aiolab: warning: ${message}`);
    },
  };
  return {
    hooks,
    log,
    stop() {
      if (stopped) return;
      stopped = true;
      // MultiBar.log only buffers until the next redraw: draw once more so no line is lost.
      multi?.update();
      multi?.stop();
    },
  };
}
