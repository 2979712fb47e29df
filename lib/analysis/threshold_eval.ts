/**
 * Evaluation of thresholds against an analysed result, one outcome per
 * threshold, point and expansion of `*` (every placement, every device),
 * each with its two values, pass or fail, and why. A threshold that names
 * a placement or device the result does not have fails (it cannot be
 * checked, and must not pass silently). Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateThresholds } from "./threshold_eval.ts";
 * const empty = { points: [], noiseFloor: null, skippedRuns: 0 };
 * const [o] = evaluateThresholds(["main.disk0.p99 < 1ms"], empty);
 * assert.equal(o.pass, false);
 * assert.equal(o.why, "the result has no completed run to check it against");
 * ```
 *
 * @module
 */

import type { AnalysedResult, PointAnalysis } from "./analyse.ts";
import { bootstrapRatios } from "./bootstrap.ts";
import { metricInfo } from "./metrics.ts";
import { deriveSeed } from "./random.ts";
import {
  type Comparison,
  parseThreshold,
  type Reference,
  type Side,
  type Threshold,
} from "./threshold_parse.ts";

/** The outcome of one threshold at one point and one expansion of its `*`. */
export interface ThresholdOutcome {
  /** The threshold as written. */
  threshold: string;
  /** The threshold with every `*` replaced by what it stood for here. */
  expression: string;
  /** The point (scenario and sweep label, see `pointKey`); `""` when the result has none. */
  point: string;
  /** Value of the left side (ns for times); NaN when it could not be evaluated. */
  left: number;
  /** Value of the right side; NaN when it could not be evaluated. */
  right: number;
  /** Whether the comparison holds. */
  pass: boolean;
  /** One sentence: the values compared, or why nothing could be. */
  why: string;
}

/** Options of {@link evaluateThresholds}. */
export interface ThresholdOptions {
  /** Seed of the ratio intervals (default 1). */
  seed?: number;
  /** Bootstrap replicates of a ratio interval (default 1000). */
  resamples?: number;
}

/**
 * Formats a value for a sentence: times in ns, us, ms or s with three
 * significant digits, other values with four.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatValue } from "./threshold_eval.ts";
 * assert.equal(formatValue(1_234_567, true), "1.23 ms");
 * assert.equal(formatValue(0.5, false), "0.5");
 * ```
 */
export function formatValue(v: number, time: boolean): string {
  if (!Number.isFinite(v)) return String(v);
  if (!time) return String(Number(v.toPrecision(4)));
  const [unit, scale] = v >= 1e9
    ? ["s", 1e9]
    : v >= 1e6
    ? ["ms", 1e6]
    : v >= 1e3
    ? ["us", 1e3]
    : ["ns", 1];
  return `${Number((v / scale).toPrecision(3))} ${unit}`;
}

function holds(a: number, op: Comparison, b: number): boolean {
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

function refText(r: Reference): string {
  return r.kind === "metric"
    ? `${r.placement}.${r.device}.${r.metric}`
    : `ratio(${r.numerator}/${r.denominator}).${r.device}.${r.metric}`;
}

function sideText(s: Side, time: boolean): string {
  if (s.kind === "constant") return formatValue(s.value, time);
  return s.factor === 1 ? refText(s.ref) : `${s.factor} * ${refText(s.ref)}`;
}

interface Binding {
  placement: string | null;
  device: string | null;
}

function bind(s: Side, b: Binding): Side {
  if (s.kind === "constant") return s;
  const r = s.ref;
  const device = r.device === "*" && b.device !== null ? b.device : r.device;
  if (r.kind === "ratio") return { ...s, ref: { ...r, device } };
  const placement = r.placement === "*" && b.placement !== null ? b.placement : r.placement;
  return { ...s, ref: { ...r, placement, device } };
}

/** Every binding of the `*`s of `t` at `point` (placements in order, devices sorted). */
function bindings(t: Threshold, point: PointAnalysis): Binding[] {
  const refs = [t.left, t.right].flatMap((s) => s.kind === "ref" ? [s.ref] : []);
  const placementStar = refs.some((r) => r.kind === "metric" && r.placement === "*");
  const deviceStar = refs.some((r) => r.device === "*");
  const placements = placementStar ? Object.keys(point.placements) : [null];
  const out: Binding[] = [];
  for (const placement of placements) {
    if (!deviceStar) {
      out.push({ placement, device: null });
      continue;
    }
    const devices = new Set<string>();
    for (const r of refs) {
      const names = r.kind === "metric"
        ? [r.placement === "*" ? placement! : r.placement]
        : [r.numerator, r.denominator];
      for (const n of names) {
        for (const d of Object.keys(point.placements[n]?.devices ?? {})) devices.add(d);
      }
    }
    for (const device of [...devices].sort()) out.push({ placement, device });
  }
  return out;
}

class Unresolved extends Error {}

function deviceOf(point: PointAnalysis, placement: string, device: string) {
  const p = point.placements[placement];
  if (p === undefined) {
    throw new Unresolved(
      `placement "${placement}" is not in the result (it has ${
        Object.keys(point.placements).join(", ")
      })`,
    );
  }
  const d = p.devices[device];
  if (d === undefined) {
    throw new Unresolved(
      `placement "${placement}" has no device "${device}" (it has ${
        Object.keys(p.devices).join(", ") || "none"
      })`,
    );
  }
  return d;
}

/**
 * Evaluates every threshold (text, parsed here, or already parsed) at every
 * point of `analysed`, in order.
 *
 * @throws {ThresholdSyntaxError} if a threshold text does not parse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistogramSnapshot } from "../measure/histogram.ts";
 * import { pointMetrics } from "./bootstrap.ts";
 * import { evaluateThresholds } from "./threshold_eval.ts";
 * const latency = new HistogramSnapshot();
 * latency.recordValue(150_000, 100);
 * const samples = [{ latency, completions: 100, durationNs: 1e9, intervals: [], bqlWaitShare: 0 }];
 * const disk0 = { metrics: pointMetrics(samples), samples } as never;
 * const point = { scenario: "s", sweep: {}, key: "s", placements: { main: { placement: "main", repetitions: [1], devices: { disk0 }, probes: {} } } };
 * const [o] = evaluateThresholds(["*.disk0.p99 < 2ms"], { points: [point], noiseFloor: null, skippedRuns: 0 });
 * assert.equal(o.expression, "main.disk0.p99 < 2 ms");
 * assert.equal(o.pass, true);
 * ```
 */
export function evaluateThresholds(
  thresholds: readonly (string | Threshold)[],
  analysed: AnalysedResult,
  options: ThresholdOptions = {},
): ThresholdOutcome[] {
  const seed = options.seed ?? 1;
  const resamples = options.resamples ?? 1000;
  const out: ThresholdOutcome[] = [];
  for (const given of thresholds) {
    const t = typeof given === "string" ? parseThreshold(given) : given;
    const time = [t.left, t.right].some((s) =>
      s.kind === "constant"
        ? s.time
        : s.ref.kind === "metric" && metricInfo(s.ref.metric).unit === "ns"
    );
    if (analysed.points.length === 0) {
      out.push({
        threshold: t.text,
        expression: t.text,
        point: "",
        left: NaN,
        right: NaN,
        pass: false,
        why: "the result has no completed run to check it against",
      });
      continue;
    }
    for (const point of analysed.points) {
      const all = bindings(t, point);
      if (all.length === 0) {
        out.push({
          threshold: t.text,
          expression: t.text,
          point: point.key,
          left: NaN,
          right: NaN,
          pass: false,
          why: "its * matches no placement or device of the result",
        });
        continue;
      }
      for (const b of all) {
        const left = bind(t.left, b);
        const right = bind(t.right, b);
        const op = t.op;
        const expression = `${sideText(left, time)} ${op} ${sideText(right, time)}${
          t.confidence === null ? "" : ` with ${Math.round(t.confidence * 1000) / 10}%`
        }`;
        const notes: string[] = [];
        const value = (s: Side, onLeft: boolean): number => {
          if (s.kind === "constant") return s.value;
          const r = s.ref;
          if (r.kind === "metric") {
            return s.factor * deviceOf(point, r.placement, r.device).metrics[r.metric];
          }
          const num = deviceOf(point, r.numerator, r.device);
          const den = deviceOf(point, r.denominator, r.device);
          const ratio = den.metrics[r.metric] === 0
            ? (num.metrics[r.metric] === 0 ? 1 : Infinity)
            : num.metrics[r.metric] / den.metrics[r.metric];
          if (t.confidence === null) return s.factor * ratio;
          const iv = bootstrapRatios(num.samples, den.samples, {
            seed: deriveSeed(seed, `${point.key}/${refText(r)}`),
            resamples,
            confidence: t.confidence,
          })[r.metric];
          // The end that must clear the bound: the upper one when the ratio must be small.
          const small = onLeft === (op === "<" || op === "<=");
          const end = small ? iv.high : iv.low;
          notes.push(
            `the ${small ? "upper" : "lower"} end of the ${
              Math.round(t.confidence * 1000) / 10
            }% interval [${formatValue(iv.low, false)}, ${formatValue(iv.high, false)}] of ${
              refText(r)
            } (ratio ${formatValue(iv.ratio, false)})`,
          );
          return s.factor * end;
        };
        try {
          const l = value(left, true);
          const r = value(right, false);
          const pass = holds(l, op, r);
          const what = notes.length === 0 ? "" : `, taking ${notes.join(" and ")}`;
          out.push({
            threshold: t.text,
            expression,
            point: point.key,
            left: l,
            right: r,
            pass,
            why: `${formatValue(l, time)} ${pass ? "is" : "is not"} ${op} ${
              formatValue(r, time)
            }${what}`,
          });
        } catch (e) {
          if (!(e instanceof Unresolved)) throw e;
          out.push({
            threshold: t.text,
            expression,
            point: point.key,
            left: NaN,
            right: NaN,
            pass: false,
            why: `cannot be checked: ${e.message}`,
          });
        }
      }
    }
  }
  return out;
}
