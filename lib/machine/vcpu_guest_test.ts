import assert from "node:assert/strict";
import { MainLoop } from "../runtime/main_loop.ts";
import { VcpuThread } from "../runtime/vcpu_thread.ts";
import { SharedHistogram } from "../measure/histogram.ts";
import { TimeBase } from "../measure/time_base.ts";
import { expandScenario } from "../scenario/expand.ts";
import { validateScenario } from "../scenario/validate.ts";
import { waitFor } from "../testing/wait.ts";
import { MACHINE_CTL, VCPU_CTL, VCPU_DOING, VCPU_TIME } from "./layout.ts";
import { BQL_TIMING_SLOT, planMachine } from "./machine_plan.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { VCPU_GUEST_MODULE, type VcpuGuestResult } from "./vcpu_guest.ts";
import { withCleanup } from "../testing/cleanup.ts";

Deno.test("vcpu guest: a vCPU without queues computes and takes the BQL for its exits", async () => {
  const run = expandScenario(validateScenario({
    name: "cpu",
    machine: { vcpus: 2, exits: { rate: "5000/s", length: "10us" } },
    devices: [{ id: "d" }],
    placements: { p: {} },
  }))[0].scenario;
  const plan = planMachine(run, "p", 1);
  const tb = TimeBase.create();
  plan.timeBase = tb.handle;
  const main = await MainLoop.create();
  const cpu = await VcpuThread.create({ index: 1 });
  await withCleanup(async () => {
    const ctl = new Int32Array(plan.ctl);
    const vctl = new Int32Array(plan.vcpuCtl);
    const result = cpu.run<VcpuGuestResult>(`${VCPU_GUEST_MODULE}#vcpuGuestRun`, plan, 1, 100);
    await waitFor(
      { words: vctl, index: VCPU_CTL.WORDS + VCPU_CTL.READY, equals: 1 },
      "vCPU ready",
      {
        watch: result,
      },
    );
    assert.equal(Atomics.load(vctl, VCPU_CTL.WORDS + VCPU_CTL.DOING), VCPU_DOING.IDLE);
    Atomics.store(ctl, MACHINE_CTL.GO, 1);
    Atomics.notify(ctl, MACHINE_CTL.GO);
    // The vCPU's own BQL holds (its sinks, installed by vcpuGuestRun): one per exit.
    defaultRegistry().bql.setTimingSlot(BQL_TIMING_SLOT);
    const exits = SharedHistogram.fromHandle(plan.lockTiming.vcpus[1][0].hold);
    await waitFor(() => exits.snapshot().totalCount >= 10, "ten exits", { watch: result });
    Atomics.store(ctl, MACHINE_CTL.STOP, 1);
    assert.deepEqual(await result, { index: 1, abandoned: 0 });
    const t = new Float64Array(plan.vcpuTime, VCPU_TIME.WORDS * 8, VCPU_TIME.WORDS);
    assert.ok(t[VCPU_TIME.COMPUTE_NS] > 0);
    assert.equal(Atomics.load(vctl, VCPU_CTL.WORDS + VCPU_CTL.DOING), VCPU_DOING.STOPPED);
    // Timed by the lock on the thread's own clock (the exit spins on the time base's).
    assert.ok(exits.snapshot().min >= 9_000, "each exit held the BQL for its length");
  }, async () => {
    cpu.stop();
    await cpu.join();
    main.stop();
    await main.join();
    await tb.close();
  });
});
