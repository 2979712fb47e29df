import assert from "node:assert/strict";
import { AioContext } from "../runtime/aio_context.ts";
import { Clocks, ManualTimeSource } from "../runtime/clock.ts";
import { BlockGraph } from "./block_graph.ts";
import type { RequestResult } from "./driver.ts";
import { NullDriver } from "./null_driver.ts";

function setup(options: ConstructorParameters<typeof NullDriver>[0] = {}) {
  const mono = new ManualTimeSource(0);
  const ctx = new AioContext({ clocks: new Clocks({ monotonic: mono }) });
  const drv = new NullDriver(options);
  const node = new BlockGraph({ mainContext: ctx.id }).addNode({ nodeName: "n", driver: drv });
  return { ctx, mono, drv, node };
}

Deno.test("null driver: latency 0 completes from a oneshot BH, never inside submit", () => {
  const { ctx, drv, node } = setup();
  const got: RequestResult[] = [];
  drv.submit(node, { op: "write", offset: 0, bytes: 512 }, (r) => got.push(r));
  assert.equal(got.length, 0, "not synchronous");
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(got, [{ ok: true }]);
  assert.equal(drv.completed, 1);
  ctx.destroy();
});

Deno.test("null driver: latencyNs completes on a REALTIME timer in the node's context", () => {
  const { ctx, mono, drv, node } = setup({ latencyNs: 5000 });
  let done = 0;
  drv.submit(node, { op: "flush", offset: 0, bytes: 0 }, () => done++);
  assert.equal(ctx.computeTimeout(), 5000);
  mono.advance(4999);
  assert.equal(ctx.poll(false), false);
  assert.equal(done, 0);
  mono.advance(1);
  assert.equal(ctx.poll(false), true);
  assert.equal(done, 1);
  ctx.destroy();
});

Deno.test("null driver: read-zeroes, size limit, option validation", () => {
  const { ctx, drv, node } = setup({ size: 4096, readZeroes: true });
  const got: RequestResult[] = [];
  drv.submit(node, { op: "read", offset: 0, bytes: 8 }, (r) => got.push(r));
  drv.submit(node, { op: "read", offset: 4000, bytes: 512 }, (r) => got.push(r));
  ctx.poll(false);
  const byOk = got.toSorted((a, b) => Number(b.ok) - Number(a.ok));
  assert.deepEqual(byOk[0].data, new Uint8Array(8));
  assert.equal(byOk[1].ok, false);
  assert.match(byOk[1].error!.message, /beyond the size 4096/);
  ctx.destroy();
  const plain = setup();
  let data: Uint8Array | null | undefined;
  plain.drv.submit(plain.node, { op: "read", offset: 0, bytes: 4 }, (r) => (data = r.data));
  plain.ctx.poll(false);
  assert.equal(data, null, "without read-zeroes the buffer is left untouched");
  plain.ctx.destroy();
  assert.throws(() => new NullDriver({ latencyNs: -1 }), /latency-ns must be an integer >= 0/);
  assert.throws(() => new NullDriver({ size: 1.5 }), /size/);
});

Deno.test("null driver: a node whose context is not homed here is refused", () => {
  const drv = new NullDriver();
  const node = new BlockGraph({ mainContext: 250 }).addNode({ nodeName: "far", driver: drv });
  assert.throws(
    () => drv.submit(node, { op: "read", offset: 0, bytes: 1 }, () => {}),
    /context 250, which is not homed in this thread/,
  );
});

Deno.test("null driver: a batching context's delay line completes each request at its own deadline, from one timer", () => {
  const { ctx, mono, drv, node } = setup({ latencyNs: 1000 });
  drv.batchCompletions(ctx.id, true);
  const done: number[] = [];
  const fn = (tag: number) => done.push(tag);
  // 40 requests 100 ns apart: more than the line's first 16 slots.
  for (let i = 0; i < 40; i++) {
    drv.submitTagged(node, "read", 0, 512, i, fn);
    mono.advance(100);
  }
  // Requests 0..30 were submitted 1000 ns or more ago (t = 0, 100, ... 3000; now 4000).
  assert.equal(ctx.timers.armed, 1, "one timer for the whole line");
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(done, Array.from({ length: 31 }, (_, i) => i));
  assert.equal(ctx.computeTimeout(), 100, "re-armed for the next deadline (request 31 at 4100)");
  mono.advance(99);
  assert.equal(ctx.poll(false), false);
  mono.advance(1);
  assert.equal(ctx.poll(false), true);
  assert.equal(done.length, 32);
  // A completion that submits again queues behind the rest, each at its own deadline.
  const chained = (tag: number) => {
    done.push(tag);
    if (tag === 39) drv.submit(node, { op: "write", offset: 0, bytes: 512 }, () => done.push(-1));
  };
  drv.submitTagged(node, "flush", 0, 0, 100, chained); // deadline 5100
  mono.advance(1000); // 5100: 32..39 and 100 are due
  ctx.poll(false);
  assert.deepEqual(done.slice(32), [32, 33, 34, 35, 36, 37, 38, 39, 100]);
  assert.equal(drv.completed, 41);
  drv.batchCompletions(ctx.id, false);
  ctx.destroy();
});

Deno.test("null driver: a delay line released with requests waiting completes them at their deadlines; a throwing callback leaves the rest", () => {
  const { ctx, mono, drv, node } = setup({ latencyNs: 500 });
  drv.batchCompletions(ctx.id, true);
  drv.batchCompletions(ctx.id, true); // counted
  const done: number[] = [];
  drv.submitTagged(node, "read", 0, 512, 1, (tag) => {
    done.push(tag);
    throw new Error("boom");
  });
  drv.submitTagged(node, "read", 0, 512, 2, (tag) => done.push(tag));
  mono.advance(500);
  assert.throws(() => ctx.poll(false), /boom/);
  assert.deepEqual(done, [1]);
  assert.equal(ctx.poll(false), true, "the timer was re-armed for the rest");
  assert.deepEqual(done, [1, 2]);
  drv.submitTagged(node, "read", 0, 512, 3, (tag) => done.push(tag));
  drv.batchCompletions(ctx.id, false);
  drv.batchCompletions(ctx.id, false); // the last: request 3 gets a timer of its own
  mono.advance(499);
  ctx.poll(false);
  assert.deepEqual(done, [1, 2]);
  mono.advance(1);
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(done, [1, 2, 3]);
  ctx.destroy(); // no timer left behind
});
