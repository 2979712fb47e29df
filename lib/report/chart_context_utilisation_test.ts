import assert from "node:assert/strict";
import { chartDocuments } from "./chart_documents.ts";
import { CONTEXT_STATES, contextUtilisationChart } from "./chart_context_utilisation.ts";
import { fixtures } from "./testdata/results.ts";
import { distinct, renderChart, valuesOf } from "./testdata/vega_check.ts";

type Row = {
  row: string;
  context: string;
  thread: string;
  state: string;
  share: number;
  ms: number;
};

Deno.test("contextUtilisationChart: every fixture compiles and renders without a warning", async () => {
  for (const [name, docs] of Object.entries(fixtures())) {
    const r = await renderChart(contextUtilisationChart(chartDocuments(docs)));
    assert.deepEqual(r.warnings, [], name);
  }
});

Deno.test("contextUtilisationChart: one bar per placement and context, states summing to 100 %", async () => {
  const docs = chartDocuments(fixtures().default);
  const spec = contextUtilisationChart(docs);
  const rows = valuesOf<Row>(spec);
  assert.deepEqual(distinct(spec, "row"), [
    "main · main (main-loop)",
    "iothread · main (main-loop)",
    "iothread · io0 (IO io0)",
  ]);
  for (const bar of distinct(spec, "row")) {
    const mine = rows.filter((r) => r.row === bar);
    assert.deepEqual(mine.map((r) => r.state), [...CONTEXT_STATES]);
    const total = mine.reduce((s, r) => s + r.share, 0);
    assert.ok(Math.abs(total - 100) < 0.01, `${bar}: ${total}`);
  }
  // Summed over both repetitions.
  const io0 = docs[0].doc.runs.filter((r) => r.placement === "iothread")
    .reduce((s, r) => s + r.report!.contexts.io0.dispatchNs!, 0);
  const row = rows.find((r) => r.row === "iothread · io0 (IO io0)" && r.state === "dispatching")!;
  assert.equal(row.ms, Number((io0 / 1e6).toPrecision(4)));
  const r = await renderChart(spec);
  assert.equal(r.marks.rect, 3 * 3);
});

Deno.test("contextUtilisationChart: a polling IOThread shows its polling share", () => {
  const rows = valuesOf<Row>(contextUtilisationChart(chartDocuments(fixtures().single)));
  const polling = rows.filter((r) => r.state === "polling");
  assert.deepEqual(polling.map((r) => [r.context, r.share > 0]), [
    ["main", false],
    ["io0", true],
    ["io1", true],
  ]);
});
