// The import rules of lib/, checked over the source text of every lib/**/*.ts
// (tests and fixtures included): a layer imports only the layers below it
// (DESIGN.md: sync <- runtime <- block <- machine <- runner; measure depends
// on sync only), nothing in lib imports from outside lib, and no file
// reaches itself through static imports (type-only imports count: a circle
// over types still ties two files together).

import assert from "node:assert/strict";

/** The layers each layer may import (besides itself). Folders not listed are only checked for circles. */
const ALLOWED: Record<string, readonly string[]> = {
  sync: [],
  runtime: ["sync"],
  block: ["sync", "runtime"],
  machine: ["sync", "runtime", "block", "measure", "scenario"],
  measure: ["sync"],
  scenario: [],
  analysis: ["measure"],
  result: ["analysis"],
  runner: ["sync", "runtime", "block", "machine", "measure", "scenario", "result", "analysis"],
  report: ["analysis", "measure", "result"],
  cli: ["scenario", "result", "analysis", "runner", "report"],
};

/** Test support: tests (`*_test.ts`) and fixtures (`testdata/`) of any layer may import it. */
const TESTING = "testing";

/** Whether a file is a test or a test fixture (not shipped code). */
function isTestFile(path: string): boolean {
  return path.endsWith("_test.ts") || path.includes("/testdata/");
}

/**
 * Type-only edges left out of the circle check, each with its owner. An
 * entry stops applying if the import becomes a value import.
 */
const TYPE_EDGES_OUTSIDE_CIRCLE_CHECK: readonly string[] = [];

interface Edge {
  /** Importing file, relative to lib/ ("block/block_graph.ts"). */
  from: string;
  /** Imported file, relative to lib/ (may start with "../" when outside lib). */
  to: string;
  /** Only types are imported. */
  typeOnly: boolean;
  /** A static import/export (false: a dynamic import or a `new URL(..., import.meta.url)` reference). */
  isStatic: boolean;
}

/** Removes block comments and whole-line `//` comments (JSDoc examples hold imports). */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The relative module references of one file's source. */
function referencesOf(src: string): { spec: string; typeOnly: boolean; isStatic: boolean }[] {
  const code = stripComments(src);
  const out: { spec: string; typeOnly: boolean; isStatic: boolean }[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']([^"']+)["']/gm;
  for (const m of code.matchAll(statement)) {
    const names = m[3].match(/^\{([\s\S]*)\}$/);
    const allTypes = names !== null &&
      names[1].split(",").map((s) => s.trim()).filter((s) => s !== "").every((s) =>
        s.startsWith("type ")
      );
    out.push({ spec: m[4], typeOnly: m[2] !== undefined || allTypes, isStatic: true });
  }
  for (const m of code.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) {
    out.push({ spec: m[1], typeOnly: false, isStatic: true });
  }
  const dynamic =
    /\bimport\(\s*["']([^"']+)["']\s*\)|new URL\(\s*["']([^"']+\.ts)["']\s*,\s*import\.meta\.url\s*\)/g;
  for (const m of code.matchAll(dynamic)) {
    out.push({ spec: m[1] ?? m[2], typeOnly: false, isStatic: false });
  }
  return out.filter((r) => r.spec.startsWith("./") || r.spec.startsWith("../"));
}

/** Every edge between the given files (`files`: path relative to lib/ → source). */
function edgesOf(files: Map<string, string>): Edge[] {
  const edges: Edge[] = [];
  for (const [from, src] of files) {
    for (const r of referencesOf(src)) {
      const to = new URL(r.spec, `file:///lib/${from}`).pathname;
      const rel = to.startsWith("/lib/") ? to.slice("/lib/".length) : `..${to}`;
      edges.push({ from, to: rel, typeOnly: r.typeOnly, isStatic: r.isStatic });
    }
  }
  return edges;
}

/** Layering violations, one readable line each. */
function layeringErrors(edges: Edge[]): string[] {
  const errors: string[] = [];
  for (const e of edges) {
    if (e.to.startsWith("../")) {
      errors.push(`${e.from} imports ${e.to}, outside lib/`);
      continue;
    }
    const a = e.from.split("/")[0];
    const b = e.to.split("/")[0];
    const allowed = ALLOWED[a];
    if (a === b || allowed === undefined || allowed.includes(b)) continue;
    if (b === TESTING && isTestFile(e.from)) continue;
    errors.push(
      `${e.from} imports ${e.to}: layer "${a}" may import only ` +
        `${allowed.length === 0 ? "itself" : `${allowed.join(", ")} (and itself)`}`,
    );
  }
  return errors;
}

/** Import circles over static imports, each as "a -> b -> a". */
function circles(edges: Edge[], skip: readonly string[]): string[] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!e.isStatic || (e.typeOnly && skip.includes(`${e.from} -> ${e.to}`))) continue;
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    path.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === "open") found.push([...path.slice(path.indexOf(m)), m].join(" -> "));
      else if (state.get(m) === undefined) visit(m);
    }
    path.pop();
    state.set(n, "done");
  };
  for (const n of [...next.keys()].sort()) if (state.get(n) === undefined) visit(n);
  return found;
}

/** Every .ts file under lib/, keyed by its path relative to lib/. */
function readLib(): Map<string, string> {
  const root = new URL("../lib/", import.meta.url);
  const files = new Map<string, string>();
  const walk = (dir: URL, rel: string): void => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
      else if (e.name.endsWith(".ts")) {
        files.set(`${rel}${e.name}`, Deno.readTextFileSync(new URL(e.name, dir)));
      }
    }
  };
  walk(root, "");
  return files;
}

Deno.test("layering: every lib/ import goes down the layer order", () => {
  const files = readLib();
  assert.ok(files.has("block/block_graph.ts") && files.has("machine/virtio_blk.ts"));
  assert.deepEqual(layeringErrors(edgesOf(files)), []);
});

Deno.test("layering: no import circle in lib/", () => {
  const edges = edgesOf(readLib());
  for (const skip of TYPE_EDGES_OUTSIDE_CIRCLE_CHECK) {
    const e = edges.find((x) => `${x.from} -> ${x.to}` === skip && x.isStatic);
    if (e !== undefined) {
      assert.ok(e.typeOnly, `${skip} is left out of the circle check only while it is type-only`);
    }
  }
  assert.deepEqual(circles(edges, TYPE_EDGES_OUTSIDE_CIRCLE_CHECK), []);
});

Deno.test("layering: the checks see upward imports, imports outside lib and circles", () => {
  const files = new Map([
    ["sync/a.ts", `import { b } from "../runtime/b.ts";\n`],
    ["runtime/b.ts", `import type { C } from "./c.ts";\nexport const b = 1;\n`],
    [
      "runtime/c.ts",
      `/**\n * import { x } from "../machine/x.ts";\n */\n` +
      `import {\n  type B,\n  b,\n} from "./b.ts";\n` +
      `const w = new URL("../../bench/w.ts", import.meta.url);\n`,
    ],
  ]);
  const edges = edgesOf(files);
  assert.deepEqual(layeringErrors(edges), [
    `sync/a.ts imports runtime/b.ts: layer "sync" may import only itself`,
    `runtime/c.ts imports ../bench/w.ts, outside lib/`,
  ]);
  assert.deepEqual(edges.find((e) => e.from === "runtime/b.ts")?.typeOnly, true);
  assert.deepEqual(
    edges.find((e) => e.to === "runtime/b.ts" && e.from === "runtime/c.ts")?.typeOnly,
    false,
  );
  assert.deepEqual(circles(edges, []), ["runtime/b.ts -> runtime/c.ts -> runtime/b.ts"]);
  assert.deepEqual(circles(edges, ["runtime/b.ts -> runtime/c.ts"]), []);
});
