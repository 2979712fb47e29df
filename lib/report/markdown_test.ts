import assert from "node:assert/strict";
import { analyseResult } from "../analysis/analyse.ts";
import { compareResults } from "../analysis/compare.ts";
import { evaluateThresholds } from "../analysis/threshold_eval.ts";
import {
  comparisonMarkdown,
  escapeMarkdown,
  manifestLine,
  markdownSummary,
  thresholdsMarkdown,
} from "./markdown.ts";
import { syntheticResult } from "../analysis/testdata/synthetic_result.ts";
import { defaultResult } from "./testdata/export_fixtures.ts";

Deno.test("markdownSummary: the real default-suite result, as a PR comment", async () => {
  const doc = await defaultResult();
  const outcomes = evaluateThresholds(
    ["iothread.disk0.p99 < 0.75 * main.disk0.p99", "*.disk0.p99.9 < 1us"],
    analyseResult(doc),
    { resamples: 200 },
  );
  const md = markdownSummary([doc], { thresholds: outcomes, resamples: 200 });
  const lines = md.split("\n");
  assert.equal(lines[0], "### aiolab: default");
  const table = lines.filter((l) => l.startsWith("|"));
  assert.equal(
    table[0],
    "| placement | device | IOPS | p50 | p99 | p99.9 | jitter | p99 vs main (95% CI) | verdict |",
  );
  assert.equal(table.length, 4, "header, rule, main, iothread");
  const main = table[2].split(" | ");
  assert.equal(main[0], "| main");
  assert.ok(table[2].endsWith("| 1 (reference) |  |"), table[2]);
  // Seeded, so pinned. The iothread's p99 is 0.58x main's and the interval excludes 1, but
  // this host's noise floor (idle timer lateness p99 1.51 ms) exceeds both p99s: not called.
  assert.equal(
    table[3],
    "| iothread | disk0 | 3492 | 242 us | 1.25 ms | 3.38 ms | 1.01 ms | 0.58× [0.442, 0.84] | " +
      "no significant difference |",
  );
  assert.ok(md.includes("**Thresholds:** 1 of 3 pass"), md);
  assert.ok(md.includes("- ✅ pass `iothread.disk0.p99 < 0.75 * main.disk0.p99`: "), md);
  assert.ok(md.includes("- ❌ **fail** `main.disk0.p99.9 < 1 us`: "), md);
  assert.match(
    md,
    /<sub>aiolab 0\.1\.0 \(a5ada70\) · Deno 2\.9\.6 · linux x86\\_64, AMD EPYC, 2 cores · seed 1 · noise floor p50 1\.16 ms, p99 1\.51 ms · 2026-12-01T22:13:30\.849Z<\/sub>/,
  );
  assert.ok(md.endsWith("\n") && !md.endsWith("\n\n"));
  // Short enough for a comment: a handful of lines.
  assert.ok(lines.length < 20, `${lines.length} lines`);
  assert.equal(markdownSummary([doc], { thresholds: outcomes, resamples: 200 }), md, "seeded");
});

Deno.test("markdownSummary: user text is escaped, never HTML or table structure", async () => {
  const doc = await defaultResult();
  const evil = "<script>alert(1)</script>|x";
  const renamed = {
    ...doc,
    manifest: { ...doc.manifest, scenario: { ...doc.manifest.scenario, name: evil } },
    runs: doc.runs.map((r) => ({
      ...r,
      placement: r.placement === "main" ? "<img src=x>" : "a|b",
    })),
    summary: doc.summary.map((s) => ({
      ...s,
      placement: s.placement === "main" ? "<img src=x>" : "a|b",
    })),
  };
  const md = markdownSummary([renamed], { resamples: 100 });
  assert.ok(!md.includes("<script"), md);
  assert.ok(!md.includes("<img"), md);
  assert.ok(md.includes("&lt;script&gt;alert\\(1\\)&lt;/script&gt;\\|x"));
  for (const l of md.split("\n").filter((l) => l.startsWith("|"))) {
    assert.equal(l.split(/(?<!\\)\|/).length, 11, l);
  }
  assert.equal(escapeMarkdown("a\n\nb"), "a b");
});

Deno.test("markdownSummary: an empty or failed result says so; manifestLine and thresholds", () => {
  assert.equal(markdownSummary([]), "_No result to summarise._\n");
  const failed = {
    manifest: { noiseFloor: null, partial: true },
    runs: [{
      scenario: "s",
      placement: "a",
      sweep: {},
      repetition: 1,
      status: "failed" as const,
      report: null,
    }],
    summary: [],
  };
  assert.equal(
    markdownSummary([failed]),
    "### aiolab: result\n\n_The result has no completed run._\n\n<sub>no noise floor measured · **partial**</sub>\n",
  );
  assert.equal(manifestLine({ noiseFloor: null }), "no noise floor measured");
  assert.equal(thresholdsMarkdown([]), "");
  const o = {
    threshold: "x",
    expression: "a.`d`.p99 < 1 ms",
    point: "s",
    left: 0,
    right: 1,
    pass: true,
    why: "<b>",
  };
  assert.equal(thresholdsMarkdown([o]), "- ✅ pass `a.'d'.p99 < 1 ms`: &lt;b&gt;");
});

Deno.test("comparisonMarkdown: a result against itself has no regression", async () => {
  const doc = await defaultResult();
  const a = analyseResult(doc);
  const c = compareResults(a, a, { resamples: 100 });
  const md = comparisonMarkdown(c, {
    baseline: "before.json",
    current: "after.json",
    metrics: ["p99", "iops"],
  });
  const lines = md.split("\n");
  assert.equal(lines[0], "### aiolab compare: after.json against before.json");
  assert.equal(lines[2], "No regression beyond the noise threshold.");
  const rows = lines.filter((l) => l.startsWith("| default"));
  assert.equal(rows.length, 4);
  for (const r of rows) {
    assert.match(r, /\| 1× \[0\.\d+, 1\.\d+\] \| ±[\d.]+% \| no significant difference \|$/);
  }
  const worse = { ...c.rows[0], verdict: "worse" as const };
  const bad = comparisonMarkdown({
    rows: [worse],
    regressions: [worse],
    unmatched: ["baseline only: s/x/d"],
  }, {
    baseline: "b",
    current: "c",
  });
  assert.match(bad, /❌ \*\*1 regression\*\* beyond the noise threshold: `main.disk0.p50`\./);
  assert.match(bad, /Not compared: baseline only: s\/x\/d\.\n$/);
});

Deno.test("markdownSummary: sweep points, two devices and a failed run, with a clear verdict", () => {
  const doc = syntheticResult({
    seed: 3,
    repetitions: 3,
    devices: ["disk0", "disk1"],
    sweeps: [{ qd: 1 }, { qd: 4 }],
    failed: [{ placement: "iothread", repetition: 3 }],
    placements: {
      main: { meanNs: 80_000, offsetNs: 20_000 },
      iothread: { meanNs: 20_000, offsetNs: 20_000 },
    },
  });
  const md = markdownSummary([doc], { resamples: 200 });
  assert.match(md, /^### aiolab: synthetic\n\n\*\*synthetic\\\[qd=1\\\]\*\*\n\n\| placement /);
  assert.ok(md.includes("\n\n**synthetic\\[qd=4\\]**\n\n| placement "), md);
  const rows = md.split("\n").filter((l) => /^\| (main|iothread) /.test(l));
  assert.equal(rows.length, 8, "2 points x 2 placements x 2 devices");
  for (const r of rows.filter((l) => l.startsWith("| iothread"))) {
    assert.match(r, /\| 0\.\d+× \[0\.\d+, 0\.\d+\] \| \*\*better\*\* \|$/, r);
  }
  assert.ok(md.includes("pooled over 2 to 3 repetitions per placement"), md);
  assert.ok(md.includes(" 2 runs failed or reported nothing and are left out."), md);
});
