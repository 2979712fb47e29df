import assert from "node:assert/strict";
import { chartDocuments } from "./chart_documents.ts";
import { lockThreadHistograms, lockThreadTotals, lockTimesChart } from "./chart_lock_times.ts";
import { fixtures, lockThreadsResult } from "./testdata/results.ts";
import { distinct, renderChart, valuesOf } from "./testdata/vega_check.ts";

type Row = {
  row: string;
  kind: "wait" | "hold";
  stat: "median" | "mean";
  valueUs: number;
  p50Us: number | null;
  p99Us: number | null;
  meanUs: number;
  acquisitions: number;
  histograms: string;
};

Deno.test("lockTimesChart: every fixture compiles and renders without a warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    const r = await renderChart(lockTimesChart(chartDocuments(docs)));
    assert.deepEqual(r.warnings, [], name);
  }
  for (
    const shape of ["totals", "byThread", "perThread-histograms"] as const
  ) {
    const r = await renderChart(lockTimesChart(chartDocuments([lockThreadsResult(shape)])));
    assert.deepEqual(r.warnings, [], shape);
  }
});

Deno.test("lockTimesChart: today's lab (totals per thread, whole-lock histograms) on the real result", async () => {
  const docs = chartDocuments(fixtures().default);
  const spec = lockTimesChart(docs);
  const rows = valuesOf<Row>(spec);
  // The iothread placement's aio:main lock was never taken: left out.
  assert.deepEqual(distinct(spec, "row"), [
    "main · bql · main-loop",
    "main · aio:main · main-loop",
    "iothread · bql · main-loop",
    "iothread · aio:io0 · IO io0",
  ]);
  // The BQL's whole-lock hold histogram stands for its one thread; its wait histogram is
  // empty (no contention), so the wait has only its mean (0) from the totals.
  const bqlHold = rows.filter((r) => r.row === "main · bql · main-loop" && r.kind === "hold");
  assert.deepEqual(bqlHold.map((r) => r.stat), ["median", "mean"]);
  assert.equal(bqlHold[0].histograms, "whole lock");
  assert.ok(bqlHold[0].p50Us! > 1000 && bqlHold[0].p99Us! >= bqlHold[0].p50Us!);
  const runs = docs[0].doc.runs.filter((r) => r.placement === "main");
  const holdNs = runs.reduce((s, r) => s + r.report!.locks!.bql.holdTotalNs, 0);
  const acq = runs.reduce((s, r) => s + r.report!.locks!.bql.acquisitions, 0);
  assert.equal(bqlHold[1].meanUs, Number((holdNs / acq / 1e3).toPrecision(4)));
  const bqlWait = rows.filter((r) => r.row === "main · bql · main-loop" && r.kind === "wait");
  assert.deepEqual(bqlWait.map((r) => [r.stat, r.valueUs]), [["mean", 0]]);
  // aio locks have no histograms at all: per-thread means only.
  const aio = rows.filter((r) => r.row === "iothread · aio:io0 · IO io0");
  assert.deepEqual(aio.map((r) => [r.kind, r.stat, r.histograms]), [
    ["wait", "mean", "none"],
    ["hold", "mean", "none"],
  ]);
  const r = await renderChart(spec);
  assert.equal(r.marks.rule, 2, "a median-to-p99 bar for each bql hold histogram");
  assert.equal(r.marks.symbol, rows.length);
});

Deno.test("lockTimesChart: per-thread histograms in any of the shapes give the same rows per thread", () => {
  const [record, perThread] = (["byThread", "perThread-histograms"] as const)
    .map((shape) => valuesOf<Row>(lockTimesChart(chartDocuments([lockThreadsResult(shape)]))));
  assert.deepEqual(perThread, record);
  const rows = [...new Set(record.map((r) => r.row))];
  assert.deepEqual(rows, [
    "iothreads · bql · main-loop",
    "iothreads · bql · CPU 0/aiolab",
    "iothreads · aio:main · main-loop",
    "iothreads · aio:io0 · IO io0",
    "iothreads · aio:io1 · IO io1",
  ]);
  assert.ok(record.every((r) => r.histograms === "per thread"));
  // The vCPU waits for the BQL longer than the main loop does (the builder's draws): per
  // thread, the two are told apart.
  const waitOf = (thread: string) =>
    record.find((r) =>
      r.row === `iothreads · bql · ${thread}` && r.kind === "wait" && r.stat === "mean"
    )!
      .valueUs;
  assert.ok(waitOf("CPU 0/aiolab") > waitOf("main-loop"));
});

Deno.test("lockTimesChart: without per-thread histograms a multi-thread lock is drawn as a whole", () => {
  const rows = valuesOf<Row>(lockTimesChart(chartDocuments([lockThreadsResult("totals")])));
  const bql = rows.filter((r) => r.row.includes(" bql "));
  assert.deepEqual([...new Set(bql.map((r) => r.row))], ["iothreads · bql · all threads"]);
  assert.equal(bql[0].histograms, "whole lock");
  assert.equal(bql[0].acquisitions, 250);
});

Deno.test("lockThreadHistograms: reads byThread as a record or a list, or histograms in perThread", () => {
  const h = { hdr: "", count: 0 };
  const t = { thread: "t", acquisitions: 1, contended: 0, waitTotalNs: 0, holdTotalNs: 1 };
  const lock = {
    acquisitions: 1,
    contended: 0,
    waitTotalNs: 0,
    holdTotalNs: 1,
    wait: null,
    hold: null,
    perThread: [t],
  };
  const want = [{ thread: "t", wait: h, hold: null }];
  assert.deepEqual(lockThreadHistograms({ ...lock, byThread: { t: { wait: h } } }), want);
  assert.deepEqual(lockThreadHistograms({ ...lock, byThread: [{ thread: "t", wait: h }] }), want);
  assert.deepEqual(
    lockThreadHistograms({ ...lock, perThread: [{ ...t, wait: h } as typeof t] }),
    want,
  );
  assert.equal(lockThreadHistograms(lock), null);
  assert.equal(lockThreadHistograms({ ...lock, byThread: { t: { wait: "x" } } }), null);
});

Deno.test("lockThreadTotals: from byThread (record or list), else perThread", () => {
  const totals = { acquisitions: 3, contended: 1, waitTotalNs: 30, holdTotalNs: 90 };
  const lock = { ...totals, wait: null, hold: null };
  const want = [{ thread: "t", ...totals }];
  assert.deepEqual(lockThreadTotals({ ...lock, byThread: { t: { ...totals, wait: null } } }), want);
  assert.deepEqual(lockThreadTotals({ ...lock, byThread: [{ thread: "t", ...totals }] }), want);
  assert.deepEqual(lockThreadTotals({ ...lock, perThread: [{ thread: "t", ...totals }] }), want);
  assert.deepEqual(lockThreadTotals(lock), []);
});

Deno.test("lockTimesChart: a lab document with byThread only (no perThread) gives the same rows", () => {
  const doc = lockThreadsResult("byThread");
  const before = valuesOf(lockTimesChart(chartDocuments([doc])));
  const stripped = structuredClone(doc);
  for (const run of stripped.runs) {
    for (const lock of Object.values(run.report!.locks)) {
      delete (lock as { perThread?: unknown }).perThread;
    }
  }
  assert.deepEqual(valuesOf(lockTimesChart(chartDocuments([stripped]))), before);
});
