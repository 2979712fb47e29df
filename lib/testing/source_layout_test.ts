// Guards the source layout: test fixtures and test helpers live in a
// layer's testdata/ folder or in lib/testing/, never among the sources, and
// no file imports another folder's private `_file.ts`.

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** Layer folders whose top level holds only sources (fixtures go to testdata/). */
const SOURCE_FOLDERS = [
  "lib/sync",
  "lib/runtime",
  "lib/block",
  "lib/machine",
  "lib/measure",
  "lib/scenario",
  "lib/analysis",
  "lib/result",
  "lib/runner",
];

/** Folders scanned for imports of another folder's private file. */
const SCANNED = ["lib", "bench", "tools", "scenarios", "mod.ts"];
const SKIPPED_DIRS = new Set([".build", "node_modules"]);

/**
 * Fixtures still standing in a source folder while another change moves
 * them; each entry must name a file that exists (the test fails once it is
 * gone, so that the entry is removed with it).
 */
const PENDING_MOVES: Record<string, string> = {};

/** File names that mark test fixtures and test helpers. */
const TEST_SUPPORT_NAME = /^_fixture_|^_test_util|^_test_worker/;

/** Test-support file names among `names` (the files of one source folder). */
function strayTestSupport(names: readonly string[]): string[] {
  return names.filter((n) => TEST_SUPPORT_NAME.test(n)).sort();
}

const SPECIFIER = [
  /\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  /\bnew URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g,
];

/**
 * The relative specifiers in `text` (a file at `path`, relative to the
 * repository root) that name a private `_file.ts` of another folder, as
 * "specifier -> resolved path".
 */
function foreignPrivateImports(path: string, text: string): string[] {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  const out: string[] = [];
  for (const re of SPECIFIER) {
    for (const m of text.matchAll(re)) {
      const spec = m[1];
      if (!spec.startsWith("./") && !spec.startsWith("../")) continue;
      const target = new URL(spec, `file:///root/${path}`).pathname.slice("/root/".length);
      const slash = target.lastIndexOf("/");
      const targetDir = slash < 0 ? "" : target.slice(0, slash);
      const base = target.slice(slash + 1);
      if (base.startsWith("_") && targetDir !== dir) out.push(`${spec} -> ${target}`);
    }
  }
  return out.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(new URL(path, ROOT));
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(`${dir}/`, ROOT))) if (e.isFile) out.push(e.name);
  return out;
}

async function sourcesUnder(path: string): Promise<string[]> {
  const info = await Deno.stat(new URL(path, ROOT));
  if (info.isFile) return path.endsWith(".ts") ? [path] : [];
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(`${path}/`, ROOT))) {
    if (e.isDirectory && !SKIPPED_DIRS.has(e.name)) {
      out.push(...await sourcesUnder(`${path}/${e.name}`));
    } else if (e.isFile && e.name.endsWith(".ts")) out.push(`${path}/${e.name}`);
  }
  return out;
}

Deno.test("source layout: the checks catch what they are meant to catch", () => {
  assert.deepEqual(
    strayTestSupport([
      "mutex.ts",
      "_fixture_mutex.ts",
      "_test_util.ts",
      "_worker.ts",
      "_test_worker.ts",
    ]),
    ["_fixture_mutex.ts", "_test_util.ts", "_test_worker.ts"],
  );
  // Q stands for a double quote, so that this file's own scan does not see these lines.
  const text = [
    "import { a } from Q./_same.tsQ;",
    "import { b } from Q../sync/_test_util.tsQ;",
    "export { c } from Q../runtime/public.tsQ;",
    "const w = new URL(Q../runtime/_worker.tsQ, import.meta.url);",
    "await import(Q./testdata/../_same_again.tsQ);",
    "import Q../x/_side_effect.tsQ;",
    "const rel = new URL(Q./_fixture.tsQ, import.meta.url);",
  ].join("\n").replaceAll("Q", '"');
  assert.deepEqual(foreignPrivateImports("lib/block/dataplane_test.ts", text), [
    "../runtime/_worker.ts -> lib/runtime/_worker.ts",
    "../sync/_test_util.ts -> lib/sync/_test_util.ts",
    "../x/_side_effect.ts -> lib/x/_side_effect.ts",
  ]);
  assert.deepEqual(
    foreignPrivateImports("lib/runtime/testdata/kick.ts", `from ${'"'}../_protocol.ts"`),
    [
      "../_protocol.ts -> lib/runtime/_protocol.ts",
    ],
  );
});

Deno.test("source layout: no fixture or test helper stands among a layer's sources", async () => {
  const stray: string[] = [];
  for (const dir of SOURCE_FOLDERS) {
    if (!await exists(dir)) continue;
    for (const name of strayTestSupport(await filesIn(dir))) {
      const path = `${dir}/${name}`;
      if (!(path in PENDING_MOVES)) stray.push(path);
    }
  }
  assert.deepEqual(
    stray,
    [],
    `test fixtures and helpers go to the layer's testdata/ folder or to lib/testing/: ${
      stray.join(", ")
    }`,
  );
  for (const [path, why] of Object.entries(PENDING_MOVES)) {
    assert.ok(await exists(path), `${path} is gone (${why}): remove it from PENDING_MOVES`);
  }
});

Deno.test("source layout: lib/testing has no private files and no mod.ts re-exports it", async () => {
  const names = await filesIn("lib/testing");
  assert.deepEqual(names.filter((n) => n.startsWith("_")), [], "lib/testing file names are public");
  for (const path of await sourcesUnder("lib")) {
    if (!path.endsWith("/mod.ts")) continue;
    const text = await Deno.readTextFile(new URL(path, ROOT));
    assert.doesNotMatch(text, /testing\//, `${path} re-exports test support`);
  }
});

Deno.test("source layout: no file imports another folder's private _file.ts", async () => {
  const found: string[] = [];
  for (const top of SCANNED) {
    if (!await exists(top)) continue;
    for (const path of await sourcesUnder(top)) {
      const text = await Deno.readTextFile(new URL(path, ROOT));
      for (const hit of foreignPrivateImports(path, text)) found.push(`${path}: ${hit}`);
    }
  }
  assert.deepEqual(
    found,
    [],
    `a _private.ts file is for its own folder only; export what others need from a public file`,
  );
});
