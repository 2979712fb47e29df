import assert from "node:assert/strict";
import { runProcess } from "./run_process.ts";
import type { ChildReport, RegistrySnapshot } from "./_child.ts";

const FIXTURE = new URL("./testdata/child.ts", import.meta.url);

/** A fresh process registry: only the orchestrator's thread id, nothing started. */
const FRESH: RegistrySnapshot = {
  threadIdsInUse: 1,
  threadsStarted: 0,
  contextsAlive: 0,
  mainContextSet: false,
};

Deno.test("two placements back to back: each from a fresh registry, all work done, all joined", async () => {
  const reports: ChildReport[] = [];
  for (const placement of ["main-loop", "iothread"] as const) {
    const run = await runProcess<ChildReport>({ placement, ops: 500 });
    assert.equal(run.status, "completed", `${placement}: ${run.stderr}`);
    assert.equal(run.exitCode, 0);
    assert.equal(run.signal, null);
    assert.equal(run.stopReason, null);
    assert.deepEqual(run.malformed, []);
    assert.deepEqual(run.messages.map((m) => m.type), ["progress", "progress", "result"]);
    assert.ok(run.report !== null);
    reports.push(run.report);
  }
  const [main, iot] = reports;
  // Same state at start: nothing of the main-loop run reached the IOThread run.
  assert.deepEqual(main.before, FRESH);
  assert.deepEqual(iot.before, FRESH);
  // Two different placements: one event-loop thread each, the main context only in the first.
  assert.deepEqual(main.during, {
    ...FRESH,
    threadIdsInUse: 2,
    threadsStarted: 1,
    contextsAlive: 1,
    mainContextSet: true,
  });
  assert.deepEqual(iot.during, {
    ...FRESH,
    threadIdsInUse: 2,
    threadsStarted: 1,
    contextsAlive: 1,
  });
  for (const r of reports) {
    assert.equal(r.completed, 500);
    // Every thread joined, every context destroyed, no main loop left; the
    // process then exited 0 on its own (a live Worker would have kept it alive).
    assert.deepEqual(r.after, { ...FRESH, threadsStarted: 1 });
  }
});

Deno.test("a hanging run is killed at the timeout and keeps what it had reported", async () => {
  const seen: string[] = [];
  const run = await runProcess<ChildReport>(
    { placement: "iothread", ops: 10, hang: true },
    { timeoutMs: 300, onMessage: (m) => seen.push(String(m.phase)) },
  );
  assert.equal(run.status, "stopped");
  assert.equal(run.stopReason, "timeout");
  assert.equal(run.signal, "SIGKILL");
  assert.equal(run.exitCode, 137);
  assert.equal(run.report, null);
  // The timeout counts from the first message, so "start" is always kept;
  // "running" too unless starting the IOThread took longer than the timeout.
  const phases = run.messages.map((m) => m.phase);
  assert.deepEqual(phases, ["start", "running"].slice(0, phases.length));
  assert.ok(phases.length >= 1);
  assert.deepEqual(seen, phases);
  assert.deepEqual(run.messages[0].registry, FRESH);
  assert.ok(run.elapsedMs >= 300, `killed after ${run.elapsedMs} ms`);
});

Deno.test("a child that never reports is killed at the start timeout", async () => {
  const run = await runProcess("silent", { entry: FIXTURE, startTimeoutMs: 300 });
  assert.equal(run.status, "stopped");
  assert.equal(run.stopReason, "start-timeout");
  assert.equal(run.signal, "SIGKILL");
  assert.deepEqual(run.messages, []);
});

Deno.test("an abort kills the run; messages so far are kept", async () => {
  const ac = new AbortController();
  const run = await runProcess({ placement: "main-loop", ops: 1, hang: true }, {
    signal: ac.signal,
    onMessage: (m) => {
      if (m.phase === "running") ac.abort();
    },
  });
  assert.equal(run.status, "stopped");
  assert.equal(run.stopReason, "aborted");
  assert.deepEqual(run.messages.map((m) => m.phase), ["start", "running"]);
});

Deno.test("a bad spec fails with the child's error message and exit code 1", async () => {
  const run = await runProcess({ placement: "everywhere", ops: 1 });
  assert.equal(run.status, "failed");
  assert.equal(run.exitCode, 1);
  assert.equal(run.messages.length, 1);
  assert.equal(run.messages[0].type, "error");
  assert.match(
    String(run.messages[0].message),
    /expected \{ placement: "main-loop" \| "iothread", ops: .*found \{"placement":"everywhere"/,
  );
});

Deno.test("stray output lines are kept apart; a last line without newline still counts", async () => {
  const run = await runProcess<{ ok: boolean }>("noisy", { entry: FIXTURE });
  assert.equal(run.status, "completed");
  assert.deepEqual(run.malformed, ["not json", "[1, 2]"]);
  assert.deepEqual(run.messages.map((m) => m.type), ["progress", "result"]);
  assert.deepEqual(run.report, { ok: true });
});

Deno.test("exit 0 without a result is a failed run", async () => {
  const run = await runProcess("no-result", { entry: FIXTURE });
  assert.equal(run.status, "failed");
  assert.equal(run.exitCode, 0);
  assert.equal(run.report, null);
});

Deno.test("an onMessage that throws stops the run and the error reaches the caller", async () => {
  await assert.rejects(
    () =>
      runProcess({ placement: "iothread", ops: 1, hang: true }, {
        onMessage: () => {
          throw new Error("display broke");
        },
      }),
    /display broke/,
  );
});

Deno.test("timeouts must be positive", async () => {
  await assert.rejects(() => runProcess({}, { timeoutMs: 0 }), /timeoutMs must be a positive/);
  await assert.rejects(() => runProcess({}, { startTimeoutMs: -1 }), RangeError);
});

Deno.test("an interrupt signals the child and ends it as interrupted, keeping its messages", async () => {
  const ac = new AbortController();
  // The hanging child runs no JavaScript: the signal's default action or the kill after the grace time ends it.
  const run = await runProcess({ placement: "iothread", ops: 1, hang: true }, {
    interrupt: { signal: ac.signal, notify: "SIGUSR1", graceMs: 200 },
    onMessage: (m) => {
      if (m.phase === "running") ac.abort();
    },
  });
  assert.equal(run.status, "stopped");
  assert.equal(run.stopReason, "interrupted");
  assert.deepEqual(run.messages.map((m) => m.phase), ["start", "running"]);
  await assert.rejects(
    () => runProcess({}, { interrupt: { signal: ac.signal, graceMs: 0 } }),
    /interrupt.graceMs must be a positive/,
  );
});
