/**
 * The single-file HTML report: title, scenario description, summary tables
 * (measured values; ratios with 95% intervals and verdicts), the charts each
 * with the sentence that says what to look for, the thresholds and their
 * outcome, and the manifest, with its data (JSON) and the vega bundle
 * inline. The page makes no request: it opens from `file://` with no
 * network, and its Content-Security-Policy forbids requests and every
 * script but its own two. Every string that came from a user is escaped.
 * Pure: no Deno APIs, no I/O.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderHtmlReport } from "./page.ts";
 * assert.match(renderHtmlReport([]), /^<!doctype html>/);
 * ```
 *
 * @module
 */

import {
  type AnalysedResult,
  analyseResult,
  comparePlacements,
  compareResults,
  type ComparisonRow,
  evaluateThresholds,
  formatValue,
  type ManifestInput,
  metricInfo,
  type MetricName,
  type NoiseFloorInput,
  type ResultInput,
  type ThresholdOutcome,
} from "../analysis/mod.ts";
import { ASSETS_BUNDLE, ASSETS_STAMP } from "./_assets_bundle.ts";
import { escapeHtml, jsonForScript, scriptText } from "./_escape.ts";
import { BOOT_SCRIPT, contentSecurityPolicy, STYLE } from "./_page_assets.ts";
import { type ChartSection, reportCharts } from "./charts.ts";

/**
 * What the page reads of a result document's manifest beyond what analysis
 * reads: every field is optional, so a bare `ResultInput` renders too, and
 * a lib/result `ResultDocument` is assignable. `scenario.description` and
 * `scenario.thresholds` are shown and evaluated when the document carries
 * them.
 */
export interface ReportManifestInput extends ManifestInput {
  /** The noise floor, with the optional handoff round trip. */
  noiseFloor:
    | (NoiseFloorInput & { handoffRoundTrip?: { p50Ns: number; p99Ns: number } })
    | null;
  /** aiolab version. */
  aiolabVersion?: string;
  /** Git commit of the checkout. */
  gitCommit?: string | null;
  /** Deno version. */
  deno?: string;
  /** V8 version. */
  v8?: string;
  /** TypeScript version. */
  typescript?: string;
  /** Operating system. */
  os?: string;
  /** CPU architecture. */
  arch?: string;
  /** CPU model. */
  cpu?: string;
  /** Logical cores. */
  cores?: number;
  /** Measured clock resolution, ns. */
  clockResolutionNs?: number;
  /** The scenario. */
  scenario?: {
    /** Its name. */
    name: string;
    /** The file it was loaded from. */
    file?: string;
    /** sha256 of its text. */
    sha256?: string;
    /** Its source text. */
    text?: string;
    /** What it shows and what to look for. */
    description?: string;
    /** Its thresholds, in the threshold grammar. */
    thresholds?: readonly string[];
  };
  /** The seed. */
  seed?: number;
  /** Command-line overrides. */
  overrides?: Record<string, unknown>;
  /** The command line. */
  commandLine?: readonly string[];
  /** Start time, ISO 8601. */
  startTime?: string;
  /** End time, ISO 8601. */
  endTime?: string;
  /** Whether the result is partial. */
  partial?: boolean;
  /** Whether the run was interrupted. */
  interrupted?: boolean;
  /** Warnings recorded during the run. */
  warnings?: readonly string[];
}

/** A result document as the page reads it (a lib/result `ResultDocument` is one). */
export interface ReportDocumentInput extends ResultInput {
  /** The manifest. */
  manifest: ReportManifestInput;
}

/** Options of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** Page title; defaults to the scenario names. */
  title?: string;
  /** The command line that produced the page, shown in the manifest. */
  commandLine?: readonly string[];
  /** Scenario description, when the documents carry none. */
  description?: string;
  /** Thresholds evaluated on every document, after the scenario's own (e.g. `--threshold`). */
  thresholds?: readonly string[];
  /** The charts; default {@link reportCharts} of the documents. */
  charts?: readonly ChartSection[];
}

/** The metrics of the summary tables: the tails and the throughput. */
const SUMMARY_METRICS: readonly MetricName[] = ["p50", "p99", "p99.9", "iops"];

/** A metric value for a table cell. */
function metricText(metric: MetricName, v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  const unit = metricInfo(metric).unit;
  if (unit === "ns") return formatValue(v, true);
  if (unit === "share") return `${Number((v * 100).toPrecision(3))} %`;
  return `${formatValue(v, false)}/s`;
}

function ratioText(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(3))) : "n/a";
}

const VERDICT: Record<ComparisonRow["verdict"], { cls: string; mark: string }> = {
  better: { cls: "v-better", mark: "▼ better" },
  worse: { cls: "v-worse", mark: "▲ worse" },
  "no significant difference": { cls: "v-same", mark: "= no significant difference" },
};

function cell(text: string, cls = ""): string {
  return `<td${cls === "" ? "" : ` class="${cls}"`}>${escapeHtml(text)}</td>`;
}

function table(headers: readonly string[], rows: readonly string[]): string {
  return `<div class="scroll"><table><thead><tr>${
    headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("")
  }</tr></thead><tbody>${rows.join("\n")}</tbody></table></div>`;
}

/** The name of a document's scenario. */
function scenarioName(doc: ReportDocumentInput): string {
  return doc.manifest.scenario?.name ?? doc.runs[0]?.scenario ?? doc.summary[0]?.scenario ??
    "result";
}

/** A document's label in the compare view. */
function docLabel(doc: ReportDocumentInput, i: number): string {
  const when = doc.manifest.startTime === undefined ? "" : `, ${doc.manifest.startTime}`;
  return `#${i + 1}${i === 0 ? " (reference)" : ""}: ${scenarioName(doc)}${when}`;
}

function measuredTable(a: AnalysedResult): string {
  const manyPoints = a.points.length > 1;
  const rows = a.points.flatMap((p) =>
    Object.values(p.placements).flatMap((pl) =>
      Object.entries(pl.devices).map(([device, d]) =>
        `<tr>${manyPoints ? cell(p.key) : ""}${cell(pl.placement)}${cell(device)}${
          cell(String(pl.repetitions.length), "num")
        }${cell(String(d.pooled.count), "num")}${
          (["p50", "p99", "p99.9", "max", "iops", "jitter"] as const).map((m) =>
            cell(metricText(m, d.metrics[m]), "num")
          ).join("")
        }</tr>`
      )
    )
  );
  if (rows.length === 0) return `<p class="note">No completed run measured anything.</p>`;
  return table([
    ...(manyPoints ? ["point"] : []),
    "placement",
    "device",
    "repetitions",
    "requests",
    "p50",
    "p99",
    "p99.9",
    "max",
    "throughput",
    "jitter (p99 - p50)",
  ], rows);
}

function comparisonTable(rows: readonly ComparisonRow[], manyPoints: boolean): string {
  if (rows.length === 0) return `<p class="note">Nothing to compare.</p>`;
  const body = rows.map((r) => {
    const v = VERDICT[r.verdict];
    return `<tr>${manyPoints ? cell(r.point) : ""}${cell(r.device)}${cell(r.placement)}${
      cell(r.reference)
    }${cell(r.metric)}${cell(metricText(r.metric, r.referenceValue), "num")}${
      cell(metricText(r.metric, r.value), "num")
    }${cell(ratioText(r.ratio), "num")}${
      cell(`[${ratioText(r.low)}, ${ratioText(r.high)}]`, "num")
    }${cell(`±${Number((r.threshold * 100).toPrecision(3))} %`, "num")}${cell(v.mark, v.cls)}</tr>`;
  });
  return table([
    ...(manyPoints ? ["point"] : []),
    "device",
    "measured",
    "against",
    "metric",
    "reference",
    "value",
    "ratio",
    `${Math.round((rows[0]?.confidence ?? 0.95) * 100)}% interval`,
    "noise threshold",
    "verdict",
  ], body);
}

/** Each placement of each point against the point's first placement. */
function placementRows(a: AnalysedResult, seed: number): ComparisonRow[] {
  return a.points.flatMap((p) => {
    const names = Object.keys(p.placements);
    return names.slice(1).flatMap((name) =>
      comparePlacements(p, name, names[0], a.noiseFloor, { seed, metrics: SUMMARY_METRICS })
    );
  });
}

function thresholdTable(outcomes: readonly ThresholdOutcome[]): string {
  if (outcomes.length === 0) {
    return `<p class="note">No thresholds: the scenario sets none and none were given.</p>`;
  }
  const failed = outcomes.filter((o) => !o.pass).length;
  const rows = outcomes.map((o) =>
    `<tr>${cell(o.threshold)}${cell(o.expression)}${cell(o.point)}${
      o.pass ? cell("✔ pass", "pass") : cell("✘ FAIL", "fail")
    }${cell(o.why)}</tr>`
  );
  return `<p>${
    failed === 0
      ? `All ${outcomes.length} checks pass.`
      : `${failed} of ${outcomes.length} checks fail.`
  }</p>${table(["threshold", "evaluated as", "point", "outcome", "why"], rows)}`;
}

/**
 * The widest bound on a thread's offset to the shared time base over the
 * document's runs: cross-thread stage stamps are exact to within it.
 */
function timeBaseLine(doc: ReportDocumentInput): string | undefined {
  let worst = -1;
  let who = "";
  for (const run of doc.runs) {
    const r = run.report;
    if (r === null) continue;
    const threads: { thread?: string; clockUncertaintyNs?: number }[] = [
      ...Object.values(r.contexts),
      ...(r.vcpus ?? []),
    ];
    for (const t of threads) {
      const u = t.clockUncertaintyNs;
      if (u !== undefined && u > worst) {
        worst = u;
        who = `${t.thread ?? "?"}, ${run.placement} rep ${run.repetition}`;
      }
    }
  }
  if (worst < 0) return undefined;
  return `each thread's offset to the shared clock known to within ${
    formatValue(worst, true)
  } at worst (${who}): stage stamps of different threads compare to within that`;
}

function manifestList(
  doc: ReportDocumentInput,
  a: AnalysedResult,
  cmd?: readonly string[],
): string {
  const m = doc.manifest;
  const items: [string, string][] = [];
  const add = (k: string, v: string | undefined | null) => {
    if (v !== undefined && v !== null && v !== "") items.push([k, v]);
  };
  add("scenario", m.scenario?.name);
  add("scenario file", m.scenario?.file);
  add("scenario sha256", m.scenario?.sha256);
  add(
    "host",
    [m.os, m.arch, m.cpu, m.cores === undefined ? undefined : `${m.cores} cores`]
      .filter((x) => x !== undefined).join(", "),
  );
  add(
    "versions",
    [
      m.aiolabVersion === undefined ? undefined : `aiolab ${m.aiolabVersion}`,
      m.gitCommit === undefined || m.gitCommit === null ? undefined : `commit ${m.gitCommit}`,
      m.deno === undefined ? undefined : `Deno ${m.deno}`,
      m.v8 === undefined ? undefined : `V8 ${m.v8}`,
      m.typescript === undefined ? undefined : `TypeScript ${m.typescript}`,
    ].filter((x) => x !== undefined).join(", "),
  );
  add("seed", m.seed === undefined ? undefined : String(m.seed));
  add(
    "clock resolution",
    m.clockResolutionNs === undefined ? undefined : formatValue(m.clockResolutionNs, true),
  );
  add("time base", timeBaseLine(doc));
  const nf = m.noiseFloor;
  add(
    "noise floor",
    nf === null
      ? "not measured (calibration skipped)"
      : `idle timer lateness p50 ${formatValue(nf.idleJitter.p50Ns, true)}, p99 ${
        formatValue(nf.idleJitter.p99Ns, true)
      }${
        nf.handoffRoundTrip === undefined
          ? ""
          : `; thread handoff round trip p50 ${formatValue(nf.handoffRoundTrip.p50Ns, true)}, p99 ${
            formatValue(nf.handoffRoundTrip.p99Ns, true)
          }`
      }`,
  );
  const line = cmd ?? m.commandLine;
  add("command line", line === undefined ? undefined : line.join(" "));
  add(
    "overrides",
    m.overrides === undefined || Object.keys(m.overrides).length === 0
      ? undefined
      : JSON.stringify(m.overrides),
  );
  add("started", m.startTime);
  add("ended", m.endTime);
  add(
    "status",
    [
      m.partial === true ? "partial" : undefined,
      m.interrupted === true ? "interrupted" : undefined,
      a.skippedRuns > 0 ? `${a.skippedRuns} run(s) without a report left out` : undefined,
    ].filter((x) => x !== undefined).join(", ") || "complete",
  );
  for (const w of m.warnings ?? []) add("warning", w);
  add(
    "charts drawn with",
    `vega ${ASSETS_STAMP.versions.vega}, vega-lite ${ASSETS_STAMP.versions["vega-lite"]}, ` +
      `vega-embed ${ASSETS_STAMP.versions["vega-embed"]} (inline)`,
  );
  const list = `<dl class="manifest">${
    items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")
  }</dl>`;
  const source = m.scenario?.text === undefined
    ? ""
    : `<details><summary>Scenario source${
      m.scenario.file === undefined ? "" : ` (${escapeHtml(m.scenario.file)})`
    }</summary><pre><code>${escapeHtml(m.scenario.text)}</code></pre></details>`;
  return list + source;
}

function chartSection(c: ChartSection, i: number): string {
  return `<section class="chart" id="chart-${i}"><h3>${escapeHtml(c.title)}</h3>` +
    `<p class="look-for">${escapeHtml(c.lookFor)}</p>` +
    `<div class="view" data-chart="${i}" role="img" aria-label="${escapeHtml(c.title)}"></div>` +
    `</section>`;
}

/**
 * Renders one or more result documents (several = compare view, the first
 * is the reference) as one self-contained HTML page: no request is made
 * when it is opened, and every string that came from a user is escaped.
 *
 * Within a document, each placement is compared with the first placement
 * of its point; in the compare view, every later document is also compared
 * with the first. Thresholds are the documents' own
 * (`manifest.scenario.thresholds`) followed by `options.thresholds`.
 *
 * @throws {ThresholdSyntaxError} (lib/analysis) when a threshold does not parse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderHtmlReport } from "./page.ts";
 * const html = renderHtmlReport([], { title: "<empty>" });
 * assert.match(html, /<title>&lt;empty&gt;<\/title>/);
 * assert.match(html, /<\/html>\s*$/);
 * ```
 */
export function renderHtmlReport(
  docs: readonly ReportDocumentInput[],
  options: HtmlReportOptions = {},
): string {
  const names = [...new Set(docs.map(scenarioName))];
  const title = options.title ??
    (docs.length === 0 ? "aiolab report" : `aiolab report: ${names.join(" vs ")}`);
  const analysed = docs.map(analyseResult);
  const seedOf = (d: ReportDocumentInput) => d.manifest.seed ?? 1;
  const charts = options.charts ?? reportCharts(docs);
  const compare = docs.length > 1;

  const descriptions = [
    ...new Set(
      docs.map((d) => d.manifest.scenario?.description)
        .filter((d): d is string => d !== undefined && d !== ""),
    ),
  ];
  if (descriptions.length === 0 && options.description !== undefined) {
    descriptions.push(options.description);
  }

  const summary: string[] = [];
  const thresholds: string[] = [];
  const manifests: string[] = [];
  const data: {
    comparisons: ComparisonRow[];
    thresholds: ThresholdOutcome[];
  } = { comparisons: [], thresholds: [] };

  if (compare) {
    const first = analysed[0];
    for (let i = 1; i < docs.length; i++) {
      const c = compareResults(first, analysed[i], {
        seed: seedOf(docs[i]),
        metrics: SUMMARY_METRICS,
      });
      data.comparisons.push(...c.rows);
      summary.push(
        `<h3>${escapeHtml(docLabel(docs[i], i))} against ${escapeHtml(docLabel(docs[0], 0))}</h3>`,
        `<p>${
          c.regressions.length === 0
            ? "No regression beyond the noise threshold."
            : `${c.regressions.length} regression(s) beyond the noise threshold.`
        }</p>`,
        comparisonTable(c.rows, first.points.length > 1),
        c.unmatched.length === 0
          ? ""
          : `<p class="note">Not compared: ${escapeHtml(c.unmatched.join("; "))}.</p>`,
      );
    }
  }
  docs.forEach((doc, i) => {
    const a = analysed[i];
    const head = compare ? `<h3>${escapeHtml(docLabel(doc, i))}</h3>` : "";
    const rows = placementRows(a, seedOf(doc));
    data.comparisons.push(...rows);
    summary.push(
      head,
      measuredTable(a),
      rows.length === 0
        ? ""
        : `<p>Each placement against ${
          a.points.length > 1
            ? "the first placement of its point"
            : `“${escapeHtml(Object.keys(a.points[0].placements)[0])}”`
        }: the ratio of the measured value to the reference, its ${
          Math.round((rows[0].confidence) * 100)
        }% bootstrap interval, and the verdict (a change inside the noise threshold, or an interval that includes it, is no significant difference).</p>`,
      comparisonTable(rows, a.points.length > 1),
    );
    const list = [...(doc.manifest.scenario?.thresholds ?? []), ...(options.thresholds ?? [])];
    const outcomes = evaluateThresholds(list, a, { seed: seedOf(doc) });
    data.thresholds.push(...outcomes);
    thresholds.push(head, thresholdTable(outcomes));
    manifests.push(head, manifestList(doc, a, options.commandLine));
  });

  const pageData = {
    charts: charts.map((c) => ({ id: c.id, title: c.title, spec: c.spec })),
    comparisons: data.comparisons,
    thresholds: data.thresholds,
  };
  const bundle = scriptText(ASSETS_BUNDLE);
  const body = [
    `<header><h1>${escapeHtml(title)}</h1>`,
    `<p class="subtitle">${
      docs.length === 0
        ? "No result documents."
        : compare
        ? `Compares ${docs.length} results; the first is the reference.`
        : escapeHtml(docLabel(docs[0], 0).replace(/^#1 \(reference\): /, ""))
    }</p>`,
    ...descriptions.map((d) => `<p class="description">${escapeHtml(d)}</p>`),
    `</header>`,
    docs.length === 0
      ? ""
      : `<section id="summary"><h2>Summary</h2>${summary.join("\n")}</section>`,
    charts.length === 0
      ? ""
      : `<section id="charts"><h2>Charts</h2>${charts.map(chartSection).join("\n")}</section>`,
    docs.length === 0
      ? ""
      : `<section id="thresholds"><h2>Thresholds</h2>${thresholds.join("\n")}</section>`,
    docs.length === 0
      ? ""
      : `<section id="manifest"><h2>Manifest</h2>${manifests.join("\n")}</section>`,
  ].join("\n");

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${
    escapeHtml(contentSecurityPolicy(ASSETS_STAMP.sha256Base64))
  }">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="aiolab">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head><body><main>
${body}
</main>
<script type="application/json" id="aiolab-data">${jsonForScript(pageData)}</script>
<script>${bundle}</script>
<script>${BOOT_SCRIPT}</script>
</body></html>
`;
}
