/**
 * The `null` block driver: the counterpart of QEMU's null-aio (§1.16). Every
 * read, write and flush completes after about `latencyNs` on a REALTIME
 * timer in the node's AioContext, or through a oneshot bottom half there
 * when `latencyNs` is 0. Reads fill the buffer with zeroes only with
 * `readZeroes` (otherwise the data is null: "left untouched"). The size is
 * reported, and requests beyond it fail.
 *
 * The node's context must be homed in the calling thread (the driver
 * resolves it with `localContext`), since completions are scheduled there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NullDriver } from "./null_driver.ts";
 * const d = new NullDriver({ latencyNs: 1000, readZeroes: true });
 * assert.equal(d.size, 1073741824);
 * ```
 *
 * @module
 */

import { ClockType, Scale } from "../runtime/clock.ts";
import { localContext } from "../runtime/thread_state.ts";
import type { BlockRequest, DriverHooks, DriverNode, IoDriver, RequestResult } from "./driver.ts";

/** Options of {@link NullDriver} (null-co/null-aio's). */
export interface NullDriverOptions {
  /** Reported size in bytes. Default 1 GiB. */
  size?: number;
  /** Completion delay, ns (>= 0). Default 0. */
  latencyNs?: number;
  /** Reads return zeroes. Default false. */
  readZeroes?: boolean;
}

/**
 * A null driver instance. Used by the node's context's home thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NullDriver } from "./null_driver.ts";
 * assert.equal(new NullDriver().latencyNs, 0);
 * ```
 */
export class NullDriver implements DriverHooks, IoDriver {
  /** Reported size, bytes. */
  readonly size: number;
  /** Completion delay, ns. */
  readonly latencyNs: number;
  /** Reads return zeroes. */
  readonly readZeroes: boolean;
  /** Requests completed (statistic). */
  completed = 0;
  /** Contexts attached to / detached from (statistics; QEMU's null driver keeps no per-context state). */
  attaches = 0;
  /** See {@link NullDriver.attaches}. */
  detaches = 0;

  /**
   * Validates the options (negative latency is an error, as in QEMU).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NullDriver } from "./null_driver.ts";
   * const d = new NullDriver({ size: 4096 });
   * assert.equal(d.size, 4096);
   * assert.throws(() => new NullDriver({ latencyNs: -1 }), /latency-ns must be an integer >= 0/);
   * ```
   */
  constructor(options: NullDriverOptions = {}) {
    const size = options.size ?? 2 ** 30;
    const latencyNs = options.latencyNs ?? 0;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`null driver: size must be an integer >= 0, got ${size}`);
    }
    if (!Number.isSafeInteger(latencyNs) || latencyNs < 0) {
      throw new RangeError(`null driver: latency-ns must be an integer >= 0, got ${latencyNs}`);
    }
    this.size = size;
    this.latencyNs = latencyNs;
    this.readZeroes = options.readZeroes ?? false;
  }

  /**
   * bdrv_attach_aio_context: nothing to move for this driver. New context's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NullDriver } from "./null_driver.ts";
   * const d = new NullDriver();
   * assert.equal(d.attaches, 0);
   * ```
   */
  attachAioContext(): void {
    this.attaches++;
  }

  /**
   * bdrv_detach_aio_context: nothing to release. Old context's thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NullDriver } from "./null_driver.ts";
   * assert.equal(new NullDriver().detaches, 0);
   * ```
   */
  detachAioContext(): void {
    this.detaches++;
  }

  /**
   * Runs `req` and completes it in the node's context. The node's context's
   * home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "../runtime/aio_context.ts";
   * import { BlockGraph } from "./block_graph.ts";
   * import { NullDriver } from "./null_driver.ts";
   * const ctx = new AioContext();
   * const d = new NullDriver({ readZeroes: true });
   * const n = new BlockGraph({ mainContext: ctx.id }).addNode({ nodeName: "n", driver: d });
   * let data: Uint8Array | null | undefined;
   * d.submit(n, { op: "read", offset: 0, bytes: 4 }, (r) => (data = r.data));
   * ctx.poll(false);
   * assert.deepEqual(data, new Uint8Array(4));
   * ctx.destroy();
   * ```
   */
  submit(node: DriverNode, req: BlockRequest, done: (r: RequestResult) => void): void {
    const ctx = localContext(node.aioContext);
    if (ctx === undefined) {
      throw new Error(
        `null driver: node "${node.nodeName}" is in context ${node.aioContext}, which is not ` +
          `homed in this thread`,
      );
    }
    let result: RequestResult;
    if (req.op !== "flush" && req.offset + req.bytes > this.size) {
      result = {
        ok: false,
        error: new RangeError(
          `null driver: ${req.op} of ${req.bytes} bytes at ${req.offset} is beyond the size ${this.size}`,
        ),
      };
    } else if (req.op === "read") {
      result = { ok: true, data: this.readZeroes ? new Uint8Array(req.bytes) : null };
    } else {
      result = { ok: true };
    }
    const complete = (): void => {
      this.completed++;
      done(result);
    };
    if (this.latencyNs === 0) {
      ctx.scheduleOneshot(complete, undefined, "null-aio-complete");
    } else {
      const t = ctx.timerNew(ClockType.REALTIME, Scale.NS, complete, undefined, "null-aio-latency");
      t.modNs(ctx.clocks.now(ClockType.REALTIME) + this.latencyNs);
    }
  }
}
