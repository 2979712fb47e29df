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

Deno.test("BlockBackend: a removed node goes back to the main context; the backend keeps its own (blk_remove_bs)", () => {
  const main = new AioContext({ name: "main" });
  const io = new AioContext({ name: "io" });
  const g = new BlockGraph({
    mainContext: main.id,
    waitWhile: (_c, cond) => {
      while (cond()) if (!io.poll(false) && !main.poll(false) && cond()) throw new Error("stuck");
    },
  });
  const n = g.addNode({ nodeName: "n", driver: new NullDriver(), driverName: "null" });
  const blk = new BlockBackend(g, { name: "b" });
  blk.insert(n);
  blk.setAioContext(io.id);
  assert.deepEqual([n.aioContext, blk.aioContext], [io.id, io.id]);
  let done = 0;
  blk.read(0, 512, () => done++);
  assert.equal(n.inFlight, 1);
  blk.remove(); // the move back drains the node first
  assert.equal(done, 1, "the request in flight completed before the node moved");
  assert.equal(n.aioContext, main.id, "the node is back in the main context");
  assert.equal(blk.aioContext, io.id, "the backend keeps its context");
  blk.insert(n);
  assert.equal(n.aioContext, io.id, "re-inserting moves the node into the backend's context");
  blk.read(0, 512, () => done++);
  assert.equal(main.poll(false), false, "nothing for the main context");
  assert.equal(io.poll(false), true, "the request completes in the backend's context");
  assert.equal(done, 2);
  main.destroy();
  io.destroy();
});

Deno.test("BlockBackend: insert of a node pinned elsewhere moves a movable backend, and is refused, attaching nothing, otherwise", () => {
  const main = new AioContext({ name: "main" });
  const io = new AioContext({ name: "io" });
  const g = new BlockGraph({ mainContext: main.id });
  const n = g.addNode({ nodeName: "n", driver: new NullDriver(), driverName: "null", ctx: io.id });
  const dev = new BlockBackend(g, { name: "dev" });
  dev.insert(n);
  assert.equal(n.aioContext, main.id, "nothing pinned the node: it joined its new parent");
  dev.setAioContext(io.id);
  dev.attachDevice({});
  // n is pinned to io by dev's device. A named backend without a device moves to io.
  const free = new BlockBackend(g, { name: "free" });
  free.insert(n);
  assert.deepEqual([n.aioContext, free.aioContext], [io.id, io.id]);
  free.remove();
  assert.equal(n.aioContext, io.id, "dev still pins the node");
  // An anonymous backend with a device can move neither way.
  const busy = new BlockBackend(g);
  busy.attachDevice({});
  assert.throws(() => busy.insert(n), /Cannot change iothread of active block backend/);
  assert.equal(busy.node, null, "no root edge was left behind");
  assert.equal(n.parents.length, 1);
  assert.equal(busy.aioContext, main.id);
  main.destroy();
  io.destroy();
});
