// A node with its virtio-blk-like device moves between the main loop and
// two IOThreads while a vCPU-like thread keeps requests in flight: no
// request lost, none completed twice, every completion done by the thread
// that owned the node at that time; a refused move changes nothing.

import assert from "node:assert/strict";
import { IoThread } from "../runtime/io_thread.ts";
import { MainLoop } from "../runtime/main_loop.ts";
import { createDataplane, DATAPLANE_MODULE } from "./dataplane.ts";

const FIX = new URL("./_fixture_dataplane.ts", import.meta.url).href;
const ref = (name: string) => `${FIX}#${name}`;

Deno.test("dataplane: moves between the main loop and IOThreads under load lose nothing", async () => {
  const preload = [DATAPLANE_MODULE, FIX];
  const main = await MainLoop.create({ preload });
  const io1 = await IoThread.create({ id: "dp-io1", preload });
  const io2 = await IoThread.create({ id: "dp-io2", preload });
  const guest = await IoThread.create({ id: "dp-vcpu", preload, pollMaxNs: 0 });
  try {
    const dev = createDataplane({ name: "vda", latencyNs: 20_000 });
    const contexts = [main.contextHandle, io1.contextHandle, io2.contextHandle];
    const homes: Record<number, number> = {};
    for (const c of contexts) homes[c.id] = c.home;
    for (const t of [io1, io2]) await t.run(ref("register"), dev);
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
    console.log(`dataplane: ${total} requests, ${moves} moves, completions per context`, r.byCtx);

    // A refused move changes nothing.
    const before = await main.run<number>(ref("mainWhere"));
    const why = await main.run<string>(
      ref("mainRefusedMove"),
      io1.contextHandle.id === before ? io2.contextHandle.id : io1.contextHandle.id,
    );
    assert.match(why, /not supported by no-move-user.*nothing was changed/);
    assert.equal(await main.run<number>(ref("mainWhere")), before);
    await main.run(ref("mainTeardown"), dev);
  } finally {
    for (const t of [guest, io1, io2]) t.stop();
    await Promise.all([guest, io1, io2].map((t) => t.join()));
    main.stop();
    await main.join();
  }
});
