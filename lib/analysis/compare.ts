/**
 * Comparisons: every metric of one placement against another in the same
 * result, or of a current result against a baseline, as a ratio with its
 * bootstrap interval, noise threshold and verdict; and the regressions
 * among them (for `aiolab compare`). Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareResults } from "./compare.ts";
 * const empty = { points: [], noiseFloor: null, skippedRuns: 0 };
 * const c = compareResults(empty, empty);
 * assert.deepEqual([c.rows, c.regressions, c.unmatched], [[], [], []]);
 * ```
 *
 * @module
 */

import type { AnalysedResult, DeviceAnalysis, PointAnalysis } from "./analyse.ts";
import { bootstrapRatios } from "./bootstrap.ts";
import type { NoiseFloorInput } from "./input.ts";
import { type MetricName, METRICS } from "./metrics.ts";
import { deriveSeed } from "./random.ts";
import {
  type ChangeVerdict,
  changeVerdict,
  DEFAULT_NOISE_THRESHOLD,
  noiseThreshold,
} from "./significance.ts";

/** One metric of one device compared: measured against reference. */
export interface ComparisonRow {
  /** The point (see `pointKey`). */
  point: string;
  /** Placement of the measured side. */
  placement: string;
  /** Placement of the reference side (the same placement for a baseline comparison). */
  reference: string;
  /** Device. */
  device: string;
  /** Metric. */
  metric: MetricName;
  /** The reference's value (the baseline, or the other placement). */
  referenceValue: number;
  /** The measured value. */
  value: number;
  /** value / referenceValue. */
  ratio: number;
  /** Lower end of the ratio's interval. */
  low: number;
  /** Upper end of the ratio's interval. */
  high: number;
  /** Confidence level of the interval. */
  confidence: number;
  /** The noise threshold used (a relative change, 0.02 = 2 %). */
  threshold: number;
  /** The verdict in words. */
  verdict: ChangeVerdict;
}

/** Options of a comparison. */
export interface CompareOptions {
  /** Seed of the bootstrap (default 1; each row derives its own stream from it). */
  seed?: number;
  /** Bootstrap replicates (default 1000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  confidence?: number;
  /** Smallest noise threshold (default 0.02); the measured noise floor may raise it. */
  threshold?: number;
  /** Metrics compared (default every metric). */
  metrics?: readonly MetricName[];
}

function compareDevices(
  measured: DeviceAnalysis,
  reference: DeviceAnalysis,
  row: Pick<ComparisonRow, "point" | "placement" | "reference" | "device">,
  noiseFloor: NoiseFloorInput | null,
  o: CompareOptions,
): ComparisonRow[] {
  const confidence = o.confidence ?? 0.95;
  const intervals = bootstrapRatios(measured.samples, reference.samples, {
    seed: deriveSeed(o.seed ?? 1, `${row.point}/${row.placement}/${row.reference}/${row.device}`),
    resamples: o.resamples ?? 1000,
    confidence,
  });
  return (o.metrics ?? METRICS).map((metric) => {
    const iv = intervals[metric];
    const value = measured.metrics[metric];
    const referenceValue = reference.metrics[metric];
    const threshold = noiseThreshold(
      metric,
      value,
      referenceValue,
      noiseFloor,
      o.threshold ?? DEFAULT_NOISE_THRESHOLD,
    );
    return {
      ...row,
      metric,
      referenceValue,
      value,
      ratio: iv.ratio,
      low: iv.low,
      high: iv.high,
      confidence,
      threshold,
      verdict: changeVerdict(metric, iv, threshold),
    };
  });
}

/**
 * Every metric of every device that both placements have, `placement`
 * measured against `reference` at one point.
 *
 * @throws {RangeError} if a placement is not at the point.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { comparePlacements } from "./compare.ts";
 * const point = { scenario: "s", sweep: {}, key: "s", placements: {} };
 * assert.throws(() => comparePlacements(point, "iothread", "main", null), /placement "iothread" is not/);
 * ```
 */
export function comparePlacements(
  point: PointAnalysis,
  placement: string,
  reference: string,
  noiseFloor: NoiseFloorInput | null,
  options: CompareOptions = {},
): ComparisonRow[] {
  const get = (name: string) => {
    const p = point.placements[name];
    if (p === undefined) {
      throw new RangeError(
        `placement "${name}" is not at point ${point.key}; it has ${
          Object.keys(point.placements).join(", ") || "no placement"
        }`,
      );
    }
    return p;
  };
  const a = get(placement);
  const b = get(reference);
  return Object.keys(a.devices).filter((d) => b.devices[d] !== undefined).sort().flatMap((device) =>
    compareDevices(
      a.devices[device],
      b.devices[device],
      { point: point.key, placement, reference, device },
      noiseFloor,
      options,
    )
  );
}

/** A current result against its baseline. */
export interface ResultComparison {
  /** Every metric of every point, placement and device both results have. */
  rows: ComparisonRow[];
  /** The rows whose verdict is "worse". */
  regressions: ComparisonRow[];
  /** What only one side has, one line each (`"baseline only: s/main/disk1"`). */
  unmatched: string[];
}

/**
 * Compares `current` with `baseline`, matched by point, placement and
 * device. The noise threshold uses the larger of the two results' noise
 * floors. A result compared with itself has no significant difference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { pointMetrics } from "./bootstrap.ts";
 * import { compareResults } from "./compare.ts";
 * const latency = new HistogramSnapshot();
 * for (let v = 1; v <= 200; v++) latency.recordValue(v * 100);
 * const samples = [{ latency, completions: 200, durationNs: 1e9, intervals: [], bqlWaitShare: 0 }];
 * const disk0 = { metrics: pointMetrics(samples), samples } as never;
 * const r = { points: [{ scenario: "s", sweep: {}, key: "s", placements: { main: { placement: "main", repetitions: [1], devices: { disk0 }, probes: {} } } }], noiseFloor: null, skippedRuns: 0 };
 * const c = compareResults(r, r, { resamples: 100 });
 * assert.equal(c.rows.length, 10);
 * assert.ok(c.rows.every((row) => row.verdict === "no significant difference"));
 * assert.deepEqual(c.regressions, []);
 * ```
 */
export function compareResults(
  baseline: AnalysedResult,
  current: AnalysedResult,
  options: CompareOptions = {},
): ResultComparison {
  const floor = widerFloor(baseline.noiseFloor, current.noiseFloor);
  const rows: ComparisonRow[] = [];
  const unmatched: string[] = [];
  const keys = (r: AnalysedResult) =>
    new Map(
      r.points.flatMap((p) =>
        Object.values(p.placements).flatMap((pl) =>
          Object.keys(pl.devices).map((d) =>
            [`${p.key}/${pl.placement}/${d}`, { p, pl, d }] as const
          )
        )
      ),
    );
  const base = keys(baseline);
  const cur = keys(current);
  for (const [key, c] of cur) {
    const b = base.get(key);
    if (b === undefined) {
      unmatched.push(`current only: ${key}`);
      continue;
    }
    rows.push(
      ...compareDevices(
        c.pl.devices[c.d],
        b.pl.devices[b.d],
        { point: c.p.key, placement: c.pl.placement, reference: b.pl.placement, device: c.d },
        floor,
        options,
      ),
    );
  }
  for (const key of base.keys()) if (!cur.has(key)) unmatched.push(`baseline only: ${key}`);
  return { rows, regressions: rows.filter((r) => r.verdict === "worse"), unmatched };
}

function widerFloor(a: NoiseFloorInput | null, b: NoiseFloorInput | null): NoiseFloorInput | null {
  if (a === null || b === null) return a ?? b;
  return {
    idleJitter: {
      p50Ns: Math.max(a.idleJitter.p50Ns, b.idleJitter.p50Ns),
      p99Ns: Math.max(a.idleJitter.p99Ns, b.idleJitter.p99Ns),
    },
  };
}
