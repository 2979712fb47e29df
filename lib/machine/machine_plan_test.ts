import assert from "node:assert/strict";
import { expandScenario } from "../scenario/expand.ts";
import { validateScenario } from "../scenario/validate.ts";
import { planMachine } from "./machine_plan.ts";

const point = (input: Record<string, unknown>) =>
  expandScenario(validateScenario({ name: "plan", ...input }))[0].scenario;

Deno.test("machine plan: queues go round-robin to vCPUs; contexts follow the placement", () => {
  const run = point({
    machine: { vcpus: 2 },
    devices: [{ id: "a", queues: 2 }, { id: "b", ioeventfd: false }],
    placements: {
      p: {
        locking: "modern",
        iothreads: { io0: {}, io1: {} },
        map: { a: ["io0", "io1"], b: "io0" },
      },
    },
  });
  const plan = planMachine(run, "p", 3);
  assert.deepEqual(plan.queues.map((q) => [q.device, q.queue, q.vcpu, q.context]), [
    [0, 0, 0, "io0"],
    [0, 1, 1, "io1"],
    [1, 0, 0, "main"], // ioeventfd off: served in the main context
  ]);
  assert.deepEqual(plan.devices.map((d) => d.movable), [false, false]);
  assert.equal(plan.devices[0].handle.contextLock, false);
  assert.ok(plan.devices[0].handle.stamps !== null);
  assert.equal(plan.seed, 3);
  assert.equal(plan.locking, "modern");
});

Deno.test("machine plan: seed locking and queue sizes", () => {
  const run = point({
    devices: [{ id: "a", queueDepth: 5 }],
    placements: { s: { locking: "seed" } },
  });
  const plan = planMachine(run, "s", 1);
  assert.equal(plan.devices[0].handle.contextLock, true);
  assert.equal(plan.devices[0].handle.queueSize, 8, "the ring holds the queue depth");
  assert.equal(plan.devices[0].movable, true);
  assert.throws(
    () => planMachine(run, "x", 1),
    /no placement "x"; expected one of the placements: s/,
  );
});
