import assert from "node:assert/strict";
import { parseThreshold, ThresholdSyntaxError } from "./threshold_parse.ts";

Deno.test("parseThreshold: the issue's three forms", () => {
  assert.deepEqual(parseThreshold("iothread.disk0.p99 < 0.5 * main.disk0.p99"), {
    text: "iothread.disk0.p99 < 0.5 * main.disk0.p99",
    left: {
      kind: "ref",
      factor: 1,
      ref: { kind: "metric", placement: "iothread", device: "disk0", metric: "p99" },
    },
    op: "<",
    right: {
      kind: "ref",
      factor: 0.5,
      ref: { kind: "metric", placement: "main", device: "disk0", metric: "p99" },
    },
    confidence: null,
  });
  const star = parseThreshold("*.disk0.p99.9 < 2ms");
  assert.deepEqual(star.left, {
    kind: "ref",
    factor: 1,
    ref: { kind: "metric", placement: "*", device: "disk0", metric: "p99.9" },
  });
  assert.deepEqual(star.right, { kind: "constant", value: 2e6, time: true });
  const ratio = parseThreshold("ratio(iothread/main).p99 < 1 with 95%");
  assert.deepEqual(ratio.left, {
    kind: "ref",
    factor: 1,
    ref: { kind: "ratio", numerator: "iothread", denominator: "main", device: "*", metric: "p99" },
  });
  assert.equal(ratio.confidence, 0.95);
});

Deno.test("parseThreshold: units, factors on either side, names with dashes, every metric", () => {
  const t = parseThreshold("main-loop.disk_0.p99 * 2 >= 1.5us");
  assert.deepEqual(t.left, {
    kind: "ref",
    factor: 2,
    ref: { kind: "metric", placement: "main-loop", device: "disk_0", metric: "p99" },
  });
  assert.equal(t.op, ">=");
  assert.deepEqual(t.right, { kind: "constant", value: 1500, time: true });
  for (const [u, ns] of [["ns", 1], ["us", 1e3], ["µs", 1e3], ["ms", 1e6], ["s", 1e9]] as const) {
    assert.deepEqual(parseThreshold(`a.b.max <= 3${u}`).right, {
      kind: "constant",
      value: 3 * ns,
      time: true,
    });
  }
  assert.equal(parseThreshold("a.b.p50 > 0.5 * 2ms").right.kind, "constant");
  for (
    const m of ["p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", "jitter"]
  ) assert.equal(parseThreshold(`*.*.${m} < 1s`).left.kind, "ref");
  assert.deepEqual(parseThreshold("main.disk0.iops > 1e4").right, {
    kind: "constant",
    value: 1e4,
    time: false,
  });
  assert.deepEqual(parseThreshold("*.*.bqlWaitShare<0.2").left, {
    kind: "ref",
    factor: 1,
    ref: { kind: "metric", placement: "*", device: "*", metric: "bqlWaitShare" },
  });
  assert.deepEqual(parseThreshold("1 > ratio(a/b).disk1.p99.99 with 90%").right, {
    kind: "ref",
    factor: 1,
    ref: { kind: "ratio", numerator: "a", denominator: "b", device: "disk1", metric: "p99.99" },
  });
  assert.equal(parseThreshold("ratio(a/b).iops > 1").confidence, null);
});

/** [expression, the marker line under it, the reason]: each error's exact text. */
const INVALID: [string, string, string][] = [
  [
    "iothread.disk0.p98 < 1ms",
    "               ^",
    'unknown metric "p98"; expected one of p50, p90, p99, p99.9, p99.99, max, mean, iops, jitter, bqlWaitShare',
  ],
  [
    "main.disk0.p99 < 2",
    "                 ^",
    "p99 is a time, but 2 has no unit; write it as 2ns, 2us, 2ms or 2s",
  ],
  [
    "main.disk0.p99 < 2xs",
    "                  ^",
    'unknown unit "xs"; expected ns, us, ms or s',
  ],
  [
    "main.disk0.p99 == 2ms",
    "               ^",
    '"==" is not a comparison; use <, <=, > or >=',
  ],
  [
    "main.disk0.p99 2ms",
    "               ^",
    "expected a comparison <, <=, > or >=, found a number",
  ],
  [
    "main.disk0.p99 <",
    "                ^",
    "expected a number, a time, placement.device.metric or ratio(a/b).metric, found the end",
  ],
  [
    "main.disk0 < 2ms",
    "     ^",
    'expected placement.device.metric, found "main.disk0"',
  ],
  [
    "main.disk0.iops < 2ms",
    "                  ^",
    '"2ms" is a time, but iops is not; compare it with a number without a unit',
  ],
  [
    "main.disk0.p99 < main.disk0.iops",
    "                 ^",
    "a time is compared with iops, which is not a time",
  ],
  [
    "main.disk0.p99 < 1ms with 95%",
    "                     ^",
    '"with" sets the confidence of a ratio(a/b) interval, but this threshold has no ratio',
  ],
  [
    "ratio(iothread/main).p99 < 1 with 95",
    "                                  ^",
    'expected a confidence level such as 95% after "with", found a number',
  ],
  [
    "ratio(iothread/main).p99 < 1 with 100%",
    "                                  ^",
    "a confidence level must be at least 50% and below 100%, found 100%",
  ],
  [
    "ratio(iothread main).p99 < 1",
    "               ^",
    'expected "/" between the two placements, found "main"',
  ],
  [
    "ratio(iothread/*).p99 < 1",
    "               ^",
    'expected the second placement name, found "*"',
  ],
  [
    "ratio(iothread/main) < 1",
    "                     ^",
    'expected ".metric" or ".device.metric" after ratio(...), found "<"',
  ],
  [
    "ratio(iothread/main).disk0.p42 < 1",
    "                           ^",
    'unknown metric "p42"; expected one of p50, p90, p99, p99.9, p99.99, max, mean, iops, jitter, bqlWaitShare',
  ],
  [
    "main.disk0.p99 * main.disk0.p50 < 1ms",
    "                 ^",
    "expected a number to multiply the reference by, found a second reference",
  ],
  [
    "main.disk0.p99 < 2ms * main.disk0.p50",
    "                       ^",
    "a time times a time is not a time",
  ],
  [
    "main.disk0.p99 < 1ms 2ms",
    "                     ^",
    'expected the end of the threshold or "with", found a number',
  ],
  [
    "main.disk0.p99 < 1ms # x",
    "                     ^",
    'unexpected character "#"',
  ],
  [
    "main..p99 < 1ms",
    "     ^",
    'expected a name after ".", found "."',
  ],
  [
    "3main.disk0.p99 < 1ms",
    " ^",
    'unknown unit "main"; expected ns, us, ms or s',
  ],
  [
    "main.disk0.p99 < 50%",
    "                 ^",
    "expected a number or a time, found a percentage",
  ],
  [
    "",
    "^",
    "expected a number, a time, placement.device.metric or ratio(a/b).metric, found the end",
  ],
];

Deno.test("parseThreshold: every mistake is pinned to its text and column", () => {
  for (const [expression, marker, reason] of INVALID) {
    const column = marker.indexOf("^") + 1;
    assert.throws(
      () => parseThreshold(expression),
      (e: unknown) => {
        assert.ok(e instanceof ThresholdSyntaxError, expression);
        assert.equal(
          e.message,
          `invalid threshold at column ${column}: ${reason}\n  ${expression}\n  ${marker}`,
        );
        assert.deepEqual([e.expression, e.column, e.reason], [expression, column, reason]);
        return true;
      },
      expression,
    );
  }
});
