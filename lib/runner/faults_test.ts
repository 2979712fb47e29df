// Faults on the real machine: the lab runs the real guest model with a
// fault injected in its real main loop (testdata/faulty_machine.ts) during
// the measured time: a handler that throws, a handler that spins forever;
// or once the machine is asked to stop: a handler that blocks forever.
// Each ends its run early with a partial document on disk that keeps what
// was measured, names the failed run's thread (and handler and stack, or
// what the thread was doing), and leaves no run process, hence no Worker,
// behind; the run before them is kept whole.

import assert from "node:assert/strict";
import { loadResult } from "../result/document.ts";
import type { LoadedScenario } from "../scenario/load.ts";
import type { ScenarioInput } from "../scenario/types.ts";
import { validateScenario } from "../scenario/validate.ts";
import { descendants, isRunning } from "../testing/processes.ts";
import { runLab } from "./lab.ts";

const FAULTY = new URL("./testdata/faulty_machine.ts", import.meta.url);
const STALL_TIMEOUT_MS = 1500;

const BASE: ScenarioInput = {
  name: "faults-ok",
  duration: "1s",
  warmup: "100ms",
  repetitions: 1,
  devices: [{ id: "disk0", driver: { kind: "null", latency: "20us" } }],
  // The disk is in an IOThread: only the faulty main loop stops making progress.
  placements: { ok: { iothreads: { io0: {} }, map: { disk0: "io0" } } },
};

/** Long runs that their faults end early (the duration only bounds a failed test). */
const FAULTS: ScenarioInput = {
  ...BASE,
  name: "faults",
  duration: "60s",
  placements: {
    throws: { iothreads: { io0: {} }, map: { disk0: "io0" } },
    stuck: { iothreads: { io0: {} }, map: { disk0: "io0" } },
  },
};

/** A short run whose main loop measures normally, then blocks for good when the machine stops. */
const STUCK_AT_STOP: ScenarioInput = {
  ...BASE,
  name: "faults-stop",
  duration: "500ms",
  placements: { "stuck-at-stop": { iothreads: { io0: {} }, map: { disk0: "io0" } } },
};

function loaded(input: ScenarioInput): LoadedScenario {
  const text = JSON.stringify(input, null, 2);
  const file = `${input.name}.json`;
  return { file, text, input, scenario: validateScenario(input, file) };
}

/**
 * Watches this process's descendants every 50 ms until stopped: the pid of
 * every run process seen, with the placement `current()` named then.
 */
function watchRunProcesses(current: () => string): {
  pids: Map<number, string>;
  stop(): Promise<void>;
} {
  const pids = new Map<number, string>();
  let polling = true;
  const watch = (async () => {
    while (polling) {
      for (const p of await descendants(Deno.pid)) {
        if (/run_child\.ts/.test(p.args) && !pids.has(p.pid)) pids.set(p.pid, current());
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    pids,
    stop: () => {
      polling = false;
      return watch;
    },
  };
}

Deno.test("faults: a throwing handler and a stuck thread fail their runs, keep the rest, leave no process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-faults-" });
  let current = "";
  const { pids, stop } = watchRunProcesses(() => current);
  try {
    const ends: string[] = [];
    const t0 = performance.now();
    const outcome = await runLab({
      scenarios: [loaded(BASE), loaded(FAULTS)],
      outDir: dir,
      commandLine: ["aiolab", "run", "faults-ok.json", "faults.json"],
      machineModule: FAULTY,
      calibration: false,
      stallTimeoutMs: STALL_TIMEOUT_MS,
    }, {
      onRunStart: (i) => current = i.placement,
      onRunEnd: (i) => ends.push(`${i.status}`),
    });
    console.log(`faults: 3 runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await stop();
    assert.deepEqual(ends, ["completed", "failed", "failed"]);
    assert.equal(outcome.partial, true);
    assert.equal(outcome.interrupted, false);

    assert.deepEqual(outcome.results.map((r) => r.scenario), ["faults-ok", "faults"]);
    const [okDoc, doc] = await Promise.all(
      outcome.results.map(async (r) => loadResult(await Deno.readTextFile(r.path), r.path)),
    );
    // The run before the faults is kept whole, in a complete document.
    assert.equal(okDoc.manifest.partial, false);
    const [ok] = okDoc.runs;
    assert.equal(ok.status, "completed");
    assert.equal(ok.error, null);
    assert.ok(ok.report!.devices.disk0.completions > 0);
    assert.deepEqual(ok.report!.errors, []);

    assert.equal(doc.manifest.partial, true);
    assert.equal(doc.manifest.interrupted, false);
    assert.deepEqual(doc.runs.map((r) => `${r.placement} ${r.status}`), [
      "throws failed",
      "stuck failed",
    ]);
    const [throws, stuck] = doc.runs;

    // The throwing handler: thread, handler and stack; the run ended at the error (not after
    // its 60 s) and kept what it had measured, the error included.
    const e = throws.error!;
    assert.equal(e.thread, "main-loop");
    assert.match(e.handler ?? "", /fault_handlers\.ts#faultThrowingHandler$/);
    assert.match(e.message, /a main-loop handler threw/);
    assert.match(e.stack, /faultThrowingHandler/);
    assert.match(e.stack, /fault_handlers\.ts:\d+/);
    assert.equal(throws.exitCode, 1);
    assert.ok(throws.report !== null, "the failed run reported what it measured");
    assert.ok(
      throws.report.durationNs < 30e9,
      `the run aborted at the error, not after ${throws.report.durationNs} ns (${throws.elapsedMs} ms)`,
    );
    assert.ok(throws.report.devices.disk0.completions > 0);
    assert.equal(throws.report.errors[0].thread, "main-loop");

    // The stuck thread: the watchdog named it and what it was doing; its process was killed.
    const s = stuck.error!;
    assert.equal(s.thread, "main-loop");
    assert.match(s.doing ?? "", /^dispatching its AioContext \(a bottom half, timer or handler/);
    assert.match(
      s.message,
      new RegExp(
        `^thread main-loop made no progress for \\d+ ms \\(stall timeout ${STALL_TIMEOUT_MS} ms\\) ` +
          `while dispatching its AioContext`,
      ),
    );
    assert.equal(stuck.exitCode, 137, "SIGKILL");
    assert.equal(stuck.report, null);
    assert.ok(stuck.lastProgress !== null && stuck.lastProgress.disk0.completions > 0);

    // The summary has the rows of the runs that reported, with their status.
    assert.deepEqual(doc.summary.map((r) => `${r.placement} ${r.status}`), ["throws failed"]);

    // One process per run, each gone; nothing else left running.
    assert.deepEqual([...pids.values()], ["ok", "throws", "stuck"]);
    for (const [pid, placement] of pids) {
      assert.equal(await isRunning(pid), false, `the ${placement} run's process ${pid}`);
    }
    assert.deepEqual(await descendants(Deno.pid), []);
  } finally {
    await stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("faults: a thread that never stops fails its run while stopping, keeps its progress, leaves no process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-faults-stop-" });
  const { pids, stop } = watchRunProcesses(() => "stuck-at-stop");
  try {
    const ends: string[] = [];
    const t0 = performance.now();
    const outcome = await runLab({
      scenarios: [loaded(STUCK_AT_STOP)],
      outDir: dir,
      commandLine: ["aiolab", "run", "faults-stop.json"],
      machineModule: FAULTY,
      calibration: false,
      stallTimeoutMs: STALL_TIMEOUT_MS,
    }, { onRunEnd: (i) => ends.push(i.status) });
    const seconds = (performance.now() - t0) / 1000;
    console.log(`faults: the stop that never ends cost ${seconds.toFixed(1)} s`);
    await stop();
    assert.deepEqual(ends, ["failed"]);
    assert.equal(outcome.partial, true);
    assert.equal(outcome.interrupted, false);

    // The document on disk says the same, and is partial.
    const [{ path }] = outcome.results;
    const doc = loadResult(await Deno.readTextFile(path), path);
    assert.equal(doc.manifest.partial, true);
    assert.equal(doc.manifest.interrupted, false);
    assert.deepEqual(doc.runs.map((r) => `${r.placement} ${r.status}`), ["stuck-at-stop failed"]);
    const [run] = doc.runs;

    // The watchdog named the thread that did not stop, and the stop call it left waiting.
    const e = run.error!;
    assert.equal(e.thread, "main-loop");
    assert.equal(e.handler, null);
    assert.match(e.doing ?? "", /^dispatching its AioContext \(a bottom half, timer or handler/);
    assert.match(e.doing ?? "", /run\(\) calls in flight: \S+#\w+/);
    assert.match(
      e.message,
      new RegExp(
        `^thread main-loop did not stop within \\d+ ms ` +
          `\\(stall timeout ${STALL_TIMEOUT_MS} ms\\): ` +
          `it made no progress for \\d+ ms while dispatching its AioContext .*` +
          `; the run was killed while stopping\\.$`,
      ),
    );
    // Killed (by the watchdog, not after the run's overall timeout of some 30 s, nor by the
    // machine's own join timeouts, which take as long): no report, but its live figures.
    assert.equal(run.exitCode, 137, "SIGKILL");
    assert.ok(run.elapsedMs < 15_000, `the run was killed after ${run.elapsedMs} ms`);
    assert.equal(run.report, null);
    assert.ok(run.lastProgress !== null && run.lastProgress.disk0.completions > 0);
    assert.deepEqual(doc.summary, []);

    // Its process is gone, and with it the main loop's Worker; nothing else is left running.
    assert.deepEqual([...pids.values()], ["stuck-at-stop"]);
    for (const pid of pids.keys()) assert.equal(await isRunning(pid), false, `run process ${pid}`);
    assert.deepEqual(await descendants(Deno.pid), []);
  } finally {
    await stop();
    await Deno.remove(dir, { recursive: true });
  }
});
