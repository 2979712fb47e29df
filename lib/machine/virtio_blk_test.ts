// A node with its virtio-blk-like device moves between the main loop and
// two IOThreads while a vCPU-like thread keeps requests in flight: no
// request lost, none completed twice, every completion done by the thread
// that owned the node at that time; a refused move changes nothing. In one
// thread: a drained device takes nothing and takes everything after the
// drain; any driver description works (null, file).

import assert from "node:assert/strict";
import { AioContext } from "../runtime/aio_context.ts";
import { aioWaitWhile } from "../runtime/aio_wait.ts";
import { IoThread } from "../runtime/io_thread.ts";
import { MainLoop } from "../runtime/main_loop.ts";
import { threadPoolFor } from "../runtime/thread_pool.ts";
import { BlockGraph } from "../block/block_graph.ts";
import { VIRTIO_BLK, VIRTIO_BLK_EVENTS, VIRTIO_BLK_OP, VIRTIO_BLK_QUEUE } from "./layout.ts";
import { EventNotifier } from "../sync/event_notifier.ts";
import { ClockType, Scale } from "../runtime/clock.ts";
import {
  createVirtioBlk,
  hostVirtioBlk,
  registerVirtioBlkHandlers,
  virtioBlkAttach,
  virtioBlkDetach,
  virtioBlkHooks,
} from "./virtio_blk.ts";
import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
import { withCleanup } from "../testing/cleanup.ts";

const FIX = new URL("./testdata/virtio_blk_fixture.ts", import.meta.url).href;
const ref = (name: string) => `${FIX}#${name}`;

Deno.test("virtio-blk: moves between the main loop and IOThreads under load lose nothing", async () => {
  const main = await MainLoop.create();
  const io1 = await IoThread.create({ id: "vb-io1" });
  const io2 = await IoThread.create({ id: "vb-io2" });
  const guest = await IoThread.create({ id: "vb-vcpu", pollMaxNs: 0 });
  await withCleanup(async () => {
    const dev = createVirtioBlk({ name: "vda", driver: { kind: "null", latencyNs: 20_000 } });
    const contexts = [main.contextHandle, io1.contextHandle, io2.contextHandle];
    const homes: Record<number, number> = {};
    for (const c of contexts) homes[c.id] = c.home;
    for (const t of [io1, io2]) assert.equal(await t.run(ref("host"), dev), true);
    const mainId = await main.run<number>(ref("mainSetup"), dev, contexts);
    assert.equal(mainId, main.contextHandle.id);

    const total = 20_000;
    const run = guest.run<{
      missing: number;
      twice: number;
      wrongThread: number;
      failed: number;
      byCtx: Record<number, number>;
    }>(ref("guestRun"), dev, total, 16, homes);
    let guestDone = false;
    run.then(() => (guestDone = true), () => (guestDone = true));
    // Cycle main → io1 → io2 → main ... while the guest runs.
    const order = [io1, io2, main].map((t) => t.contextHandle.id);
    let moves = 0;
    while (!guestDone && moves < 300) {
      const to = order[moves % order.length];
      assert.equal(await main.run<number>(ref("mainMove"), to), to);
      moves++;
    }
    const r = await run;
    assert.equal(r.missing, 0, "no request lost");
    assert.equal(r.twice, 0, "none completed twice");
    assert.equal(r.failed, 0);
    assert.equal(r.wrongThread, 0, "each completion in the thread that owned the node");
    const where = Object.keys(r.byCtx).length;
    assert.ok(moves >= 3, `moved ${moves} times`);
    assert.ok(where >= 2, `completions came from ${where} contexts`);
    const w = new Int32Array(dev.words);
    assert.equal(w[VIRTIO_BLK.QUEUES + VIRTIO_BLK_QUEUE.COMPLETED], total);

    // A refused move changes nothing.
    const before = await main.run<number>(ref("mainWhere"));
    const why = await main.run<string>(
      ref("mainRefusedMove"),
      io1.contextHandle.id === before ? io2.contextHandle.id : io1.contextHandle.id,
    );
    assert.match(why, /not supported by no-move-user.*nothing was changed/);
    assert.equal(await main.run<number>(ref("mainWhere")), before);
    await main.run(ref("mainTeardown"), dev);
  }, async () => {
    for (const t of [guest, io1, io2]) t.stop();
    await Promise.all([guest, io1, io2].map((t) => t.join()));
    main.stop();
    await main.join();
  });
});

Deno.test("virtio-blk: a move to a thread that does not host the device fails with the reason", async () => {
  const main = await MainLoop.create();
  const io = await IoThread.create({ id: "vb-nohost" });
  await withCleanup(async () => {
    const dev = createVirtioBlk({ name: "vdx" });
    await main.run<number>(ref("mainSetup"), dev, [main.contextHandle, io.contextHandle]);
    const why = await main.run<string>(ref("mainTryMove"), io.contextHandle.id);
    assert.match(why, /does not host the device; call registerVirtioBlkHandlers\(\)/);
  }, async () => {
    io.stop();
    await io.join();
    main.stop();
    await main.join();
  });
});

/** A device served in `ctx` of this thread, its node in a graph of this thread. */
function oneThread(ctx: AioContext, driver: Parameters<typeof createVirtioBlk>[0]["driver"]) {
  const dev = createVirtioBlk({ name: "vdl", driver });
  registerVirtioBlkHandlers();
  hostVirtioBlk(dev);
  const graph = new BlockGraph({
    mainContext: ctx.id,
    waitWhile: (_c, cond) => void aioWaitWhile(ctx, cond),
  });
  const node = graph.addNode({
    nodeName: dev.name,
    driver: virtioBlkHooks(dev, [ctx.handle]),
    driverName: dev.driver.kind,
    inFlightBuffer: dev.words,
  });
  virtioBlkAttach(dev.id, ctx.id);
  const guest = new VirtioBlkGuest(dev);
  const done: { reqId: number; ok: boolean; ctxId: number }[] = [];
  guest.listen(ctx, (reqId, ok, _t, ctxId) => done.push({ reqId, ok, ctxId }));
  return { dev, graph, node, guest, done };
}

Deno.test("virtio-blk: a drained device takes nothing; after the drain it takes every request", async () => {
  const ctx = new AioContext();
  const { dev, graph, node, guest, done } = oneThread(ctx, { kind: "null" });
  const w = new Int32Array(dev.words);
  await withCleanup(() => {
    graph.drainedBegin(node);
    for (let i = 0; i < 3; i++) guest.submit(i, VIRTIO_BLK_OP.READ, i * 512, 512);
    guest.kick();
    assert.equal(ctx.poll(false), true, "the kick handler ran");
    assert.equal(w[VIRTIO_BLK.IN_FLIGHT], 0, "it backed out: nothing in flight");
    assert.equal(ctx.poll(false), false, "and took nothing");
    assert.equal(done.length, 0);
    graph.drainedEnd(node);
    assert.equal(ctx.poll(false), true, "drain end kicked the queue");
    assert.equal(w[VIRTIO_BLK.IN_FLIGHT], 3, "all three taken");
    while (done.length < 3) ctx.poll(true);
    assert.deepEqual(done.map((d) => d.reqId).sort(), [0, 1, 2]);
    assert.ok(done.every((d) => d.ok && d.ctxId === ctx.id));
    assert.equal(w[VIRTIO_BLK.IN_FLIGHT], 0);
  }, () => {
    guest.unlisten();
    virtioBlkDetach(dev.id);
    ctx.destroy();
  });
});

Deno.test("virtio-blk: a file driver description serves reads, writes and flushes", async () => {
  const path = await Deno.makeTempFile({ prefix: "aiolab-virtio-blk-" });
  await Deno.writeFile(path, new Uint8Array(4096).fill(7));
  const ctx = new AioContext();
  const { dev, guest, done } = oneThread(ctx, { kind: "file", filename: path });
  await withCleanup(async () => {
    guest.submit(0, VIRTIO_BLK_OP.READ, 0, 512);
    guest.submit(1, VIRTIO_BLK_OP.WRITE, 512, 512);
    guest.submit(2, VIRTIO_BLK_OP.FLUSH, 0, 0);
    guest.submit(3, VIRTIO_BLK_OP.READ, 4096, 512); // beyond the file's 4096 bytes
    guest.kick();
    while (done.length < 4) ctx.poll(true);
    const ok = Object.fromEntries(done.map((d) => [d.reqId, d.ok]));
    assert.deepEqual(ok, { 0: true, 1: true, 2: true, 3: false });
    const bytes = await Deno.readFile(path);
    assert.equal(bytes[511], 7);
    assert.equal(bytes[512], 0, "the write (of zeroes: guest memory is not modelled) landed");
  }, async () => {
    guest.unlisten();
    virtioBlkDetach(dev.id);
    await threadPoolFor(ctx).destroy();
    ctx.destroy();
    await Deno.remove(path);
  });
});

Deno.test("virtio-blk: event suppression: no kick while the context polls the queue, no interrupt for a busy-waiting guest", async () => {
  // pollMaxNs of a second: any sleep of this test grows the busy-poll budget.
  const ctx = new AioContext({ pollMaxNs: 1e9 });
  const dev = createVirtioBlk({ name: "vds", driver: { kind: "null" } });
  registerVirtioBlkHandlers();
  hostVirtioBlk(dev);
  virtioBlkAttach(dev.id, ctx.id);
  const guest = new VirtioBlkGuest(dev);
  const kick = EventNotifier.fromHandle(dev.queues[0].kick);
  const irq = EventNotifier.fromHandle(dev.queues[0].irq);
  const ev = new Int32Array(dev.events);
  let fired = 0;
  const timer = ctx.timerNew(ClockType.REALTIME, Scale.NS, () => fired++);
  const w = new Int32Array(dev.words);
  const got: number[] = [];
  const complete = (reqId: number) => got.push(reqId);
  /** Polls (bounded: a timer ends every sleep) until `n` completions were reaped from the ring. */
  const until = (n: number): void => {
    for (let i = 0; i < 1000 && got.length < n; i++) {
      if (!timer.pending()) timer.modNs(ctx.clocks.now(ClockType.REALTIME) + 1e8);
      if (guest.hasCompletions()) guest.reap(complete);
      else ctx.poll(true);
    }
    assert.equal(got.length, n, `${n} completions`);
  };
  await withCleanup(() => {
    // A sleep (on a timer) so that the context busy-polls from now on
    // (a slow machine may run past the timer without sleeping: try again).
    for (let i = 0; i < 100 && ctx.stats().pollNs === 0; i++) {
      const n = fired;
      timer.modNs(ctx.clocks.now(ClockType.REALTIME) + 2e6);
      while (fired === n) ctx.poll(true);
    }
    assert.ok(ctx.stats().pollNs > 0, "a busy-poll budget");
    guest.setInterrupts(false);
    assert.equal(ev[VIRTIO_BLK_EVENTS.NO_NOTIFY], 0, "nobody polls the queue yet");
    guest.submit(1, VIRTIO_BLK_OP.READ, 0, 512);
    guest.kick();
    assert.equal(guest.kicksSuppressed, 0);
    until(1);
    assert.equal(irq.isSet(), false, "interrupts off: none raised");
    assert.equal(ev[VIRTIO_BLK_EVENTS.NO_NOTIFY], 1, "the context polls the queue now");
    guest.submit(2, VIRTIO_BLK_OP.READ, 512, 512);
    guest.kick();
    assert.equal(guest.kicksSuppressed, 1, "the guest did not kick");
    assert.equal(kick.isSet(), false);
    until(2); // busy-polling found it in the ring
    assert.deepEqual(got, [1, 2]);
    // A context that stops busy-polling ends polling mode: the guest kicks again.
    for (let i = 0; i < 8; i++) ctx.poll(false);
    assert.equal(ev[VIRTIO_BLK_EVENTS.NO_NOTIFY], 0, "polling mode ended");
    guest.setInterrupts(true);
    guest.submit(3, VIRTIO_BLK_OP.READ, 0, 512);
    guest.kick();
    assert.equal(guest.kicksSuppressed, 1);
    assert.equal(kick.isSet(), true);
    until(3);
    assert.equal(irq.isSet(), true, "interrupts on: raised");
    assert.equal(w[VIRTIO_BLK.IN_FLIGHT], 0, "nothing in flight once all completed");
    assert.equal(w[VIRTIO_BLK.QUEUES + VIRTIO_BLK_QUEUE.COMPLETED], 3);
  }, () => {
    timer.del();
    virtioBlkDetach(dev.id);
    assert.equal(ev[VIRTIO_BLK_EVENTS.NO_NOTIFY], 0, "detached: the guest kicks again");
    ctx.destroy();
  });
});
