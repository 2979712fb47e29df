/**
 * The documents a report's charts draw: each result document with its
 * analysis (lib/analysis `analyseResult`, computed once) and the label that
 * names it in a compare view. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * const [d] = chartDocuments([{ manifest: { noiseFloor: null }, runs: [], summary: [] }]);
 * assert.equal(d.label, "#1");
 * assert.deepEqual(d.analysis.points, []);
 * ```
 *
 * @module
 */

import { type AnalysedResult, analyseResult } from "../analysis/analyse.ts";
import type { ResultInput } from "../analysis/input.ts";

/** One result document ready for the chart functions. */
export interface ChartDocument {
  /** Names the document in a compare view (the series of several documents carry it). */
  label: string;
  /** The document. */
  doc: ResultInput;
  /** Its analysis. */
  analysis: AnalysedResult;
}

function startLabel(doc: ResultInput): string | null {
  const t = doc.manifest.startTime;
  if (t === undefined) return null;
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(t);
  return m === null ? t : `${m[1]} ${m[2]}`;
}

/**
 * Labels for `docs`: the scenario name when the documents' scenarios
 * differ, the start time when it tells them apart, `#n` (1-based position)
 * otherwise; a label two documents would share gets its position appended.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { documentLabels } from "./chart_documents.ts";
 * const doc = (name: string, startTime: string) => ({
 *   manifest: { noiseFloor: null, scenario: { name }, startTime },
 *   runs: [],
 *   summary: [],
 * });
 * assert.deepEqual(
 *   documentLabels([doc("s", "2026-12-01T10:00:00.000Z"), doc("s", "2026-12-02T10:00:00.000Z")]),
 *   ["2026-12-01 10:00:00", "2026-12-02 10:00:00"],
 * );
 * assert.deepEqual(
 *   documentLabels([doc("a", "2026-12-01T10:00:00.000Z"), doc("b", "2026-12-01T10:00:00.000Z")]),
 *   ["a", "b"],
 * );
 * ```
 */
export function documentLabels(docs: readonly ResultInput[]): string[] {
  const names = docs.map((d) => d.manifest.scenario?.name ?? null);
  const starts = docs.map(startLabel);
  const distinct = (xs: (string | null)[]) =>
    xs.every((x) => x !== null) && new Set(xs).size === xs.length;
  const namesDiffer = new Set(names).size > 1 && names.every((x) => x !== null);
  let labels: string[];
  if (namesDiffer && distinct(names)) labels = names as string[];
  else if (distinct(starts)) {
    labels = starts.map((s, i) => namesDiffer ? `${names[i]} ${s}` : s as string);
  } else if (namesDiffer) labels = names as string[];
  else labels = docs.map((_, i) => `#${i + 1}`);
  const seen = new Map<string, number>();
  for (const l of labels) seen.set(l, (seen.get(l) ?? 0) + 1);
  return labels.map((l, i) => (seen.get(l)! > 1 ? `${l} #${i + 1}` : l));
}

/**
 * Analyses `docs` once for the chart functions. `labels` (one per
 * document) overrides {@link documentLabels}, e.g. `["baseline", "current"]`.
 *
 * @throws {RangeError} if `labels` is given with a length other than `docs`'.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartDocuments } from "./chart_documents.ts";
 * const empty = { manifest: { noiseFloor: null }, runs: [], summary: [] };
 * const docs = chartDocuments([empty, empty], ["baseline", "current"]);
 * assert.deepEqual(docs.map((d) => d.label), ["baseline", "current"]);
 * ```
 */
export function chartDocuments(
  docs: readonly ResultInput[],
  labels?: readonly string[],
): ChartDocument[] {
  if (labels !== undefined && labels.length !== docs.length) {
    throw new RangeError(
      `expected one label per document (${docs.length}), found ${labels.length}`,
    );
  }
  const names = labels ?? documentLabels(docs);
  return docs.map((doc, i) => ({ label: names[i], doc, analysis: analyseResult(doc) }));
}
