import assert from "node:assert/strict";
import { chartDocuments } from "./chart_documents.ts";
import { jitterProbeChart } from "./chart_jitter_probes.ts";
import { fixtures } from "./testdata/results.ts";
import { distinct, renderChart, valuesOf } from "./testdata/vega_check.ts";

Deno.test("jitterProbeChart: every fixture compiles and renders without a warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    const spec = jitterProbeChart(chartDocuments(docs));
    const r = await renderChart(spec);
    assert.deepEqual(r.warnings, [], name);
    assert.equal(r.marks.line ?? 0, distinct(spec, "series").length, name);
  }
});

Deno.test("jitterProbeChart: one curve per placement and context, the analysis' pooled p99 at 99 %", () => {
  const docs = chartDocuments(fixtures().default);
  const spec = jitterProbeChart(docs);
  assert.deepEqual(distinct(spec, "series"), ["main · main", "iothread · main", "iothread · io0"]);
  const rows = valuesOf<{ series: string; x: number; valueUs: number }>(spec);
  const probes = docs[0].analysis.points[0].placements.iothread.probes;
  const at99 = rows.find((r) => r.series === "iothread · io0" && Math.abs(r.x - 100) < 1e-6)!;
  assert.equal(at99.valueUs, Number((probes.io0.p99 / 1e3).toPrecision(4)));
  assert.deepEqual(valuesOf(jitterProbeChart(chartDocuments(fixtures().empty))), []);
});
