/**
 * A current result against a baseline on the command line (`aiolab
 * compare`, and `aiolab run --baseline`): every metric's ratio with its
 * 95% bootstrap interval, noise threshold and verdict as a terminal table,
 * and the regressions that fail the command: a metric of `--fail-on`
 * (default p50, p99, p99.9 and iops) whose verdict is "worse", i.e. its
 * interval excludes 1 and its change is beyond the noise threshold
 * (`--noise-threshold`, default 2%, never below the measured noise floor).
 * Pure; orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFailOn, parseNoiseThreshold } from "./comparison.ts";
 * assert.equal(parseNoiseThreshold("5%"), 0.05);
 * assert.deepEqual(parseFailOn("p99,iops"), ["p99", "iops"]);
 * ```
 *
 * @module
 */

import Table from "cli-table3";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { analyseResult } from "../analysis/analyse.ts";
import { compareResults, type ComparisonRow, type ResultComparison } from "../analysis/compare.ts";
import type { ResultInput } from "../analysis/input.ts";
import { isMetricName, metricInfo, type MetricName, METRICS } from "../analysis/metrics.ts";
import { DEFAULT_NOISE_THRESHOLD } from "../analysis/significance.ts";
import { formatValue } from "../analysis/threshold_eval.ts";
import { closest } from "./scenario_ref.ts";
import { formatCount } from "./summary_table.ts";

/** The metrics whose regression fails `compare` when `--fail-on` is not given. */
export const DEFAULT_FAIL_ON: readonly MetricName[] = ["p50", "p99", "p99.9", "iops"];

/**
 * A `--noise-threshold` value: a percentage (`5%`) or a share (`0.05`),
 * from 0 to 1000%. Throws commander's InvalidArgumentError.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNoiseThreshold } from "./comparison.ts";
 * assert.equal(parseNoiseThreshold("0.1"), 0.1);
 * assert.throws(() => parseNoiseThreshold("five"), /expected a share/);
 * ```
 */
export function parseNoiseThreshold(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  const share = m === null ? NaN : Number(m[1]) / (m[2] === "%" ? 100 : 1);
  if (!(share >= 0 && share <= 10)) {
    throw new InvalidArgumentError(
      `expected a share such as 5% or 0.05 (from 0 to 1000%), found "${value}".`,
    );
  }
  return share;
}

/**
 * A `--fail-on` value: metric names separated by commas, `all` (every
 * metric) or `none` (report only, never fail). Throws commander's
 * InvalidArgumentError naming the metrics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFailOn } from "./comparison.ts";
 * assert.deepEqual(parseFailOn("none"), []);
 * assert.equal(parseFailOn("all").length, 10);
 * assert.throws(() => parseFailOn("p99,mx"), /Did you mean "max"\?/);
 * ```
 */
export function parseFailOn(value: string): MetricName[] {
  const v = value.trim();
  if (v === "all") return [...METRICS];
  if (v === "none") return [];
  const names = v.split(",").map((s) => s.trim());
  for (const n of names) {
    if (!isMetricName(n)) {
      const guess = closest(n, METRICS);
      throw new InvalidArgumentError(
        `expected metric names separated by commas (${METRICS.join(", ")}), all or none; ` +
          `found "${n}".${guess === undefined ? "" : ` Did you mean "${guess}"?`}`,
      );
    }
  }
  return names as MetricName[];
}

/** Options of {@link compareDocuments}. */
export interface CompareDocumentsOptions {
  /** Smallest noise threshold, a share (default 0.02). */
  noiseThreshold?: number;
  /** Metrics whose regression counts (default {@link DEFAULT_FAIL_ON}). */
  failOn?: readonly MetricName[];
  /** Bootstrap replicates (default 1000). */
  resamples?: number;
}

/** A comparison and the regressions that fail the command. */
export interface DocumentComparison extends ResultComparison {
  /** The regressions among the `failOn` metrics. */
  failing: ComparisonRow[];
}

/**
 * Compares `current` with `baseline` (every metric; seeded, so the same
 * files give the same intervals).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareDocuments } from "./comparison.ts";
 * const doc = { manifest: { noiseFloor: null }, runs: [], summary: [] };
 * assert.deepEqual(compareDocuments(doc, doc).failing, []);
 * ```
 */
export function compareDocuments(
  baseline: ResultInput,
  current: ResultInput,
  options: CompareDocumentsOptions = {},
): DocumentComparison {
  const c = compareResults(analyseResult(baseline), analyseResult(current), {
    threshold: options.noiseThreshold ?? DEFAULT_NOISE_THRESHOLD,
    resamples: options.resamples,
  });
  const failOn = options.failOn ?? DEFAULT_FAIL_ON;
  return { ...c, failing: c.regressions.filter((r) => failOn.includes(r.metric)) };
}

function value(metric: MetricName, v: number): string {
  const unit = metricInfo(metric).unit;
  if (unit === "share") return `${(v * 100).toFixed(1)}%`;
  if (unit === "1/s") return formatCount(v);
  return formatValue(v, true);
}

function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(3))) : "-";
}

/**
 * The comparison as a terminal table (no colours), one line per point,
 * placement, device and metric; "" for no rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { comparisonTable } from "./comparison.ts";
 * assert.equal(comparisonTable([]), "");
 * ```
 */
export function comparisonTable(rows: readonly ComparisonRow[]): string {
  if (rows.length === 0) return "";
  const table = new Table({
    head: [
      "point",
      "placement",
      "device",
      "metric",
      "baseline",
      "current",
      "ratio",
      "95% interval",
      "threshold",
      "verdict",
    ],
    style: { head: [], border: [] },
    chars: { "mid": "", "left-mid": "", "mid-mid": "", "right-mid": "" },
    colAligns: [
      "left",
      "left",
      "left",
      "left",
      "right",
      "right",
      "right",
      "right",
      "right",
      "left",
    ],
  });
  for (const r of rows) {
    table.push([
      r.point,
      r.placement,
      r.device,
      r.metric,
      value(r.metric, r.referenceValue),
      value(r.metric, r.value),
      `${num(r.ratio)}x`,
      `[${num(r.low)}, ${num(r.high)}]`,
      `${num(r.threshold * 100)}%`,
      r.verdict,
    ]);
  }
  return table.toString();
}

/**
 * One line naming the failing regressions, or "" for none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { regressionLine } from "./comparison.ts";
 * assert.equal(regressionLine([]), "");
 * ```
 */
export function regressionLine(failing: readonly ComparisonRow[]): string {
  if (failing.length === 0) return "";
  return `${failing.length} regression${failing.length === 1 ? "" : "s"} beyond the noise ` +
    `threshold: ${
      failing.map((r) =>
        `${r.point}/${r.placement}.${r.device}.${r.metric} ${num(r.ratio)}x [${num(r.low)}, ${
          num(r.high)
        }] (threshold ${num(r.threshold * 100)}%)`
      ).join(", ")
    }`;
}
