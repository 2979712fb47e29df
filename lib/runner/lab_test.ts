import assert from "node:assert/strict";
import { decodeHdr } from "../measure/hdr_export.ts";
import { loadResult, sha256Hex } from "../result/document.ts";
import type { LoadedScenario } from "../scenario/load.ts";
import type { ScenarioInput } from "../scenario/types.ts";
import { validateScenario } from "../scenario/validate.ts";
import { type LabHooks, LabSetupError, planLab, runLab } from "./lab.ts";

const STAND_IN = new URL("./testdata/stand_in_machine.ts", import.meta.url);
const FAST_CALIBRATION = { jitterSamples: 10, handoffRounds: 20 };

function loaded(input: ScenarioInput): LoadedScenario {
  const text = JSON.stringify(input, null, 2);
  return { file: "lab_test.json", text, input, scenario: validateScenario(input) };
}

const BASE: ScenarioInput = {
  name: "lab-test",
  duration: "400ms",
  warmup: "100ms",
  repetitions: 2,
  seed: 5,
  devices: [{ id: "disk0" }],
  probes: { timeSeriesInterval: "100ms" },
  placements: {
    main: {},
    iothread: { iothreads: { io0: { pollMaxNs: 0 } }, map: { disk0: "io0" } },
  },
  events: [{ at: "200ms", move: "disk0", to: "main", placements: ["iothread"] }],
};

/** Child processes of this test process (none may outlive a lab). */
async function childProcesses(): Promise<string[]> {
  const out = await new Deno.Command("ps", {
    args: ["-o", "pid=,args=", "--ppid", String(Deno.pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.trim())
    .filter((l) => l !== "" && !/\bps -o\b/.test(l));
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-lab-" });
  try {
    await fn(dir);
    assert.deepEqual(await childProcesses(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("planLab: sweep points in order, placements interleaved per point, seeds per repetition", () => {
  const [plan] = planLab([loaded({ ...BASE, devices: [{ id: "disk0", queueDepth: [1, 4] }] })]);
  assert.deepEqual(
    plan.runs.map((r) => `${r.sweepIndex}:${r.placement}${r.repetition}@${r.seed}`),
    [
      "0:main1@5",
      "0:iothread1@5",
      "0:main2@6",
      "0:iothread2@6",
      "1:main1@5",
      "1:iothread1@5",
      "1:main2@6",
      "1:iothread2@6",
    ],
  );
  assert.deepEqual(plan.runs[4].label, { "devices[0].queueDepth": 4 });
  assert.deepEqual(plan.runs.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("planLab: overrides replace the scenario's values; unknown placements are refused", () => {
  const [plan] = planLab([loaded(BASE)], {
    duration: 300e6,
    warmup: 0,
    repetitions: 1,
    seed: 9,
    placements: ["iothread", "main"],
  });
  assert.deepEqual(plan.runs.map((r) => `${r.placement}@${r.seed}`), ["iothread@9", "main@9"]);
  assert.equal(plan.runs[0].run.duration, 300e6);
  assert.equal(plan.runs[0].run.warmup, 0);
  assert.throws(
    () => planLab([loaded(BASE)], { placements: ["main", "mian"] }),
    (e: unknown) =>
      e instanceof LabSetupError &&
      e.message ===
        'lab_test.json: expected placements of scenario "lab-test" (main, iothread), found "mian". ' +
          "Name them as the scenario does.",
  );
  assert.throws(
    () => planLab([loaded(BASE)], { repetitions: 0 }),
    /override repetitions: expected/,
  );
});

Deno.test("runLab: interleaved runs, one document per scenario that validates and round-trips", async () => {
  await withTempDir(async (dir) => {
    const starts: string[] = [];
    const ends: string[] = [];
    let plan: Parameters<NonNullable<LabHooks["onPlan"]>>[0] | undefined;
    let progress = 0;
    const outcome = await runLab({
      scenarios: [loaded(BASE)],
      outDir: dir,
      commandLine: ["aiolab", "run", "lab_test.json"],
      machineModule: STAND_IN,
      calibration: FAST_CALIBRATION,
    }, {
      onPlan: (p) => plan = p,
      onRunStart: (i) => starts.push(`${i.index}/${i.total} ${i.placement}${i.repetition}`),
      onProgress: (p) => {
        progress++;
        assert.ok(p.etaMs >= 0 && "disk0" in p.devices);
      },
      onRunEnd: (i) => ends.push(`${i.index} ${i.status}${i.error ? ` ${i.error}` : ""}`),
    });
    assert.equal(plan?.runs, 4);
    assert.deepEqual(starts, ["0/4 main1", "1/4 iothread1", "2/4 main2", "3/4 iothread2"]);
    assert.deepEqual(ends, ["0 completed", "1 completed", "2 completed", "3 completed"]);
    assert.ok(progress >= 4);
    assert.equal(outcome.partial, false);
    assert.equal(outcome.interrupted, false);
    assert.equal(outcome.results.length, 1);
    const [{ path, document: doc }] = outcome.results;
    assert.match(path, /\/\d{8}T\d{6}Z-lab-test\/result\.json$/);
    assert.ok(path.startsWith(dir));

    // On disk: the same document, valid.
    const back = loadResult(await Deno.readTextFile(path), path);
    assert.deepEqual(back, JSON.parse(JSON.stringify(doc)));

    const m = doc.manifest;
    assert.equal(m.partial, false);
    assert.equal(m.plannedRuns, 4);
    assert.equal(m.scenario.sha256, await sha256Hex(m.scenario.text));
    assert.equal(m.scenario.name, "lab-test");
    assert.equal(m.seed, 5);
    assert.equal(m.aiolabVersion, JSON.parse(await Deno.readTextFile("deno.json")).version);
    assert.equal(m.cores, navigator.hardwareConcurrency);
    assert.ok(m.clockResolutionNs > 0);
    assert.equal(m.noiseFloor?.idleJitter.samples, 10);
    assert.equal(m.noiseFloor?.handoffRoundTrip.samples, 20);
    assert.deepEqual(m.commandLine, ["aiolab", "run", "lab_test.json"]);

    assert.deepEqual(
      doc.runs.map((r) => `${r.index} ${r.placement}${r.repetition}@${r.seed} ${r.status}`),
      [
        "0 main1@5 completed",
        "1 iothread1@5 completed",
        "2 main2@6 completed",
        "3 iothread2@6 completed",
      ],
    );
    // One summary row per run and device, with the report's figures.
    assert.equal(doc.summary.length, 4);
    doc.summary.forEach((row, i) => {
      const run = doc.runs[i];
      const d = run.report!.devices.disk0;
      assert.equal(run.report!.placement, run.placement);
      assert.deepEqual(Object.keys(row), [
        "scenario",
        "placement",
        "sweep",
        "repetition",
        "device",
        "completions",
        "dropped",
        "iops",
        "p50Ns",
        "p90Ns",
        "p99Ns",
        "p999Ns",
        "p9999Ns",
        "maxNs",
        "jitterNs",
        "bqlWaitShare",
        "status",
      ]);
      assert.equal(row.placement, run.placement);
      assert.equal(row.repetition, run.repetition);
      assert.deepEqual(row.sweep, {});
      assert.equal(row.device, "disk0");
      assert.ok(row.completions > 0);
      assert.equal(row.completions, d.completions);
      assert.equal(row.completions, decodeHdr(d.latency.hdr).totalCount);
      assert.equal(row.iops, row.completions / (run.report!.durationNs / 1e9));
      assert.equal(row.jitterNs, row.p99Ns - row.p50Ns);
      assert.equal(row.p99Ns, d.latency.p99Ns);
      const v = run.report!.vcpus[0];
      assert.equal(row.bqlWaitShare, v.bqlWaitNs / run.report!.durationNs);
      assert.ok(row.bqlWaitShare >= 0 && row.bqlWaitShare <= 1);
      // The stand-in closed every interval it was asked to; nothing was left running.
      assert.ok(run.report!.timeSeries.rows.length >= 3);
      assert.deepEqual(run.report!.terminatedThreads, []);
    });
    // The move event ran in the iothread placement only.
    const moved = (i: number) => doc.runs[i].report!.devices.disk0.contexts;
    assert.deepEqual([moved(0), moved(1)], [["main"], ["main"]]);
    assert.equal(doc.runs[1].report!.timeSeries.events.length, 1);
    assert.equal(doc.runs[0].report!.timeSeries.events.length, 0);
  });
});

Deno.test("runLab: an unwritable output directory is refused before anything runs", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "");
    let planned = false;
    await assert.rejects(
      () =>
        runLab({
          scenarios: [loaded(BASE)],
          outDir: `${dir}/file/results`,
          commandLine: [],
          machineModule: STAND_IN,
        }, { onPlan: () => planned = true, onRunStart: () => assert.fail("a run started") }),
      (e: unknown) =>
        e instanceof LabSetupError &&
        e.message.startsWith(
          `cannot write results to "${dir}/file/results": expected a directory`,
        ) &&
        e.message.includes("Nothing was run."),
    );
    assert.equal(planned, false);
    // Outside the granted write permission (the tests may write /tmp and bench/c/.build only,
    // and a clone may itself live under /tmp, so the path must be absolute): refused the same way.
    await assert.rejects(
      () => runLab({ scenarios: [loaded(BASE)], outDir: "/proc/aiolab-not-here", commandLine: [] }),
      LabSetupError,
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["file"]);
  });
});

Deno.test("runLab: a placement pinned to a CPU the host does not have is refused before anything runs", async () => {
  await withTempDir(async (dir) => {
    const cores = navigator.hardwareConcurrency;
    const input: ScenarioInput = {
      ...BASE,
      events: [],
      placements: { main: {}, pinned: { cpus: { main: [0], vcpus: [0, cores] } } },
    };
    let ran = 0;
    await assert.rejects(
      runLab({
        scenarios: [loaded(input)],
        outDir: dir,
        commandLine: [],
        machineModule: STAND_IN,
        calibration: false,
      }, { onRunStart: () => ran++ }),
      (e: Error) => {
        assert.equal(e.name, "ScenarioError");
        assert.equal(
          e.message,
          `lab_test.json: at placements.pinned.cpus.vcpus[1]: expected a CPU of this host (0 to ${
            cores - 1
          }: it has ${cores}), got the number ${cores}.`,
        );
        return true;
      },
    );
    assert.equal(ran, 0);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
  });
});

Deno.test("runLab: a stuck thread fails its run, naming the thread; the next scenario still runs", async () => {
  await withTempDir(async (dir) => {
    const stuck: ScenarioInput = {
      ...BASE,
      name: "stuck",
      duration: "60s",
      repetitions: 1,
      events: [],
      placements: { stuck: { iothreads: { io0: { pollMaxNs: 0 } }, map: { disk0: "io0" } } },
    };
    const fine: ScenarioInput = { ...BASE, name: "fine", repetitions: 1, events: [] };
    const outcome = await runLab({
      scenarios: [loaded(stuck), loaded(fine)],
      outDir: dir,
      commandLine: [],
      machineModule: STAND_IN,
      calibration: false,
      stallTimeoutMs: 2000,
    });
    assert.equal(outcome.partial, true);
    assert.equal(outcome.interrupted, false);
    assert.deepEqual(outcome.results.map((r) => r.scenario), ["stuck", "fine"]);
    const [doc, next] = await Promise.all(
      outcome.results.map(async (r) => loadResult(await Deno.readTextFile(r.path))),
    );
    assert.equal(doc.manifest.partial, true);
    assert.equal(doc.manifest.noiseFloor, null);
    assert.deepEqual(doc.runs.map((r) => `${r.placement} ${r.status}`), ["stuck failed"]);
    const err = doc.runs[0].error!;
    assert.equal(err.thread, "io0");
    assert.equal(err.doing, "blocked in Atomics.wait");
    assert.match(
      err.message,
      /^thread io0 made no progress for \d+ ms \(stall timeout 2000 ms\) while blocked in Atomics\.wait; the run was killed\.$/,
    );
    assert.equal(doc.runs[0].report, null);
    assert.equal(doc.runs[0].exitCode, 137);
    assert.deepEqual(doc.summary, []);
    // What it reported live is kept.
    assert.ok(doc.runs[0].lastProgress === null || "disk0" in doc.runs[0].lastProgress);
    // The lab went on.
    assert.equal(next.manifest.partial, false);
    assert.deepEqual(next.runs.map((r) => `${r.placement} ${r.status}`), [
      "main completed",
      "iothread completed",
    ]);
  });
});

Deno.test("runLab: a handler that throws fails its run with thread, handler and stack", async () => {
  await withTempDir(async (dir) => {
    const input: ScenarioInput = {
      ...BASE,
      duration: "3s",
      repetitions: 1,
      events: [],
      placements: { throws: { iothreads: { io0: { pollMaxNs: 0 } }, map: { disk0: "io0" } } },
    };
    const ends: string[] = [];
    const outcome = await runLab({
      scenarios: [loaded(input)],
      outDir: dir,
      commandLine: [],
      machineModule: STAND_IN,
      calibration: false,
    }, { onRunEnd: (e) => ends.push(`${e.status}: ${e.error}`) });
    assert.equal(outcome.partial, true);
    assert.deepEqual(ends, ["failed: stand-in handler of disk0 failed on purpose"]);
    const [run] = loadResult(await Deno.readTextFile(outcome.results[0].path)).runs;
    assert.equal(run.status, "failed");
    assert.equal(run.exitCode, 1);
    assert.equal(run.error?.thread, "io0");
    assert.equal(run.error?.handler, "standInHandler");
    assert.match(run.error!.stack, /standInHandler/);
    // What was measured until then is in the report, errors included.
    assert.ok(run.report !== null);
    assert.ok(run.report.durationNs < 3e9);
    assert.equal(run.report.errors[0].handler, "standInHandler");
  });
});

Deno.test("runLab: what a run prints besides its messages is kept in its record; a quiet run has none", async () => {
  await withTempDir(async (dir) => {
    const input: ScenarioInput = {
      ...BASE,
      repetitions: 1,
      events: [],
      placements: { noisy: {}, main: {} },
    };
    const outcome = await runLab({
      scenarios: [loaded(input)],
      outDir: dir,
      commandLine: [],
      machineModule: STAND_IN,
      calibration: false,
    });
    assert.equal(outcome.partial, false);
    const [noisy, quiet] = loadResult(await Deno.readTextFile(outcome.results[0].path)).runs;
    assert.equal(noisy.status, "completed");
    assert.match(noisy.output!.stderr, /Warning: the noisy stand-in writes to stderr\n$/);
    assert.deepEqual(noisy.output!.strayStdout, ["a stray line on stdout", "another"]);
    assert.equal(noisy.output!.strayStdoutLines, 2);
    assert.equal(quiet.status, "completed");
    assert.equal(quiet.output, undefined);
  });
});

Deno.test("runLab: an abort mid-run keeps what was measured, runs nothing more, marks partial", async () => {
  await withTempDir(async (dir) => {
    const ac = new AbortController();
    let abortedAt = 0;
    const outcome = await runLab({
      scenarios: [loaded({ ...BASE, duration: "20s", events: [] })],
      outDir: dir,
      commandLine: [],
      machineModule: STAND_IN,
      calibration: false,
      signal: ac.signal,
    }, {
      onProgress: () => {
        if (abortedAt === 0) {
          abortedAt = performance.now();
          ac.abort();
        }
      },
    });
    assert.equal(outcome.interrupted, true);
    assert.equal(outcome.partial, true);
    const doc = loadResult(await Deno.readTextFile(outcome.results[0].path));
    assert.equal(doc.manifest.partial, true);
    assert.equal(doc.manifest.interrupted, true);
    assert.equal(doc.runs.length, 1);
    const [run] = doc.runs;
    assert.equal(run.status, "stopped");
    assert.equal(run.error, null);
    assert.ok(run.report !== null, "the interrupted run reported what it measured");
    assert.ok(run.report.durationNs > 0 && run.report.durationNs < 20e9);
    assert.equal(doc.summary.length, 1);
    assert.equal(doc.summary[0].status, "stopped");
  });
});

Deno.test("runLab: an abort before the first run writes an empty partial document", async () => {
  await withTempDir(async (dir) => {
    const ac = new AbortController();
    ac.abort();
    const outcome = await runLab({
      scenarios: [loaded(BASE)],
      outDir: dir,
      commandLine: [],
      machineModule: STAND_IN,
      signal: ac.signal,
    }, { onRunStart: () => assert.fail("a run started") });
    assert.equal(outcome.interrupted, true);
    const doc = loadResult(await Deno.readTextFile(outcome.results[0].path));
    assert.deepEqual(doc.runs, []);
    assert.equal(doc.manifest.partial, true);
    assert.equal(doc.manifest.noiseFloor, null);
  });
});
