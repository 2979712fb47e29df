import assert from "node:assert/strict";
import { isMetricName, metricInfo, METRICS } from "./metrics.ts";

Deno.test("metrics: the ten names, latency units and directions", () => {
  assert.deepEqual([...METRICS], [
    "p50",
    "p90",
    "p99",
    "p99.9",
    "p99.99",
    "max",
    "mean",
    "iops",
    "jitter",
    "bqlWaitShare",
  ]);
  for (const m of METRICS) assert.ok(isMetricName(m));
  assert.equal(isMetricName("p98"), false);
  assert.equal(isMetricName("p99.90"), false);
  const ns = METRICS.filter((m) => metricInfo(m).unit === "ns");
  assert.deepEqual(ns, ["p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", "jitter"]);
  assert.deepEqual(METRICS.filter((m) => metricInfo(m).higherIsBetter), ["iops"]);
});
