/**
 * {@link CoroutineError}: what leaves an enter call when a coroutine body
 * throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CoroutineError } from "./co_error.ts";
 * const e = new CoroutineError("co1", new Error("bad"));
 * assert.equal(e.message, 'coroutine "co1" failed: bad');
 * ```
 *
 * @module
 */

/**
 * Error that left a coroutine: `coroutine` names it, `cause` is what the
 * body threw. Nested coroutines keep the innermost name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coEnter, Coroutine } from "./co_core.ts";
 * import { CoroutineError } from "./co_error.ts";
 * const co = Coroutine.create(function* () {
 *   yield* [];
 *   throw new Error("boom");
 * }, null, "worker");
 * assert.throws(() => coEnter(co), (e: unknown) => {
 *   assert.ok(e instanceof CoroutineError);
 *   assert.equal(e.coroutine, "worker");
 *   assert.equal(e.message, 'coroutine "worker" failed: boom');
 *   return true;
 * });
 * ```
 */
export class CoroutineError extends Error {
  /** Name of the coroutine the error left. */
  readonly coroutine: string;

  /**
   * Wraps `cause` thrown by coroutine `coroutine`. The coroutine machinery;
   * any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CoroutineError } from "./co_error.ts";
   * const cause = new Error("bad");
   * const e = new CoroutineError("co1", cause);
   * assert.equal(e.cause, cause);
   * assert.match(e.stack ?? "", /Caused by: Error: bad/);
   * ```
   */
  constructor(coroutine: string, cause: unknown) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(`coroutine "${coroutine}" failed: ${msg}`, { cause });
    this.name = "CoroutineError";
    this.coroutine = coroutine;
    if (cause instanceof Error && cause.stack !== undefined) {
      this.stack = `${this.stack}\nCaused by: ${cause.stack}`;
    }
  }
}
