import assert from "node:assert/strict";
import { browserRequirement, browserRequirementHere, CHROMIUM, withChromium } from "./chromium.ts";

Deno.test("browserRequirement: present runs, missing skips, missing but required runs and fails", () => {
  assert.deepEqual(browserRequirement(true, "1").run, true);
  const skip = browserRequirement(false, undefined);
  assert.equal(skip.run, false);
  assert.match(skip.reason, /ignored: \/usr\/bin\/chromium is missing/);
  assert.equal(browserRequirement(false, "0").run, false);
  const required = browserRequirement(false, "1");
  assert.equal(required.run, true);
  assert.match(required.reason, /AIOLAB_REQUIRE_BROWSER=1: the browser tests fail/);
});

const here = browserRequirementHere();
if (!here.run) console.log(here.reason);

Deno.test({
  name: "withChromium: closes the browser and removes its profile even when the callback throws",
  ignore: !here.run,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    let profile = "";
    let process: { exitCode: number | null } | null = null;
    await assert.rejects(
      withChromium(async (browser) => {
        const arg = browser.process()?.spawnargs.find((a) => a.startsWith("--user-data-dir="));
        profile = arg?.slice("--user-data-dir=".length) ?? "";
        process = browser.process() as unknown as { exitCode: number | null };
        assert.match(await browser.version(), /Chrome|Chromium/);
        throw new Error("from the callback");
      }),
      /from the callback/,
    );
    assert.notEqual(profile, "", `no --user-data-dir in the arguments of ${CHROMIUM}`);
    await assert.rejects(Deno.stat(profile), Deno.errors.NotFound);
    assert.notEqual(process, null);
  },
});
