/**
 * {@link runInThread}: run one exported function of a module in a fresh
 * aiolab thread (a real Worker with the process's registry and its own
 * thread id), resolving with its structured-cloneable result. For tests
 * that need real threads without the runtime layer (it depends on lib/sync
 * only); the Worker entry is lib/testing/thread_worker.ts.
 *
 * Test support only: not re-exported from any `mod.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentThreadId } from "../sync/thread_id.ts";
 * import { runInThread } from "./thread.ts";
 *
 * const id = await runInThread<number>(
 *   new URL("../sync/thread_id.ts", import.meta.url),
 *   "currentThreadId",
 * );
 * assert.notEqual(id, currentThreadId(), "a thread of its own");
 * ```
 *
 * @module
 */

import { defaultRegistry } from "../sync/registry.ts";

/**
 * Runs `module#name(...args)` in a new Worker that shares this process's
 * registry, and resolves with its return value (awaited); rejects with
 * the thread's error (its stack) when the call throws. The Worker is
 * terminated and its thread id freed before the promise settles. Any
 * thread with a registry may call it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runInThread } from "./thread.ts";
 *
 * const url = new URL("../sync/thread_id.ts", import.meta.url);
 * await assert.rejects(runInThread(url, "setCurrentThread", 1, "again"), /test thread/);
 * ```
 */
export function runInThread<T>(module: string | URL, name: string, ...args: unknown[]): Promise<T> {
  const reg = defaultRegistry();
  const threadId = reg.allocThreadId();
  const w = new Worker(new URL("./thread_worker.ts", import.meta.url), { type: "module" });
  return new Promise<T>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<{ ok: boolean; value?: T; error?: string }>) => {
      w.terminate();
      reg.freeThreadId(threadId);
      if (e.data.ok) resolve(e.data.value as T);
      else {reject(
          new Error(`test thread ${threadId} (${String(module)}#${name}): ${e.data.error}`),
        );}
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      w.terminate();
      reg.freeThreadId(threadId);
      reject(new Error(`test thread ${threadId}: uncaught ${e.message}`));
    };
    w.postMessage({
      registry: reg.handle,
      threadId,
      module: new URL(String(module)).href,
      name,
      args,
    });
  });
}
