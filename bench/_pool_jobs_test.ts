import assert from "node:assert/strict";
import { AioContext } from "../lib/runtime/aio_context.ts";
import { handlerId } from "../lib/runtime/handler_ref.ts";
import { ThreadPool } from "../lib/runtime/thread_pool.ts";
import { add, echo, noop } from "./_pool_jobs.ts";
import { withCleanup } from "../lib/testing/cleanup.ts";

const JOBS = new URL("./_pool_jobs.ts", import.meta.url).href;

Deno.test("pool jobs: direct calls", () => {
  assert.equal(add(2, 3), 5);
  assert.equal(noop(), undefined);
  const req = { op: "write", bytes: 512 };
  assert.equal(echo(req), req);
});

Deno.test("pool jobs: run by reference in a pool worker", async () => {
  const ctx = new AioContext({ name: "pool-jobs-test" });
  const pool = new ThreadPool(ctx, { minWorkers: 1, maxWorkers: 1 });
  await withCleanup(() => {
    const results: unknown[] = [];
    for (
      const [name, args] of [["add", [40, 2]], ["echo", [{ bytes: 512 }]], ["noop", []]] as const
    ) {
      let done = false;
      pool.submit({ fn: handlerId(`${JOBS}#${name}`), args: [...args] }, {
        onComplete: (r) => {
          results.push(r.status === "ok" ? r.value : r.status);
          done = true;
        },
      });
      const end = performance.now() + 30_000;
      while (!done && performance.now() < end) ctx.poll(true);
      assert.ok(done, `job ${name} did not complete`);
    }
    assert.deepEqual(results, [42, { bytes: 512 }, undefined]);
  }, () => {
    pool.destroySync(5000);
    ctx.poll(false);
    ctx.destroy();
  });
});
