// End to end on real Workers: the lab (runLab) runs 1-second scenarios on
// the real guest model (lib/machine/machine.ts), one run per placement kind
// (main loop; one IOThread per device; one device's queues spread over two
// IOThreads; a live move; the tcg model; ioeventfd off and a file driver in
// /tmp), each in its own process; the documents it writes are loaded back
// with loadResult (the schema) and checked against the invariants a result
// must keep whatever the machine's speed: completions equal the latency
// histogram's count, every request issued is completed, dropped or in
// flight at the stop, the sampled stages add up to the totals, the
// summary rows are the runs' figures. No timing is asserted.

import assert from "node:assert/strict";
import { decodeHdr } from "../measure/hdr_export.ts";
import { loadResult, type ResultDocument, type RunRecord } from "../result/document.ts";
import type { LoadedScenario } from "../scenario/load.ts";
import type { ScenarioInput } from "../scenario/types.ts";
import { validateScenario } from "../scenario/validate.ts";
import { descendants, isRunning } from "../testing/processes.ts";
import { runLab } from "./lab.ts";

function loaded(input: ScenarioInput): LoadedScenario {
  const text = JSON.stringify(input, null, 2);
  return {
    file: `${input.name}.json`,
    text,
    input,
    scenario: validateScenario(input, `${input.name}.json`),
  };
}

const COMMON = {
  duration: "1s",
  warmup: "100ms",
  repetitions: 1,
  seed: 3,
  machine: { vcpus: 1, compute: { distribution: "exponential", mean: "20us" } },
  // Every request's stages are recorded, so that they can be added up against the totals.
  probes: { stageSampleEvery: 1, timeSeriesInterval: "100ms" },
} as const;

/** The host's last CPU: the pinned placement uses it and CPU 0 (the same CPU on a 1-core host). */
const LAST_CPU = navigator.hardwareConcurrency - 1;

/** The placement kinds on null drivers: two disks, one closed loop, one open loop. */
const PLACEMENTS: ScenarioInput = {
  ...COMMON,
  name: "e2e-placements",
  devices: [
    { id: "disk0", queues: 2, queueDepth: 2, driver: { kind: "null", latency: "20us" } },
    {
      id: "disk1",
      queueDepth: 2,
      driver: { kind: "null", latency: "50us" },
      arrival: { kind: "poisson", rate: "5000/s" },
    },
  ],
  mainLoop: { vnc: { period: "30ms", work: "1ms" } },
  placements: {
    main: {},
    "per-device": { iothreads: { io0: {}, io1: {} }, map: { disk0: "io0", disk1: "io1" } },
    spread: {
      locking: "modern",
      iothreads: { io0: {}, io1: {} },
      map: { disk0: ["io0", "io1"] },
    },
    move: { iothreads: { io0: {}, io1: {} }, map: { disk0: "io0", disk1: "io1" } },
    tcg: { accel: "tcg", iothreads: { io0: {} }, map: { disk0: "io0", disk1: "io0" } },
    pinned: {
      iothreads: { io0: {} },
      map: { disk0: "io0", disk1: "io0" },
      cpus: { main: [0], io0: [LAST_CPU], vcpus: [LAST_CPU] },
    },
  },
  events: [{ at: "500ms", move: "disk0", to: "io1", placements: ["move"] }],
};

/** The legacy kick path (ioeventfd off) and a file driver in /tmp, in one IOThread placement. */
function legacy(file: string): ScenarioInput {
  return {
    ...COMMON,
    name: "e2e-legacy",
    devices: [
      { id: "mmio", ioeventfd: false, driver: { kind: "null", latency: "20us" } },
      {
        id: "file",
        queueDepth: 4,
        readFraction: 0.5,
        driver: { kind: "file", path: file, size: "1MiB" },
      },
    ],
    placements: { iothread: { iothreads: { io0: {} }, map: { mmio: "io0", file: "io0" } } },
  };
}

/**
 * Devices that may complete nothing in a 1-second run on a loaded host: the file driver's
 * pool Workers start at its first request (as QEMU's do), which took 1.5 s under load.
 */
const SLOW_TO_START = new Set(["file"]);

/** Checks one completed run's report against the invariants of a result. */
function assertRunBooks(run: RunRecord): void {
  const what = `${run.scenario}/${run.placement}`;
  assert.equal(run.status, "completed", `${what}: ${run.error?.message}`);
  assert.equal(run.error, null);
  assert.equal(run.exitCode, 0);
  const r = run.report!;
  assert.equal(r.placement, run.placement);
  assert.deepEqual(r.errors, [], what);
  assert.ok(r.durationNs > 0, what);
  assert.ok(r.measurementOverheadNs > 0, what);
  for (const [id, d] of Object.entries(r.devices)) {
    const at = `${what} ${id}`;
    if (SLOW_TO_START.has(id)) assert.ok(d.issued > 0, `${at}: issued requests`);
    else assert.ok(d.completions > 0, `${at}: completed requests`);
    // Completions equal the latency histogram's count, in the summary and in the encoding.
    assert.equal(d.latency.count, d.completions, `${at}: latency count`);
    assert.equal(decodeHdr(d.latency.hdr).totalCount, d.completions, `${at}: encoded count`);
    // Every request issued is completed, counted as dropped, or in flight at the stop.
    assert.equal(typeof d.inFlight, "number", `${at}: inFlight reported`);
    assert.equal(d.issued, d.completions + d.dropped + d.inFlight!, `${at}: issued`);
    // Each request's stages were recorded with its total (one in 1) ...
    assert.equal(d.stageSampleEvery, 1);
    const stages = [d.stages.queued, d.stages.dispatch, d.stages.service, d.stages.completion];
    for (const s of stages) assert.equal(s.count, d.completions, `${at}: stage count`);
    // ... and they add up to it: means from histograms of at most 1% relative error each,
    // so within 2% of the total's mean, plus the lowest buckets' width per stage.
    const sum = stages.reduce((n, s) => n + s.meanNs, 0);
    const tolerance = 0.02 * d.latency.meanNs + 4 * 100;
    assert.ok(
      Math.abs(sum - d.latency.meanNs) <= tolerance,
      `${at}: stage means add up to ${sum} ns, the total's mean is ${d.latency.meanNs} ns`,
    );
    for (const s of stages) assert.ok(s.maxNs <= d.latency.maxNs * 1.01 + 100, at);
    // The time series counts the same completions.
    const rows = r.timeSeries.rows as { device: string; completions: number }[];
    const inRows = rows.filter((x) => x.device === id).reduce((n, x) => n + x.completions, 0);
    assert.equal(inRows, d.completions, `${at}: time series`);
  }
  for (const [id, c] of Object.entries(r.contexts)) {
    assert.ok(c.jitter.count > 0, `${what} ${id}: the jitter probe ran`);
  }
  assert.ok(r.vcpus.length === 1 && r.vcpus[0].ioWaitNs > 0, what);
}

/** Checks that the summary is one row per run and device, with the runs' figures. */
function assertSummary(doc: ResultDocument): void {
  const expected = doc.runs.flatMap((run) =>
    Object.entries(run.report!.devices).map(([device, d]) => ({ run, device, d }))
  );
  assert.equal(doc.summary.length, expected.length);
  doc.summary.forEach((row, i) => {
    const { run, device, d } = expected[i];
    const r = run.report!;
    assert.equal(row.scenario, run.scenario);
    assert.equal(row.placement, run.placement);
    assert.equal(row.repetition, run.repetition);
    assert.deepEqual(row.sweep, run.sweep);
    assert.equal(row.device, device);
    assert.equal(row.status, run.status);
    assert.equal(row.completions, d.completions);
    assert.equal(row.dropped, d.dropped);
    assert.equal(row.iops, d.completions / (r.durationNs / 1e9));
    assert.deepEqual(
      [row.p50Ns, row.p90Ns, row.p99Ns, row.p999Ns, row.p9999Ns, row.maxNs],
      [
        d.latency.p50Ns,
        d.latency.p90Ns,
        d.latency.p99Ns,
        d.latency.p999Ns,
        d.latency.p9999Ns,
        d.latency.maxNs,
      ],
    );
    assert.equal(row.jitterNs, row.p99Ns - row.p50Ns);
    const waits = r.vcpus.reduce((n, v) => n + v.bqlWaitNs, 0);
    assert.equal(row.bqlWaitShare, Math.min(1, waits / (r.vcpus.length * r.durationNs)));
  });
}

Deno.test("end to end: one run per placement kind on the real machine keeps a result's invariants", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-e2e-" });
  const seen = new Set<number>();
  let polling = true;
  const watch = (async () => {
    // The run processes, by pid, as they come and go.
    while (polling) {
      for (const p of await descendants(Deno.pid)) {
        if (/run_child\.ts/.test(p.args)) seen.add(p.pid);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    const file = `${dir}/disk.img`;
    const t0 = performance.now();
    const outcome = await runLab({
      scenarios: [loaded(PLACEMENTS), loaded(legacy(file))],
      outDir: dir,
      commandLine: ["aiolab", "run", "e2e"],
      calibration: { jitterSamples: 10, handoffRounds: 20 },
    });
    console.log(`end to end: 7 runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    polling = false;
    await watch;
    assert.equal(
      outcome.partial,
      false,
      JSON.stringify(outcome.results.map((r) => r.document.runs.map((x) => x.error))),
    );
    assert.equal(outcome.interrupted, false);
    assert.deepEqual(outcome.results.map((r) => r.scenario), ["e2e-placements", "e2e-legacy"]);
    const docs = await Promise.all(
      outcome.results.map(async (r) => loadResult(await Deno.readTextFile(r.path), r.path)),
    );
    for (const doc of docs) {
      assert.equal(doc.manifest.partial, false);
      assert.equal(doc.manifest.plannedRuns, doc.runs.length);
      assert.ok(doc.manifest.noiseFloor !== null);
      for (const run of doc.runs) assertRunBooks(run);
      assertSummary(doc);
    }
    const [placements, old] = docs;
    const runs = Object.fromEntries(placements.runs.map((r) => [r.placement, r.report!]));
    assert.deepEqual(Object.keys(runs), ["main", "per-device", "spread", "move", "tcg", "pinned"]);
    assert.deepEqual(runs.main.devices.disk0.contexts, ["main", "main"]);
    assert.deepEqual(runs["per-device"].devices.disk0.contexts, ["io0", "io0"]);
    assert.deepEqual(runs["per-device"].devices.disk1.contexts, ["io1"]);
    assert.deepEqual(runs.spread.devices.disk0.contexts, ["io0", "io1"]);
    assert.ok(runs.spread.contexts.io1.pollsWithWork > 0, "io1 served disk0's second queue");
    // The move ran in its placement only, during the measured time, and lost no request.
    const events = (r: typeof runs.move) =>
      (r.timeSeries.events as { name: string }[]).map((e) => e.name);
    assert.deepEqual(events(runs.move), ["move disk0 to io1: begin", "move disk0 to io1: end"]);
    for (const p of ["main", "per-device", "spread", "tcg", "pinned"]) {
      assert.deepEqual(events(runs[p]), [], p);
    }
    // tcg: the kicks are exits under the BQL; kvm's ioeventfd kicks (and no exits) never take it.
    // (The BQL's figures cover every holder, the main loop's dispatching too: look per thread.)
    const vcpuBql = (r: typeof runs.tcg) =>
      Object.entries(r.locks.bql.byThread).filter(([thread]) => thread.startsWith("CPU "));
    assert.ok(vcpuBql(runs.tcg).some(([, t]) => t.acquisitions > 0), "tcg: a vCPU took the BQL");
    assert.ok(runs.tcg.vcpus[0].bqlWaitNs > 0);
    for (const [thread, t] of vcpuBql(runs["per-device"])) assert.equal(t.acquisitions, 0, thread);
    assert.equal(runs["per-device"].vcpus[0].bqlWaitNs, 0);
    // Pinned threads ran where the placement put them (each checked its own affinity when it
    // started, or the run would have failed); unpinned ones say nothing.
    assert.deepEqual(runs.pinned.contexts.main.cpus, [0]);
    assert.deepEqual(runs.pinned.contexts.io0.cpus, [LAST_CPU]);
    assert.deepEqual(runs.pinned.vcpus[0].cpus, [LAST_CPU]);
    assert.equal(runs["per-device"].contexts.io0.cpus, undefined);
    // The open-loop disk counts what it could not issue; its books balanced above.
    assert.ok(runs.main.devices.disk1.issued > 0);
    // ioeventfd off: the device runs in the main loop whatever the map says; the file is real.
    const legacyRun = old.runs[0].report!;
    assert.deepEqual(legacyRun.devices.mmio.contexts, ["main"]);
    assert.deepEqual(legacyRun.devices.file.contexts, ["io0"]);
    assert.ok((await Deno.stat(file)).size >= 1024 * 1024);
    // Every run process is gone.
    assert.ok(seen.size >= 1 && seen.size <= 7, `${seen.size} run processes seen`);
    for (const pid of seen) assert.equal(await isRunning(pid), false, `run process ${pid}`);
    assert.deepEqual(await descendants(Deno.pid), []);
  } finally {
    polling = false;
    await watch;
    await Deno.remove(dir, { recursive: true });
  }
});
