import assert from "node:assert/strict";
import { HistogramSnapshot } from "../measure/histogram.ts";
import {
  DASHES,
  finish,
  PALETTE,
  percentileCurve,
  percentileTicks,
  seriesIntervals,
  seriesNaming,
  seriesScales,
  SHAPES,
  symlogTicks,
} from "./_chart_common.ts";
import { chartDocuments } from "./chart_documents.ts";
import { defaultResult } from "./testdata/results.ts";

Deno.test("palette: Okabe-Ito, and no two series share colour, dash and shape", () => {
  assert.equal(new Set(PALETTE).size, 8);
  const names = Array.from({ length: 24 }, (_, i) => `s${i}`);
  const s = seriesScales(names);
  const looks = names.map((_, i) =>
    JSON.stringify([
      (s.color.range as string[])[i],
      (s.strokeDash.range as number[][])[i],
      (s.shape.range as string[])[i],
    ])
  );
  assert.equal(new Set(looks).size, names.length);
  // Neighbours differ in dash (greyscale) as well as colour.
  for (let i = 1; i < DASHES.length; i++) assert.notDeepEqual(DASHES[i], DASHES[i - 1]);
  assert.equal(new Set(SHAPES).size, SHAPES.length);
});

Deno.test("percentileCurve: HdrHistogram's x = 1/(1-p), ten points a decade, the max last", () => {
  const h = new HistogramSnapshot();
  for (let v = 1; v <= 200; v++) h.recordValue(v); // exact below 256 ns
  const c = percentileCurve(h);
  assert.equal(c[0].x, 1);
  assert.equal(c[0].valueNs, 1);
  const at = (x: number) => c.find((p) => Math.abs(p.x - x) < 1e-9)!;
  assert.equal(at(2).valueNs, 100); // 50 %
  assert.equal(at(10).valueNs, 180); // 90 %
  assert.equal(at(100).valueNs, 198); // 99 %
  assert.deepEqual(c.at(-1), { x: 200, percentile: 99.5, valueNs: 200 });
  assert.equal(c.filter((p) => p.x < 10).length, 10);
  assert.deepEqual(percentileCurve(new HistogramSnapshot()), []);
});

Deno.test("percentileTicks and symlogTicks cover the data", () => {
  assert.deepEqual(percentileTicks(200), [1, 2, 10, 100, 1000]);
  assert.deepEqual(percentileTicks(1000), [1, 2, 10, 100, 1000]);
  assert.deepEqual(percentileTicks(3), [1, 2, 10]);
  assert.deepEqual(symlogTicks(30), [0, 1, 2, 5, 10, 20]);
  assert.ok(symlogTicks(2000).includes(2000));
});

Deno.test("finish: an empty chart gets fixed position domains, a full one is left alone", () => {
  const spec = {
    data: { values: [] },
    encoding: {
      x: { field: "a", type: "quantitative", scale: { type: "log" } },
      y: { field: "b", type: "quantitative" },
      color: { field: "c", type: "nominal" },
    },
    layer: [{ encoding: { x: { field: "t", type: "quantitative", scale: { type: "symlog" } } } }],
  };
  const done = finish(spec) as typeof spec & { layer: { encoding: { x: { scale: unknown } } }[] };
  assert.deepEqual(done.encoding.x.scale, { type: "log", domain: [1, 10] });
  assert.deepEqual((done.encoding.y as { scale?: unknown }).scale, { domain: [0, 1] });
  assert.deepEqual(done.layer[0].encoding.x.scale, { type: "symlog", domain: [0, 10] });
  assert.equal("scale" in spec.encoding.y, false, "the input is not changed");
  const full = { ...spec, data: { values: [{ a: 1 }] } };
  assert.equal(finish(full), full);
});

Deno.test("seriesIntervals: every interval of every device of every reported run, once, in order", () => {
  const doc = defaultResult();
  const order: string[] = [];
  const docs = chartDocuments([doc]);
  const got = [...seriesIntervals(docs, seriesNaming(docs), order)];
  const expected = doc.runs.filter((r) => r.status !== "failed" && r.report !== null)
    .reduce((n, r) => n + r.report!.timeSeries.rows.length, 0);
  assert.ok(expected > 0);
  assert.equal(got.length, expected);
  assert.deepEqual(order, ["main", "iothread"]);
  for (const g of got) assert.ok(g.row.startNs >= g.origin, `${g.series}: before its origin`);
  assert.deepEqual(
    [...seriesIntervals(chartDocuments([]), seriesNaming(chartDocuments([])), [])],
    [],
  );
});
