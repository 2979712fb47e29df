import assert from "node:assert/strict";
import { analyseResult } from "../analysis/analyse.ts";
import { metricIntervals } from "./_metric_interval.ts";
import { sweepResult } from "./testdata/results.ts";

Deno.test("metricIntervals: the interval of a metric itself, around the analysis' point estimate", () => {
  const a = analyseResult(sweepResult());
  const d = a.points[0].placements.main.devices.disk0;
  const iv = metricIntervals(d.samples, 7, 400);
  for (const m of ["p50", "p99", "p99.9", "mean", "iops"] as const) {
    assert.equal(iv[m].ratio, d.metrics[m], m);
    assert.ok(iv[m].low <= iv[m].ratio && iv[m].ratio <= iv[m].high, m);
    assert.ok(iv[m].high > iv[m].low, `${m}: two repetitions of real draws vary`);
  }
  // Seeded and cached: the same sample and seed give the same object; another seed another draw.
  assert.equal(metricIntervals(d.samples, 7, 400), iv);
  assert.deepEqual(metricIntervals([...d.samples], 7, 400), iv);
  // (percentiles move in histogram buckets and may coincide; the mean does not)
  assert.notDeepEqual(metricIntervals(d.samples, 8, 400).mean, iv.mean);
});
