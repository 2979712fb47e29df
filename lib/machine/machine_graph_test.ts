import assert from "node:assert/strict";
import { IoThread } from "../runtime/io_thread.ts";
import { MainLoop } from "../runtime/main_loop.ts";
import { TimeBase } from "../measure/time_base.ts";
import { expandScenario } from "../scenario/expand.ts";
import { validateScenario } from "../scenario/validate.ts";
import { CONTEXT_PROBE_MODULE } from "./context_probe.ts";
import { VIRTIO_BLK, VIRTIO_BLK_QUEUE } from "./layout.ts";
import { MACHINE_GRAPH_MODULE } from "./machine_graph.ts";
import { planMachine } from "./machine_plan.ts";
import { withCleanup } from "../testing/cleanup.ts";

Deno.test("machine graph: places devices, moves the movable one, refuses the others", async () => {
  const run = expandScenario(validateScenario({
    name: "graph",
    devices: [{ id: "a" }, { id: "b", queues: 2 }],
    placements: {
      p: {
        locking: "modern",
        iothreads: { io0: {}, io1: {} },
        map: { a: "io0", b: ["io0", "io1"] },
      },
    },
  }))[0].scenario;
  const plan = planMachine(run, "p", 1);
  const tb = TimeBase.create();
  plan.timeBase = tb.handle;
  const main = await MainLoop.create();
  const io0 = await IoThread.create({ id: "io0" });
  const io1 = await IoThread.create({ id: "io1" });
  const threads = [main, io0, io1];
  await withCleanup(async () => {
    threads.forEach((t, i) => (plan.contexts[i].handle = t.contextHandle));
    await Promise.all(threads.map((t, i) => t.run(`${CONTEXT_PROBE_MODULE}#probeStart`, plan, i)));
    await main.run(`${MACHINE_GRAPH_MODULE}#graphSetup`, plan);
    await io0.run(`${CONTEXT_PROBE_MODULE}#probeAttachQueues`, plan, 1, [0]);
    await io1.run(`${CONTEXT_PROBE_MODULE}#probeAttachQueues`, plan, 1, [1]);
    const at = (d: number, q: number) =>
      new Int32Array(plan.devices[d].handle.words)[
        VIRTIO_BLK.QUEUES + q * VIRTIO_BLK.QUEUE_WORDS + VIRTIO_BLK_QUEUE.ATTACHED_CTX
      ] - 1;
    assert.equal(at(0, 0), io0.contextHandle.id);
    assert.deepEqual([at(1, 0), at(1, 1)], [io0.contextHandle.id, io1.contextHandle.id]);
    assert.equal(
      await main.run(`${MACHINE_GRAPH_MODULE}#graphMove`, 0, "io1"),
      io1.contextHandle.id,
    );
    assert.equal(at(0, 0), io1.contextHandle.id);
    await assert.rejects(main.run(`${MACHINE_GRAPH_MODULE}#graphMove`, 1, "main"), /cannot move/);
    await assert.rejects(
      main.run(`${MACHINE_GRAPH_MODULE}#graphMove`, 0, "io7"),
      /no context "io7"/,
    );
    await main.run(`${MACHINE_GRAPH_MODULE}#graphQuiesce`);
    for (const t of threads) await t.run(`${CONTEXT_PROBE_MODULE}#probeDetachQueues`, plan);
    await main.run(`${MACHINE_GRAPH_MODULE}#graphTeardown`, plan);
    assert.equal(at(0, 0), -1, "detached");
    for (const t of threads) await t.run(`${CONTEXT_PROBE_MODULE}#probeStop`);
  }, async () => {
    for (const t of threads) t.stop();
    await Promise.all(threads.map((t) => t.join()));
    await tb.close();
  });
});
