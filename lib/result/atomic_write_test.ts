import assert from "node:assert/strict";
import { writeTextFileAtomic } from "./atomic_write.ts";

Deno.test("writeTextFileAtomic: writes, replaces, leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-atomic-" });
  try {
    const file = `${dir}/result.json`;
    await writeTextFileAtomic(file, "first\n");
    assert.equal(await Deno.readTextFile(file), "first\n");
    await writeTextFileAtomic(new URL(`file://${file}`), "second\n");
    assert.equal(await Deno.readTextFile(file), "second\n");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["result.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeTextFileAtomic: a failed rename keeps the target and removes the temporary", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-atomic-" });
  try {
    // A non-empty directory as the target: the rename fails after the write.
    const target = `${dir}/busy`;
    await Deno.mkdir(target);
    await Deno.writeTextFile(`${target}/keep`, "x");
    await assert.rejects(() => writeTextFileAtomic(target, "new"));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["busy"]);
    assert.equal(await Deno.readTextFile(`${target}/keep`), "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeTextFileAtomic: a missing directory is an error, nothing is created", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-atomic-" });
  try {
    await assert.rejects(
      () => writeTextFileAtomic(`${dir}/no/such/r.json`, "x"),
      Deno.errors.NotFound,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
