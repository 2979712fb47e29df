import assert from "node:assert/strict";
import * as hdr from "hdr-histogram-js";
import { parseFormat, REPORT_FORMATS, reportJson } from "./report_command.ts";
import { aiolab, isOneParagraph } from "./testdata/run_cli.ts";
import { resultFiles } from "./testdata/results.ts";

Deno.test("report: md, csv and json go to stdout; html and hlog to files beside the result", async () => {
  const f = await resultFiles();
  try {
    const md = await aiolab("report", f.same, "--format", "md");
    assert.equal(md.code, 0, md.stderr);
    assert.equal(md.stderr, "");
    assert.match(md.stdout, /^### aiolab: default\n\n\| placement \| device \| IOPS /);
    assert.ok(
      md.stdout.includes("| iothread | disk0 | 3492 | 242 us | 1.25 ms | 3.38 ms | 1.01 ms |"),
    );

    const csv = await aiolab("report", f.same, "-f", "csv");
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.split("\r\n");
    assert.equal(lines[0].split(",").slice(0, 4).join(","), "scenario,placement,repetition,device");
    assert.equal(lines.length, 6, "header, 4 rows, and the empty string after the last CRLF");

    const json = await aiolab("report", f.same, "-f", "json");
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    const rows = parsed.results[0].points[0].rows;
    assert.deepEqual(rows.map((r: { placement: string }) => r.placement), ["main", "iothread"]);
    assert.equal(rows[0].vsFirst, null);
    assert.equal(rows[1].vsFirst.p99.verdict, "no significant difference");
    assert.ok(rows[1].vsFirst.p99.low < rows[1].vsFirst.p99.ratio);

    const html = await aiolab("report", f.same);
    assert.equal(html.code, 0, html.stderr);
    assert.equal(html.stdout, `report: ${f.dir}/a/report.html\n`);
    assert.match(await Deno.readTextFile(`${f.dir}/a/report.html`), /^<!doctype html>/);

    const hlog = await aiolab("report", f.same, "-f", "hlog", "--out", `${f.dir}/logs`);
    assert.equal(hlog.code, 0, hlog.stderr);
    assert.equal(hlog.stdout, `report: ${f.dir}/logs/default.disk0.hlog\n`);
    const text = await Deno.readTextFile(`${f.dir}/logs/default.disk0.hlog`);
    const reader = new hdr.HistogramLogReader(text, 64);
    let total = 0;
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
      total += h.totalCount;
    }
    const doc = JSON.parse(await Deno.readTextFile(f.same));
    assert.equal(
      total,
      doc.summary.reduce((s: number, r: { completions: number }) => s + r.completions, 0),
    );

    const two = await aiolab("report", f.same, f.swapped, "-f", "md", "--out", `${f.dir}/two.md`);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.stdout, `report: ${f.dir}/two.md\n`);
    assert.equal(
      (await Deno.readTextFile(`${f.dir}/two.md`)).match(/^### aiolab: default$/gm)?.length,
      2,
    );
  } finally {
    await f.dispose();
  }
});

Deno.test("report: thresholds are checked one by one; a failing one exits 1, a bad one 2", async () => {
  const f = await resultFiles();
  try {
    const r = await aiolab(
      "report",
      f.same,
      "-f",
      "md",
      "-t",
      "main.disk0.p99 < 2ms",
      "--threshold",
      "*.disk0.iops > 1000",
    );
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "thresholds: 1 of 3 failed\n" +
        "  FAIL  default: main.disk0.p99 < 2 ms: 2.16 ms is not < 2 ms\n" +
        "  pass  default: main.disk0.iops > 1000: 3531 is > 1000\n" +
        "  pass  default: iothread.disk0.iops > 1000: 3492 is > 1000\n",
    );
    assert.ok(r.stdout.includes("**Thresholds:** 2 of 3 pass"));
    const ok = await aiolab("report", f.same, "-f", "csv", "-t", "main.disk0.p99 < 3ms");
    assert.equal(ok.code, 0);
    assert.equal(
      ok.stderr,
      "thresholds: all 1 pass\n  pass  default: main.disk0.p99 < 3 ms: 2.16 ms is < 3 ms\n",
    );

    const bad = await aiolab("report", f.same, "-t", "main.disk0.p99 < 2");
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, "");
    assert.equal(
      bad.stderr,
      'aiolab: --threshold "main.disk0.p99 < 2": invalid threshold at column 18: p99 is a time, ' +
        "but 2 has no unit; write it as 2ns, 2us, 2ms or 2s\n" +
        "  main.disk0.p99 < 2\n" +
        "                   ^\n",
    );
  } finally {
    await f.dispose();
  }
});

Deno.test("report: a missing, invalid or unreadable file and a bad format are exit 2, one paragraph", async () => {
  const f = await resultFiles();
  try {
    await Deno.writeTextFile(`${f.dir}/bad.json`, '{"schemaVersion": 1}');
    const cases: [string[], string | RegExp][] = [
      [
        ["report", `${f.dir}/none.json`],
        `aiolab: ${f.dir}/none.json: expected a result file (result.json), found no such file.\n`,
      ],
      [
        ["report", `${f.dir}/bad.json`],
        new RegExp(
          `^aiolab: ${f.dir}/bad\\.json: expected a result document of schema version 1, found one that breaks it at manifest: `,
        ),
      ],
      [
        ["report", "/etc/hostname"],
        "aiolab: /etc/hostname: cannot read it: expected a result file this aiolab may read, got " +
        "one outside its --allow-read permission (deno task report and deno task compare read " +
        "only under results/). Copy it under results/ or run aiolab with --allow-read=/etc/hostname.\n",
      ],
      [
        ["report", f.same, "--format", "htm"],
        `aiolab: option '-f, --format <format>' argument 'htm' is invalid. expected one of html, md, csv, json, hlog, found "htm". Did you mean "html"?\n`,
      ],
      [
        ["report", f.same, "--out", "/proc/nowhere/r.html"],
        /^aiolab: cannot write "\/proc\/nowhere\/r\.html" \(--out\): expected a path this aiolab may write to/,
      ],
      [["report"], "aiolab: missing required argument 'result'\n"],
    ];
    for (const [args, expected] of cases) {
      const r = await aiolab(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.stdout, "", args.join(" "));
      if (typeof expected === "string") assert.equal(r.stderr, expected);
      else assert.match(r.stderr, expected);
      assert.ok(isOneParagraph(r.stderr), r.stderr);
    }
  } finally {
    await f.dispose();
  }
});

Deno.test("report: parseFormat and reportJson", () => {
  assert.deepEqual([...REPORT_FORMATS], ["html", "md", "csv", "json", "hlog"]);
  for (const f of REPORT_FORMATS) assert.equal(parseFormat(f), f);
  assert.throws(() => parseFormat("HTML"), /Did you mean "html"\?/);
  const empty = { manifest: { noiseFloor: null }, runs: [], summary: [] };
  assert.deepEqual(reportJson(["x.json"], [empty], []), {
    results: [{ file: "x.json", skippedRuns: 0, points: [] }],
    thresholds: [],
  });
});
