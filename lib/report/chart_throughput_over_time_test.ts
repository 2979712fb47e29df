import assert from "node:assert/strict";
import { chartDocuments } from "./chart_documents.ts";
import { throughputOverTimeChart } from "./chart_throughput_over_time.ts";
import { fixtures } from "./testdata/results.ts";
import { distinct, renderChart, valuesOf } from "./testdata/vega_check.ts";

type Row = { series: string; run: string; t: number; iops: number; completions: number };

Deno.test("throughputOverTimeChart: every fixture compiles and renders without a warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    const r = await renderChart(throughputOverTimeChart(chartDocuments(docs)));
    assert.deepEqual(r.warnings, [], name);
  }
});

Deno.test("throughputOverTimeChart: the intervals add up to the run's completions", async () => {
  const docs = chartDocuments(fixtures().default);
  const spec = throughputOverTimeChart(docs);
  const rows = valuesOf<Row>(spec);
  for (const run of docs[0].doc.runs) {
    const mine = rows.filter((r) => r.run === `${run.placement} #${run.repetition}`);
    assert.equal(mine.length, 11);
    const seen = mine.reduce((s, r) => s + r.completions, 0);
    // The intervals cover the measured time; the device total is what they drained.
    assert.equal(seen, run.report!.devices.disk0.completions);
    for (const r of mine) assert.ok(r.iops > 100 && r.iops < 100_000, `${r.iops}/s`);
  }
  const r = await renderChart(spec);
  assert.equal(r.marks.line, 4, "one line per repetition");
});

Deno.test("throughputOverTimeChart: events are marked, the compare view names documents", async () => {
  const r = await renderChart(throughputOverTimeChart(chartDocuments(fixtures().single)));
  assert.equal(r.marks.rule, 4);
  assert.deepEqual(
    distinct(throughputOverTimeChart(chartDocuments(fixtures().compare)), "series"),
    [
      "default · main",
      "default · iothread",
      "partial · main",
      "partial · iothread",
    ],
  );
});
