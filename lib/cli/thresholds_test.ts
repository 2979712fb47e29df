import assert from "node:assert/strict";
import { UsageError } from "./errors.ts";
import { checkThresholds, parseThresholdFlags, thresholdLines } from "./thresholds.ts";

const FIXTURE = new URL("../report/testdata/default_result.json", import.meta.url);

Deno.test("parseThresholdFlags: each mistake is a usage error that keeps the caret", () => {
  assert.equal(parseThresholdFlags([], "--threshold").length, 0);
  const [a, b] = parseThresholdFlags([
    "*.disk0.p99.9 < 2ms",
    "ratio(iothread/main).p99 < 1 with 95%",
  ], "--threshold");
  assert.equal(a.right.kind, "constant");
  assert.equal(b.confidence, 0.95);
  assert.throws(
    () => parseThresholdFlags(["main.disk0.p99 <= 1ms", "main.disk0.p99 == 1ms"], "--threshold"),
    (e: unknown) =>
      e instanceof UsageError && e.keepLines &&
      e.message ===
        '--threshold "main.disk0.p99 == 1ms": invalid threshold at column 16: "==" is ' +
          "not a comparison; use <, <=, > or >=\n  main.disk0.p99 == 1ms\n                 ^",
  );
  assert.throws(
    () => parseThresholdFlags(["a.d.p99 < 1ms", "a.d.p99 <"], "scenarios/x.ts: thresholds"),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message.startsWith(
        'scenarios/x.ts: thresholds[1] "a.d.p99 <": invalid threshold at column 10: ',
      ),
  );
});

Deno.test("checkThresholds and thresholdLines: the real result, one line per outcome", async () => {
  const doc = JSON.parse(await Deno.readTextFile(FIXTURE));
  const ts = parseThresholdFlags([
    "iothread.disk0.p99 < 0.75 * main.disk0.p99",
    "*.disk0.p99.9 < 3.5ms",
  ], "--threshold");
  const outcomes = checkThresholds(ts, doc);
  assert.equal(
    thresholdLines(outcomes),
    "thresholds: 1 of 3 failed\n" +
      "  pass  default: iothread.disk0.p99 < 0.75 * main.disk0.p99: 1.25 ms is < 1.62 ms\n" +
      "  FAIL  default: main.disk0.p99.9 < 3.5 ms: 3.69 ms is not < 3.5 ms\n" +
      "  pass  default: iothread.disk0.p99.9 < 3.5 ms: 3.38 ms is < 3.5 ms\n",
  );
  assert.deepEqual(checkThresholds([], doc), []);
  assert.equal(thresholdLines([]), "");
  const empty = { manifest: { noiseFloor: null }, runs: [], summary: [] };
  assert.equal(
    thresholdLines(checkThresholds(ts.slice(0, 1), empty)),
    "thresholds: 1 of 1 failed\n  FAIL  iothread.disk0.p99 < 0.75 * main.disk0.p99: the result has no completed run to check it against\n",
  );
});
