import assert from "node:assert/strict";
import { DEFAULT_COMPARE_DIR, defaultCompareOut } from "./compare_command.ts";
import { aiolab, isOneParagraph } from "./testdata/run_cli.ts";
import { resultFiles } from "./testdata/results.ts";

const ROW = /^│ default │ (main|iothread) +│ disk0 +│ (\S+) +│/;

function verdicts(table: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of table.split("\n")) {
    const m = ROW.exec(line);
    if (m === null) continue;
    out.set(`${m[1]}.${m[2]}`, line.split("│").at(-2)!.trim());
  }
  return out;
}

Deno.test("compare: a result against itself: no significant difference anywhere, exit 0, a report", async () => {
  const f = await resultFiles();
  try {
    const r = await aiolab("compare", f.same, f.same, "--out", `${f.dir}/cmp/report.html`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const v = verdicts(r.stdout);
    assert.equal(v.size, 20, "2 placements x 10 metrics");
    for (const [k, verdict] of v) assert.equal(verdict, "no significant difference", k);
    assert.ok(r.stdout.startsWith(`\n${f.same} against ${f.same}:\n`));
    assert.ok(
      r.stdout.endsWith(
        "no regression beyond the noise threshold in p50, p99, p99.9, iops\n" +
          `report: ${f.dir}/cmp/report.html\n`,
      ),
      r.stdout,
    );
    assert.match(await Deno.readTextFile(`${f.dir}/cmp/report.html`), /^<!doctype html>/);
  } finally {
    await f.dispose();
  }
});

Deno.test("compare: a regression beyond the threshold exits 1; --fail-on and --noise-threshold decide", async () => {
  const f = await resultFiles();
  try {
    const r = await aiolab(
      "compare",
      f.noFloor,
      f.swapped,
      "--no-report",
      "--markdown",
      `${f.dir}/c.md`,
    );
    assert.equal(r.code, 1);
    const v = verdicts(r.stdout);
    assert.equal(v.get("iothread.p99"), "worse");
    assert.equal(v.get("main.p99"), "better");
    assert.equal(v.get("iothread.iops"), "no significant difference");
    assert.equal(
      r.stderr,
      "aiolab: 1 regression beyond the noise threshold: default/iothread.disk0.p99 1.73x " +
        "[1.19, 2.26] (threshold 2%)\n",
    );
    assert.ok(r.stdout.endsWith(`markdown: ${f.dir}/c.md\n`));
    assert.ok(!r.stdout.includes("report: "), "--no-report");
    const md = await Deno.readTextFile(`${f.dir}/c.md`);
    assert.match(md, /❌ \*\*1 regression\*\* beyond the noise threshold: `iothread.disk0.p99`\./);

    const p50 = await aiolab(
      "compare",
      f.noFloor,
      f.swapped,
      "--no-report",
      "--fail-on",
      "p50,iops",
    );
    assert.equal(p50.code, 0, p50.stderr);
    assert.equal(p50.stderr, "");
    assert.match(
      p50.stdout,
      /no regression beyond the noise threshold in p50, iops; 3 other metrics worse\n$/,
    );

    const all = await aiolab("compare", f.noFloor, f.swapped, "--no-report", "--fail-on", "all");
    assert.equal(all.code, 1);
    assert.match(all.stderr, /^aiolab: 3 regressions beyond the noise threshold: /);

    const none = await aiolab("compare", f.noFloor, f.swapped, "--no-report", "--fail-on", "none");
    assert.equal(none.code, 0);
    assert.match(
      none.stdout,
      /in any metric \(--fail-on none: never fails\); 3 other metrics worse\n$/,
    );

    const wide = await aiolab(
      "compare",
      f.noFloor,
      f.swapped,
      "--no-report",
      "--noise-threshold",
      "80%",
    );
    assert.equal(wide.code, 0, "1.73x is within an 80% threshold");
    assert.equal(verdicts(wide.stdout).get("iothread.p99"), "no significant difference");
  } finally {
    await f.dispose();
  }
});

Deno.test("compare: baselines by name; usage mistakes are exit 2, one paragraph", async () => {
  const f = await resultFiles();
  try {
    await Deno.mkdir(`${f.dir}/baselines`);
    await Deno.copyFile(f.same, `${f.dir}/baselines/main.json`);
    const r = await aiolab(
      "compare",
      "--baseline",
      "main",
      "--baseline-dir",
      `${f.dir}/baselines`,
      f.same,
      "--no-report",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.stdout.startsWith(`\n${f.same} against baseline main (${f.dir}/baselines/main.json):\n`),
    );
    assert.ok(
      [...verdicts(r.stdout).values()].every((v) => v === "no significant difference"),
    );
    const cases: [string[], string | RegExp][] = [
      [
        ["compare", "--baseline", "../etc", f.same],
        'aiolab: --baseline "../etc": expected a baseline name (1 to 64 letters, digits, ".", "_" ' +
        'and "-", starting with a letter or digit, without ".json"), such as "main" or "v0.1".\n',
      ],
      [
        ["compare", "--baseline", "nope", "--baseline-dir", `${f.dir}/baselines`, f.same],
        `aiolab: --baseline nope: no baseline "nope" (${f.dir}/baselines/nope.json): expected one ` +
        `saved with aiolab run --save-baseline nope; ${f.dir}/baselines holds main.\n`,
      ],
      [
        ["compare", f.same],
        `aiolab: compare: expected a baseline result and at least one current result (aiolab ` +
        `compare <baseline.json> <current.json ...>, or --baseline NAME <current.json ...>), ` +
        `found only ${f.same}.\n`,
      ],
      [
        ["compare", f.same, f.same, "--fail-on", "p99,mx"],
        /expected metric names separated by commas .*found "mx"\. Did you mean "max"\?\n$/,
      ],
      [
        ["compare", f.same, f.same, "--noise-threshold", "-1"],
        /expected a share such as 5% or 0\.05 \(from 0 to 1000%\), found "-1"\.\n$/,
      ],
    ];
    for (const [args, expected] of cases) {
      const e = await aiolab(...args);
      assert.equal(e.code, 2, args.join(" "));
      assert.equal(e.stdout, "", args.join(" "));
      if (typeof expected === "string") assert.equal(e.stderr, expected);
      else assert.match(e.stderr, expected);
      assert.ok(isOneParagraph(e.stderr), e.stderr);
    }
  } finally {
    await f.dispose();
  }
});

Deno.test("compare: the default report path", () => {
  assert.equal(DEFAULT_COMPARE_DIR, "results/compare");
  assert.equal(
    defaultCompareOut(new Date("2026-01-02T03:04:05.678Z"), "<x>"),
    "results/compare/20260102T030405Z-_x_/report.html",
  );
});
