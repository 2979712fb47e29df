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
