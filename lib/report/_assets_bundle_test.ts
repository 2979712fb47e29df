import assert from "node:assert/strict";
import { ASSETS_BUNDLE, ASSETS_STAMP } from "./_assets_bundle.ts";

// The rebuild itself (esbuild, compared byte for byte) is checked by
// tools/build_report_assets_test.ts; these checks need no bundler.

Deno.test("assets bundle: its stamp names the versions deno.json pins (else run `deno task assets`)", async () => {
  const deno = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  for (const [name, version] of Object.entries(ASSETS_STAMP.versions)) {
    assert.equal(
      deno.imports[name],
      `npm:${name}@${version}`,
      `lib/report/_assets_bundle.ts was built with ${name} ${version}; run \`deno task assets\``,
    );
  }
});

Deno.test("assets bundle: the text is the one the stamp hashes, and it can be inlined", async () => {
  const bytes = new TextEncoder().encode(ASSETS_BUNDLE);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  assert.equal(ASSETS_STAMP.bytes, bytes.length);
  assert.equal(
    ASSETS_STAMP.sha256,
    Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
  );
  assert.doesNotMatch(ASSETS_BUNDLE, /<\/script|<!--/i);
  assert.match(ASSETS_BUNDLE, /globalThis\.vegaEmbed=/);
});

Deno.test("assets bundle: it defines vega, vegaLite and vegaEmbed, and vega-lite compiles with it", () => {
  const scope: Record<string, unknown> = {};
  new Function("globalThis", "window", "self", ASSETS_BUNDLE)(scope, scope, scope);
  const vegaLite = scope.vegaLite as {
    compile: (s: unknown) => { spec: unknown };
    version: string;
  };
  const vega = scope.vega as { version: string };
  assert.equal(vega.version, ASSETS_STAMP.versions.vega);
  assert.equal(vegaLite.version, ASSETS_STAMP.versions["vega-lite"]);
  assert.equal(typeof scope.vegaEmbed, "function");
  const { spec } = vegaLite.compile({
    data: { values: [{ a: 1 }] },
    mark: "point",
    encoding: { x: { field: "a", type: "quantitative" } },
  });
  assert.equal(typeof spec, "object");
});
