/**
 * Driver descriptions: a driver instance is a JavaScript object and cannot
 * cross Workers, so what travels is a structured-cloneable
 * {@link DriverSpec} (QEMU's `-blockdev driver=...,key=value` options),
 * which {@link openDriver} turns into an instance in the thread that will
 * run it. Opening has no lasting effect on the host: a file is opened,
 * never created or truncated (do that once, where the run is prepared).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDriver } from "./driver_spec.ts";
 * import { NullDriver } from "./null_driver.ts";
 * const spec = structuredClone({ kind: "null", latencyNs: 1000 } as const);
 * const drv = openDriver(spec);
 * assert.ok(drv instanceof NullDriver);
 * assert.equal(drv.latencyNs, 1000);
 * ```
 *
 * @module
 */

import type { DriverHooks, IoDriver } from "./driver.ts";
import { FileDriver } from "./file_driver.ts";
import { NullDriver, type NullDriverOptions } from "./null_driver.ts";

/** The `null` driver's description (null-aio's options). */
export interface NullDriverSpec extends NullDriverOptions {
  /** Driver name. */
  readonly kind: "null";
}

/** The `file` driver's description: an existing host file. */
export interface FileDriverSpec {
  /** Driver name. */
  readonly kind: "file";
  /** Host path; the file must exist. */
  readonly filename: string;
  /** Reported size; default: the file's size when it is opened. */
  readonly size?: number;
}

/** A structured-cloneable description of a driver instance. */
export type DriverSpec = NullDriverSpec | FileDriverSpec;

/** A driver instance as {@link openDriver} returns it. */
export type OpenedDriver = (NullDriver | FileDriver) & DriverHooks & IoDriver;

/**
 * Creates the driver instance `spec` describes. The thread that will run
 * it (file permissions are needed for `file`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDriver } from "./driver_spec.ts";
 * // deno-lint-ignore no-explicit-any
 * assert.throws(() => openDriver({ kind: "nvme" } as any), /expected "null" or "file"/);
 * ```
 */
export function openDriver(spec: DriverSpec): OpenedDriver {
  switch (spec.kind) {
    case "null":
      return new NullDriver({
        size: spec.size,
        latencyNs: spec.latencyNs,
        readZeroes: spec.readZeroes,
      });
    case "file":
      return new FileDriver({ filename: spec.filename, size: spec.size });
    default:
      throw new TypeError(
        `driver description: kind must be one of the drivers aiolab has, expected "null" or ` +
          `"file", got ${JSON.stringify((spec as { kind?: unknown }).kind)}`,
      );
  }
}
