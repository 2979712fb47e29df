import assert from "node:assert/strict";
import { MainLoop } from "../runtime/main_loop.ts";
import { SharedHistogram } from "../measure/histogram.ts";
import { TimeBase } from "../measure/time_base.ts";
import { expandScenario } from "../scenario/expand.ts";
import { validateScenario } from "../scenario/validate.ts";
import { CONTEXT_PROBE_MODULE } from "./context_probe.ts";
import { MACHINE_GRAPH_MODULE } from "./machine_graph.ts";
import { BQL_TIMING_SLOT, planMachine } from "./machine_plan.ts";
import { RecMutex } from "../sync/rec_mutex.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { type ChoreCounts, MAIN_LOOP_CHORES_MODULE } from "./main_loop_chores.ts";
import { withCleanup } from "../testing/cleanup.ts";

Deno.test("main-loop chores: frames, hog, timers and monitor commands run under the BQL", async () => {
  const run = expandScenario(validateScenario({
    name: "chores",
    devices: [{ id: "d" }],
    mainLoop: {
      vnc: { period: "5ms", work: "200us" },
      bqlHog: { hold: "1ms", every: "20ms" },
      timers: [{ period: "5ms", work: "10us" }],
      qmp: { rate: "500/s", work: "20us", drainFraction: 1 },
    },
    placements: { seed: { locking: "seed" } },
  }))[0].scenario;
  const plan = planMachine(run, "seed", 1);
  const tb = TimeBase.create();
  plan.timeBase = tb.handle;
  const main = await MainLoop.create();
  await withCleanup(async () => {
    plan.contexts[0].handle = main.contextHandle;
    const [bqlLock, aioMain] = plan.lockTiming.locks;
    assert.deepEqual([bqlLock.name, aioMain.name], ["bql", "aio:main"]);
    defaultRegistry().bql.setTimingSlot(BQL_TIMING_SLOT);
    RecMutex.fromHandle(main.contextHandle.lock).setTimingSlot(aioMain.slot);
    await main.run(`${CONTEXT_PROBE_MODULE}#probeStart`, plan, 0);
    await main.run(`${MACHINE_GRAPH_MODULE}#graphSetup`, plan);
    await main.run(`${MAIN_LOOP_CHORES_MODULE}#choresStart`, plan);
    await new Promise((r) => setTimeout(r, 150));
    const c = await main.run<ChoreCounts>(`${MAIN_LOOP_CHORES_MODULE}#choresStop`);
    assert.ok(c.frames > 0 && c.hogs > 0 && c.timers > 0 && c.qmp > 0, JSON.stringify(c));
    assert.equal(c.qmpDrains, c.qmp, "drainFraction 1: every command drained");
    // The main loop's own histograms (its probe installed the sinks): it held
    // the BQL through each 1 ms hog, and took the device's context lock per command.
    const [bql, aio] = plan.lockTiming.contexts[0];
    assert.ok(SharedHistogram.fromHandle(bql.hold).snapshot().max >= 990_000, "a hog's hold");
    const aioHolds = SharedHistogram.fromHandle(aio.hold).snapshot().totalCount;
    assert.ok(aioHolds >= c.qmp, `${aioHolds} holds of the context lock, ${c.qmp} commands`);
    assert.ok(main.getAioContext().lockStats().acquired >= c.qmp, "seed: commands took the lock");
    await assert.rejects(main.run(`${MAIN_LOOP_CHORES_MODULE}#choresStop`), /no chores run/);
    await main.run(`${MACHINE_GRAPH_MODULE}#graphQuiesce`);
    await main.run(`${MACHINE_GRAPH_MODULE}#graphTeardown`, plan);
    await main.run(`${CONTEXT_PROBE_MODULE}#probeStop`);
  }, async () => {
    main.stop();
    await main.join();
    await tb.close();
  });
});
