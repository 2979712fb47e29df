import assert from "node:assert/strict";
import { browserRequirementHere } from "../lib/testing/chromium.ts";
import { parseScreenshotArgs, screenshotReport } from "./screenshot_report.ts";

Deno.test("parseScreenshotArgs: defaults, options, and errors that carry the usage", () => {
  assert.deepEqual(parseScreenshotArgs(["r.json"]), {
    result: "r.json",
    out: "docs/report.png",
    width: 1200,
    height: 1800,
  });
  assert.deepEqual(
    parseScreenshotArgs(["--out", "/tmp/x.png", "r.json", "--width", "800", "--height", "0"]),
    { result: "r.json", out: "/tmp/x.png", width: 800, height: 0 },
  );
  assert.throws(() => parseScreenshotArgs([]), /no result file given; usage:/);
  assert.throws(() => parseScreenshotArgs(["a", "b"]), /unexpected argument b; usage:/);
  assert.throws(() => parseScreenshotArgs(["a", "--out"]), /--out needs a value/);
  assert.throws(() => parseScreenshotArgs(["a", "--out", "x.jpg"]), /must name a \.png/);
  assert.throws(() => parseScreenshotArgs(["a", "--height", "-1"]), /expects pixels, found -1/);
  assert.throws(() => parseScreenshotArgs(["a", "--width", "0"]), /--width must be positive/);
});

const here = browserRequirementHere();
if (!here.run) console.log(here.reason);

Deno.test({
  name: "screenshotReport: writes a PNG of the fixture's report",
  ignore: !here.run,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const out = `${await Deno.makeTempDir({ prefix: "aiolab-shot-" })}/shot.png`;
    const result = new URL("../lib/report/testdata/default_result.json", import.meta.url).pathname;
    const bytes = await screenshotReport({ result, out, width: 800, height: 600 });
    const png = await Deno.readFile(out);
    assert.equal(bytes, png.length);
    assert.deepEqual([...png.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // The PNG's IHDR holds the viewport size.
    const view = new DataView(png.buffer, png.byteOffset);
    assert.deepEqual([view.getUint32(16), view.getUint32(20)], [800, 600]);
    await Deno.remove(out.slice(0, out.lastIndexOf("/")), { recursive: true });
  },
});
