/**
 * Per-thread runtime state: the calling thread's role and its "current"
 * AioContext (QEMU's qemu_get_current_aio_context / in_aio_context_home_thread).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRole, getCurrentAioContext } from "./thread_state.ts";
 * assert.equal(currentRole(), "orchestrator");
 * assert.equal(getCurrentAioContext(), null);
 * ```
 *
 * @module
 */

import type { AioContext } from "./aio_context.ts";
import type { AioContextHandle } from "./context_handle.ts";

/** What an aiolab thread is. */
export type ThreadRole = "orchestrator" | "main-loop" | "iothread" | "vcpu";

let role: ThreadRole = "orchestrator";
let current: AioContext | null = null;
let mainHandle: AioContextHandle | null = null;

/**
 * The calling thread's role. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRole } from "./thread_state.ts";
 * assert.equal(currentRole(), "orchestrator"); // Deno's main thread
 * ```
 */
export function currentRole(): ThreadRole {
  return role;
}

/**
 * The context this thread runs (its IOThread context, or the main context in
 * the main-loop thread), else null. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getCurrentAioContext } from "./thread_state.ts";
 * assert.equal(getCurrentAioContext(), null); // the orchestrator runs no context
 * ```
 */
export function getCurrentAioContext(): AioContext | null {
  return current;
}

/**
 * Sets the calling thread's role and current context, once, at thread start
 * (qemu_set_current_aio_context). Throws if already set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { currentRole, getCurrentAioContext, setCurrentAioContext } from "./thread_state.ts";
 * // What an IOThread's entry does at start (a doc test is a fresh thread too).
 * const ctx = new AioContext({ name: "iot0" });
 * setCurrentAioContext("iothread", ctx);
 * assert.equal(currentRole(), "iothread");
 * assert.equal(getCurrentAioContext(), ctx);
 * assert.throws(() => setCurrentAioContext("iothread", ctx), /already runs context "iot0"/);
 * ctx.destroy();
 * ```
 */
export function setCurrentAioContext(r: ThreadRole, ctx: AioContext): void {
  if (current !== null) {
    throw new Error(`this thread already runs context "${current.name}"`);
  }
  role = r;
  current = ctx;
}

/**
 * Sets the role of a thread that runs no AioContext of its own (a vCPU),
 * once, at thread start; {@link getCurrentAioContext} stays null there.
 * Throws if the role was already set.
 *
 * @example
 * ```ts ignore
 * import { setThreadRole } from "./thread_state.ts";
 * setThreadRole("vcpu"); // done by the vCPU thread entry
 * ```
 */
export function setThreadRole(r: ThreadRole): void {
  if (role !== "orchestrator") throw new Error(`this thread's role is already "${role}"`);
  role = r;
}

/**
 * Records the main context's handle for this thread (set by the main loop
 * and passed to every Worker aiolab starts). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { mainContextHandle, setMainContextHandle } from "./thread_state.ts";
 * // What MainLoop.create and every aiolab Worker entry do with the main context's handle.
 * const main = new AioContext({ name: "main" });
 * setMainContextHandle(main.handle);
 * assert.equal(mainContextHandle()?.name, "main");
 * setMainContextHandle(null);
 * main.destroy();
 * ```
 */
export function setMainContextHandle(handle: AioContextHandle | null): void {
  mainHandle = handle;
}

/**
 * The main context's handle as known to this thread, or null when no main
 * loop was running when the thread started. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mainContextHandle } from "./thread_state.ts";
 * assert.equal(mainContextHandle(), null); // null until a MainLoop starts
 * ```
 */
export function mainContextHandle(): AioContextHandle | null {
  return mainHandle;
}

/**
 * The AioContext with id `id` if it is homed in the calling thread, else
 * undefined (contexts of other threads are reached through their handles).
 * Any thread. (Kept by aio_context.ts, which registers every context it
 * creates; re-exported here beside the other per-thread state.)
 */
export { localContext } from "./aio_context.ts";
