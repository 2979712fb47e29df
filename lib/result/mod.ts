/**
 * Results: the one measurement type, the host part of a result's manifest
 * and atomic file writes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurement } from "./mod.ts";
 * assert.equal(measurement("x", [1, 2, 3]).median, 2);
 * ```
 *
 * @module
 */

export { describeHost, type DescribeHostOptions, type HostDescription } from "./host.ts";
export { writeTextFileAtomic } from "./atomic_write.ts";
export {
  type Measurement,
  measurement,
  type MeasurementUnit,
  poolMeasurements,
} from "./measurement.ts";
