/**
 * Small charts for the page's tests, standing in for (or added to)
 * `reportCharts` of a fixture: a point chart and a layered log-scale line
 * chart whose data holds the given placement names (so that a name full of
 * markup travels through the page's inline JSON).
 *
 * @module
 */

import type { ChartSection } from "../charts.ts";

/** Two small vega-lite charts whose data names `placements`. */
export function sampleCharts(placements: readonly string[]): ChartSection[] {
  const rows = placements.flatMap((placement, i) =>
    [50, 90, 99, 99.9].map((percentile) => ({
      placement,
      percentile,
      latencyUs: (i + 1) * 10 * (1 + percentile / 10),
    }))
  );
  return [
    {
      id: "sample-points",
      title: "Sample: latency by percentile",
      lookFor: "One dot per placement and percentile.",
      spec: {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        data: { values: rows },
        mark: "point",
        encoding: {
          x: { field: "percentile", type: "quantitative" },
          y: { field: "latencyUs", type: "quantitative", title: "latency (us)" },
          shape: { field: "placement", type: "nominal", legend: { labelLimit: 1000 } },
        },
      },
    },
    {
      id: "sample-lines",
      title: "Sample: log-scale percentile curve",
      lookFor: "Lines rising towards the tail, and a rule at 100 us.",
      spec: {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        data: { values: rows },
        layer: [
          {
            mark: { type: "line", point: true },
            encoding: {
              x: { field: "percentile", type: "quantitative" },
              y: { field: "latencyUs", type: "quantitative", scale: { type: "log" } },
              strokeDash: { field: "placement", type: "nominal", legend: { labelLimit: 1000 } },
            },
          },
          { mark: "rule", encoding: { y: { datum: 100 } } },
        ],
      },
    },
  ];
}
