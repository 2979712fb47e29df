import assert from "node:assert/strict";
import type { ResultInput } from "../analysis/input.ts";
import type { ResultDocument } from "../result/document.ts";
import { chartDocuments, documentLabels } from "./chart_documents.ts";
import { defaultResult, partialResult, sweepResult } from "./testdata/results.ts";

Deno.test("chartDocuments: a full result document is a ResultInput, analysed once", () => {
  const doc: ResultDocument = defaultResult();
  const input: ResultInput = doc; // the structural subset: a ResultDocument is assignable
  const [d] = chartDocuments([input]);
  assert.equal(d.doc, doc);
  assert.deepEqual(Object.keys(d.analysis.points[0].placements), ["main", "iothread"]);
  assert.equal(d.label, "2026-12-01 22:13:30");
});

Deno.test("documentLabels: scenario names, start times, positions", () => {
  // Different scenarios: their names.
  assert.deepEqual(documentLabels([defaultResult(), partialResult()]), ["default", "partial"]);
  // The same scenario run twice: the start times.
  const later = { ...defaultResult() };
  later.manifest = { ...later.manifest, startTime: "2026-12-02T08:00:00.000Z" };
  assert.deepEqual(documentLabels([defaultResult(), later]), [
    "2026-12-01 22:13:30",
    "2026-12-02 08:00:00",
  ]);
  // Nothing tells them apart: positions.
  assert.deepEqual(documentLabels([defaultResult(), defaultResult()]), ["#1", "#2"]);
  // Two of three share a name and all a start time: the names, positions where they collide.
  assert.deepEqual(documentLabels([sweepResult(), sweepResult(), partialResult()]), [
    "sweep #1",
    "sweep #2",
    "partial",
  ]);
  // ... and with distinct start times, the name and the time.
  const late = partialResult();
  late.manifest.startTime = "2026-12-03T10:00:00.000Z";
  const laterSweep = sweepResult();
  laterSweep.manifest.startTime = "2026-12-04T10:00:00.000Z";
  assert.deepEqual(documentLabels([sweepResult(), laterSweep, late]), [
    "sweep 2026-12-01 10:00:00",
    "sweep 2026-12-04 10:00:00",
    "partial 2026-12-03 10:00:00",
  ]);
});

Deno.test("chartDocuments: labels given override, one per document", () => {
  const docs = chartDocuments([defaultResult(), defaultResult()], ["baseline", "current"]);
  assert.deepEqual(docs.map((d) => d.label), ["baseline", "current"]);
  assert.throws(
    () => chartDocuments([defaultResult()], ["a", "b"]),
    /expected one label per document \(1\), found 2/,
  );
});
