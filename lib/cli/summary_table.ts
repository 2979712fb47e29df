/**
 * The table printed at the end of `aiolab run`: for each scenario (and each
 * sweep point), one line per placement and device with IOPS, p50, p99,
 * p99.9, max, jitter (p99 - p50) and BQL wait share, each the median over
 * the repetitions, and the placement's IOPS and p99 as a ratio to the first
 * placement's. Pure: built from a result document's `summary` rows; any
 * thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryTable } from "./summary_table.ts";
 * const row = {
 *   scenario: "s", placement: "main", sweep: {}, repetition: 0, device: "disk0",
 *   iops: 1000, p50Ns: 50e3, p99Ns: 90e3, p999Ns: 1e5, maxNs: 2e5, jitterNs: 40e3, bqlWaitShare: 0.1,
 * };
 * const text = summaryTable([row, { ...row, placement: "iothread", p99Ns: 45e3 }]);
 * assert.match(text, /iothread .* 0\.50x/);
 * ```
 *
 * @module
 */

import Table from "cli-table3";
import { median } from "../analysis/statistics.ts";
import { labelText } from "../scenario/expand.ts";

/** The fields of a result's summary row that the table reads. */
export interface SummaryTableRow {
  /** Scenario name. */
  scenario: string;
  /** Placement name. */
  placement: string;
  /** Swept values of the run. */
  sweep: Record<string, number>;
  /** Repetition index. */
  repetition: number;
  /** Device id. */
  device: string;
  /** Completions per second. */
  iops: number;
  /** Latency p50, ns. */
  p50Ns: number;
  /** Latency p99, ns. */
  p99Ns: number;
  /** Latency p99.9, ns. */
  p999Ns: number;
  /** Latency max, ns. */
  maxNs: number;
  /** p99 - p50, ns. */
  jitterNs: number;
  /** BQL wait share, 0..1. */
  bqlWaitShare: number;
}

/** One placement and device of a {@link SummaryGroup}, medians over its repetitions. */
export interface SummaryLine {
  /** Placement. */
  placement: string;
  /** Device. */
  device: string;
  /** Repetitions aggregated. */
  repetitions: number;
  /** Median IOPS. */
  iops: number;
  /** Median p50, ns. */
  p50Ns: number;
  /** Median p99, ns. */
  p99Ns: number;
  /** Median p99.9, ns. */
  p999Ns: number;
  /** Median max, ns. */
  maxNs: number;
  /** Median jitter, ns. */
  jitterNs: number;
  /** Median BQL wait share. */
  bqlWaitShare: number;
  /** IOPS / the first placement's IOPS for this device (NaN when that is 0 or missing). */
  iopsRatio: number;
  /** p99 / the first placement's p99 for this device (NaN when that is 0 or missing). */
  p99Ratio: number;
}

/** The lines of one scenario at one sweep point. */
export interface SummaryGroup {
  /** Scenario. */
  scenario: string;
  /** Sweep label (`{}` without sweeps). */
  sweep: Record<string, number>;
  /** The first placement, the ratios' base. */
  basePlacement: string;
  /** Lines in placement order (as first met), then device order. */
  lines: SummaryLine[];
}

// The median of the table is lib/analysis's; re-exported, as the cli API has offered it.
export { median };

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * Groups summary rows by scenario and sweep point, then by placement and
 * device, taking the median of every figure over the repetitions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aggregateSummary } from "./summary_table.ts";
 * const r = { scenario: "s", placement: "a", sweep: {}, repetition: 0, device: "d", iops: 1,
 *   p50Ns: 1, p99Ns: 1, p999Ns: 1, maxNs: 1, jitterNs: 0, bqlWaitShare: 0 };
 * const groups = aggregateSummary([r, { ...r, repetition: 1, iops: 3 }, { ...r, repetition: 2, iops: 2 }]);
 * assert.equal(groups[0].lines[0].iops, 2);
 * assert.equal(groups[0].lines[0].repetitions, 3);
 * ```
 */
export function aggregateSummary(rows: readonly SummaryTableRow[]): SummaryGroup[] {
  const groups = new Map<string, SummaryTableRow[]>();
  for (const r of rows) pushTo(groups, JSON.stringify([r.scenario, labelText(r.sweep)]), r);
  const out: SummaryGroup[] = [];
  for (const members of groups.values()) {
    const byLine = new Map<string, SummaryTableRow[]>();
    for (const r of members) pushTo(byLine, JSON.stringify([r.placement, r.device]), r);
    const lines: SummaryLine[] = [];
    for (const rs of byLine.values()) {
      const m = (f: (r: SummaryTableRow) => number) => median(rs.map(f));
      lines.push({
        placement: rs[0].placement,
        device: rs[0].device,
        repetitions: rs.length,
        iops: m((r) => r.iops),
        p50Ns: m((r) => r.p50Ns),
        p99Ns: m((r) => r.p99Ns),
        p999Ns: m((r) => r.p999Ns),
        maxNs: m((r) => r.maxNs),
        jitterNs: m((r) => r.jitterNs),
        bqlWaitShare: m((r) => r.bqlWaitShare),
        iopsRatio: NaN,
        p99Ratio: NaN,
      });
    }
    const basePlacement = lines[0].placement;
    for (const l of lines) {
      const base = lines.find((b) => b.placement === basePlacement && b.device === l.device);
      if (base === undefined) continue;
      l.iopsRatio = base.iops > 0 ? l.iops / base.iops : NaN;
      l.p99Ratio = base.p99Ns > 0 ? l.p99Ns / base.p99Ns : NaN;
    }
    out.push({ scenario: members[0].scenario, sweep: members[0].sweep, basePlacement, lines });
  }
  return out;
}

function sig3(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/**
 * A latency for people: `850ns`, `51.2us`, `1.95ms`, `1.20s`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatNs } from "./summary_table.ts";
 * assert.equal(formatNs(51234), "51.2us");
 * assert.equal(formatNs(1950000), "1.95ms");
 * ```
 */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return "-";
  if (ns < 1e3) return `${Math.round(ns)}ns`;
  if (ns < 1e6) return `${sig3(ns / 1e3)}us`;
  if (ns < 1e9) return `${sig3(ns / 1e6)}ms`;
  return `${sig3(ns / 1e9)}s`;
}

/**
 * A rate for people: `950`, `19.5k`, `1.23M`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCount } from "./summary_table.ts";
 * assert.equal(formatCount(19520), "19.5k");
 * ```
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return "-";
  if (n < 1e4) return `${Math.round(n)}`;
  if (n < 1e6) return `${sig3(n / 1e3)}k`;
  return `${sig3(n / 1e6)}M`;
}

function ratio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : "-";
}

/**
 * The summary tables of a result's rows as text (no colours), one per
 * scenario and sweep point, each with a line saying how the repetitions
 * were aggregated. "" for no rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryTable } from "./summary_table.ts";
 * assert.equal(summaryTable([]), "");
 * ```
 */
export function summaryTable(rows: readonly SummaryTableRow[]): string {
  const parts: string[] = [];
  for (const g of aggregateSummary(rows)) {
    const label = labelText(g.sweep);
    const multiDevice = new Set(g.lines.map((l) => l.device)).size > 1;
    const reps = [...new Set(g.lines.map((l) => l.repetitions))].sort((a, b) => a - b);
    const table = new Table({
      head: [
        "placement",
        ...(multiDevice ? ["device"] : []),
        "IOPS",
        "p50",
        "p99",
        "p99.9",
        "max",
        "jitter",
        "BQL wait",
        `IOPS vs ${g.basePlacement}`,
        `p99 vs ${g.basePlacement}`,
      ],
      style: { head: [], border: [] },
      chars: { "mid": "", "left-mid": "", "mid-mid": "", "right-mid": "" },
      colAligns: [
        "left",
        ...(multiDevice ? ["left" as const] : []),
        ...Array<"right">(9).fill("right"),
      ],
    });
    for (const l of g.lines) {
      table.push([
        l.placement,
        ...(multiDevice ? [l.device] : []),
        formatCount(l.iops),
        formatNs(l.p50Ns),
        formatNs(l.p99Ns),
        formatNs(l.p999Ns),
        formatNs(l.maxNs),
        formatNs(l.jitterNs),
        `${(l.bqlWaitShare * 100).toFixed(1)}%`,
        ratio(l.iopsRatio),
        ratio(l.p99Ratio),
      ]);
    }
    const repText = reps.length === 1
      ? `${reps[0]} repetition${reps[0] === 1 ? "" : "s"}`
      : `${reps[0]} to ${reps[reps.length - 1]} repetitions`;
    parts.push(
      `${g.scenario}${label ? ` (${label})` : ""}: median of ${repText} per placement` +
        (g.lines.some((l) => l.device !== g.lines[0].device) ? " and device" : "") +
        `; jitter = p99 - p50; ratios against ${g.basePlacement}\n${table.toString()}`,
    );
  }
  return parts.join("\n\n");
}
