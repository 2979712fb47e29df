/**
 * The error an aiolab thread reports to the orchestrator: which thread,
 * which handler, and the stack as it was in that thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioThreadError, errorInfo } from "./aio_thread_error.ts";
 * const e = new AioThreadError("IO iot0", "tick", errorInfo(new RangeError("x")));
 * assert.equal(e.thread, "IO iot0");
 * assert.equal(e.handler, "tick");
 * assert.equal(e.remote.name, "RangeError");
 * ```
 *
 * @module
 */

/** A serialised error (what crosses the thread boundary). */
export interface ErrorInfo {
  /** Error class name. */
  name: string;
  /** Error message. */
  message: string;
  /** Stack trace in the originating thread. */
  stack: string;
}

/**
 * Serialises any thrown value into an {@link ErrorInfo}. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorInfo } from "./aio_thread_error.ts";
 * assert.equal(errorInfo(new TypeError("bad")).name, "TypeError");
 * assert.deepEqual(errorInfo("oops"), { name: "Error", message: "oops", stack: "oops" });
 * ```
 */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) {
    return { name: err.name, message: err.message, stack: err.stack ?? String(err) };
  }
  return { name: "Error", message: String(err), stack: String(err) };
}

/**
 * An error raised inside an aiolab thread, as seen by the orchestrator: it
 * names the thread and the handler and carries the thread's stack.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioThreadError } from "./aio_thread_error.ts";
 * const e = new AioThreadError("IO iot0", "tick", { name: "Error", message: "x", stack: "" });
 * assert.equal(e.message, "thread IO iot0: handler tick threw: Error: x");
 * assert.ok(e instanceof Error);
 * ```
 */
export class AioThreadError extends Error {
  /** Thread name (e.g. `IO iot0`, `main-loop`). */
  readonly thread: string;
  /** Handler that threw, when known. */
  readonly handler: string | null;
  /** The error as it was in the thread. */
  readonly remote: ErrorInfo;

  /**
   * Builds the error. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioThreadError } from "./aio_thread_error.ts";
   * const remote = { name: "Error", message: "boom", stack: "at f" };
   * const e = new AioThreadError("main-loop", null, remote);
   * assert.equal(e.message, "thread main-loop: Error: boom"); // no handler known
   * assert.match(e.stack ?? "", /--- stack in main-loop ---\nat f/);
   * ```
   */
  constructor(thread: string, handler: string | null, remote: ErrorInfo) {
    super(
      `thread ${thread}: ${handler === null ? "" : `handler ${handler} threw: `}` +
        `${remote.name}: ${remote.message}`,
    );
    this.name = "AioThreadError";
    this.thread = thread;
    this.handler = handler;
    this.remote = remote;
    this.stack = `${this.name}: ${this.message}\n--- stack in ${thread} ---\n${remote.stack}`;
  }
}
