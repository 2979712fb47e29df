import assert from "node:assert/strict";
import { reportCharts } from "./charts.ts";
import { fixtures } from "./testdata/results.ts";
import { distinct, renderChart } from "./testdata/vega_check.ts";

const ALWAYS = [
  "latency-percentiles",
  "latency-over-time",
  "latency-histogram",
  "stage-breakdown",
  "lock-times",
  "context-utilisation",
  "jitter-probes",
  "throughput-over-time",
];

Deno.test("reportCharts: no documents, no charts", () => {
  assert.deepEqual(reportCharts([]), []);
});

Deno.test("reportCharts: a result with no runs has no chart", () => {
  assert.deepEqual(reportCharts(fixtures().empty), []);
});

Deno.test("reportCharts: every chart of every fixture compiles, renders marks and has no warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    const charts = reportCharts(docs);
    for (const c of charts) {
      const r = await renderChart(c.spec);
      assert.deepEqual(r.warnings, [], `${name}/${c.id}`);
      const drawn = Object.values(r.marks).reduce((s, n) => s + n, 0);
      assert.ok(drawn > 0, `${name}/${c.id} draws marks`);
      assert.match(r.svg, /^<svg /);
    }
  }
});

Deno.test("reportCharts: page order, the sweep charts only for a sweep", () => {
  const f = fixtures();
  assert.deepEqual(reportCharts(f.default).map((c) => c.id), ALWAYS);
  assert.deepEqual(reportCharts(f.single).map((c) => c.id), ALWAYS);
  assert.deepEqual(reportCharts(f.partial).map((c) => c.id), ALWAYS);
  assert.deepEqual(reportCharts(f.sweep).map((c) => c.id), [...ALWAYS, "sweep-p99", "sweep-iops"]);
});

Deno.test("reportCharts: sections are well formed — unique ids, a title, one sentence to look for", () => {
  const charts = reportCharts(fixtures().sweep);
  assert.equal(new Set(charts.map((c) => c.id)).size, charts.length);
  for (const c of charts) {
    assert.match(c.id, /^[a-z0-9-]+$/);
    assert.ok(c.title.length > 0);
    assert.match(c.lookFor, /^[A-Z][^.]*\.$/, `${c.id}: one sentence`);
    assert.equal(c.spec.width, "container");
    assert.ok(JSON.stringify(c.spec).length < 400_000, `${c.id}: data inline, small`);
  }
});

Deno.test("reportCharts: the compare view names documents, labels can be given", () => {
  const f = fixtures();
  const [percentiles] = reportCharts(f.compare);
  assert.deepEqual(distinct(percentiles.spec, "series"), [
    "default · main",
    "default · iothread",
    "partial · main",
    "partial · iothread",
  ]);
  const [given] = reportCharts([f.default[0], f.default[0]], { labels: ["baseline", "current"] });
  assert.deepEqual(distinct(given.spec, "series"), [
    "baseline · main",
    "baseline · iothread",
    "current · main",
    "current · iothread",
  ]);
});
