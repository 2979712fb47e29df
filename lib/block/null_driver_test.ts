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
