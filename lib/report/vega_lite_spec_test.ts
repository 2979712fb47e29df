import assert from "node:assert/strict";
import { chartHasData } from "./vega_lite_spec.ts";

Deno.test("chartHasData: only the top-level inline values count", () => {
  assert.equal(chartHasData({ data: { values: [{ x: 1 }] } }), true);
  assert.equal(chartHasData({ data: { values: [] } }), false);
  assert.equal(chartHasData({ data: { url: "x.json" } }), false);
  assert.equal(chartHasData({ layer: [{ data: { values: [{ x: 1 }] } }] }), false);
  assert.equal(chartHasData({}), false);
});
