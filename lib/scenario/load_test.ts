import assert from "node:assert/strict";
import { loadScenario } from "./load.ts";
import { ScenarioError } from "./scenario_error.ts";

async function inTemp(files: Record<string, string>, fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-scenario-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function loadError(file: string): Promise<ScenarioError> {
  try {
    await loadScenario(file);
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.ok(!e.message.includes("\n    at "), "no stack trace");
    return e;
  }
  throw new Error(`${file} loaded`);
}

const modUrl = new URL("./mod.ts", import.meta.url).href;

Deno.test("loadScenario: a JSON and a TypeScript scenario resolve to the same scenario", async () => {
  const body = {
    name: "same",
    duration: "2s",
    devices: [{ id: "disk0", queueDepth: [1, 4], driver: { kind: "null", latency: "50us" } }],
    placements: {
      main: {},
      io: { iothreads: { io0: { pollMaxNs: "4us" } }, map: { disk0: "io0" } },
    },
  };
  await inTemp({
    "same.json": JSON.stringify({ $schema: "../scenario.schema.json", ...body }, null, 2),
    "same.ts": `import { defineScenario } from ${JSON.stringify(modUrl)};\n` +
      `export default defineScenario(${JSON.stringify(body)});\n`,
  }, async (dir) => {
    const a = await loadScenario(`${dir}/same.json`);
    const b = await loadScenario(`${dir}/same.ts`);
    assert.deepEqual(a.scenario, b.scenario);
    assert.equal(a.scenario.duration, 2e9);
    assert.deepEqual(a.scenario.devices[0].queueDepth, { sweep: [1, 4] });
    assert.match(b.text, /defineScenario/);
    assert.equal(b.file, `${dir}/same.ts`);
  });
});

Deno.test("loadScenario: file problems are scenario errors naming the file", async () => {
  await inTemp({
    "empty.json": "  \n",
    "empty.ts": "",
    "bad.json": "{ name: 1 }",
    "throws.ts": 'throw new Error("boom\\nsecond line");\nexport default 1;\n',
    "syntax.ts": "export default {;\n",
    "nodefault.ts": "export const a = 1;\n",
    "plain.ts": 'export default { name: "x" };\n',
    "notes.yaml": "name: x\n",
    "invalid.json":
      '{ "name": "x", "devices": [{ "id": "d", "queueDepht": 2 }], "placements": { "a": {} } }',
  }, async (dir) => {
    const cases: [string, string][] = [
      ["nope.ts", "expected a scenario file (.ts, .mts, .js, .mjs or .json), got no such file."],
      [
        "",
        "expected a scenario file (.ts, .mts, .js, .mjs or .json), got a directory. It holds bad.json, empty.json, empty.ts, invalid.json, nodefault.ts, plain.ts and 2 more.",
      ],
      [
        "empty.json",
        "expected a scenario file (.ts, .mts, .js, .mjs or .json), got an empty file.",
      ],
      ["empty.ts", "expected a scenario file (.ts, .mts, .js, .mjs or .json), got an empty file."],
      [
        "notes.yaml",
        'expected a scenario file (.ts, .mts, .js, .mjs or .json), got a file ending in ".yaml".',
      ],
      ["throws.ts", "expected a module that imports without error, got an error on import: boom."],
      [
        "nodefault.ts",
        'expected a default export made with defineScenario({...}), got no default export (exports: a). Write `export default defineScenario({ ... })`, importing defineScenario from "lib/scenario/mod.ts".',
      ],
      [
        "plain.ts",
        "expected a default export made with defineScenario({...}), got a default export that is a plain object, not made by defineScenario. Wrap it: `export default defineScenario({ ... })`.",
      ],
      [
        "invalid.json",
        'at devices[0].queueDepht: expected one of the keys id, count, kind, queues, queueDepth, requestSize, readFraction, ioeventfd, driver, arrival, got the unknown key "queueDepht". Did you mean "queueDepth"?',
      ],
    ];
    for (const [name, tail] of cases) {
      const file = name === "" ? dir : `${dir}/${name}`;
      const e = await loadError(file);
      assert.equal(e.message, `${file}: ${tail}`, name);
      assert.equal(e.file, file);
    }
    const bad = await loadError(`${dir}/bad.json`);
    assert.match(bad.message, /: expected a JSON scenario, got text that is not JSON \(.+\)\.$/);
    const syntax = await loadError(`${dir}/syntax.ts`);
    assert.match(
      syntax.message,
      /: expected a module that imports without error, got an error on import: /,
    );
  });
});

Deno.test("loadScenario: a directory lists the scenarios it holds", async () => {
  const e = await loadError("scenarios");
  assert.match(
    e.message,
    /^scenarios: expected a scenario file .*, got a directory\. It holds .*default\.ts/,
  );
  assert.doesNotMatch(e.message, /_test\.ts/);
});
