// A tiny machine on real Workers, per placement kind and notification
// model: its books balance (issued = completions + dropped + in flight;
// completions = the latency histogram's count; stage counts follow the
// sampling), every thread is joined, nothing failed; a move during the
// run loses no request.

import assert from "node:assert/strict";
import { defaultRegistry } from "../sync/registry.ts";
import { expandScenario } from "../scenario/expand.ts";
import { validateScenario } from "../scenario/validate.ts";
import type { ScenarioInput } from "../scenario/types.ts";
import { Machine, type MachineReport } from "./machine.ts";
import { withCleanup } from "../testing/cleanup.ts";

const RUN_MS = 300;

function point(input: Omit<ScenarioInput, "name">) {
  return expandScenario(validateScenario({ name: "machine-test", ...input }))[0].scenario;
}

async function runMachine(
  input: Omit<ScenarioInput, "name">,
  placement: string,
  during?: (m: Machine) => Promise<void>,
): Promise<MachineReport> {
  const threadsBefore = defaultRegistry().threadsInUse();
  const m = await Machine.start({ run: point(input), placement, seed: 7 });
  await withCleanup(async () => {
    m.begin();
    await new Promise((r) => setTimeout(r, 50));
    m.resetMeasurements();
    const t0 = performance.now();
    if (during !== undefined) await during(m);
    while (performance.now() - t0 < RUN_MS) {
      await new Promise((r) => setTimeout(r, 50));
      m.sample(performance.now() * 1e6);
    }
  }, async () => {
    await m.stop();
  });
  assert.equal(defaultRegistry().threadsInUse(), threadsBefore, "every thread joined");
  return m.collect();
}

function assertBooks(r: MachineReport, device = "disk0"): void {
  assert.deepEqual(r.errors, []);
  const d = r.devices[device];
  assert.ok(d.completions > 0, `${device} completed requests`);
  assert.equal(d.latency.count, d.completions, "every completion is in the histogram");
  assert.equal(
    d.issued,
    d.completions + d.dropped + d.inFlight,
    "issued = completed + dropped + in flight",
  );
  for (const s of ["dispatch", "service", "completion", "queued"] as const) {
    const n = d.stages[s].count;
    // One in N of the completions; the sampling counter runs per queue from the start.
    assert.ok(n <= Math.ceil(d.completions / d.stageSampleEvery) + 2, `${s}: ${n} samples`);
    assert.ok(n >= Math.floor(d.completions / d.stageSampleEvery) - 2, `${s}: ${n} samples`);
  }
  const rows = r.timeSeries.rows as { device: string; completions: number }[];
  assert.equal(
    rows.filter((x) => x.device === device).reduce((n, x) => n + x.completions, 0),
    d.completions,
  );
  assert.ok(r.measurementOverheadNs > 0);
  assert.ok(r.lockMeasurementNs >= 0);
  assert.ok(r.durationNs > 0);
  assertLocks(r);
}

/** Every lock's per-thread figures add up to its totals; histograms match the counts. */
function assertLocks(r: MachineReport): void {
  assert.ok(r.locks.bql !== undefined, "the BQL is always reported");
  for (const [name, l] of Object.entries(r.locks)) {
    const threads = Object.entries(l.byThread);
    const sum = (f: (t: (typeof threads)[number][1]) => number) =>
      threads.reduce((n, [, t]) => n + f(t), 0);
    assert.equal(sum((t) => t.acquisitions), l.acquisitions, `${name}: acquisitions add up`);
    assert.equal(sum((t) => t.contended), l.contended, `${name}: contended adds up`);
    assert.equal(l.contendedShare, l.acquisitions > 0 ? l.contended / l.acquisitions : 0);
    for (const [thread, t] of threads) {
      assert.ok(t.acquisitions > 0, `${name} ${thread}: listed only when it took the lock`);
      assert.ok(t.contended <= t.acquisitions);
      if (l.wait === null) {
        assert.equal(t.wait, null, `${name} is not timed, so neither is ${thread}`);
        continue;
      }
      if (t.wait === null || t.hold === null) continue; // not a machine thread
      // One wait per acquisition, one hold per release; at most one more at the window's edge.
      assert.ok(t.wait.count <= t.acquisitions + 1, `${name} ${thread}: ${t.wait.count} waits`);
      assert.ok(t.hold.count <= t.acquisitions + 1, `${name} ${thread}: ${t.hold.count} holds`);
    }
    if (l.wait !== null && l.hold !== null) {
      assert.equal(l.wait.count, sum((t) => t.wait?.count ?? 0), `${name}: waits merge`);
      assert.equal(l.hold.count, sum((t) => t.hold?.count ?? 0), `${name}: holds merge`);
    }
  }
}

const disk = { id: "disk0", driver: { kind: "null" as const, latency: "20us" as const } };

Deno.test("machine: main-loop and IOThread placements balance their books", async () => {
  const input = {
    devices: [{ ...disk, queueDepth: 2 }],
    mainLoop: { vnc: { period: "20ms" as const, work: "1ms" as const } },
    probes: { stageSampleEvery: 4 },
    placements: {
      main: {},
      iothread: { iothreads: { io0: { pollMaxNs: 0 } }, map: { disk0: "io0" } },
    },
  };
  const main = await runMachine(input, "main");
  assertBooks(main);
  assert.deepEqual(main.devices.disk0.contexts, ["main"]);
  assert.ok(main.locks.bql.hold!.count > 0, "the VNC frames held the BQL");
  assert.ok(main.contexts.main.jitter.count > 0, "the main loop's jitter probe ran");
  const io = await runMachine(input, "iothread");
  assertBooks(io);
  assert.deepEqual(io.devices.disk0.contexts, ["io0"]);
  assert.ok(io.contexts.io0.jitter.count > 0, "the IOThread's jitter probe ran");
  assert.ok(io.contexts.io0.pollsWithWork > 0);
  assert.equal(io.vcpus.length, 1);
  assert.ok(io.vcpus[0].ioWaitNs > 0);
  // Every thread says how well it knows its offset to the shared clock (a reading takes
  // time, so the bound is never 0), and an epoch restart did not erase it.
  for (
    const [name, u] of [
      ["main", io.contexts.main.clockUncertaintyNs],
      ["io0", io.contexts.io0.clockUncertaintyNs],
      ["vcpu0", io.vcpus[0].clockUncertaintyNs],
    ] as const
  ) {
    assert.ok(u !== undefined && u > 0 && u < 1e9, `${name}: ${u}`);
  }
});

Deno.test("machine: tcg and ioeventfd-off take the BQL on the request path", async () => {
  const tcg = await runMachine({
    devices: [disk],
    placements: { t: { accel: "tcg", iothreads: { io0: {} }, map: { disk0: "io0" } } },
  }, "t");
  assertBooks(tcg);
  // Each kick took the BQL (the request in flight at the reset was kicked before it).
  assert.ok(tcg.locks.bql.wait!.count >= tcg.devices.disk0.completions - 1);
  const off = await runMachine({
    devices: [{ ...disk, ioeventfd: false }],
    placements: { o: { iothreads: { io0: {} }, map: { disk0: "io0" } } },
  }, "o");
  assertBooks(off);
  assert.deepEqual(
    off.devices.disk0.contexts,
    ["main"],
    "without ioeventfd the device runs in main",
  );
  assert.ok(off.locks.bql.wait!.count > 0);
});

Deno.test("machine: open loop counts drops; seed locking and spread queues work", async () => {
  const input: Omit<ScenarioInput, "name"> = {
    machine: { exits: { rate: "2000/s", length: "5us" } },
    devices: [{
      ...disk,
      queues: 2,
      queueDepth: 1,
      driver: { kind: "null", latency: "1ms" },
      arrival: { kind: "poisson", rate: "20000/s" },
    }],
    mainLoop: { qmp: { rate: "200/s", work: "50us", drainFraction: 0.5 } },
    placements: {
      spread: {
        locking: "modern",
        iothreads: { io0: {}, io1: {} },
        map: { disk0: ["io0", "io1"] },
      },
      seed: { locking: "seed", iothreads: { io0: {} }, map: { disk0: "io0" } },
    },
  };
  const spread = await runMachine(input, "spread");
  assertBooks(spread);
  assert.deepEqual(spread.devices.disk0.contexts, ["io0", "io1"]);
  assert.ok(
    spread.devices.disk0.dropped > 0,
    "arrivals beyond the queue depth are dropped, and counted",
  );
  assert.deepEqual(Object.keys(spread.locks), ["bql"], "modern: no AioContext lock is taken");
  // The vCPU's exits and the main loop both take the BQL; each has its own histograms.
  const bql = spread.locks.bql.byThread;
  assert.deepEqual(Object.keys(bql).sort(), ["CPU 0/aiolab", "main-loop"]);
  assert.ok(bql["CPU 0/aiolab"].wait!.count > 0 && bql["main-loop"].hold!.count > 0);
  const seed = await runMachine(input, "seed");
  assertBooks(seed);
  assert.deepEqual(Object.keys(seed.locks).sort(), ["aio:io0", "aio:main", "bql"]);
  const aio = seed.locks["aio:io0"];
  assert.ok(aio.acquisitions > 0, "seed era: handlers took the AioContext lock");
  // The device's handlers in io0 and the monitor's commands in the main loop.
  assert.ok(aio.byThread["IO io0"].acquisitions > 0, "the IOThread took its context's lock");
  assert.ok(aio.byThread["main-loop"].acquisitions > 0, "the QMP commands took io0's lock");
  assert.ok(aio.wait!.count > 0 && aio.hold!.count > 0);
});

Deno.test("machine: a move during the run loses no request", async () => {
  const r = await runMachine(
    {
      devices: [{ ...disk, queueDepth: 4 }],
      placements: { moving: { iothreads: { io0: {}, io1: {} }, map: { disk0: "io0" } } },
    },
    "moving",
    async (m) => {
      await new Promise((r) => setTimeout(r, 80));
      await m.move("disk0", "io1");
      await new Promise((r) => setTimeout(r, 50));
      await m.move("disk0", "main");
      await assert.rejects(m.move("disk9", "io0"), /no device "disk9"/);
    },
  );
  assertBooks(r);
  const events = r.timeSeries.events as { name: string }[];
  assert.deepEqual(events.map((e) => e.name), [
    "move disk0 to io1: begin",
    "move disk0 to io1: end",
    "move disk0 to main: begin",
    "move disk0 to main: end",
  ]);
});
