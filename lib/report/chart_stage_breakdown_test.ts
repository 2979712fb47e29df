import assert from "node:assert/strict";
import { chartDocuments } from "./chart_documents.ts";
import { stageBreakdownChart, STAGES } from "./chart_stage_breakdown.ts";
import { fixtures, lockThreadsResult } from "./testdata/results.ts";
import { distinct, renderChart, valuesOf } from "./testdata/vega_check.ts";

type Row = { series: string; stage: string; p50Us: number; p99Us: number; count: number };

Deno.test("stageBreakdownChart: every fixture compiles and renders without a warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    const r = await renderChart(stageBreakdownChart(chartDocuments(docs)));
    assert.deepEqual(r.warnings, [], name);
  }
});

Deno.test("stageBreakdownChart: four stages per placement, median to p99, pooled over repetitions", async () => {
  const docs = chartDocuments(fixtures().default);
  const spec = stageBreakdownChart(docs);
  const rows = valuesOf<Row>(spec);
  assert.deepEqual(distinct(spec, "series"), ["main", "iothread"]);
  for (const s of ["main", "iothread"]) {
    const mine = rows.filter((r) => r.series === s);
    assert.deepEqual(mine.map((r) => r.stage), [...STAGES]);
    for (const r of mine) assert.ok(r.p50Us <= r.p99Us);
    // A closed loop does not queue: its queued stage is 0.
    assert.equal(mine[0].p99Us, 0);
    const sampled = docs[0].doc.runs.filter((r) => r.placement === s)
      .reduce((n, r) => n + r.report!.devices.disk0.stages!.service.count, 0);
    assert.equal(mine.find((r) => r.stage === "service")!.count, sampled);
  }
  const r = await renderChart(spec);
  assert.equal(r.marks.rule, 8);
  assert.equal(r.marks.symbol, 8);
});

Deno.test("stageBreakdownChart: devices are told apart, an empty result has no rows", () => {
  const spec = stageBreakdownChart(chartDocuments([lockThreadsResult("totals")]));
  assert.deepEqual(distinct(spec, "series"), ["iothreads · disk0", "iothreads · disk1"]);
  assert.deepEqual(valuesOf(stageBreakdownChart(chartDocuments(fixtures().empty))), []);
});
