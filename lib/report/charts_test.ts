import assert from "node:assert/strict";
import { reportCharts } from "./charts.ts";

Deno.test("reportCharts: no documents, no charts", () => {
  assert.deepEqual(reportCharts([]), []);
});
