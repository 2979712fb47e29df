/**
 * A Markdown summary of result documents short enough for a pull-request
 * comment: per scenario and sweep point, one table row per placement and
 * device (IOPS, p50, p99, p99.9, jitter, and p99 as a ratio to the first
 * placement with its 95% bootstrap interval and verdict), the thresholds
 * with pass or fail, and a one-line manifest. Also the Markdown of a
 * comparison against a baseline (`aiolab compare`). Every string that came
 * from a user is escaped (GitHub renders HTML in comments). Pure: no Deno
 * APIs, no I/O; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markdownSummary } from "./markdown.ts";
 * assert.equal(markdownSummary([]), "_No result to summarise._\n");
 * ```
 *
 * @module
 */

import { analyseResult, type PointAnalysis } from "../analysis/analyse.ts";
import { comparePlacements, type ComparisonRow } from "../analysis/compare.ts";
import type { ResultInput } from "../analysis/input.ts";
import { metricInfo, type MetricName } from "../analysis/metrics.ts";
import { formatValue, type ThresholdOutcome } from "../analysis/threshold_eval.ts";

/** The manifest fields the Markdown summary shows, when the document has them (lib/result `Manifest` fits). */
export interface MarkdownManifest {
  /** The measured noise floor; `null` when calibration was skipped. */
  noiseFloor: ResultInput["manifest"]["noiseFloor"];
  /** aiolab's version. */
  aiolabVersion?: string;
  /** Git commit of the code, or null. */
  gitCommit?: string | null;
  /** Deno version. */
  deno?: string;
  /** Operating system. */
  os?: string;
  /** CPU architecture. */
  arch?: string;
  /** CPU model. */
  cpu?: string;
  /** Logical cores. */
  cores?: number;
  /** The seed. */
  seed?: number;
  /** When the invocation started, ISO 8601. */
  startTime?: string;
  /** Not every planned run completed. */
  partial?: boolean;
  /** The scenario. */
  scenario?: { name: string };
}

/** A result document as the Markdown summary reads it (lib/result `ResultDocument` fits). */
export type MarkdownResult = ResultInput & { manifest: MarkdownManifest };

/** Options of {@link markdownSummary}. */
export interface MarkdownOptions {
  /** Threshold outcomes to list (lib/analysis `evaluateThresholds`), in order. */
  thresholds?: readonly ThresholdOutcome[];
  /** The metric shown as a ratio to the first placement (default "p99"). */
  ratioMetric?: MetricName;
  /** Seed of the bootstrap intervals (default 1). */
  seed?: number;
  /** Bootstrap replicates (default 1000). */
  resamples?: number;
}

/**
 * Text made safe for Markdown and HTML inside a table cell: `&`, `<` and
 * `>` become entities, Markdown's punctuation is backslash-escaped, line
 * breaks become spaces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeMarkdown } from "./markdown.ts";
 * assert.equal(escapeMarkdown("<b>a|b_c</b>"), "&lt;b&gt;a\\|b\\_c&lt;/b&gt;");
 * ```
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/\s*[\r\n]+\s*/g, " ");
}

function code(text: string): string {
  // Inline code cannot escape; a backtick inside is replaced, and HTML is inert in code spans.
  return `\`${text.replace(/`/g, "'").replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|")}\``;
}

function fmt(metric: MetricName, v: number): string {
  if (!Number.isFinite(v)) return "–";
  const unit = metricInfo(metric).unit;
  if (unit === "share") return `${(v * 100).toFixed(1)}%`;
  if (unit === "1/s") return v >= 1e4 ? `${Number((v / 1e3).toPrecision(3))}k` : `${Math.round(v)}`;
  return formatValue(v, true);
}

function ratioText(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : "–";
}

/**
 * The ratio of a comparison row with its interval, as in the tables:
 * `0.12× [0.10, 0.14]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRatio } from "./markdown.ts";
 * assert.equal(formatRatio({ ratio: 0.1234, low: 0.1, high: 0.15 }), "0.123× [0.1, 0.15]");
 * ```
 */
export function formatRatio(row: Pick<ComparisonRow, "ratio" | "low" | "high">): string {
  return `${ratioText(row.ratio)}× [${ratioText(row.low)}, ${ratioText(row.high)}]`;
}

function verdictText(v: ComparisonRow["verdict"]): string {
  return v === "better" ? "**better**" : v === "worse" ? "**worse**" : "no significant difference";
}

function pointTable(
  point: PointAnalysis,
  noiseFloor: ResultInput["manifest"]["noiseFloor"],
  o: MarkdownOptions,
): string {
  const metric = o.ratioMetric ?? "p99";
  const names = Object.keys(point.placements);
  const first = names[0];
  const lines = [
    `| placement | device | IOPS | p50 | p99 | p99.9 | jitter | ${escapeMarkdown(metric)} vs ${
      escapeMarkdown(first)
    } (95% CI) | verdict |`,
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const name of names) {
    const pl = point.placements[name];
    const rows = name === first ? [] : comparePlacements(point, name, first, noiseFloor, {
      metrics: [metric],
      seed: o.seed,
      resamples: o.resamples,
    });
    for (const device of Object.keys(pl.devices).sort()) {
      const m = pl.devices[device].metrics;
      const row = rows.find((r) => r.device === device);
      const ratio = name === first
        ? "1 (reference)"
        : row === undefined
        ? "– (not in the reference)"
        : formatRatio(row);
      lines.push(
        `| ${escapeMarkdown(name)} | ${escapeMarkdown(device)} | ${fmt("iops", m.iops)} | ${
          fmt("p50", m.p50)
        } | ${fmt("p99", m.p99)} | ${fmt("p99.9", m["p99.9"])} | ${
          fmt("jitter", m.jitter)
        } | ${ratio} | ${row === undefined ? "" : verdictText(row.verdict)} |`,
      );
    }
  }
  return lines.join("\n");
}

/**
 * The one-line manifest: aiolab version and commit, Deno, host, seed,
 * repetitions, noise floor, start time, and whether the result is partial.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { manifestLine } from "./markdown.ts";
 * assert.equal(manifestLine({ noiseFloor: null, seed: 7 }), "seed 7 · no noise floor measured");
 * ```
 */
export function manifestLine(m: MarkdownResult["manifest"]): string {
  const parts: string[] = [];
  if (m.aiolabVersion !== undefined) {
    parts.push(
      `aiolab ${escapeMarkdown(m.aiolabVersion)}${
        m.gitCommit ? ` (${escapeMarkdown(m.gitCommit.slice(0, 7))})` : ""
      }`,
    );
  }
  if (m.deno !== undefined) parts.push(`Deno ${escapeMarkdown(m.deno)}`);
  if (m.os !== undefined) {
    parts.push(
      [m.os, m.arch].filter((s) => s !== undefined).map((s) => escapeMarkdown(String(s)))
        .join(" ") +
        (m.cpu !== undefined ? `, ${escapeMarkdown(m.cpu)}` : "") +
        (m.cores !== undefined ? `, ${m.cores} cores` : ""),
    );
  }
  if (m.seed !== undefined) parts.push(`seed ${m.seed}`);
  parts.push(
    m.noiseFloor === null
      ? "no noise floor measured"
      : `noise floor p50 ${formatValue(m.noiseFloor.idleJitter.p50Ns, true)}, p99 ${
        formatValue(m.noiseFloor.idleJitter.p99Ns, true)
      }`,
  );
  if (m.startTime !== undefined) parts.push(escapeMarkdown(m.startTime));
  if (m.partial) parts.push("**partial**");
  return parts.join(" · ");
}

/**
 * The Markdown list of threshold outcomes, one line each ("" for none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { thresholdsMarkdown } from "./markdown.ts";
 * const o = { threshold: "a.d.p99 < 1ms", expression: "a.d.p99 < 1 ms", point: "s", left: 2e6,
 *   right: 1e6, pass: false, why: "2 ms is not < 1 ms" };
 * assert.equal(thresholdsMarkdown([o]), "- ❌ **fail** `a.d.p99 < 1 ms`: 2 ms is not &lt; 1 ms");
 * ```
 */
export function thresholdsMarkdown(outcomes: readonly ThresholdOutcome[]): string {
  return outcomes.map((o) =>
    `- ${o.pass ? "✅ pass" : "❌ **fail**"} ${code(o.expression)}: ${escapeMarkdown(o.why)}`
  ).join("\n");
}

/**
 * The Markdown summary of one or more result documents (each after the
 * other), ending in a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markdownSummary } from "./markdown.ts";
 * const doc = { manifest: { noiseFloor: null }, runs: [], summary: [] };
 * assert.match(markdownSummary([doc]), /no completed run/);
 * ```
 */
export function markdownSummary(
  docs: readonly MarkdownResult[],
  options: MarkdownOptions = {},
): string {
  if (docs.length === 0) return "_No result to summarise._\n";
  const parts: string[] = [];
  for (const doc of docs) {
    const analysed = analyseResult(doc);
    const name = doc.manifest.scenario?.name ?? analysed.points[0]?.scenario ?? "result";
    const section: string[] = [`### aiolab: ${escapeMarkdown(name)}`];
    if (analysed.points.length === 0) section.push("_The result has no completed run._");
    for (const point of analysed.points) {
      const multi = analysed.points.length > 1 || point.key !== name;
      if (multi) section.push(`**${escapeMarkdown(point.key)}**`);
      section.push(pointTable(point, analysed.noiseFloor, options));
    }
    const reps = [
      ...new Set(
        analysed.points.flatMap((p) =>
          Object.values(p.placements).map((pl) => pl.repetitions.length)
        ),
      ),
    ].sort((a, b) => a - b);
    if (reps.length > 0) {
      section.push(
        `Latencies pooled over ${reps.join(" to ")} repetition${
          reps[reps.length - 1] === 1 ? "" : "s"
        } per placement; jitter = p99 − p50; a verdict needs the interval to exclude 1 and the ` +
          "change to pass the noise threshold." +
          (analysed.skippedRuns > 0
            ? ` ${analysed.skippedRuns} run${analysed.skippedRuns === 1 ? "" : "s"} failed or ` +
              "reported nothing and are left out."
            : ""),
      );
    }
    section.push(`<sub>${manifestLine(doc.manifest)}</sub>`);
    parts.push(section.join("\n\n"));
  }
  const thresholds = options.thresholds ?? [];
  if (thresholds.length > 0) {
    const failed = thresholds.filter((o) => !o.pass).length;
    parts.push(
      `**Thresholds:** ${thresholds.length - failed} of ${thresholds.length} pass\n\n` +
        thresholdsMarkdown(thresholds),
    );
  }
  return `${parts.join("\n\n")}\n`;
}

/** Options of {@link comparisonMarkdown}. */
export interface ComparisonMarkdownOptions {
  /** How the baseline is named in the heading (a file or baseline name). */
  baseline: string;
  /** How the current result is named. */
  current: string;
  /** Show only these metrics (default every metric of the rows). */
  metrics?: readonly MetricName[];
}

/**
 * The Markdown of a comparison against a baseline (`compareResults` rows):
 * a heading saying whether anything regressed, then one table row per
 * point, placement, device and metric with both values, the ratio and its
 * interval, the noise threshold and the verdict.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { comparisonMarkdown } from "./markdown.ts";
 * const text = comparisonMarkdown({ rows: [], regressions: [], unmatched: [] },
 *   { baseline: "main", current: "pr" });
 * assert.match(text, /^### aiolab compare: pr against main\n\nNo regression/);
 * ```
 */
export function comparisonMarkdown(
  comparison: {
    rows: readonly ComparisonRow[];
    regressions: readonly ComparisonRow[];
    unmatched: readonly string[];
  },
  options: ComparisonMarkdownOptions,
): string {
  const rows = comparison.rows.filter((r) =>
    options.metrics === undefined || options.metrics.includes(r.metric)
  );
  const bad = comparison.regressions.filter((r) =>
    options.metrics === undefined || options.metrics.includes(r.metric)
  );
  const out = [
    `### aiolab compare: ${escapeMarkdown(options.current)} against ${
      escapeMarkdown(options.baseline)
    }`,
    bad.length === 0
      ? "No regression beyond the noise threshold."
      : `❌ **${bad.length} regression${
        bad.length === 1 ? "" : "s"
      }** beyond the noise threshold: ${
        bad.map((r) => code(`${r.placement}.${r.device}.${r.metric}`)).join(", ")
      }.`,
  ];
  if (rows.length > 0) {
    const lines = [
      "| point | placement | device | metric | baseline | current | ratio (95% CI) | threshold | verdict |",
      "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ];
    for (const r of rows) {
      lines.push(
        `| ${escapeMarkdown(r.point)} | ${escapeMarkdown(r.placement)} | ${
          escapeMarkdown(r.device)
        } | ${r.metric} | ${fmt(r.metric, r.referenceValue)} | ${fmt(r.metric, r.value)} | ${
          formatRatio(r)
        } | ±${Number((r.threshold * 100).toPrecision(3))}% | ${verdictText(r.verdict)} |`,
      );
    }
    out.push(lines.join("\n"));
  }
  if (comparison.unmatched.length > 0) {
    out.push(`Not compared: ${comparison.unmatched.map((u) => escapeMarkdown(u)).join("; ")}.`);
  }
  return `${out.join("\n\n")}\n`;
}
