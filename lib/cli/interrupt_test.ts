// Ctrl-C for real, while a run of the real machine measures, both ways it
// comes: a SIGINT to the `deno task bench` process alone (a supervisor's
// kill; deno task passes it on to the aiolab it runs), and a terminal's
// Ctrl-C, a SIGINT to the whole process group (deno task, aiolab and the
// run processes each get it, and aiolab gets it a second time from deno
// task's forwarding: that is still one Ctrl-C). The command stops, exits
// 130, and leaves on disk a partial document with the run that completed
// before and the stopped run's measurements; every process it started
// (aiolab, the run processes and with them their Workers) is gone, checked
// by pid. A second Ctrl-C, later than the same Ctrl-C could come twice,
// while a run is slow to stop, quits at once: 130, the run process killed,
// the runs completed before it kept on disk.

import assert from "node:assert/strict";
import { loadResult } from "../result/document.ts";
import { descendants, isRunning, type ProcessInfo, workerThreads } from "../testing/processes.ts";
import { SAME_CTRL_C_MS } from "./signals.ts";
import { ROOT } from "./testdata/run_cli.ts";

/** Output folders of this test: under results/ (all that `deno task bench` may write). */
const OUT_BASE = "results/runs/.tests";
/** Threads of the long run's machine: main loop, IOThread io0, one vCPU. */
const MACHINE_WORKERS = 3;

async function drain(stream: ReadableStream<Uint8Array>, into: { text: string }): Promise<void> {
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) into.text += chunk;
}

/**
 * How the SIGINT is sent: to the deno task process alone, or to its process
 * group, as a terminal does (deno task then runs in a session of its own,
 * under setsid, so that its group holds only it and what it started).
 */
type Sender = "process" | "terminal";

/** A `deno task bench` started by {@linkcode startBench}, with what it printed so far. */
interface Bench {
  /** The deno task process (setsid's pid is the same). */
  child: Deno.ChildProcess;
  /** Its stdout so far. */
  stdout: { text: string };
  /** Its stderr so far. */
  stderr: { text: string };
  /** Both streams read to their end. */
  reading: Promise<unknown>;
  /** Its exit status. */
  status: Promise<Deno.CommandStatus>;
  /** Whether it has exited. */
  exited(): boolean;
  /** Every process seen under it (see {@linkcode waitForRun}). */
  seen: Map<number, ProcessInfo>;
}

/** Starts `deno task bench <args>` in the repository root, as `sender` will interrupt it. */
function startBench(sender: Sender, args: string[]): Bench {
  const task = [Deno.execPath(), "task", "bench", ...args];
  // setsid does not fork here (the test is not a group leader): the pid is deno task's.
  const child = new Deno.Command(sender === "terminal" ? "setsid" : task[0], {
    args: sender === "terminal" ? task : task.slice(1),
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = { text: "" };
  const stderr = { text: "" };
  const reading = Promise.all([drain(child.stdout, stdout), drain(child.stderr, stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  return { child, stdout, stderr, reading, status, exited: () => exited, seen: new Map() };
}

/**
 * Waits until the run process whose command line matches `run` has started
 * its machine's threads (generous: a loaded host takes seconds to start
 * Deno processes and Workers), noting every process seen on the way.
 */
async function waitForRun(bench: Bench, run: RegExp): Promise<ProcessInfo> {
  const deadline = Date.now() + 120_000;
  let found: ProcessInfo | undefined;
  while (found === undefined || await workerThreads(found.pid) < MACHINE_WORKERS) {
    assert.ok(
      !bench.exited(),
      `deno task bench exited before the run started: ${bench.stderr.text}`,
    );
    assert.ok(Date.now() < deadline, `the run did not start: ${bench.stderr.text}`);
    for (const p of await descendants(bench.child.pid)) {
      bench.seen.set(p.pid, p);
      if (run.test(p.args)) found = p;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return found;
}

/** Kills what is left of `bench` (after a failed assertion) and removes the output folder `out`. */
async function cleanUp(bench: Bench, out: string): Promise<void> {
  if (!bench.exited()) bench.child.kill("SIGKILL");
  await bench.status;
  await bench.reading.catch(() => {});
  for (const p of bench.seen.values()) {
    if (await isRunning(p.pid)) Deno.kill(p.pid, "SIGKILL");
  }
  await Deno.remove(`${ROOT}${out}`, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

async function ctrlC(sender: Sender): Promise<void> {
  const out = `${OUT_BASE}/ctrl-c-${crypto.randomUUID().slice(0, 8)}`;
  const bench = startBench(sender, ["lib/cli/testdata/ctrl_c.json", "--out", out]);
  const { child, stdout, stderr, reading, status, seen } = bench;
  try {
    await waitForRun(bench, /run_child\.ts .*"duration":60000000000/);
    // Let it measure a little (pacing only; nothing below depends on how much).
    await new Promise((r) => setTimeout(r, 300));
    for (const p of await descendants(child.pid)) seen.set(p.pid, p);
    const t0 = performance.now();
    if (sender === "terminal") Deno.kill(-child.pid, "SIGINT");
    else child.kill("SIGINT");
    const { code } = await status;
    const stopMs = performance.now() - t0;
    console.log(
      `interrupt (${sender}): deno task bench exited ${stopMs.toFixed(0)} ms after SIGINT`,
    );
    await reading;
    assert.equal(code, 130, stderr.text);
    assert.match(stderr.text, /aiolab: stopping \(Ctrl-C again quits at once\)/);
    assert.match(stderr.text, /aiolab: run 2\/2 \(ctrl-c iothread rep 1\) stopped\n/);
    assert.match(stderr.text, /aiolab: interrupted; the results above are partial\n$/);
    assert.doesNotMatch(stderr.text, /quit at once/, "one Ctrl-C, not two");

    // Every process it started is gone: aiolab, both run processes (and their Workers).
    const runs = [...seen.values()].filter((p) => /run_child\.ts/.test(p.args));
    assert.equal(
      runs.length,
      2,
      JSON.stringify([...seen.values()].map((p) => p.args.slice(0, 80))),
    );
    assert.ok([...seen.values()].some((p) => /lib\/cli\/main\.ts run/.test(p.args)));
    for (const p of seen.values()) {
      assert.equal(await isRunning(p.pid), false, `${p.pid} ${p.args.slice(0, 80)}`);
    }
    assert.equal(await isRunning(child.pid), false);

    // What was measured is on disk, marked partial and interrupted.
    const dirs = [...Deno.readDirSync(`${ROOT}${out}`)].map((e) => e.name);
    assert.equal(dirs.length, 1);
    assert.match(dirs[0], /^\d{8}T\d{6}Z-ctrl-c$/);
    const path = `${ROOT}${out}/${dirs[0]}/result.json`;
    assert.match(stdout.text, new RegExp(`result: ${out}/${dirs[0]}/result\\.json \\(partial\\)`));
    const doc = loadResult(await Deno.readTextFile(path), path);
    assert.equal(doc.manifest.partial, true);
    assert.equal(doc.manifest.interrupted, true);
    assert.equal(doc.manifest.plannedRuns, 2);
    const [done, stopped] = doc.runs;
    assert.equal(doc.runs.length, 2);
    // The run before the Ctrl-C is kept whole.
    assert.equal(done.status, "completed");
    assert.deepEqual(done.sweep, { duration: 1e9 });
    assert.ok(done.report!.devices.disk0.completions > 0);
    // The stopped run reported what it had measured, well short of its 60 s.
    assert.equal(stopped.status, "stopped");
    assert.equal(stopped.error, null);
    assert.deepEqual(stopped.sweep, { duration: 60e9 });
    assert.ok(stopped.report !== null, "the stopped run sent its measurements");
    assert.ok(stopped.report.durationNs < 30e9);
    assert.deepEqual(stopped.report.errors, []);
    assert.deepEqual(doc.summary.map((r) => r.status), ["completed", "stopped"]);
  } finally {
    await cleanUp(bench, out);
  }
}

Deno.test("interrupt: SIGINT to deno task bench stops the run, writes a partial result, exits 130, leaves no process", async () => {
  await ctrlC("process");
});

Deno.test("interrupt: a terminal's Ctrl-C (SIGINT to the process group, delivered to aiolab twice) is one Ctrl-C: the same partial result, 130, no process left", async () => {
  await ctrlC("terminal");
});

Deno.test("interrupt: a second Ctrl-C while a run is slow to stop kills the run process and exits 130 at once, keeping the runs before it", async () => {
  const out = `${OUT_BASE}/ctrl-c-twice-${crypto.randomUUID().slice(0, 8)}`;
  const bench = startBench("process", [
    "lib/cli/testdata/quick.json",
    "lib/cli/testdata/slow_stop.json",
    "--out",
    out,
  ]);
  const { child, stderr, status, seen } = bench;
  try {
    const slow = await waitForRun(bench, /run_child\.ts .*"duration":60000000000/);
    // Its main loop has run monitor commands since before the vCPU's Worker (the last of the
    // three) started; let it measure a little (pacing only, as above).
    await new Promise((r) => setTimeout(r, 300));
    for (const p of await descendants(child.pid)) seen.set(p.pid, p);
    child.kill("SIGINT");
    const deadline = Date.now() + 60_000;
    while (!/aiolab: stopping \(Ctrl-C again quits at once\)/.test(stderr.text)) {
      assert.ok(!bench.exited(), `deno task bench exited after one Ctrl-C: ${stderr.text}`);
      assert.ok(Date.now() < deadline, `the first Ctrl-C was not seen: ${stderr.text}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    // Later than the same Ctrl-C can come twice, and well before the 1.5 s the run has to stop
    // (it would need seconds: its stop waits for the monitor commands): it is still stopping.
    await new Promise((r) => setTimeout(r, SAME_CTRL_C_MS + 200));
    assert.ok(!bench.exited(), `the run stopped before the second Ctrl-C: ${stderr.text}`);
    const t0 = performance.now();
    child.kill("SIGINT");
    const { code } = await status;
    console.log(
      `interrupt (twice): deno task bench exited ${
        (performance.now() - t0).toFixed(0)
      } ms after the second SIGINT`,
    );
    await bench.reading;
    assert.equal(code, 130, stderr.text);
    assert.match(
      stderr.text,
      /aiolab: quit at once \(second Ctrl-C\); 1 run process killed; the run in progress is lost/,
    );
    assert.doesNotMatch(stderr.text, /interrupted; the results above are partial/);

    // Every process it started is gone, the slow run's process (and its Workers) first of all.
    assert.equal(await isRunning(slow.pid), false, `the slow-stop run's process ${slow.pid}`);
    const runs = [...seen.values()].filter((p) => /run_child\.ts/.test(p.args));
    assert.equal(runs.length, 2, JSON.stringify(runs.map((p) => p.args.slice(0, 80))));
    assert.ok([...seen.values()].some((p) => /lib\/cli\/main\.ts run/.test(p.args)));
    for (const p of seen.values()) {
      assert.equal(await isRunning(p.pid), false, `${p.pid} ${p.args.slice(0, 80)}`);
    }
    assert.equal(await isRunning(child.pid), false);

    // The run completed before is on disk, whole; the run in progress is lost.
    const dirs = [...Deno.readDirSync(`${ROOT}${out}`)].map((e) => e.name);
    assert.equal(dirs.length, 1, dirs.join(", "));
    assert.match(dirs[0], /^\d{8}T\d{6}Z-quick$/);
    const path = `${ROOT}${out}/${dirs[0]}/result.json`;
    const doc = loadResult(await Deno.readTextFile(path), path);
    assert.equal(doc.manifest.partial, false);
    assert.deepEqual(doc.runs.map((r) => r.status), ["completed"]);
    assert.ok(doc.runs[0].report!.devices.disk0.completions > 0);
  } finally {
    await cleanUp(bench, out);
  }
});
