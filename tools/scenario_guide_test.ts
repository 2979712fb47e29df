// The README's scenario guide is what tools/scenario_guide.ts generates
// (whitespace aside: deno fmt rewraps and aligns it), and every scenario
// snippet in it is valid: each JSON example validates and expands, and the
// TypeScript example loads as a scenario file.
import assert from "node:assert/strict";
import { expandScenario, loadScenario, validateScenario } from "../lib/scenario/mod.ts";
import {
  BEGIN_MARKER,
  END_MARKER,
  GUIDE_EXAMPLES,
  README_FILE,
  renderGuide,
  replaceGuide,
  SCHEMA_FILE,
  schemaDocs,
} from "./scenario_guide.ts";

const readme = await Deno.readTextFile(README_FILE);
const schemaSource = await Deno.readTextFile(SCHEMA_FILE);

function guideSection(text: string): string {
  const a = text.indexOf(BEGIN_MARKER);
  const b = text.indexOf(END_MARKER);
  assert.ok(a >= 0 && b > a, `${README_FILE} has the guide's markers`);
  return text.slice(a, b + END_MARKER.length);
}

/** Text without whitespace, with table rules shortened (what deno fmt leaves alone). */
function normalized(text: string): string {
  return text.replace(/-{3,}/g, "---").replace(/\s+/g, "");
}

function codeBlocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)\\n```", "g"))].map((m) =>
    m[1]
  );
}

Deno.test("scenario guide: the README section is up to date (run deno task guide)", () => {
  assert.equal(
    normalized(guideSection(readme)),
    normalized(renderGuide(schemaSource)),
    `${README_FILE}'s scenario guide is stale: run \`deno task guide\``,
  );
});

Deno.test("scenario guide: every JSON example in the README validates and expands", () => {
  const blocks = codeBlocks(guideSection(readme), "json");
  assert.equal(blocks.length, GUIDE_EXAMPLES.length, "one JSON block per example");
  for (const text of blocks) {
    const input = JSON.parse(text);
    const runs = expandScenario(validateScenario(input, `${README_FILE}: ${input.name}`));
    assert.ok(runs.length >= 1, input.name);
  }
});

Deno.test("scenario guide: the examples cover every feature the guide promises", () => {
  const all = GUIDE_EXAMPLES.map((e) => JSON.stringify(e.scenario)).join("\n");
  const sweeps = GUIDE_EXAMPLES.flatMap((e) => expandScenario(validateScenario(e.scenario)))
    .filter((r) => Object.keys(r.label).length > 0);
  assert.ok(sweeps.length >= 9, "a sweep of 3 x 3 values");
  for (
    const [feature, needle] of [
      ["open loop Poisson", '"kind":"poisson"'],
      ["a move", '"move":"disk0"'],
      ["thresholds", '"thresholds":['],
      ["tcg", '"accel":"tcg"'],
      ["kvm", '"accel":"kvm"'],
      ["ioeventfd off", '"ioeventfd":false'],
      ["the file driver", '"kind":"file"'],
      ["iothread-vq-mapping", '"disk0":["io0","io1"]'],
      ["seed locking", '"locking":"seed"'],
      ["modern locking", '"locking":"modern"'],
      ["VNC frames", '"vnc":'],
      ["QMP commands", '"qmp":'],
      ["a BQL hog", '"bqlHog":'],
      ["main-loop timers", '"timers":'],
      ["exits under the BQL", '"exits":'],
      ["own IOThreads", '"own"'],
    ]
  ) assert.ok(all.includes(needle), `an example of ${feature} (${needle})`);
});

Deno.test("scenario guide: the TypeScript example loads as a scenario file", async () => {
  const [ts] = codeBlocks(guideSection(readme), "ts");
  assert.ok(ts !== undefined, "a ts block");
  const mod = new URL("../lib/scenario/mod.ts", import.meta.url).href;
  const dir = await Deno.makeTempDir({ prefix: "aiolab-guide-" });
  try {
    const file = `${dir}/my-disk.ts`;
    await Deno.writeTextFile(file, ts.replace('"./lib/scenario/mod.ts"', JSON.stringify(mod)));
    const { scenario } = await loadScenario(file);
    assert.equal(scenario.name, "my-disk");
    assert.deepEqual(Object.keys(scenario.placements), ["main", "iothread"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scenario guide: missing markers or docs are errors naming the file", () => {
  assert.throws(() => replaceGuide("no markers", "x"), /README\.md: expected the markers/);
  assert.throws(() => schemaDocs("const x = 1;"), /schema\.ts: no module documentation/);
  assert.throws(() => schemaDocs("/**\n * text\n */\n"), /schema\.ts: the field table is missing/);
  const replaced = replaceGuide(`a\n${BEGIN_MARKER}\nold\n${END_MARKER}\nb`, "NEW");
  assert.equal(replaced, "a\nNEW\nb");
});
