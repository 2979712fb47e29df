/**
 * CSV of result documents' summary rows (one line per run and device, the
 * fields of the README's "`summary` rows" table) in RFC 4180 form: a header
 * line, CRLF line ends, and a field quoted (its quotes doubled) when it
 * holds a comma, a quote, CR or LF. Swept values get one column each
 * (`sweep.<path>`, empty where a row has none); with several documents a
 * first column `result` gives the document's 1-based position. Numbers are
 * written as JavaScript prints them (full precision, `.` as decimal mark).
 * Pure: no Deno APIs, no I/O; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvField } from "./csv.ts";
 * assert.equal(csvField('say "hi", then go'), '"say ""hi"", then go"');
 * assert.equal(csvField("plain"), "plain");
 * ```
 *
 * @module
 */

/** The summary-row fields the CSV writes, in column order (besides `sweep`). */
export const CSV_FIELDS = [
  "scenario",
  "placement",
  "repetition",
  "device",
  "status",
  "completions",
  "dropped",
  "iops",
  "p50Ns",
  "p90Ns",
  "p99Ns",
  "p999Ns",
  "p9999Ns",
  "maxNs",
  "jitterNs",
  "bqlWaitShare",
] as const;

/** A summary row as the CSV reads it (lib/result `SummaryRow`). */
export type CsvSummaryRow =
  & { sweep: Record<string, number> }
  & Record<typeof CSV_FIELDS[number], string | number>;

/**
 * One field, quoted when RFC 4180 requires it (a comma, a quote, CR or LF).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvField } from "./csv.ts";
 * assert.equal(csvField("a\nb"), '"a\nb"');
 * assert.equal(csvField(0.5), "0.5");
 * ```
 */
export function csvField(value: string | number): string {
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The CSV text of the summary rows of `docs` (header line included; every
 * line ends in CRLF).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryCsv } from "./csv.ts";
 * const row = { scenario: "s", placement: "main", sweep: { qd: 4 }, repetition: 1, device: "disk0",
 *   status: "completed", completions: 10, dropped: 0, iops: 100, p50Ns: 1, p90Ns: 2, p99Ns: 3,
 *   p999Ns: 4, p9999Ns: 5, maxNs: 6, jitterNs: 2, bqlWaitShare: 0 };
 * const [head, line] = summaryCsv([{ summary: [row] }]).split("\r\n");
 * assert.equal(head.split(",").slice(0, 4).join(","), "scenario,placement,sweep.qd,repetition");
 * assert.equal(line.split(",").slice(0, 4).join(","), "s,main,4,1");
 * ```
 */
export function summaryCsv(docs: readonly { summary: readonly CsvSummaryRow[] }[]): string {
  const many = docs.length > 1;
  const sweepKeys = [
    ...new Set(docs.flatMap((d) => d.summary.flatMap((r) => Object.keys(r.sweep)))),
  ]
    .sort();
  const header = [
    ...(many ? ["result"] : []),
    "scenario",
    "placement",
    ...sweepKeys.map((k) => `sweep.${k}`),
    ...CSV_FIELDS.slice(2),
  ];
  const lines = [header.map(csvField).join(",")];
  docs.forEach((doc, i) => {
    for (const r of doc.summary) {
      const fields: (string | number)[] = [
        ...(many ? [i + 1] : []),
        r.scenario,
        r.placement,
        ...sweepKeys.map((k) => r.sweep[k] ?? ""),
        ...CSV_FIELDS.slice(2).map((f) => r[f]),
      ];
      lines.push(fields.map(csvField).join(","));
    }
  });
  return lines.map((l) => `${l}\r\n`).join("");
}
