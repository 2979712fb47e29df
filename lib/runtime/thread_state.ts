/**
 * Per-thread runtime state: the calling thread's role and its "current"
 * AioContext (QEMU's qemu_get_current_aio_context / in_aio_context_home_thread).
 *
 * @example
 * ```ts
 * import { currentRole, getCurrentAioContext } from "./thread_state.ts";
 * console.log(currentRole(), getCurrentAioContext()); // "orchestrator" null
 * ```
 *
 * @module
 */

import type { AioContext } from "./aio_context.ts";
import type { AioContextHandle } from "./context_handle.ts";

/** What an aiolab thread is. */
export type ThreadRole = "orchestrator" | "main-loop" | "iothread" | "vcpu";

let role: ThreadRole = "orchestrator";
const local = new Map<number, AioContext>();
let current: AioContext | null = null;
let mainHandle: AioContextHandle | null = null;

/**
 * The calling thread's role. Any thread.
 *
 * @example
 * ```ts
 * import { currentRole } from "./thread_state.ts";
 * console.log(currentRole());
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
 * import { getCurrentAioContext } from "./thread_state.ts";
 * console.log(getCurrentAioContext()); // null in the orchestrator
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
 * ```ts ignore
 * import { setCurrentAioContext } from "./thread_state.ts";
 * setCurrentAioContext("iothread", ctx);
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
 * ```ts ignore
 * import { setMainContextHandle } from "./thread_state.ts";
 * setMainContextHandle(init.main);
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
 * import { mainContextHandle } from "./thread_state.ts";
 * console.log(mainContextHandle()); // null until a MainLoop starts
 * ```
 */
export function mainContextHandle(): AioContextHandle | null {
  return mainHandle;
}

/**
 * The AioContext with id `id` if it is homed in the calling thread, else
 * undefined (contexts of other threads are reached through their handles).
 * Any thread.
 *
 * @example
 * ```ts
 * import { AioContext } from "./aio_context.ts";
 * import { localContext } from "./thread_state.ts";
 * const ctx = new AioContext();
 * console.log(localContext(ctx.id) === ctx); // true
 * ctx.destroy();
 * ```
 */
export function localContext(id: number): AioContext | undefined {
  return local.get(id);
}

/**
 * Records a context homed in this thread (called by AioContext itself). The
 * context's home thread.
 *
 * @example
 * ```ts ignore
 * import { registerLocalContext } from "./thread_state.ts";
 * registerLocalContext(ctx); // done by the AioContext constructor
 * ```
 */
export function registerLocalContext(ctx: AioContext): void {
  local.set(ctx.id, ctx);
}

/**
 * Forgets a destroyed context (called by AioContext.destroy). Its home thread.
 *
 * @example
 * ```ts ignore
 * import { unregisterLocalContext } from "./thread_state.ts";
 * unregisterLocalContext(ctx); // done by AioContext.destroy
 * ```
 */
export function unregisterLocalContext(ctx: AioContext): void {
  if (local.get(ctx.id) === ctx) local.delete(ctx.id);
}
