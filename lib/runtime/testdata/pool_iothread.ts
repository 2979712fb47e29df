// Test fixtures that run inside an IOThread (called with IoThread.run from
// thread_pool_test.ts): they own a thread pool there. Not part of the public
// API.

import { currentThreadId } from "../../sync/thread_id.ts";
import { getCurrentAioContext } from "../thread_state.ts";
import { threadPoolFor } from "../thread_pool.ts";

const JOBS = new URL("./pool_jobs.ts", import.meta.url).href;

/**
 * Creates this IOThread's pool and submits a job that completes only once
 * the IOThread sleeps in poll(true) (its wait counter passed the value read
 * here, while the thread runs). Its completion callback records into
 * `record`: [0] = 1 when done, [1] = thread id of the callback, [2] = 1 if
 * the job saw the IOThread sleeping, [3] = 1 if the callback ran from the
 * completion BH, [4] = worker thread id. Returns at once.
 */
export function submitWhileSleeping(sab: SharedArrayBuffer): number {
  const ctx = getCurrentAioContext()!;
  const record = new Int32Array(sab);
  const pool = threadPoolFor(ctx, { maxWorkers: 2 });
  pool.submit<boolean>(
    {
      fn: `${JOBS}#waitUntilContextSleeps`,
      args: [ctx.id, ctx.remote().notifyStats().waits, 60_000],
    },
    {
      onComplete: (r) => {
        record[1] = currentThreadId();
        record[2] = r.status === "ok" && r.value ? 1 : 0;
        record[3] = ctx.currentHandler() === "thread-pool-completion" ? 1 : 0;
        record[4] = r.status === "cancelled" ? -1 : r.workerThread;
        Atomics.store(record, 0, 1);
        Atomics.notify(record, 0);
      },
    },
  );
  return ctx.id;
}

/** Destroys this IOThread's pool with the blocking form; returns its statistics. */
export function destroyPool(): Record<string, unknown> {
  const pool = threadPoolFor();
  const stats = pool.stats();
  pool.destroySync(10_000);
  return { ...stats };
}
