import assert from "node:assert/strict";
import { AioContext } from "../runtime/aio_context.ts";
import { BlockGraph } from "./block_graph.ts";
import { BlockBackend } from "./block_backend.ts";
import type { RequestResult } from "./driver.ts";
import { NullDriver } from "./null_driver.ts";

Deno.test("BlockBackend: no medium fails asynchronously; bad ranges throw", async () => {
  const blk = new BlockBackend(new BlockGraph({ mainContext: 0 }), { name: "empty" });
  const r = await new Promise<RequestResult>((res) => blk.read(0, 512, res));
  assert.equal(r.ok, false);
  assert.match(r.error!.message, /no medium/);
  assert.throws(() => blk.read(-1, 512, () => {}), RangeError);
  assert.throws(() => blk.read(0, 0.5, () => {}), RangeError);
});

Deno.test("BlockBackend: insert moves the node into the backend's context; remove keeps the context", () => {
  const a = new AioContext();
  const b = new AioContext();
  const g = new BlockGraph({ mainContext: a.id });
  const blk = new BlockBackend(g, { name: "b" });
  blk.setAioContext(b.id); // no node yet: just records the context
  const n = g.addNode({ nodeName: "n", driver: new NullDriver(), driverName: "null" });
  blk.insert(n);
  assert.equal(n.aioContext, b.id);
  assert.throws(() => blk.insert(n), /already has a node/);
  blk.remove();
  assert.equal(blk.node, null);
  assert.equal(blk.aioContext, b.id);
  assert.equal(n.parents.length, 0);
  a.destroy();
  b.destroy();
});

Deno.test("BlockBackend: disableRequestQueuing submits even while drained", () => {
  const ctx = new AioContext();
  const g = new BlockGraph({ mainContext: ctx.id });
  const n = g.addNode({ nodeName: "n", driver: new NullDriver(), driverName: "null" });
  const blk = new BlockBackend(g, { name: "b", disableRequestQueuing: true });
  blk.insert(n);
  g.drainedBegin(n);
  let done = 0;
  blk.write(0, new Uint8Array(512), () => done++);
  assert.equal(blk.queuedTotal, 0);
  assert.equal(n.inFlight, 1, "submitted at once");
  ctx.poll(false);
  assert.equal(done, 1);
  g.drainedEnd(n);
  ctx.destroy();
});

Deno.test("BlockBackend: a drain waits for the device's own activity (drained_poll)", () => {
  const ctx = new AioContext();
  let deviceBusy = 2;
  const g = new BlockGraph({
    mainContext: ctx.id,
    waitWhile: (_c, cond) => {
      // A stand-in event loop: each round the device finishes a bit of work.
      while (cond()) deviceBusy--;
    },
  });
  const n = g.addNode({ nodeName: "n" });
  const blk = new BlockBackend(g, { name: "b" });
  blk.insert(n);
  blk.attachDevice({ drainedPoll: () => deviceBusy > 0 });
  g.drainedBegin(n);
  assert.equal(deviceBusy, 0);
  g.drainedEnd(n);
  assert.throws(() => blk.attachDevice({}), /already has a device/);
  blk.detachDevice();
  ctx.destroy();
});
