// Test helper: run one exported function of a module in a fresh Worker,
// resolving with its (structured-cloneable) result.

/**
 * Runs `module#name(...args)` in a new Worker and resolves with its return
 * value (awaited). The Worker is terminated before the promise settles.
 */
export function runInThread<T>(module: string | URL, name: string, ...args: unknown[]): Promise<T> {
  const w = new Worker(new URL("./_test_worker.ts", import.meta.url), { type: "module" });
  return new Promise<T>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<{ ok: boolean; value?: T; error?: string }>) => {
      w.terminate();
      if (e.data.ok) resolve(e.data.value as T);
      else reject(new Error(`test thread (${String(module)}#${name}): ${e.data.error}`));
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      w.terminate();
      reject(new Error(`test thread: uncaught ${e.message}`));
    };
    w.postMessage({ module: new URL(String(module)).href, name, args });
  });
}
