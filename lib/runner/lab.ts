/**
 * Stand-in for the lab orchestrator (`runLab`), written by another helper
 * at the same time: it carries the contract's types (LAB_API.md) so that
 * the command line type-checks, and a `runLab` that refuses to run. The
 * real module replaces this file when the branches merge.
 *
 * @module
 */

import type { LoadedScenario } from "../scenario/load.ts";

/** Scenario values the command line overrides. */
export interface LabOverrides {
  /** Measured time per repetition, ns. */
  duration?: number;
  /** Warm-up, ns. */
  warmup?: number;
  /** Repetitions per placement. */
  repetitions?: number;
  /** Seed. */
  seed?: number;
  /** Placements to run, a subset in this order. */
  placements?: string[];
}

/** What {@link runLab} runs and where it writes. */
export interface LabOptions {
  /** Loaded and validated scenarios. */
  scenarios: LoadedScenario[];
  /** Overrides of the scenarios' values. */
  overrides?: LabOverrides;
  /** Results go to `<outDir>/<timestamp>-<scenario>/result.json`. */
  outDir: string;
  /** Ctrl-C: stop within 2 s, write what was measured, partial. */
  signal?: AbortSignal;
  /** A thread whose heartbeat does not grow for this long aborts the run. */
  stallTimeoutMs?: number;
  /** The command line, for the manifest. */
  commandLine: string[];
}

/** Callbacks of {@link runLab}, for the progress display. */
export interface LabHooks {
  /** Once, before the first run. */
  onPlan?(plan: { runs: number; estimatedMs: number; warnings: string[] }): void;
  /** Before each run. */
  onRunStart?(
    info: {
      index: number;
      total: number;
      scenario: string;
      placement: string;
      repetition: number;
      label: Record<string, number>;
    },
  ): void;
  /** While a run measures. */
  onProgress?(
    info: {
      index: number;
      total: number;
      elapsedMs: number;
      etaMs: number;
      devices: Record<string, { completions: number; p99Ns: number }>;
    },
  ): void;
  /** After each run. */
  onRunEnd?(
    info: {
      index: number;
      total: number;
      status: "completed" | "failed" | "stopped";
      error?: string;
    },
  ): void;
  /** A host or scenario warning. */
  onWarning?(message: string): void;
}

/** One flat row of a result's summary: one run and device. */
export interface SummaryRow {
  /** Scenario name. */
  scenario: string;
  /** Placement name. */
  placement: string;
  /** Swept values of the run. */
  sweep: Record<string, number>;
  /** Repetition. */
  repetition: number;
  /** Device id. */
  device: string;
  /** Completed requests. */
  completions: number;
  /** Arrivals that could not be issued. */
  dropped: number;
  /** Completions per second. */
  iops: number;
  /** Latency p50, ns. */
  p50Ns: number;
  /** Latency p90, ns. */
  p90Ns: number;
  /** Latency p99, ns. */
  p99Ns: number;
  /** Latency p99.9, ns. */
  p999Ns: number;
  /** Latency p99.99, ns. */
  p9999Ns: number;
  /** Latency max, ns. */
  maxNs: number;
  /** p99 - p50, ns. */
  jitterNs: number;
  /** BQL wait time over run duration, 0..1. */
  bqlWaitShare: number;
}

/** A result document (the parts the command line reads). */
export interface ResultDocument {
  /** Schema version. */
  schemaVersion: 1;
  /** The manifest. */
  manifest: Record<string, unknown>;
  /** One record per run. */
  runs: unknown[];
  /** Flat rows, one per run and device. */
  summary: SummaryRow[];
}

/** What {@link runLab} did. */
export interface LabOutcome {
  /** One result.json per scenario. */
  results: { scenario: string; path: string; document: ResultDocument }[];
  /** Interrupted or a run failed. */
  partial: boolean;
  /** The signal fired. */
  interrupted: boolean;
}

/**
 * Runs the scenarios' runs and writes their results. Stand-in: throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runLab } from "./lab.ts";
 * await assert.rejects(runLab({ scenarios: [], outDir: "/tmp", commandLine: [] }), /not merged yet/);
 * ```
 */
export function runLab(_options: LabOptions, _hooks?: LabHooks): Promise<LabOutcome> {
  return Promise.reject(new Error("runLab: not merged yet"));
}
