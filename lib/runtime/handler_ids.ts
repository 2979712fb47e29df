/**
 * The one table of reserved handler ids: every integer handler id that
 * aiolab itself, its tests or its benchmarks use, and who registers it.
 * Registration is always explicit (a function the thread calls at setup),
 * never a side effect of importing a module.
 *
 * Ranges:
 * - 1-15: runtime built-ins, registered with `registerBuiltinHandler`.
 * - 16 up to `HANDLER_NAME_BASE` (2^20): `registerHandler`; the ids below
 *   are taken by aiolab's upper layers, its tests and its benchmarks, the
 *   rest are free for users (the examples in the docs use 100-399).
 * - 2^20 and above: interned module references (`"url#export"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HANDLER_ID } from "./handler_ids.ts";
 * assert.equal(HANDLER_ID.NOOP, 1);
 * assert.ok(HANDLER_ID.DEVICE_ATTACH >= 16);
 * ```
 *
 * @module
 */

/** Every reserved handler id (see the module doc for the ranges). */
export const HANDLER_ID = {
  /** Does nothing: a kick that counts as progress. Built into every thread's table (handler_ref.ts). */
  NOOP: 1,
  /** Stops the event loop thread running the context. Registered by the thread entry (_worker.ts) at start. */
  STOP: 2,
  /** Enters a coroutine scheduled from another thread ([id, generation, contextId]). Registered by `registerCoroutineHandlers()` (coroutine.ts), which the thread entry calls at start. */
  CO_SCHEDULE: 3,
  /** Oneshot throughput benchmark consumer. Registered by bench/_fixture_runtime.ts's consumer setup. */
  BENCH_ONESHOT: 700,
  /** Test handler that throws. Registered by `registerTestHandlers()` (lib/runtime/testdata/iothread.ts), which a test runs in the thread. */
  TEST_THROW: 9500,
  /** Test handler that records its arguments. Registered by `registerTestHandlers()` (lib/runtime/testdata/iothread.ts). */
  TEST_RECORD: 9501,
  /** Notify-protocol stress test consumer. Registered by `stressSetup()` (lib/runtime/testdata/stress.ts). */
  TEST_STRESS: 9600,
  /** Device attach step (runs in the new context's thread). Registered by lib/machine's device setup. */
  DEVICE_ATTACH: 9700,
  /** Device detach step (runs in the old context's thread). Registered by lib/machine's device setup. */
  DEVICE_DETACH: 9701,
} as const;
