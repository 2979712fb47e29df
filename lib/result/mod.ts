/**
 * Results: the result document (versioned, validated on load, written
 * atomically) with its manifest, runs and flat summary; the run report it
 * stores; the one measurement type; the host part of the manifest; atomic
 * file writes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurement, RESULT_SCHEMA_VERSION } from "./mod.ts";
 * assert.equal(measurement("x", [1, 2, 3]).median, 2);
 * assert.equal(RESULT_SCHEMA_VERSION, 1);
 * ```
 *
 * @module
 */

export { describeHost, type DescribeHostOptions, type HostDescription } from "./host.ts";
export { writeTextFileAtomic } from "./atomic_write.ts";
export {
  bqlWaitShare,
  loadResult,
  type Manifest,
  type NoiseFloor,
  RESULT_SCHEMA_VERSION,
  type ResultDocument,
  ResultError,
  RUN_OUTPUT_STRAY_KEPT,
  type RunError,
  type RunOutput,
  type RunRecord,
  type RunRecordStatus,
  type SampleSummary,
  sha256Hex,
  summarize,
  type SummaryRow,
  writeResult,
} from "./document.ts";
export {
  type ContextReport,
  type DeviceReport,
  emptyHistogramReport,
  type HistogramReport,
  type LockReport,
  type LockThreadReport,
  type MachineReport,
  type ThreadErrorReport,
  type VcpuReport,
} from "./machine_report.ts";
export {
  type Measurement,
  measurement,
  type MeasurementUnit,
  poolMeasurements,
} from "./measurement.ts";
