/**
 * Headless Chromium for the report's browser tests and the README
 * screenshot: Debian's `/usr/bin/chromium` driven by puppeteer-core over a
 * pipe (no loopback WebSocket), with a fresh profile in a temporary folder,
 * networking features off, and an empty environment for the child (so that
 * puppeteer never reads the whole environment).
 *
 * Test support only: not re-exported from any `mod.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { browserRequirement } from "./chromium.ts";
 * const r = browserRequirement(false, "1");
 * assert.equal(r.run, true);
 * assert.match(r.reason, /AIOLAB_REQUIRE_BROWSER=1/);
 * ```
 *
 * @module
 */

import puppeteer, { type Browser } from "puppeteer-core";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Environment variable that turns a missing browser from a skip into a failure. */
export const REQUIRE_BROWSER_ENV = "AIOLAB_REQUIRE_BROWSER";

/** Whether the browser tests run, and why (shown when they are skipped). */
export interface BrowserRequirement {
  /** Run the tests (they fail if the browser is missing but required). */
  run: boolean;
  /** One sentence for the test output. */
  reason: string;
}

/**
 * The decision for a browser test: with the browser present it runs; with
 * the browser missing it is skipped, unless `required` (the value of
 * `AIOLAB_REQUIRE_BROWSER`) is "1", in which case it runs and fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { browserRequirement } from "./chromium.ts";
 * assert.equal(browserRequirement(true, undefined).run, true);
 * assert.equal(browserRequirement(false, undefined).run, false);
 * ```
 */
export function browserRequirement(
  present: boolean,
  required: string | undefined,
): BrowserRequirement {
  if (present) return { run: true, reason: `${CHROMIUM} found` };
  if (required === "1") {
    return {
      run: true,
      reason: `${CHROMIUM} is missing and ${REQUIRE_BROWSER_ENV}=1: the browser tests fail ` +
        "(install it with `apt-get install -y chromium`)",
    };
  }
  return {
    run: false,
    reason: `browser tests ignored: ${CHROMIUM} is missing (apt-get install -y chromium); ` +
      `set ${REQUIRE_BROWSER_ENV}=1 to make them fail instead`,
  };
}

/**
 * {@link browserRequirement} for this machine: needs read access to
 * {@link CHROMIUM} and env access to `AIOLAB_REQUIRE_BROWSER`.
 */
export function browserRequirementHere(): BrowserRequirement {
  let present = false;
  try {
    present = Deno.statSync(CHROMIUM).isFile;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return browserRequirement(present, Deno.env.get(REQUIRE_BROWSER_ENV));
}

/**
 * Runs `fn` with a freshly launched headless Chromium and always closes it
 * and removes its profile folder. Needs `--allow-run` of the browser, read
 * of {@link CHROMIUM}, read and write in /tmp, and env access to
 * `WS_NO_BUFFER_UTIL`, `PUPPETEER_TEST_EXPERIMENTAL_CHROME_FEATURES`,
 * `PUPPETEER_DANGEROUS_NO_SANDBOX` and `NODE_V8_COVERAGE` (puppeteer-core
 * reads them at start).
 *
 * @throws {Error} naming {@link CHROMIUM} when the browser is missing.
 */
export async function withChromium<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  try {
    Deno.statSync(CHROMIUM);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\``);
    }
    throw err;
  }
  const profile = await Deno.makeTempDir({ prefix: "aiolab-chromium-" });
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      pipe: true,
      env: {},
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
      ],
    });
    return await fn(browser);
  } finally {
    try {
      await browser?.close();
    } finally {
      await Deno.remove(profile, { recursive: true });
    }
  }
}
