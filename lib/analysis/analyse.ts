/**
 * Analysis of a whole result document: for every scenario and sweep point
 * (a "point"), every placement and device, the latency statistics per
 * repetition and pooled, jitter, the spread of the per-interval p99, every
 * metric, the repetitions as bootstrap samples, and the jitter-probe
 * lateness of every context. Runs that failed or reported nothing are left
 * out (and counted); stopped runs count with what they measured. Pure; any
 * thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyseResult } from "./analyse.ts";
 * const a = analyseResult({ manifest: { noiseFloor: null }, runs: [], summary: [] });
 * assert.deepEqual(a.points, []);
 * ```
 *
 * @module
 */

import type { RepetitionSample } from "./bootstrap.ts";
import { pointMetrics } from "./bootstrap.ts";
import { decodeHistogram, type HistogramStats, repetitionStats } from "./histogram_stats.ts";
import type { NoiseFloorInput, ResultInput, RunInput } from "./input.ts";
import {
  intervalP99Spread,
  intervalRows,
  type IntervalSpread,
  jitterOf,
  type JitterStats,
  probeLateness,
} from "./jitter.ts";
import type { MetricValues } from "./metrics.ts";

/** One device of one placement at one point. */
export interface DeviceAnalysis {
  /** Latency statistics of each repetition, in repetition order. */
  perRepetition: HistogramStats[];
  /** Latency statistics of the merged repetitions. */
  pooled: HistogramStats;
  /** Spread of the pooled latency. */
  jitter: JitterStats;
  /** Spread of the per-interval p99 over every repetition's time series. */
  intervalP99: IntervalSpread;
  /** Every metric (latency metrics pooled, iops and bqlWaitShare mean over repetitions). */
  metrics: MetricValues;
  /** The repetitions as the bootstrap redraws them. */
  samples: RepetitionSample[];
}

/** One placement at one point. */
export interface PlacementAnalysis {
  /** Placement name. */
  placement: string;
  /** Repetitions analysed (runs with a report). */
  repetitions: number[];
  /** Per device. */
  devices: Record<string, DeviceAnalysis>;
  /** Jitter-probe lateness of every context, pooled over the repetitions. */
  probes: Record<string, HistogramStats>;
}

/** One scenario and sweep point. */
export interface PointAnalysis {
  /** Scenario name. */
  scenario: string;
  /** Sweep label (empty without a sweep). */
  sweep: Record<string, number>;
  /** `scenario` plus the sweep label (`"s[qd=4,size=4096]"`); names the point in reports. */
  key: string;
  /** Per placement, in the order of the document's runs. */
  placements: Record<string, PlacementAnalysis>;
}

/** An analysed result document. */
export interface AnalysedResult {
  /** One per scenario and sweep point, in the order of the document's runs. */
  points: PointAnalysis[];
  /** The manifest's noise floor. */
  noiseFloor: NoiseFloorInput | null;
  /** Runs left out: failed, or without a report. */
  skippedRuns: number;
}

/**
 * The key of a point: the scenario name, then the sweep label in brackets
 * with its options sorted (nothing without a sweep).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pointKey } from "./analyse.ts";
 * assert.equal(pointKey("s", { size: 4096, qd: 4 }), "s[qd=4,size=4096]");
 * assert.equal(pointKey("s", {}), "s");
 * ```
 */
export function pointKey(scenario: string, sweep: Record<string, number>): string {
  const parts = Object.keys(sweep).sort().map((k) => `${k}=${sweep[k]}`);
  return parts.length === 0 ? scenario : `${scenario}[${parts.join(",")}]`;
}

function sampleOf(doc: ResultInput, run: RunInput, device: string): RepetitionSample {
  const report = run.report!;
  const d = report.devices[device];
  const row = doc.summary.find((s) =>
    s.scenario === run.scenario && s.placement === run.placement &&
    s.repetition === run.repetition && s.device === device &&
    pointKey("", s.sweep) === pointKey("", run.sweep)
  );
  return {
    latency: decodeHistogram(d.latency),
    completions: d.completions,
    durationNs: report.durationNs,
    intervals: intervalRows(report.timeSeries.rows, device).map((r) => ({
      completions: r.completions,
      durationNs: r.endNs - r.startNs,
    })),
    bqlWaitShare: row?.bqlWaitShare ?? 0,
  };
}

/**
 * Analyses every point, placement and device of `doc`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyseResult } from "./analyse.ts";
 * const doc = {
 *   manifest: { noiseFloor: null },
 *   runs: [{ scenario: "s", placement: "main", sweep: {}, repetition: 1, status: "failed" as const, report: null }],
 *   summary: [],
 * };
 * const a = analyseResult(doc);
 * assert.equal(a.skippedRuns, 1);
 * assert.equal(a.points.length, 0);
 * ```
 */
export function analyseResult(doc: ResultInput): AnalysedResult {
  const byPoint = new Map<
    string,
    { scenario: string; sweep: Record<string, number>; runs: RunInput[] }
  >();
  let skippedRuns = 0;
  for (const run of doc.runs) {
    if (run.status === "failed" || run.report === null) {
      skippedRuns++;
      continue;
    }
    const key = pointKey(run.scenario, run.sweep);
    const entry = byPoint.get(key) ?? { scenario: run.scenario, sweep: run.sweep, runs: [] };
    entry.runs.push(run);
    byPoint.set(key, entry);
  }
  const points = [...byPoint].map(([key, { scenario, sweep, runs }]): PointAnalysis => {
    const placementNames = [...new Set(runs.map((r) => r.placement))];
    const placements = Object.fromEntries(placementNames.map((placement) => {
      const mine = runs.filter((r) => r.placement === placement)
        .sort((x, y) => x.repetition - y.repetition);
      const deviceNames = [...new Set(mine.flatMap((r) => Object.keys(r.report!.devices)))].sort();
      const devices = Object.fromEntries(deviceNames.map((device) => {
        const withDevice = mine.filter((r) => r.report!.devices[device] !== undefined);
        const samples = withDevice.map((r) => sampleOf(doc, r, device));
        const stats = repetitionStats(samples.map((s) => s.latency));
        const analysis: DeviceAnalysis = {
          perRepetition: stats.perRepetition,
          pooled: stats.pooled,
          jitter: jitterOf(stats.merged),
          intervalP99: intervalP99Spread(
            withDevice.flatMap((r) => r.report!.timeSeries.rows),
            device,
          ),
          metrics: pointMetrics(samples),
          samples,
        };
        return [device, analysis];
      }));
      const analysis: PlacementAnalysis = {
        placement,
        repetitions: mine.map((r) => r.repetition),
        devices,
        probes: probeLateness(mine.map((r) => r.report!)),
      };
      return [placement, analysis];
    }));
    return { scenario, sweep, key, placements };
  });
  return { points, noiseFloor: doc.manifest.noiseFloor, skippedRuns };
}
