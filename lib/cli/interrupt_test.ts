// Ctrl-C for real, while a run of the real machine measures, both ways it
// comes: a SIGINT to the `deno task bench` process alone (a supervisor's
// kill; deno task passes it on to the aiolab it runs), and a terminal's
// Ctrl-C, a SIGINT to the whole process group (deno task, aiolab and the
// run processes each get it, and aiolab gets it a second time from deno
// task's forwarding: that is still one Ctrl-C). The command stops, exits
// 130, and leaves on disk a partial document with the run that completed
// before and the stopped run's measurements; every process it started
// (aiolab, the run processes and with them their Workers) is gone, checked
// by pid.

import assert from "node:assert/strict";
import { loadResult } from "../result/document.ts";
import { descendants, isRunning, type ProcessInfo, workerThreads } from "../testing/processes.ts";
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

async function ctrlC(sender: Sender): Promise<void> {
  const out = `${OUT_BASE}/ctrl-c-${crypto.randomUUID().slice(0, 8)}`;
  const task = [Deno.execPath(), "task", "bench", "lib/cli/testdata/ctrl_c.json", "--out", out];
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
  const seen = new Map<number, ProcessInfo>();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  try {
    // Wait until the long run's process has started its machine's threads (generous: a
    // loaded host takes seconds to start Deno processes and Workers).
    const deadline = Date.now() + 120_000;
    let longRun: ProcessInfo | undefined;
    while (longRun === undefined || await workerThreads(longRun.pid) < MACHINE_WORKERS) {
      assert.ok(!exited, `deno task bench exited before the long run started: ${stderr.text}`);
      assert.ok(Date.now() < deadline, `the long run did not start: ${stderr.text}`);
      for (const p of await descendants(child.pid)) {
        seen.set(p.pid, p);
        if (/run_child\.ts .*"duration":60000000000/.test(p.args)) longRun = p;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
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
    if (!exited) child.kill("SIGKILL");
    await status;
    await reading.catch(() => {});
    for (const p of seen.values()) {
      if (await isRunning(p.pid)) Deno.kill(p.pid, "SIGKILL");
    }
    await Deno.remove(`${ROOT}${out}`, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
}

Deno.test("interrupt: SIGINT to deno task bench stops the run, writes a partial result, exits 130, leaves no process", async () => {
  await ctrlC("process");
});

Deno.test("interrupt: a terminal's Ctrl-C (SIGINT to the process group, delivered to aiolab twice) is one Ctrl-C: the same partial result, 130, no process left", async () => {
  await ctrlC("terminal");
});
