import assert from "node:assert/strict";
import { SpscRing } from "../sync/spsc_ring.ts";
import { EventNotifier } from "../sync/event_notifier.ts";
import { AioContext } from "../runtime/aio_context.ts";
import { VIRTIO_BLK_OP } from "./layout.ts";
import { createVirtioBlk } from "./virtio_blk.ts";
import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
import { withCleanup } from "../testing/cleanup.ts";

Deno.test("virtio-blk guest: requests go to its own queue; a kick sets only that queue's notifier", () => {
  const dev = createVirtioBlk({ name: "vdq", numQueues: 2 });
  const guest = new VirtioBlkGuest(dev, 1);
  guest.submit(5, VIRTIO_BLK_OP.WRITE, 4096, 512);
  guest.kick();
  const seen: number[][] = [];
  assert.equal(SpscRing.fromHandle(dev.queues[0].vq).drain(() => {}), 0);
  SpscRing.fromHandle(dev.queues[1].vq).drain((...r) => seen.push(r));
  assert.deepEqual(seen, [[5, VIRTIO_BLK_OP.WRITE, 4096, 512]]);
  assert.equal(EventNotifier.fromHandle(dev.queues[0].kick).isSet(), false);
  assert.equal(EventNotifier.fromHandle(dev.queues[1].kick).isSet(), true);
});

Deno.test("virtio-blk guest: an interrupt reaps completions in the listening context, step by step", async () => {
  const dev = createVirtioBlk({ name: "vdr" });
  const ctx = new AioContext();
  const guest = new VirtioBlkGuest(dev);
  const got: [number, boolean, number, number][] = [];
  guest.listen(ctx, (...c) => got.push(c));
  await withCleanup(() => {
    // The device side, by hand: two completions, then the interrupt.
    const cq = SpscRing.fromHandle(dev.queues[0].cq);
    cq.push(1, 1, 7, 3);
    cq.push(2, 0, 7, 3);
    assert.equal(ctx.poll(false), false, "no interrupt yet: nothing runs");
    assert.equal(got.length, 0);
    EventNotifier.fromHandle(dev.queues[0].irq).set();
    assert.equal(ctx.poll(false), true);
    assert.deepEqual(got, [[1, true, 7, 3], [2, false, 7, 3]]);
    assert.equal(ctx.poll(false), false, "the interrupt was cleared");
    guest.unlisten();
    cq.push(3, 1, 7, 3);
    EventNotifier.fromHandle(dev.queues[0].irq).set();
    assert.equal(ctx.poll(false), false, "after unlisten the interrupt is not handled here");
    assert.equal(guest.reap((...c) => got.push(c)), 1, "but reap still takes the completion");
    assert.deepEqual(got[2], [3, true, 7, 3]);
  }, () => {
    guest.unlisten();
    ctx.destroy();
  });
});
