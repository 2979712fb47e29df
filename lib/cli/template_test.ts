import assert from "node:assert/strict";
import { loadScenario } from "../scenario/load.ts";
import { expandScenario } from "../scenario/expand.ts";
import { scenarioTemplate } from "./template.ts";

Deno.test("template: the new scenario loads, validates and compares two placements", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-template-" });
  try {
    const file = `${dir}/my-disk.ts`;
    const mod = new URL("../scenario/mod.ts", import.meta.url).href;
    await Deno.writeTextFile(file, scenarioTemplate("my-disk", mod));
    const { scenario } = await loadScenario(file);
    assert.equal(scenario.name, "my-disk");
    assert.deepEqual(Object.keys(scenario.placements), ["main", "iothread"]);
    assert.equal(scenario.duration, 3e9);
    assert.equal(scenario.placements.iothread.iothreads.io0.pollMaxNs, 32000);
    assert.equal(expandScenario(scenario).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("template: the name and the import are written as string literals", () => {
  const text = scenarioTemplate("a-b", 'odd"path.ts');
  assert.match(text, /^import \{ defineScenario \} from "odd\\"path\.ts";$/m);
  assert.match(text, /^ {2}name: "a-b",$/m);
});
