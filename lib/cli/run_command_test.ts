import assert from "node:assert/strict";
import { loadScenario } from "../scenario/load.ts";
import { UsageError } from "./errors.ts";
import { checkPlacements, DEFAULT_OUT_DIR, ensureWritable } from "./run_command.ts";
import { aiolab, isOneParagraph } from "./testdata/run_cli.ts";

// These end before runLab is called: a mistake in the arguments never starts a run.

Deno.test("run: an unknown placement is exit 2 naming the scenario's placements", async () => {
  const r = await aiolab("run", "default", "--placement", "main,iothraed", "--duration", "1s");
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    'aiolab: scenarios/default.ts: --placement names "iothraed", but scenario "default" has the ' +
      'placements main, iothread: expected a comma-separated list of those. Did you mean "iothread"?\n',
  );
  const suite = await aiolab("run", "-p", "own");
  assert.equal(suite.code, 2, "the default suite is checked too");
  assert.match(suite.stderr, /^aiolab: scenarios\/default\.ts: --placement names "own"/);
});

Deno.test("run: bad scenarios, flags that break a scenario and unwritable --out are exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["run", "defualt"], /^aiolab: no scenario "defualt": .* Did you mean "default"\?\n$/],
    [["run", "lib/cli/testdata/misspelt.json"], /Did you mean "queueDepth"\?\n$/],
    [
      ["run", "context-move", "--duration", "1s"],
      /^aiolab: scenarios\/context-move\.ts: at events\[0\]\.at: expected a time within the duration \(1s\), got the duration 1s\. That comes from the command line's --duration 1s: the scenario alone validates\.\n$/,
    ],
    [
      ["run", "default", "--out", "/proc/aiolab-nowhere"],
      /^aiolab: cannot write results to "\/proc\/aiolab-nowhere": /,
    ],
  ];
  for (const [args, expected] of cases) {
    const r = await aiolab(...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, expected, args.join(" "));
    assert.ok(isOneParagraph(r.stderr), r.stderr);
  }
});

Deno.test("run: checkPlacements and ensureWritable", async () => {
  const loaded = await loadScenario("scenarios/default.ts");
  checkPlacements(loaded, ["iothread", "main"]);
  assert.throws(
    () => checkPlacements(loaded, ["a", "b"]),
    (e: unknown) =>
      e instanceof UsageError && /names "a", "b", but/.test(e.message) &&
      !/Did you mean/.test(e.message),
  );
  const dir = await Deno.makeTempDir({ prefix: "aiolab-out-" });
  try {
    await ensureWritable(`${dir}/deep/runs`);
    assert.ok((await Deno.stat(`${dir}/deep/runs`)).isDirectory);
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/deep/runs`)],
      [],
      "the write check leaves nothing",
    );
    await Deno.writeTextFile(`${dir}/file`, "");
    await assert.rejects(ensureWritable(`${dir}/file`), UsageError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(DEFAULT_OUT_DIR, "results/runs");
});

Deno.test("run: bad thresholds and baselines are exit 2 before anything runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-run-" });
  try {
    await Deno.mkdir(`${dir}/bl`);
    const other = JSON.parse(await Deno.readTextFile("lib/report/testdata/default_result.json"));
    other.manifest.scenario.name = "elsewhere";
    await Deno.writeTextFile(`${dir}/bl/other.json`, JSON.stringify(other));
    const caret = await aiolab(
      "run",
      "default",
      "-o",
      `${dir}/runs`,
      "-t",
      "main.disk0.p99 < 1ms",
      "-t",
      "main.disk0.p99 < 1ms with",
    );
    assert.equal(caret.code, 2);
    assert.equal(caret.stdout, "");
    assert.equal(
      caret.stderr,
      'aiolab: --threshold "main.disk0.p99 < 1ms with": invalid threshold at column 22: "with" ' +
        "sets the confidence of a ratio(a/b) interval, but this threshold has no ratio\n" +
        "  main.disk0.p99 < 1ms with\n" +
        "                       ^\n",
    );
    const file = `${dir}/s.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "x",
        devices: [{ id: "d" }],
        placements: { a: {} },
        thresholds: ["a.d.p99 < 1ms", "a.d.p99 < 2"],
      }),
    );
    const own = await aiolab("run", file, "-o", `${dir}/runs`);
    assert.equal(own.code, 2);
    assert.equal(
      own.stderr,
      `aiolab: ${file}: thresholds[1] "a.d.p99 < 2": invalid threshold at column 11: p99 is a ` +
        "time, but 2 has no unit; write it as 2ns, 2us, 2ms or 2s\n  a.d.p99 < 2\n            ^\n",
    );
    const cases: [string[], string][] = [
      [
        ["run", "default", "--save-baseline", "a/b"],
        'aiolab: --save-baseline "a/b": expected a baseline name (1 to 64 letters, digits, ".", ' +
        '"_" and "-", starting with a letter or digit, without ".json"), such as "main" or "v0.1".\n',
      ],
      [
        ["run", "default", "context-move", "--save-baseline", "two"],
        "aiolab: --save-baseline two: expected one scenario (a baseline holds one result), found " +
        "2: default, context-move. Run them one at a time.\n",
      ],
      [
        ["run", "default", "--baseline", "gone", "--baseline-dir", `${dir}/bl`],
        `aiolab: --baseline gone: no baseline "gone" (${dir}/bl/gone.json): expected one saved ` +
        `with aiolab run --save-baseline gone; ${dir}/bl holds other.\n`,
      ],
      [
        ["run", "default", "--baseline", "other", "--baseline-dir", `${dir}/bl`],
        'aiolab: --baseline other: the baseline is a result of scenario "elsewhere", but this run ' +
        'has "default": expected the baseline\'s scenario among them.\n',
      ],
      [
        ["run", "default", "--fail-on", "p99", "--noise-threshold", "5%"],
        "aiolab: --noise-threshold and --fail-on say how to judge the comparison with a " +
        "baseline: expected --baseline NAME with them, found none.\n",
      ],
      [
        ["run", "default", "--fail-on", "p99,bogus"],
        "aiolab: option '--fail-on <metrics>' argument 'p99,bogus' is invalid. expected metric " +
        "names separated by commas (p50, p90, p99, p99.9, p99.99, max, mean, iops, jitter, " +
        'bqlWaitShare), all or none; found "bogus".\n',
      ],
    ];
    for (const [args, expected] of cases) {
      const r = await aiolab(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.stdout, "", args.join(" "));
      assert.equal(r.stderr, expected);
      assert.ok(isOneParagraph(r.stderr), r.stderr);
    }
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["bl", "s.json"],
      "nothing ran",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run: report.html beside result.json, thresholds one by one, baselines saved and compared", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-run-" });
  const short = [
    "default",
    "-d",
    "300ms",
    "-w",
    "100ms",
    "-r",
    "1",
    "-q",
    "--baseline-dir",
    `${dir}/bl`,
  ];
  try {
    const first = await aiolab(
      "run",
      ...short,
      "-o",
      `${dir}/runs`,
      "--save-baseline",
      "first",
      "-t",
      "*.disk0.p99 < 10s",
      "--threshold",
      "main.disk0.iops > 1e9",
    );
    assert.equal(first.code, 1, first.stderr);
    assert.equal(first.stderr, "aiolab: 1 threshold failed (see above)\n");
    const lines = first.stdout.split("\n");
    const result = /^result: (.*\/result\.json)$/.exec(lines[0])?.[1];
    assert.ok(result !== undefined && result.startsWith(`${dir}/runs/`), first.stdout);
    const report = result.replace(/result\.json$/, "report.html");
    assert.equal(lines[1], `report: ${report}`);
    assert.match(await Deno.readTextFile(report), /^<!doctype html>/);
    assert.equal(lines[2], "thresholds: 1 of 3 failed");
    assert.match(lines[3], /^ {2}pass {2}default: main\.disk0\.p99 < 10 s: \S+ \S+ is < 10 s$/);
    assert.match(lines[4], /^ {2}pass {2}default: iothread\.disk0\.p99 < 10 s: /);
    assert.match(
      lines[5],
      /^ {2}FAIL {2}default: main\.disk0\.iops > 1000000000: \S+ is not > 1000000000$/,
    );
    assert.equal(lines[6], `baseline: ${dir}/bl/first.json`);
    // The document records the description and every threshold it was checked against.
    const doc = JSON.parse(await Deno.readTextFile(result));
    assert.match(doc.manifest.scenario.description, /^One virtio-blk disk/);
    assert.deepEqual(doc.manifest.scenario.thresholds, [
      "*.disk0.p99 < 10s",
      "main.disk0.iops > 1e9",
    ]);
    // `report` re-checks them from the document alone.
    const again = await aiolab("report", result, "-f", "md", "-o", `${dir}/again.md`);
    assert.equal(again.code, 1, again.stderr);
    assert.match(await Deno.readTextFile(`${dir}/again.md`), /FAIL|fail/);
    assert.deepEqual(
      JSON.parse(await Deno.readTextFile(`${dir}/bl/first.json`)),
      JSON.parse(await Deno.readTextFile(result)),
    );

    const second = await aiolab(
      "run",
      ...short,
      "-o",
      `${dir}/runs2`,
      "--no-report",
      "--baseline",
      "first",
      "--fail-on",
      "none",
    );
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stderr, "");
    const [line0, , head] = second.stdout.split("\n");
    const result2 = /^result: (.*\/result\.json)$/.exec(line0)?.[1];
    assert.ok(result2 !== undefined, second.stdout);
    assert.equal(head, `${result2} against baseline first:`);
    assert.match(second.stdout, /│ default │ main +│ disk0 +│ p99 +│/);
    assert.match(
      second.stdout,
      /no regression beyond the noise threshold in any metric \(--fail-on none: never fails\)/,
    );
    const files = [...Deno.readDirSync(result2.replace(/\/result\.json$/, ""))].map((e) => e.name);
    assert.deepEqual(files, ["result.json"], "--no-report");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
