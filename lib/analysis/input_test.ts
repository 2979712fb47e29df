import assert from "node:assert/strict";
import type { ResultInput, RunInput } from "./input.ts";
import { syntheticResult } from "./testdata/synthetic_result.ts";

Deno.test("input: a synthetic lab document (real histograms) is a ResultInput", () => {
  const doc: ResultInput = syntheticResult({
    seed: 1,
    repetitions: 2,
    placements: { main: { meanNs: 50_000 } },
  });
  const run: RunInput = doc.runs[0];
  assert.equal(run.status, "completed");
  assert.match(run.report!.devices.disk0.latency.hdr, /^HISTFAA/);
  assert.equal(doc.summary.length, 2);
});
