import assert from "node:assert/strict";
import { UsageError } from "./errors.ts";
import {
  baselinePath,
  checkBaselineName,
  checkWritablePath,
  DEFAULT_BASELINE_DIR,
  readBaseline,
  readResultFile,
  writeOutput,
} from "./result_files.ts";
import { resultFiles } from "./testdata/results.ts";

Deno.test("baseline names: letters, digits, . _ -, nothing that leaves the folder", () => {
  for (const ok of ["main", "v0.1", "pr-123_x", "A", "x".repeat(64)]) checkBaselineName(ok, "--b");
  for (const bad of ["", "../x", "a/b", ".hidden", "-x", "x.json", "a b", "x".repeat(65), "ü"]) {
    assert.throws(
      () => checkBaselineName(bad, "--save-baseline"),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message.startsWith(`--save-baseline ${JSON.stringify(bad)}: expected a baseline name`),
      bad,
    );
  }
  assert.equal(DEFAULT_BASELINE_DIR, "results/baselines");
  assert.equal(baselinePath(DEFAULT_BASELINE_DIR, "main"), "results/baselines/main.json");
});

Deno.test("readResultFile and readBaseline: real files; every mistake names the file", async () => {
  const f = await resultFiles();
  try {
    assert.equal((await readResultFile(f.same)).runs.length, 4);
    await Deno.writeTextFile(`${f.dir}/x.json`, "[1]");
    await assert.rejects(
      readResultFile(`${f.dir}/x.json`),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === `${f.dir}/x.json: expected a result document (a JSON object with ` +
            `"schemaVersion"), found an array.`,
    );
    await assert.rejects(
      readResultFile(`${f.dir}/a`),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message.startsWith(
          `${f.dir}/a: expected a result file (result.json), but it cannot be read: `,
        ),
    );
    await assert.rejects(
      readBaseline(`${f.dir}/none`, "main"),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === `--baseline main: no baseline "main" (${f.dir}/none/main.json): expected ` +
            `one saved with aiolab run --save-baseline main; ${f.dir}/none holds none.`,
    );
    await writeOutput(`${f.dir}/bl/v1.json`, await Deno.readTextFile(f.same), "--out");
    assert.equal((await readBaseline(`${f.dir}/bl`, "v1")).manifest.scenario.name, "default");
    await Deno.writeTextFile(`${f.dir}/bl/broken.json`, "{");
    await assert.rejects(
      readBaseline(`${f.dir}/bl`, "broken"),
      /bl\/broken\.json: expected a result document in JSON/,
    );
  } finally {
    await f.dispose();
  }
});

Deno.test("writeOutput and checkWritablePath: atomic, folders made, refusals are usage errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-out-" });
  try {
    await writeOutput(`${dir}/deep/er/r.txt`, "one", "--out");
    await writeOutput(`${dir}/deep/er/r.txt`, "two", "--out");
    assert.equal(await Deno.readTextFile(`${dir}/deep/er/r.txt`), "two");
    assert.deepEqual([...Deno.readDirSync(`${dir}/deep/er`)].map((e) => e.name), ["r.txt"]);
    await Deno.writeTextFile(`${dir}/file`, "");
    await assert.rejects(checkWritablePath(`${dir}/file/x.html`, "--out"), UsageError);
    await assert.rejects(
      writeOutput(`${dir}/deep`, "x", "--markdown"),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message.startsWith(`cannot write "${dir}/deep" (--markdown): `),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
