/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// Test-only Worker: imports a module, calls one export with the given
// arguments and posts the (awaited) result. Used by the measure tests that
// need real threads.

interface Job {
  module: string;
  name: string;
  args: unknown[];
}

self.onmessage = async (e: MessageEvent<Job>) => {
  const job = e.data;
  try {
    const mod = await import(job.module);
    const value = await mod[job.name](...job.args);
    self.postMessage({ ok: true, value });
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? err.stack : String(err) });
  }
  self.close();
};
