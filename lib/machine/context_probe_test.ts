import assert from "node:assert/strict";
import { IoThread } from "../runtime/io_thread.ts";
import { MainLoop } from "../runtime/main_loop.ts";
import { SharedHistogram } from "../measure/histogram.ts";
import { TimeBase } from "../measure/time_base.ts";
import { expandScenario } from "../scenario/expand.ts";
import { validateScenario } from "../scenario/validate.ts";
import { waitFor } from "../testing/wait.ts";
import { CONTEXT_PROBE_MODULE } from "./context_probe.ts";
import { CTX_STAT, MACHINE_CTL } from "./layout.ts";
import { planMachine } from "./machine_plan.ts";
import { withCleanup } from "../testing/cleanup.ts";

Deno.test("context probe: the jitter probe records, statistics grow and restart at a new epoch", async () => {
  const run = expandScenario(validateScenario({
    name: "probe",
    devices: [{ id: "d" }],
    probes: { jitterPeriod: "2ms" },
    placements: { p: { iothreads: { io0: { pollMaxNs: 0 } }, map: { d: "io0" } } },
  }))[0].scenario;
  const plan = planMachine(run, "p", 1);
  const tb = TimeBase.create();
  plan.timeBase = tb.handle;
  const main = await MainLoop.create();
  const io = await IoThread.create({ id: "io0", pollMaxNs: 0 });
  await withCleanup(async () => {
    plan.contexts[0].handle = main.contextHandle;
    plan.contexts[1].handle = io.contextHandle;
    assert.equal(await io.run(`${CONTEXT_PROBE_MODULE}#probeStart`, plan, 1), true);
    const stats = new Float64Array(plan.ctxStat, CTX_STAT.WORDS * 8, CTX_STAT.WORDS);
    const jitter = SharedHistogram.fromHandle(plan.contexts[1].jitter);
    await waitFor(() => stats[CTX_STAT.HEARTBEAT] >= 5, "five probe runs");
    assert.ok(jitter.snapshot().totalCount >= 4, "lateness recorded at every run after the first");
    assert.ok(stats[CTX_STAT.SLEEP_NS] > 0, "the idle IOThread slept");
    await waitFor(() => stats[CTX_STAT.ELAPSED_NS] > 50e6, "50 ms of elapsed time");
    const bumpAt = performance.now();
    Atomics.add(new Int32Array(plan.ctl), MACHINE_CTL.EPOCH, 1);
    const beat = stats[CTX_STAT.HEARTBEAT];
    await waitFor(() => stats[CTX_STAT.HEARTBEAT] > beat + 1, "two probe runs after the epoch");
    // Restarted at the epoch: no more elapsed time than since the bump.
    assert.ok(stats[CTX_STAT.ELAPSED_NS] <= (performance.now() - bumpAt) * 1e6 + 1e6);
    // The end of the measurement: figures and jitter stay, the heartbeat goes on.
    assert.equal(await io.run(`${CONTEXT_PROBE_MODULE}#probeFreeze`), true);
    const frozen = Array.from(stats);
    const recorded = jitter.snapshot().totalCount;
    await waitFor(
      () => stats[CTX_STAT.HEARTBEAT] > frozen[CTX_STAT.HEARTBEAT] + 2,
      "three probe runs after the freeze",
    );
    assert.equal(await io.run(`${CONTEXT_PROBE_MODULE}#probePublish`), true);
    assert.equal(await io.run(`${CONTEXT_PROBE_MODULE}#probeStop`), true);
    for (const k of ["ELAPSED_NS", "SLEEP_NS", "POLLS", "WAITS"] as const) {
      assert.equal(stats[CTX_STAT[k]], frozen[CTX_STAT[k]], `${k} kept after the freeze`);
    }
    assert.equal(jitter.snapshot().totalCount, recorded, "no lateness recorded after the freeze");
    await assert.rejects(io.run(`${CONTEXT_PROBE_MODULE}#probePublish`), /has no machine probe/);
  }, async () => {
    io.stop();
    await io.join();
    main.stop();
    await main.join();
    await tb.close();
  });
});

Deno.test("context probe: the idle probe runs alone in an IOThread, one per thread, and returns its samples", async () => {
  const io = await IoThread.create({ id: "idle-probe" });
  await withCleanup(async () => {
    await assert.rejects(io.run(`${CONTEXT_PROBE_MODULE}#idleProbeCount`), /no idle probe runs/);
    assert.equal(await io.run(`${CONTEXT_PROBE_MODULE}#idleProbeStart`, 1e6, 3), true);
    await assert.rejects(
      io.run(`${CONTEXT_PROBE_MODULE}#idleProbeStart`, 1e6, 3),
      /already has an idle probe/,
    );
    const deadline = performance.now() + 30_000;
    while (await io.run<number>(`${CONTEXT_PROBE_MODULE}#idleProbeCount`) < 3) {
      assert.ok(performance.now() < deadline, "three probe runs within 30 s");
      await new Promise((r) => setTimeout(r, 5));
    }
    const late = await io.run<number[]>(`${CONTEXT_PROBE_MODULE}#idleProbeStop`);
    assert.equal(late.length, 3, "no more than the samples asked for");
    assert.ok(late.every((ns) => ns >= 0), "a timer never runs before it is due");
    await assert.rejects(io.run(`${CONTEXT_PROBE_MODULE}#idleProbeStop`), /no idle probe runs/);
    await assert.rejects(
      io.run(`${CONTEXT_PROBE_MODULE}#idleProbeStart`, 0, 3),
      /expected a period > 0 ns, got 0/,
    );
  }, async () => {
    io.stop();
    await io.join();
  });
});
