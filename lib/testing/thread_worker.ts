/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * The Worker entry of `runInThread` (lib/testing/thread.ts): becomes an
 * aiolab thread (installs the spawner's registry, takes the given thread
 * id), imports a module, calls one export with the given arguments and posts
 * the result, or the error's stack. Depends on lib/sync only.
 *
 * Test support only: not re-exported from any `mod.ts`; started by
 * `runInThread`, never imported.
 *
 * @module
 */

import { installRegistry, type RegistryHandle } from "../sync/registry.ts";
import { setCurrentThread } from "../sync/thread_id.ts";

interface Job {
  registry: RegistryHandle;
  threadId: number;
  module: string;
  name: string;
  args: unknown[];
}

self.onmessage = async (e: MessageEvent<Job>) => {
  const job = e.data;
  try {
    installRegistry(job.registry);
    setCurrentThread(job.threadId, `test-${job.threadId}`);
    const mod = await import(job.module);
    const value = await mod[job.name](...job.args);
    self.postMessage({ ok: true, value });
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? err.stack : String(err) });
  }
  self.close();
};
