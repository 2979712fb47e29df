/**
 * AIO_WAIT_WHILE and aio_wait_kick: wait for a condition by running an
 * event loop, with QEMU's rules about who may wait on whom.
 *
 * - A thread waiting on its own context polls that context.
 * - The main-loop thread may wait on any context (or none): it polls the
 *   main context; in the seed era it releases a context it acquired around
 *   each poll so the context's home thread can make progress.
 * - Any other wait is refused with an error: an IOThread waiting on another
 *   IOThread can deadlock, so such waits must go through the main loop.
 *
 * Whoever changes the condition from another thread calls
 * {@link aioWaitKick}, which (if anyone waits) schedules a no-op oneshot in
 * the main context so its blocking poll returns and the condition is
 * re-checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { aioWaitWhile } from "./aio_wait.ts";
 * const ctx = new AioContext();
 * let done = false;
 * ctx.scheduleOneshot(() => (done = true));
 * assert.equal(aioWaitWhile(ctx, () => !done), true); // it polled
 * assert.equal(done, true);
 * ctx.destroy();
 * ```
 *
 * @module
 */

import { REGISTRY } from "../sync/layout.ts";
import { defaultRegistry, notifyContext } from "../sync/registry.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import { AioContext } from "./aio_context.ts";
import { RemoteAioContext } from "./context_handle.ts";
import { BUILTIN_HANDLER } from "./handler_ref.ts";
import { currentRole, getCurrentAioContext, mainContextHandle } from "./thread_state.ts";

let mainRemote: RemoteAioContext | null = null;

/**
 * AIO_WAIT_WHILE(ctx, cond): polls until `cond()` is false; returns whether
 * it polled at least once. `ctx` is the context the condition depends on
 * (an `AioContext` homed here, a remote one, or null when several are
 * involved). Throws when the calling thread may not wait on `ctx` (see the
 * module doc). The home thread of `ctx`, or the main-loop thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { aioWaitWhile } from "./aio_wait.ts";
 * const ctx = new AioContext();
 * assert.equal(aioWaitWhile(ctx, () => false), false); // no poll needed
 * ctx.destroy();
 * ```
 */
export function aioWaitWhile(
  ctx: AioContext | RemoteAioContext | null,
  cond: () => boolean,
): boolean {
  const reg = defaultRegistry();
  const here = getCurrentAioContext();
  let loop: AioContext;
  let release: RemoteAioContext | null = null;
  if (ctx instanceof AioContext && ctx.homeThread === currentThreadId()) {
    loop = ctx;
  } else if (ctx !== null && here !== null && here.id === ctx.id) {
    loop = here;
  } else if (currentRole() === "main-loop" && here !== null) {
    loop = here;
    const r = ctx === null ? null : ctx instanceof AioContext ? ctx.remote() : ctx;
    if (r !== null && r.acquiredByMe()) {
      // Seed era: the waiter holds the context lock exactly once and drops
      // it around each poll so the context's home thread can run.
      const depth = r.acquireDepth();
      if (depth !== 1) {
        throw new Error(
          `aioWaitWhile: context "${r.name}" is acquired ${depth} times by this thread; ` +
            `waiting needs it held exactly once (nested acquire would deadlock)`,
        );
      }
      release = r;
    }
  } else {
    const target = ctx === null ? "several contexts" : `context "${ctx.name}"`;
    const who = `${currentThreadName()} (thread ${currentThreadId()}, ${currentRole()})`;
    const hint = currentRole() === "iothread"
      ? "; an IOThread waiting on another IOThread can deadlock: route the wait through the main loop"
      : "";
    throw new Error(
      `aioWaitWhile: ${who} cannot wait for ${target}: only the context's home thread or ` +
        `the main loop may wait${hint}`,
    );
  }
  // Pairs with aioWaitKick's Atomics.load(WAITERS): a kicker that changed
  // the condition after our check sees us waiting.
  Atomics.add(reg.words, REGISTRY.WAITERS, 1);
  let polled = false;
  try {
    while (cond()) {
      polled = true;
      if (release !== null) {
        release.release();
        try {
          loop.poll(true);
        } finally {
          release.acquire();
        }
      } else {
        loop.poll(true);
      }
    }
  } finally {
    Atomics.sub(reg.words, REGISTRY.WAITERS, 1);
  }
  return polled;
}

/**
 * aio_wait_kick: if some thread is inside {@link aioWaitWhile}, kicks the
 * main loop with a no-op oneshot so waiters re-check their condition. Call
 * it after changing a waited-on condition from another thread. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REGISTRY } from "../sync/layout.ts";
 * import { defaultRegistry } from "../sync/registry.ts";
 * import { aioWaitKick } from "./aio_wait.ts";
 * const words = defaultRegistry().words;
 * aioWaitKick(); // nobody waits: costs one atomic load, kicks nothing
 * assert.equal(words[REGISTRY.KICKS], 0);
 * ```
 */
export function aioWaitKick(): void {
  const reg = defaultRegistry();
  // Pairs with aioWaitWhile's Atomics.add(WAITERS) (full barrier on both sides).
  if (Atomics.load(reg.words, REGISTRY.WAITERS) === 0) return;
  Atomics.add(reg.words, REGISTRY.KICKS, 1);
  const h = mainContextHandle();
  if (h !== null) {
    if (
      mainRemote === null || mainRemote.handle.id !== h.id ||
      mainRemote.handle.generation !== h.generation
    ) mainRemote = new RemoteAioContext(h);
    // A main loop that has ended takes no kick (its handle is stale).
    if (h.home !== currentThreadId() && mainRemote.alive) {
      mainRemote.scheduleOneshot(BUILTIN_HANDLER.NOOP);
      return;
    }
  }
  const main = Atomics.load(reg.words, REGISTRY.MAIN_CONTEXT) - 1;
  if (main >= 0) notifyContext(reg.words, main);
}
