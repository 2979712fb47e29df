import assert from "node:assert/strict";
import { loadScenario } from "../scenario/load.ts";
import { firstSentence } from "./commands.ts";
import { aiolab, isOneParagraph, ROOT } from "./testdata/run_cli.ts";

Deno.test("commands: list shows every shipped scenario with one line of description", async () => {
  const r = await aiolab("list");
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  const lines = r.stdout.trimEnd().split("\n");
  const names = lines.map((l) => l.split(/\s+/)[0]);
  assert.deepEqual(names, [
    "accel",
    "bql-contention",
    "context-move",
    "default",
    "file-backed",
    "pinning",
    "polling",
    "scaling",
    "seed-vs-modern",
  ]);
  const { scenario } = await loadScenario("scenarios/default.ts");
  assert.ok(lines.includes(`default         ${firstSentence(scenario.description)}`));
  assert.equal(firstSentence("No stop"), "No stop");
});

Deno.test("commands: validate says ok per file, or the error paragraph; exit 2 if any is invalid", async () => {
  const ok = await aiolab("validate", "scenarios/default.ts", "scenarios/examples/minimal.json");
  assert.equal(ok.code, 0);
  assert.equal(
    ok.stdout,
    "ok scenarios/default.ts: default, 2 placements, 1 sweep point, 6 runs\n" +
      "ok scenarios/examples/minimal.json: minimal, 2 placements, 1 sweep point, 6 runs\n",
  );
  assert.equal(ok.stderr, "");

  const bad = await aiolab(
    "validate",
    "lib/cli/testdata/misspelt.json",
    "scenarios/polling.ts",
    "lib/cli/testdata/empty.json",
    "lib/cli/testdata/throws.ts",
    "lib/cli/testdata",
    "nope.json",
  );
  assert.equal(bad.code, 2);
  assert.equal(
    bad.stdout,
    "ok scenarios/polling.ts: polling, 2 placements, 4 sweep points, 16 runs\n",
  );
  const errors = bad.stderr.trimEnd().split("\n");
  assert.deepEqual(errors, [
    'aiolab: lib/cli/testdata/misspelt.json: at devices[0].queueDepht: expected one of the keys id, count, kind, queues, queueDepth, requestSize, readFraction, ioeventfd, driver, arrival, got the unknown key "queueDepht". Did you mean "queueDepth"?',
    "aiolab: lib/cli/testdata/empty.json: expected a scenario file (.ts, .mts, .js, .mjs or .json), got an empty file.",
    "aiolab: lib/cli/testdata/throws.ts: expected a module that imports without error, got an error on import: this scenario module fails on import.",
    errors[3],
    "aiolab: nope.json: expected a scenario file (.ts, .mts, .js, .mjs or .json), got no such file.",
  ]);
  assert.match(
    errors[3],
    /^aiolab: lib\/cli\/testdata: expected a scenario file .*, got a directory\./,
  );
  for (const e of errors) assert.ok(isOneParagraph(e), e);
});

Deno.test("commands: show --json prints a scenario that validates and resolves to the same one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-show-" });
  try {
    for (const name of ["default", "polling", "scaling", "context-move", "accel"]) {
      const r = await aiolab("show", name, "--json");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      const file = `${dir}/${name}.json`;
      await Deno.writeTextFile(file, r.stdout);
      const v = await aiolab("validate", file);
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, new RegExp(`^ok ${file}: ${name}, `));
      const original = await loadScenario(`${ROOT}scenarios/${name}.ts`);
      const back = await loadScenario(file);
      assert.deepEqual(back.scenario, original.scenario, name);
      const again = await aiolab("show", file, "--json");
      assert.equal(again.stdout, r.stdout, `${name}: show of the JSON is the JSON`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const text = await aiolab("show", "polling");
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^polling \(scenarios\/polling\.ts\)\n/);
  assert.match(
    text.stdout,
    /sweeps:\n {4}placements\.iothread\.iothreads\.io0\.pollMaxNs: 0, 4000, 32000, 256000\n/,
  );
  assert.match(text.stdout, /4 sweep points, 16 runs in all/);
  const missing = await aiolab("show", "nosuch", "--json");
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, "");
  assert.ok(isOneParagraph(missing.stderr));
});

Deno.test("commands: new writes a commented scenario that validates, and never overwrites", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-new-" });
  try {
    const r = await aiolab("new", `${dir}/my-disk`);
    assert.equal(r.code, 0, r.stderr);
    const file = `${dir}/my-disk.ts`;
    assert.equal(
      r.stdout,
      `wrote ${file}: scenario "my-disk", 2 placements, 6 runs. Edit it, then: aiolab validate ${file} && aiolab run ${file}\n`,
    );
    const text = await Deno.readTextFile(file);
    assert.match(text, /^\/\/ A scenario for aiolab\./);
    assert.match(text, /^import \{ defineScenario \} from "[^"]*lib\/scenario\/mod\.ts";$/m);
    const v = await aiolab("validate", file);
    assert.equal(v.code, 0, v.stderr);
    assert.equal((await loadScenario(file)).scenario.name, "my-disk");

    const again = await aiolab("new", file);
    assert.equal(again.code, 2);
    assert.equal(
      again.stderr,
      `aiolab: ${file} exists: aiolab new never overwrites a file; choose another name or remove it first.\n`,
    );
    assert.equal(await Deno.readTextFile(file), text);

    const badName = await aiolab("new", `${dir}/My Disk`);
    assert.equal(badName.code, 2);
    assert.match(
      badName.stderr,
      /^aiolab: cannot name a scenario "My Disk": expected lower-case letters/,
    );
    const badExt = await aiolab("new", `${dir}/x.json`);
    assert.equal(badExt.code, 2);
    assert.match(badExt.stderr, /got a path ending in "\.json"\.\n$/);
    const noDir = await aiolab("new", `${dir}/no/such/x`);
    assert.equal(noDir.code, 2);
    assert.ok(isOneParagraph(noDir.stderr), noDir.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
