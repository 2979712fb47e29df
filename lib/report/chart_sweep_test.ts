import assert from "node:assert/strict";
import { chartDocuments } from "./chart_documents.ts";
import { sweepChart, sweptOption } from "./chart_sweep.ts";
import { fixtures } from "./testdata/results.ts";
import { distinct, renderChart, valuesOf } from "./testdata/vega_check.ts";

type Row = { series: string; x: number; value: number; low: number; high: number };

Deno.test("sweepChart: every fixture compiles and renders without a warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    for (const metric of ["p99", "iops"] as const) {
      const r = await renderChart(sweepChart(chartDocuments(docs), metric));
      assert.deepEqual(r.warnings, [], `${name} ${metric}`);
    }
  }
});

Deno.test("sweepChart: the metric against the swept value, with an interval around it", async () => {
  const docs = chartDocuments(fixtures().sweep);
  assert.equal(sweptOption(docs), "devices.disk0.queueDepth");
  const spec = sweepChart(docs, "p99");
  const rows = valuesOf<Row>(spec);
  assert.deepEqual(distinct(spec, "series"), ["main", "iothread"]);
  assert.deepEqual(distinct(spec, "x"), [1, 4, 16]);
  for (const r of rows) assert.ok(r.low <= r.value && r.value <= r.high, JSON.stringify(r));
  // The builder scales latency by sqrt(queue depth): p99 grows along the sweep, and the
  // IOThread placement (a lower mean) stays under the main loop at every point.
  for (const s of ["main", "iothread"]) {
    const v = rows.filter((r) => r.series === s).map((r) => r.value);
    assert.ok(v[0] < v[1] && v[1] < v[2], `${s}: ${v}`);
  }
  for (const x of [1, 4, 16]) {
    const at = (s: string) => rows.find((r) => r.series === s && r.x === x)!;
    assert.ok(at("iothread").high < at("main").low, `apart at ${x}`);
  }
  // The point estimate is the analysis' own metric.
  const p = docs[0].analysis.points[2].placements.main.devices.disk0;
  assert.equal(
    rows.find((r) => r.series === "main" && r.x === 16)!.value,
    Number((p.metrics.p99 / 1e3).toPrecision(4)),
  );
  const r = await renderChart(spec);
  assert.equal(r.marks.line, 2);
  assert.equal(r.marks.symbol, 6);
  assert.ok((r.marks.rule ?? 0) >= 6, "an error bar per point");
  // The x axis is labelled at the swept values.
  for (const x of ["1", "4", "16"]) assert.ok(r.svg.includes(`>${x}</text>`));
});

Deno.test("sweepChart: intervals are seeded, throughput is in completions per second", () => {
  const docs = chartDocuments(fixtures().sweep);
  assert.deepEqual(
    valuesOf(sweepChart(docs, "p99")),
    valuesOf(sweepChart(chartDocuments(fixtures().sweep), "p99")),
  );
  const iops = valuesOf<Row>(sweepChart(docs, "iops"));
  const d = docs[0].analysis.points[0].placements.iothread.devices.disk0;
  const first = iops.find((r) => r.series === "iothread" && r.x === 1)!;
  assert.equal(first.value, Number(d.metrics.iops.toPrecision(4)));
  assert.ok(first.low < first.value && first.value < first.high);
});

Deno.test("sweepChart: no sweep, no data", () => {
  for (const name of ["default", "empty", "single", "partial", "compare"]) {
    const docs = chartDocuments(fixtures()[name]);
    assert.equal(sweptOption(docs), null, name);
    assert.deepEqual(valuesOf(sweepChart(docs, "p99")), [], name);
  }
});
