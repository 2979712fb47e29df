/**
 * The one measurement type of aiolab's results: a name, a unit, every
 * sample and their median, plus named extra figures. Baselines, runtime
 * benchmarks and the lab's runs all report it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurement } from "./measurement.ts";
 * const m = measurement("rt_blocking", [21, 23, 22], { wakes: 3 });
 * assert.equal(m.median, 22);
 * assert.equal(m.unit, "ns");
 * ```
 *
 * @module
 */

import { median } from "../analysis/statistics.ts";

/** Units a {@linkcode Measurement}'s samples may carry. */
export type MeasurementUnit = "ns";

/** One measured thing: per-batch (or per-repetition) samples and their median. */
export interface Measurement {
  /** Name, unique in its result, e.g. `"rt_blocking"` or `"c_futex_pingpong"`. */
  name: string;
  /** Unit of {@linkcode Measurement.samples} and {@linkcode Measurement.median}: ns per operation. */
  unit: MeasurementUnit;
  /** One value per batch or repetition. */
  samples: number[];
  /** Median of {@linkcode Measurement.samples}. */
  median: number;
  /**
   * Additional numeric figures, e.g. `n`, `batch`, `blocked_ratio`, `mbps`
   * or context counters; absent when there are none.
   */
  extra?: Record<string, number>;
}

/**
 * Builds a {@linkcode Measurement} in ns per operation, computing its
 * median; `extra` is kept only when it has a field. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurement } from "./measurement.ts";
 * assert.deepEqual(measurement("x", [4, 2]), { name: "x", unit: "ns", samples: [4, 2], median: 3 });
 * ```
 */
export function measurement(
  name: string,
  samples: readonly number[],
  extra?: Record<string, number>,
): Measurement {
  const m: Measurement = { name, unit: "ns", samples: [...samples], median: median(samples) };
  if (extra !== undefined && Object.keys(extra).length > 0) m.extra = { ...extra };
  return m;
}

/**
 * Pools measurements of the same thing taken in several rounds into one:
 * samples concatenated in order, the median taken over the pool, `extra`
 * from the first part. Any thread.
 *
 * @throws {TypeError} if `parts` is empty or the parts differ in name or unit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurement, poolMeasurements } from "./measurement.ts";
 * const m = poolMeasurements([measurement("rt", [1, 2]), measurement("rt", [9])]);
 * assert.deepEqual(m.samples, [1, 2, 9]);
 * assert.equal(m.median, 2);
 * ```
 */
export function poolMeasurements(parts: readonly Measurement[]): Measurement {
  const first = parts[0];
  if (first === undefined) {
    throw new TypeError("poolMeasurements: expected at least one measurement, got none");
  }
  for (const p of parts) {
    if (p.name !== first.name || p.unit !== first.unit) {
      throw new TypeError(
        `poolMeasurements: every part must measure "${first.name}" in ${first.unit}, ` +
          `found "${p.name}" in ${p.unit}`,
      );
    }
  }
  return measurement(first.name, parts.flatMap((p) => p.samples), first.extra);
}
