import assert from "node:assert/strict";
import type { RunRecord } from "../result/document.ts";
import { runOutputNotes } from "./run_output.ts";

function run(index: number, output?: RunRecord["output"]): RunRecord {
  return { index, placement: "main", repetition: index + 1, output } as unknown as RunRecord;
}

Deno.test("runOutputNotes: one line per run that printed something, none for the quiet ones", () => {
  const runs = [
    run(0),
    run(1, { stderr: "first\nWarning: slow host\n", strayStdout: [], strayStdoutLines: 0 }),
    run(2, { stderr: "", strayStdout: ["debug 1", "debug 2"], strayStdoutLines: 250 }),
    run(3, { stderr: "x".repeat(300), strayStdout: ["y"], strayStdoutLines: 1 }),
  ];
  const lines = runOutputNotes(runs, "results/runs/r/result.json").split("\n");
  assert.deepEqual(lines.slice(0, 2), [
    'aiolab: note: run 2 (main rep 2) wrote to stderr (last line "Warning: slow host"); kept in ' +
    "results/runs/r/result.json, runs[1].output",
    "aiolab: note: run 3 (main rep 3) printed 250 lines to stdout that are not messages (first " +
    '"debug 1"); kept in results/runs/r/result.json, runs[2].output',
  ]);
  assert.match(
    lines[2],
    /wrote to stderr \(last line "x{200}\.\.\."\) and printed 1 line to stdout/,
  );
  assert.equal(lines.length, 4, "three notes and the final newline");
  assert.equal(runOutputNotes([run(0), run(1)], "r.json"), "");
});
