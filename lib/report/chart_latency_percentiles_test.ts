import assert from "node:assert/strict";
import { mergeHistograms } from "../analysis/histogram_stats.ts";
import { HistogramSnapshot } from "../measure/histogram.ts";
import { chartDocuments } from "./chart_documents.ts";
import { latencyPercentileChart, percentileCurveSpec } from "./chart_latency_percentiles.ts";
import { fixtures, lockThreadsResult } from "./testdata/results.ts";
import { distinct, renderChart, valuesOf } from "./testdata/vega_check.ts";

type Row = { series: string; x: number; percentile: number; valueUs: number; decade: boolean };

Deno.test("latencyPercentileChart: every fixture compiles and renders without a warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    const spec = latencyPercentileChart(chartDocuments(docs));
    const r = await renderChart(spec);
    assert.deepEqual(r.warnings, [], name);
    const series = distinct(spec, "series");
    assert.equal(r.marks.line ?? 0, series.length, `${name}: one line per series`);
  }
});

Deno.test("latencyPercentileChart: the real result has one curve per placement, ending at the max", async () => {
  const [doc] = fixtures().default;
  const [cd] = chartDocuments([doc]);
  const spec = latencyPercentileChart([cd]);
  assert.deepEqual(distinct(spec, "series"), ["main", "iothread"]);
  const rows = valuesOf<Row>(spec);
  for (const placement of ["main", "iothread"]) {
    const mine = rows.filter((r) => r.series === placement);
    for (let i = 1; i < mine.length; i++) {
      assert.ok(mine[i].x > mine[i - 1].x, "x grows");
      assert.ok(mine[i].valueUs >= mine[i - 1].valueUs, "a percentile curve never falls");
    }
    const d = cd.analysis.points[0].placements[placement].devices.disk0;
    const merged = mergeHistograms(d.samples.map((s) => s.latency));
    assert.equal(mine.at(-1)!.valueUs, Number((merged.max / 1e3).toPrecision(4)));
    assert.equal(mine.at(-1)!.x, merged.totalCount);
    // 99 % sits at x = 100 and matches the analysis' pooled p99.
    const p99 = mine.find((r) => Math.abs(r.x - 100) < 1e-6)!;
    assert.equal(p99.valueUs, Number((d.pooled.p99 / 1e3).toPrecision(4)));
    assert.ok(p99.decade);
  }
  const r = await renderChart(spec);
  for (const label of ["50%", "90%", "99%", "99.9%"]) {
    assert.ok(r.svg.includes(`>${label}</text>`), `axis label ${label}`);
  }
});

Deno.test("latencyPercentileChart: compare, partial, sweep and device series are named apart", () => {
  const f = fixtures();
  assert.deepEqual(distinct(latencyPercentileChart(chartDocuments(f.compare)), "series"), [
    "default · main",
    "default · iothread",
    "partial · main",
    "partial · iothread",
  ]);
  // The partial result's iothread has one repetition left (the other failed): still a curve.
  assert.deepEqual(distinct(latencyPercentileChart(chartDocuments(f.partial)), "series"), [
    "main",
    "iothread",
  ]);
  assert.deepEqual(distinct(latencyPercentileChart(chartDocuments(f.single)), "series"), [
    "iothread",
  ]);
  const sweep = distinct(latencyPercentileChart(chartDocuments(f.sweep)), "series");
  assert.equal(sweep.length, 6);
  assert.ok(sweep.includes("sweep[devices.disk0.queueDepth=16] · iothread"));
  assert.deepEqual(
    distinct(latencyPercentileChart(chartDocuments([lockThreadsResult("totals")])), "series"),
    ["iothreads · disk0", "iothreads · disk1"],
  );
  assert.deepEqual(valuesOf(latencyPercentileChart(chartDocuments(f.empty))), []);
});

Deno.test("percentileCurveSpec: series keep their colour and dash in order, zeros are left off", async () => {
  const a = new HistogramSnapshot();
  const b = new HistogramSnapshot();
  for (let v = 0; v < 1000; v++) {
    a.recordValue(v * 100);
    b.recordValue(v * 300);
  }
  const spec = percentileCurveSpec(
    [{ series: "a", histogram: a }, { series: "b", histogram: b }],
    "s",
    "latency (µs)",
  );
  assert.ok(valuesOf<Row>(spec).every((r) => r.valueUs > 0), "a log axis gets no 0");
  const layer = (spec.layer as {
    encoding: Record<string, { scale: { domain: string[]; range: unknown[] } }>;
  }[])[0];
  assert.deepEqual(layer.encoding.color.scale.domain, ["a", "b"]);
  assert.notDeepEqual(layer.encoding.color.scale.range[0], layer.encoding.color.scale.range[1]);
  assert.notDeepEqual(
    layer.encoding.strokeDash.scale.range[0],
    layer.encoding.strokeDash.scale.range[1],
  );
  const r = await renderChart(spec);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.marks.line, 2);
  // A point at x = 10, 100 and 1000 (the last request) of each curve; 0 % (value 0) is left off.
  assert.equal(r.marks.symbol, 2 * 3);
});
