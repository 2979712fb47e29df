/**
 * Verdicts: a measured median against a target, either a ratio to a
 * baseline measured in the same run (the only comparison trusted on
 * machines that drift) or an absolute bound. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateTargets } from "./verdict.ts";
 * const [v] = evaluateTargets(
 *   [{ label: "rt <= 1.25x futex", measured: "rt", baseline: "futex", criterion: { kind: "ratio", max: 1.25 } }],
 *   new Map([["rt", 22], ["futex", 20]]),
 * );
 * assert.equal(v.ok, true);
 * assert.equal(v.value, 1.1);
 * ```
 *
 * @module
 */

/**
 * What a target requires of its measured median `m` (and its baseline's
 * median `b`):
 * - `ratio`: m / b <= max (slower than the baseline by at most `max`);
 * - `speedup`: b / m >= min (faster than the baseline by at least `min`);
 * - `value`: m <= max, in the measurement's own unit;
 * - `rate`: 1e9 / m >= min operations per second (m in ns per operation).
 */
export type Criterion =
  | { readonly kind: "ratio"; readonly max: number }
  | { readonly kind: "speedup"; readonly min: number }
  | { readonly kind: "value"; readonly max: number }
  | { readonly kind: "rate"; readonly min: number };

/** A named requirement on one measurement, relative to a baseline or absolute. */
export interface Target {
  /** Human-readable statement, e.g. `"(a) blocking round trip <= 1.25x C futex"`. */
  readonly label: string;
  /** Name of the measured measurement. */
  readonly measured: string;
  /** Name of the baseline measurement (`ratio`, `speedup`); `null` for absolute criteria. */
  readonly baseline: string | null;
  /** The requirement. */
  readonly criterion: Criterion;
}

/** The outcome of one {@linkcode Target}. */
export interface Verdict {
  /** The target's label. */
  readonly label: string;
  /** The target's criterion kind: says what {@linkcode Verdict.value} is. */
  readonly kind: Criterion["kind"];
  /**
   * m / b for `ratio`, b / m for `speedup`, m for `value`, operations per
   * second for `rate`; `null` when the measurement or its baseline is missing.
   */
  readonly value: number | null;
  /** Whether the target is met; `null` when it could not be evaluated. */
  readonly ok: boolean | null;
}

function checkTarget(t: Target): void {
  const relative = t.criterion.kind === "ratio" || t.criterion.kind === "speedup";
  if (relative && t.baseline === null) {
    throw new TypeError(
      `target "${t.label}": a "${t.criterion.kind}" criterion compares with a baseline, ` +
        `but baseline is null; name the baseline measurement or use "value" / "rate"`,
    );
  }
  if (!relative && t.baseline !== null) {
    throw new TypeError(
      `target "${t.label}": a "${t.criterion.kind}" criterion is absolute, but baseline ` +
        `"${t.baseline}" is given; set baseline to null or use "ratio" / "speedup"`,
    );
  }
}

/**
 * Evaluates each target against the medians by measurement name, in the
 * order of `targets`. A target whose measurement (or baseline) is absent is
 * reported with `value` and `ok` `null`. Any thread.
 *
 * @throws {TypeError} if a target pairs a relative criterion with no
 * baseline, or an absolute one with a baseline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateTargets } from "./verdict.ts";
 * const medians = new Map([["bh", 50]]); // ns per operation
 * const [rate, missing] = evaluateTargets([
 *   { label: "bh >= 10 M/s", measured: "bh", baseline: null, criterion: { kind: "rate", min: 10e6 } },
 *   { label: "x <= 30 ns", measured: "x", baseline: null, criterion: { kind: "value", max: 30 } },
 * ], medians);
 * assert.deepEqual([rate.value, rate.ok], [20e6, true]);
 * assert.deepEqual([missing.value, missing.ok], [null, null]);
 * ```
 */
export function evaluateTargets(
  targets: readonly Target[],
  medians: ReadonlyMap<string, number>,
): Verdict[] {
  for (const t of targets) checkTarget(t);
  return targets.map((t): Verdict => {
    const c = t.criterion;
    const m = medians.get(t.measured);
    const b = t.baseline === null ? undefined : medians.get(t.baseline);
    if (m === undefined || (t.baseline !== null && b === undefined)) {
      return { label: t.label, kind: c.kind, value: null, ok: null };
    }
    switch (c.kind) {
      case "ratio": {
        const ratio = m / b!;
        return { label: t.label, kind: c.kind, value: ratio, ok: ratio <= c.max };
      }
      case "speedup": {
        const speedup = b! / m;
        return { label: t.label, kind: c.kind, value: speedup, ok: speedup >= c.min };
      }
      case "value":
        return { label: t.label, kind: c.kind, value: m, ok: m <= c.max };
      case "rate": {
        const rate = 1e9 / m;
        return { label: t.label, kind: c.kind, value: rate, ok: rate >= c.min };
      }
    }
  });
}
