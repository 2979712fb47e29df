import assert from "node:assert/strict";
import { HistogramSnapshot } from "../measure/histogram.ts";
import { chartDocuments } from "./chart_documents.ts";
import { BINS_PER_DECADE, latencyHistogramChart, logBins } from "./chart_latency_histogram.ts";
import { fixtures } from "./testdata/results.ts";
import { distinct, renderChart, valuesOf } from "./testdata/vega_check.ts";

type Row = { series: string; lowUs: number; share: number; count: number; folded: number };

Deno.test("latencyHistogramChart: every fixture compiles and renders without a warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    const spec = latencyHistogramChart(chartDocuments(docs));
    const r = await renderChart(spec);
    assert.deepEqual(r.warnings, [], name);
    assert.equal(r.marks.line ?? 0, distinct(spec, "series").length, name);
  }
});

Deno.test("logBins: equal widths on a log axis, every record in one bin", () => {
  const h = new HistogramSnapshot();
  for (let v = 1; v <= 5000; v++) h.recordValue(v * 37);
  const bins = logBins(h);
  assert.equal(bins.reduce((s, b) => s + b.count, 0), 5000);
  for (const b of bins) {
    assert.ok(Math.abs(Math.log10(b.highNs / b.lowNs) - 1 / BINS_PER_DECADE) < 1e-9);
  }
  for (let i = 1; i < bins.length; i++) assert.equal(bins[i].lowNs, bins[i - 1].highNs);
  assert.deepEqual(logBins(new HistogramSnapshot()), []);
});

Deno.test("latencyHistogramChart: shares add up to 100 % per placement, outliers folded", () => {
  const spec = latencyHistogramChart(chartDocuments(fixtures().default));
  const rows = valuesOf<Row>(spec);
  for (const s of ["main", "iothread"]) {
    const mine = rows.filter((r) => r.series === s);
    const total = mine.reduce((a, r) => a + r.share, 0);
    assert.ok(Math.abs(total - 100) < 0.05, `${s}: ${total}`);
    // The real runs hold a few 0 ns records; they are folded into the first bin drawn, so the
    // axis starts a decade or so under the bulk (about 250 µs), not at 1 ns.
    assert.ok(mine[0].lowUs > 5, `${s} starts at ${mine[0].lowUs} µs`);
    assert.ok(mine.reduce((a, r) => a + r.folded, 0) > 0);
  }
});
