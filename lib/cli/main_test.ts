import assert from "node:assert/strict";
import { aiolab } from "./testdata/run_cli.ts";

Deno.test("main: --help lists every command, without colour, exit 0", async () => {
  const r = await aiolab("--help");
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /^Usage: aiolab \[options\] \[command\]/);
  for (const cmd of ["run", "list", "validate", "show", "new"]) {
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
    ]
  ) {
    assert.ok(run.stdout.includes(flag), flag);
  }
  assert.match(run.stdout, /default: "results\/runs"/);
});

Deno.test("main: no command prints the help on stderr and exits 2", async () => {
  const r = await aiolab();
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^Usage: aiolab/);
});
