/**
 * Thresholds on the command line: `--threshold EXPR` (repeatable) and a
 * scenario's own `thresholds`, parsed before anything runs (a mistake is
 * exit 2 with the expression and a `^` under the offending column), then
 * evaluated against a result and printed one per line, pass or FAIL, with
 * the values compared. Orchestrator thread (pure apart from the caller's
 * printing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseThresholdFlags } from "./thresholds.ts";
 * assert.equal(parseThresholdFlags(["main.disk0.p99 < 2ms"], "--threshold")[0].op, "<");
 * assert.throws(() => parseThresholdFlags(["main.disk0.p99 < 2"], "--threshold"), /column 18/);
 * ```
 *
 * @module
 */

import { analyseResult } from "../analysis/analyse.ts";
import type { ResultInput } from "../analysis/input.ts";
import {
  evaluateThresholds,
  type ThresholdOptions,
  type ThresholdOutcome,
} from "../analysis/threshold_eval.ts";
import {
  parseThreshold,
  type Threshold,
  ThresholdSyntaxError,
} from "../analysis/threshold_parse.ts";
import { UsageError } from "./errors.ts";

/**
 * Parses every expression; the first that does not parse is a
 * {@link UsageError} (exit 2) that keeps the expression and its caret on
 * their own lines. `source` says where the expressions came from
 * (`--threshold`, or `scenarios/x.ts: thresholds`); each is numbered in
 * the message when there are several.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseThresholdFlags } from "./thresholds.ts";
 * assert.throws(
 *   () => parseThresholdFlags(["a.d.p99 < 1ms", "a.d.p98 < 1ms"], "s.ts: thresholds"),
 *   (e: Error) => e.message.startsWith('s.ts: thresholds[1] "a.d.p98 < 1ms": invalid threshold at column 5'),
 * );
 * ```
 */
export function parseThresholdFlags(texts: readonly string[], source: string): Threshold[] {
  return texts.map((text, i) => {
    try {
      return parseThreshold(text);
    } catch (e) {
      if (!(e instanceof ThresholdSyntaxError)) throw e;
      const where = source.startsWith("--") ? source : `${source}[${i}]`;
      throw new UsageError(`${where} ${JSON.stringify(text)}: ${e.message}`, { keepLines: true });
    }
  });
}

/**
 * Evaluates parsed thresholds against a result document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkThresholds, parseThresholdFlags } from "./thresholds.ts";
 * const doc = { manifest: { noiseFloor: null }, runs: [], summary: [] };
 * const [o] = checkThresholds(parseThresholdFlags(["a.d.p99 < 1ms"], "--threshold"), doc);
 * assert.equal(o.pass, false);
 * ```
 */
export function checkThresholds(
  thresholds: readonly Threshold[],
  doc: ResultInput,
  options: ThresholdOptions = {},
): ThresholdOutcome[] {
  if (thresholds.length === 0) return [];
  return evaluateThresholds(thresholds, analyseResult(doc), options);
}

/**
 * The outcomes as text, one line each after a heading:
 *
 * ```text
 * thresholds: 1 of 2 failed
 *   pass  default: iothread.disk0.p99 < 0.5 * main.disk0.p99: 250 us is < 1.07 ms
 *   FAIL  default: main.disk0.p99.9 < 1 us: 3.69 ms is not < 1 us
 * ```
 *
 * "" for no outcome.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { thresholdLines } from "./thresholds.ts";
 * const o = { threshold: "t", expression: "a.d.p99 < 1 ms", point: "s", left: 2e6, right: 1e6,
 *   pass: false, why: "2 ms is not < 1 ms" };
 * assert.equal(thresholdLines([o]), "thresholds: 1 of 1 failed\n  FAIL  s: a.d.p99 < 1 ms: 2 ms is not < 1 ms\n");
 * ```
 */
export function thresholdLines(outcomes: readonly ThresholdOutcome[]): string {
  if (outcomes.length === 0) return "";
  const failed = outcomes.filter((o) => !o.pass).length;
  const head = failed === 0
    ? `thresholds: all ${outcomes.length} pass`
    : `thresholds: ${failed} of ${outcomes.length} failed`;
  const lines = outcomes.map((o) =>
    `  ${o.pass ? "pass" : "FAIL"}  ${
      o.point === "" ? "" : `${o.point}: `
    }${o.expression}: ${o.why}`
  );
  return `${head}\n${lines.join("\n")}\n`;
}
