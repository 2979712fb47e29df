import assert from "node:assert/strict";
import { aiolab } from "./testdata/run_cli.ts";

Deno.test("main: --help lists every command, without colour, exit 0", async () => {
  const r = await aiolab("--help");
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /^Usage: aiolab \[options\] \[command\]/);
  for (const cmd of ["run", "report", "compare", "list", "validate", "show", "new"]) {
    assert.match(r.stdout, new RegExp(`^  ${cmd} `, "m"), cmd);
  }
  assert.ok(!r.stdout.includes("\x1b["));
  const run = await aiolab("run", "--help");
  assert.equal(run.code, 0);
  for (
    const flag of [
      "--duration",
      "--warmup",
      "--repeat",
      "--seed",
      "--placement",
      "--out",
      "--quiet",
      "--json",
      "--no-report",
      "--threshold <expr>",
      "--save-baseline <name>",
      "--baseline <name>",
      "--baseline-dir <dir>",
      "--noise-threshold <share>",
      "--fail-on <metrics>",
    ]
  ) {
    assert.ok(run.stdout.includes(flag), flag);
  }
  assert.match(run.stdout, /default: "results\/runs"/);
  assert.match(run.stdout, /default:\s+"results\/baselines"/);
  const report = await aiolab("report", "--help");
  assert.equal(report.code, 0);
  for (const flag of ["--format <format>", "--out <path>", "--threshold <expr>"]) {
    assert.ok(report.stdout.includes(flag), flag);
  }
  const compare = await aiolab("compare", "--help");
  assert.equal(compare.code, 0);
  for (
    const flag of [
      "--baseline <name>",
      "--noise-threshold <share>",
      "--fail-on <metrics>",
      "--out <file>",
      "--no-report",
      "--markdown <file>",
    ]
  ) {
    assert.ok(compare.stdout.includes(flag), flag);
  }
});

Deno.test("main: no command prints the help on stderr and exits 2", async () => {
  const r = await aiolab();
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^Usage: aiolab/);
});
