/**
 * The threshold grammar: a tokenizer and a recursive-descent parser for
 * expressions such as `iothread.disk0.p99 < 0.5 * main.disk0.p99`,
 * `*.disk0.p99.9 < 2ms` and `ratio(iothread/main).p99 < 1 with 95%`. A
 * mistake is a {@link ThresholdSyntaxError} that names what was expected
 * and what was found, with the expression and a `^` under the offending
 * column. Pure; any thread.
 *
 * ```text
 * threshold  := side compare side [ "with" number "%" ]
 * compare    := "<" | "<=" | ">" | ">="
 * side       := atom [ "*" atom ]                 at most one reference per side
 * atom       := number [ unit ] | reference
 * reference  := target "." device "." metric
 *             | "ratio" "(" placement "/" placement ")" [ "." device ] "." metric
 * target     := placement | "*"                   "*": every placement
 * device     := name | "*"                        "*": every device (the default of a ratio)
 * unit       := "ns" | "us" | "µs" | "ms" | "s"
 * metric     := p50 | p90 | p99 | p99.9 | p99.99 | max | mean | iops | jitter | bqlWaitShare
 * name       := letter or "_", then letters, digits, "_" or "-"
 * ```
 *
 * Latency metrics (percentiles, max, mean, jitter) are times: the number
 * they are compared with needs a unit. iops, bqlWaitShare and ratios have
 * none. `with C%` compares the end of the ratio's C% bootstrap interval
 * that must clear the bound (the upper end for `<`), not its point estimate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseThreshold } from "./threshold_parse.ts";
 * const t = parseThreshold("*.disk0.p99.9 < 2ms");
 * assert.deepEqual(t.left, { kind: "ref", factor: 1, ref: { kind: "metric", placement: "*", device: "disk0", metric: "p99.9" } });
 * assert.deepEqual(t.right, { kind: "constant", value: 2_000_000, time: true });
 * assert.throws(() => parseThreshold("main.disk0.p98 < 1ms"), /unknown metric "p98"/);
 * ```
 *
 * @module
 */

import { isMetricName, metricInfo, type MetricName, METRICS } from "./metrics.ts";

/** A mistake in a threshold expression, pinned to a column. */
export class ThresholdSyntaxError extends Error {
  /** The expression as given. */
  readonly expression: string;
  /** 1-based column of the offending character (length + 1: the end). */
  readonly column: number;
  /** What was expected and what was found. */
  readonly reason: string;

  /** An error at `column` (1-based) of `expression`. */
  constructor(expression: string, column: number, reason: string) {
    super(
      `invalid threshold at column ${column}: ${reason}\n  ${expression}\n  ${
        " ".repeat(column - 1)
      }^`,
    );
    this.name = "ThresholdSyntaxError";
    this.expression = expression;
    this.column = column;
    this.reason = reason;
  }
}

/** A comparison operator. */
export type Comparison = "<" | "<=" | ">" | ">=";

/** A reference to a metric of a placement's device, or to a ratio between two placements. */
export type Reference =
  | { kind: "metric"; placement: string; device: string; metric: MetricName }
  | { kind: "ratio"; numerator: string; denominator: string; device: string; metric: MetricName };

/** One side of a comparison: a constant (ns when `time`), or `factor` times a reference. */
export type Side =
  | { kind: "constant"; value: number; time: boolean }
  | { kind: "ref"; factor: number; ref: Reference };

/** A parsed threshold. */
export interface Threshold {
  /** The expression as given. */
  text: string;
  /** Left side. */
  left: Side;
  /** The comparison. */
  op: Comparison;
  /** Right side. */
  right: Side;
  /** `with C%`: the confidence level (0..1) of the ratio's interval; `null` without. */
  confidence: number | null;
}

type Token =
  | { kind: "number"; col: number; end: number; value: number; unit: string | null }
  | {
    kind: "path";
    col: number;
    end: number;
    lead: boolean;
    segments: { text: string; col: number }[];
  }
  | { kind: "op"; col: number; end: number; text: string }
  | { kind: "end"; col: number; end: number };

const UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 };
const SEGMENT = /[A-Za-z0-9_-]/;

function describe(t: Token): string {
  switch (t.kind) {
    case "end":
      return "the end";
    case "number":
      return "a number";
    case "op":
      return `"${t.text}"`;
    case "path":
      return `"${t.lead ? "." : ""}${t.segments.map((s) => s.text).join(".")}"`;
  }
}

function tokenize(text: string): Token[] {
  const fail = (i: number, reason: string): never => {
    throw new ThresholdSyntaxError(text, i + 1, reason);
  };
  const tokens: Token[] = [];
  let i = 0;
  const readPath = (start: number, lead: boolean): void => {
    const segments: { text: string; col: number }[] = [];
    let j = lead ? start + 1 : start;
    for (;;) {
      const from = j;
      if (text[j] === "*") j++;
      else while (j < text.length && SEGMENT.test(text[j])) j++;
      if (j === from) {
        fail(j, `expected a name after ".", found ${j < text.length ? `"${text[j]}"` : "the end"}`);
      }
      segments.push({ text: text.slice(from, j), col: from + 1 });
      if (text[j] !== ".") break;
      j++;
    }
    tokens.push({ kind: "path", col: start + 1, end: j + 1, lead, segments });
    i = j;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t") {
      i++;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      let j = i + m[0].length;
      const u = /^(µs|[A-Za-z%]+)/.exec(text.slice(j));
      let unit: string | null = null;
      if (u !== null) {
        if (u[0] !== "%" && UNITS[u[0]] === undefined) {
          fail(j, `unknown unit "${u[0]}"; expected ns, us, ms or s`);
        }
        unit = u[0];
        j += u[0].length;
      }
      tokens.push({ kind: "number", col: i + 1, end: j + 1, value: Number(m[0]), unit });
      i = j;
    } else if (/[A-Za-z_]/.test(c) || (c === "*" && text[i + 1] === ".")) {
      readPath(i, false);
    } else if (c === "." && /[A-Za-z_*]/.test(text[i + 1] ?? "")) {
      readPath(i, true);
    } else if (c === "<" || c === ">") {
      const op = text[i + 1] === "=" ? c + "=" : c;
      tokens.push({ kind: "op", col: i + 1, end: i + op.length + 1, text: op });
      i += op.length;
    } else if (c === "=" || c === "!") {
      fail(i, `"${c}${text[i + 1] === "=" ? "=" : ""}" is not a comparison; use <, <=, > or >=`);
    } else if ("*()/".includes(c)) {
      tokens.push({ kind: "op", col: i + 1, end: i + 2, text: c });
      i++;
    } else {
      fail(i, `unexpected character "${c}"`);
    }
  }
  tokens.push({ kind: "end", col: text.length + 1, end: text.length + 1 });
  return tokens;
}

/**
 * Parses one threshold expression.
 *
 * @throws {ThresholdSyntaxError} naming what was expected and what was
 * found, with a `^` under the offending column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseThreshold } from "./threshold_parse.ts";
 * const t = parseThreshold("ratio(iothread/main).p99 < 1 with 95%");
 * assert.equal(t.confidence, 0.95);
 * assert.deepEqual(t.left, {
 *   kind: "ref",
 *   factor: 1,
 *   ref: { kind: "ratio", numerator: "iothread", denominator: "main", device: "*", metric: "p99" },
 * });
 * assert.throws(() => parseThreshold("main.disk0.p99 < 2"), (e: Error) =>
 *   e.message === 'invalid threshold at column 18: p99 is a time, but 2 has no unit; ' +
 *     "write it as 2ns, 2us, 2ms or 2s\n  main.disk0.p99 < 2\n                   ^");
 * ```
 */
export function parseThreshold(text: string): Threshold {
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): Token => tokens[at];
  const fail = (col: number, reason: string): never => {
    throw new ThresholdSyntaxError(text, col, reason);
  };
  const expectOp = (op: string, what: string): Token => {
    const t = peek();
    if (t.kind !== "op" || t.text !== op) fail(t.col, `expected ${what}, found ${describe(t)}`);
    at++;
    return t;
  };
  const metricOf = (segs: { text: string; col: number }[]): MetricName => {
    const name = segs.map((s) => s.text).join(".");
    if (!isMetricName(name)) {
      fail(segs[0].col, `unknown metric "${name}"; expected one of ${METRICS.join(", ")}`);
    }
    return name as MetricName;
  };
  const name = (s: { text: string; col: number }, what: string, star: boolean): string => {
    if (s.text === "*" ? !star : !/^[A-Za-z_]/.test(s.text)) {
      fail(s.col, `expected ${what}, found "${s.text}"`);
    }
    return s.text;
  };

  type Atom = { side: Side; col: number; time: boolean; metric: string | null };
  const atom = (): Atom => {
    const t = peek();
    if (t.kind === "number") {
      at++;
      if (t.unit === "%") fail(t.col, `expected a number or a time, found a percentage`);
      const scale = t.unit === null ? 1 : UNITS[t.unit];
      return {
        side: { kind: "constant", value: t.value * scale, time: t.unit !== null },
        col: t.col,
        time: t.unit !== null,
        metric: null,
      };
    }
    if (t.kind === "path" && !t.lead) {
      at++;
      const segs = t.segments;
      if (segs.length === 1 && segs[0].text === "ratio") return ratio(t.col);
      if (segs.length < 3) {
        fail(
          segs.length === 1 ? t.end : segs[segs.length - 1].col,
          `expected placement.device.metric, found "${segs.map((s) => s.text).join(".")}"`,
        );
      }
      const placement = name(segs[0], "a placement name or *", true);
      const device = name(segs[1], "a device name or *", true);
      const metric = metricOf(segs.slice(2));
      return {
        side: { kind: "ref", factor: 1, ref: { kind: "metric", placement, device, metric } },
        col: t.col,
        time: metricInfo(metric).unit === "ns",
        metric,
      };
    }
    return fail(
      t.col,
      `expected a number, a time, placement.device.metric or ratio(a/b).metric, found ${
        describe(t)
      }`,
    );
  };
  const ratio = (col: number): Atom => {
    expectOp("(", `"(" after ratio`);
    const placement = (what: string): string => {
      const t = peek();
      if (t.kind !== "path" || t.lead || t.segments.length !== 1 || t.segments[0].text === "*") {
        fail(t.col, `expected ${what} placement name, found ${describe(t)}`);
      }
      at++;
      return (t as { segments: { text: string }[] }).segments[0].text;
    };
    const numerator = placement("the first");
    expectOp("/", `"/" between the two placements`);
    const denominator = placement("the second");
    expectOp(")", `")" after the second placement`);
    const t = peek();
    if (t.kind !== "path" || !t.lead) {
      return fail(
        t.col,
        `expected ".metric" or ".device.metric" after ratio(...), found ${describe(t)}`,
      );
    }
    at++;
    const segs = t.segments;
    let device = "*";
    let metricSegs = segs;
    if (!isMetricName(segs.map((s) => s.text).join(".")) && segs.length > 1) {
      device = name(segs[0], "a device name or *", true);
      metricSegs = segs.slice(1);
    }
    const metric = metricOf(metricSegs);
    return {
      side: {
        kind: "ref",
        factor: 1,
        ref: { kind: "ratio", numerator, denominator, device, metric },
      },
      col,
      time: false,
      metric: null,
    };
  };
  const side = (): Atom => {
    const a = atom();
    const t = peek();
    if (t.kind !== "op" || t.text !== "*") return a;
    at++;
    const b = atom();
    if (a.side.kind === "ref" && b.side.kind === "ref") {
      fail(b.col, "expected a number to multiply the reference by, found a second reference");
    }
    if (a.time && b.time) fail(b.col, "a time times a time is not a time");
    if (a.side.kind === "constant" && b.side.kind === "constant") {
      return {
        side: { kind: "constant", value: a.side.value * b.side.value, time: a.time || b.time },
        col: a.col,
        time: a.time || b.time,
        metric: null,
      };
    }
    const [k, r] = a.side.kind === "constant" ? [a, b] : [b, a];
    if (k.time) fail(k.col, `expected a number without a unit to multiply the reference by`);
    const ref = r.side as Extract<Side, { kind: "ref" }>;
    return {
      side: { kind: "ref", factor: (k.side as { value: number }).value, ref: ref.ref },
      col: a.col,
      time: r.time,
      metric: r.metric,
    };
  };

  const left = side();
  const opToken = peek();
  if (opToken.kind !== "op" || !["<", "<=", ">", ">="].includes(opToken.text)) {
    fail(opToken.col, `expected a comparison <, <=, > or >=, found ${describe(opToken)}`);
  }
  at++;
  const op = (opToken as { text: string }).text as Comparison;
  const right = side();
  for (const [ref, other] of [[left, right], [right, left]]) {
    if (ref.metric !== null && ref.time && !other.time && other.side.kind === "constant") {
      const t = tokens.find((x) => x.col === other.col) as { value: number };
      fail(
        other.col,
        `${ref.metric} is a time, but ${t.value} has no unit; write it as ${t.value}ns, ` +
          `${t.value}us, ${t.value}ms or ${t.value}s`,
      );
    }
  }
  if (left.time !== right.time) {
    const [timed, plain] = left.time ? [left, right] : [right, left];
    const what = plain.metric ?? (plain.side.kind === "ref" ? "a ratio" : "a number");
    if (timed.side.kind === "constant") {
      const t = tokens.find((x) => x.col === timed.col)!;
      fail(
        timed.col,
        `"${text.slice(t.col - 1, t.end - 1)}" is a time, but ${what} is not; ` +
          "compare it with a number without a unit",
      );
    }
    fail(plain.col, `a time is compared with ${what}, which is not a time`);
  }
  let confidence: number | null = null;
  const w = peek();
  if (w.kind === "path" && !w.lead && w.segments.length === 1 && w.segments[0].text === "with") {
    at++;
    const ratios = [left, right].filter((s) =>
      s.side.kind === "ref" && s.side.ref.kind === "ratio"
    );
    if (ratios.length !== 1) {
      fail(
        w.col,
        ratios.length === 0
          ? `"with" sets the confidence of a ratio(a/b) interval, but this threshold has no ratio`
          : `"with" needs one ratio(a/b) to bound, found two`,
      );
    }
    const c = peek();
    if (c.kind !== "number" || c.unit !== "%") {
      fail(c.col, `expected a confidence level such as 95% after "with", found ${describe(c)}`);
    }
    const level = (c as { value: number }).value;
    if (!(level >= 50 && level < 100)) {
      fail(c.col, `a confidence level must be at least 50% and below 100%, found ${level}%`);
    }
    confidence = level / 100;
    at++;
  }
  const rest = peek();
  if (rest.kind !== "end") {
    fail(
      rest.col,
      `expected the end of the threshold${confidence === null ? ' or "with"' : ""}, found ${
        describe(rest)
      }`,
    );
  }
  return { text, left: left.side, op, right: right.side, confidence };
}
