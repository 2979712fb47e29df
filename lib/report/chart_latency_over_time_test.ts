import assert from "node:assert/strict";
import { chartDocuments } from "./chart_documents.ts";
import { latencyOverTimeChart, timelineEvents } from "./chart_latency_over_time.ts";
import { fixtures } from "./testdata/results.ts";
import { distinct, renderChart, valuesOf } from "./testdata/vega_check.ts";

type Row = { series: string; run: string; stat: string; t: number; valueUs: number };

Deno.test("latencyOverTimeChart: every fixture compiles and renders without a warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    const r = await renderChart(latencyOverTimeChart(chartDocuments(docs)));
    assert.deepEqual(r.warnings, [], name);
  }
});

Deno.test("latencyOverTimeChart: p50, p99 and max of every interval of every repetition", async () => {
  const docs = chartDocuments(fixtures().default);
  const spec = latencyOverTimeChart(docs);
  const rows = valuesOf<Row>(spec);
  assert.deepEqual(distinct(spec, "stat"), ["p50", "p99", "max"]);
  assert.deepEqual(distinct(spec, "run"), ["main #1", "main #2", "iothread #1", "iothread #2"]);
  // The real runs have 11 intervals each, all with completions.
  for (const run of ["main #1", "iothread #2"]) {
    assert.equal(rows.filter((r) => r.run === run && r.stat === "p99").length, 11);
  }
  for (const r of rows) assert.ok(r.t > 0 && r.t < 1.2 && r.valueUs > 0);
  const first = docs[0].doc.runs[0].report!.timeSeries.rows[0] as { p99: number };
  assert.equal(
    rows.find((r) => r.run === "main #1" && r.stat === "p99")!.valueUs,
    Number((first.p99 / 1e3).toPrecision(4)),
  );
  const r = await renderChart(spec);
  // Two lines (p50, p99) per repetition, triangles for the max; no events, so no rule.
  assert.equal(r.marks.line, 2 * 4);
  assert.equal(r.marks.symbol, 4 * 11);
  assert.equal(r.marks.rule ?? 0, 0);
});

Deno.test("latencyOverTimeChart: the scenario's events are rules at their time, labelled once", async () => {
  const docs = chartDocuments(fixtures().single);
  const events = timelineEvents(docs);
  // Two events in each of the two repetitions, at 45 % and 50 % of a 160 ms run.
  assert.equal(events.length, 4);
  assert.deepEqual([...new Set(events.map((e) => e.name))], ["drain begin", "disk0 moved to io1"]);
  for (const e of events) {
    assert.ok(Math.abs(e.t - (e.name === "drain begin" ? 0.072 : 0.08)) < 1e-6);
  }
  const spec = latencyOverTimeChart(docs);
  const r = await renderChart(spec);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.marks.rule, 4, "a rule per event and run");
  assert.equal(r.marks.text, 2, "one label per event and time");
  assert.ok(r.svg.includes("disk0 moved to io1"));
  // The compiled vega spec draws them as rule marks.
  assert.match(JSON.stringify(r.vega), /"type":"rule"/);
});

Deno.test("latencyOverTimeChart: a stopped run keeps its intervals, a failed run has none", () => {
  const spec = latencyOverTimeChart(chartDocuments(fixtures().partial));
  const rows = valuesOf<Row>(spec);
  assert.deepEqual(distinct(spec, "run"), ["main #1", "main #2", "iothread #1"]);
  assert.equal(rows.filter((r) => r.run === "main #2" && r.stat === "p50").length, 3);
  assert.equal(rows.filter((r) => r.run === "main #1" && r.stat === "p50").length, 8);
  assert.deepEqual(valuesOf(latencyOverTimeChart(chartDocuments(fixtures().empty))), []);
});
