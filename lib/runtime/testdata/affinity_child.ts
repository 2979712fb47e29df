// Test fixture of thread_affinity_test.ts, run with --allow-ffi for libc:
// pins a Worker created inside withThreadAffinity([last CPU]) and prints, as
// JSON, this thread's CPUs before and after and the Worker's own.
import { getThreadAffinity, withThreadAffinity } from "../thread_affinity.ts";

if (self.name === "pinned") {
  (self as unknown as { postMessage(m: unknown): void }).postMessage(getThreadAffinity());
} else {
  const before = getThreadAffinity()!;
  const last = before.at(-1)!;
  const worker = withThreadAffinity(
    [last],
    () => new Worker(import.meta.url, { type: "module", name: "pinned" }),
  );
  const after = getThreadAffinity();
  const inWorker = await new Promise((resolve) => (worker.onmessage = (e) => resolve(e.data)));
  worker.terminate();
  console.log(JSON.stringify({ before, after, inWorker, last }));
}
