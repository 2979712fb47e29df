import assert from "node:assert/strict";
import {
  ASSETS_MODULE,
  pinnedVersions,
  renderAssetsModule,
  sha256Of,
  STAMPED_PACKAGES,
} from "./build_report_assets.ts";

const PINNED = {
  imports: {
    vega: "npm:vega@6.4.0",
    "vega-lite": "npm:vega-lite@6.5.0",
    "vega-embed": "npm:vega-embed@7.3.0",
    esbuild: "npm:esbuild@0.28.2",
  },
};

Deno.test("pinnedVersions: exact npm pins only, each error naming deno.json, the import and what it found", () => {
  assert.deepEqual(pinnedVersions(JSON.stringify(PINNED)), {
    vega: "6.4.0",
    "vega-lite": "6.5.0",
    "vega-embed": "7.3.0",
    esbuild: "0.28.2",
  });
  const broken = (name: string, spec: string | undefined) =>
    JSON.stringify({ imports: { ...PINNED.imports, [name]: spec } });
  assert.throws(
    () => pinnedVersions(broken("vega-lite", "npm:vega-lite@^6.5.0")),
    /^Error: deno.json: imports."vega-lite" must pin an exact version \("npm:vega-lite@X.Y.Z"\); found "npm:vega-lite@\^6.5.0"$/,
  );
  assert.throws(
    () => pinnedVersions(broken("esbuild", undefined)),
    /imports."esbuild".*found nothing/,
  );
  assert.throws(
    () => pinnedVersions(broken("vega", "npm:vega-lite@6.5.0")),
    /imports."vega" must pin/,
  );
});

Deno.test("pinnedVersions: the real deno.json pins every stamped package", async () => {
  const v = pinnedVersions(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.deepEqual(Object.keys(v), [...STAMPED_PACKAGES]);
});

Deno.test("renderAssetsModule: the bundle survives as a string literal, with its stamp", async () => {
  const bundle = 'globalThis.x = "quote \\" backslash \\\\ µ \u2028";';
  const h = await sha256Of(bundle);
  const stamp = {
    versions: { vega: "1.0.0", "vega-lite": "2.0.0", "vega-embed": "3.0.0", esbuild: "4.0.0" },
    sha256: h.hex,
    sha256Base64: h.base64,
    bytes: new TextEncoder().encode(bundle).length,
  };
  const text = renderAssetsModule(bundle, stamp);
  const url = `data:application/typescript;base64,${
    btoa(String.fromCharCode(...new TextEncoder().encode(text)))
  }`;
  const mod = await import(url);
  assert.equal(mod.ASSETS_BUNDLE, bundle);
  assert.deepEqual(mod.ASSETS_STAMP, stamp);
  assert.equal(h.hex.length, 64);
  assert.match(text, /vega 1\.0\.0 \+ vega-lite 2\.0\.0 \+ vega-embed 3\.0\.0/);
});

Deno.test({
  name: "report assets: a rebuild with esbuild gives the committed lib/report/_assets_bundle.ts " +
    "(else run `deno task assets`)",
  fn: async () => {
    // Run through the task, so that its permissions are the ones checked.
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "assets", "--check"],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.match(text, new RegExp(`${ASSETS_MODULE} is up to date`));
  },
});
