// Test helper: run one exported function of a module in a fresh aiolab
// thread (a real Worker), resolving with its (structured-cloneable) result.

import { defaultRegistry } from "../sync/registry.ts";

/**
 * Runs `module#name(...args)` in a new Worker that shares this process's
 * registry, and resolves with its return value (awaited). The Worker is
 * terminated before the promise settles.
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

/**
 * Polls `pred` from the (never blocking) main thread every millisecond.
 * Fails early when `job` settles without `pred` having become true, and
 * after 30 s (a hang guard: nothing a slow machine can trip).
 */
export async function waitUntil(
  pred: () => boolean,
  what: string,
  job?: Promise<unknown>,
): Promise<void> {
  let settled = false;
  let failure: unknown = undefined;
  job?.then(() => settled = true, (e) => {
    settled = true;
    failure = e;
  });
  const deadline = Date.now() + 30_000;
  while (!pred()) {
    if (failure !== undefined) throw failure;
    if (settled && !pred()) throw new Error(`worker finished before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * Waits (without blocking the main thread) until `a[i] === want`; fails if
 * `worker` settles first without the word reaching `want`.
 */
export async function untilWord(
  a: Int32Array,
  i: number,
  want: number,
  worker: Promise<unknown>,
): Promise<void> {
  const wait = async () => {
    for (;;) {
      const v = Atomics.load(a, i);
      if (v === want) return;
      const r = Atomics.waitAsync(a, i, v, 60_000);
      if (r.async) await r.value;
    }
  };
  await Promise.race([
    wait(),
    worker.then(() => {
      if (Atomics.load(a, i) !== want) throw new Error(`worker ended before word ${i} == ${want}`);
    }),
  ]);
}
