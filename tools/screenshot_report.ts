/**
 * Makes the README's screenshot of a report: renders the HTML report of a
 * real run's `result.json`, opens it in headless Chromium
 * (`/usr/bin/chromium`) from `file://`, waits until every chart is drawn
 * and saves the top of the page as a PNG (default `docs/report.png`).
 *
 * ```sh
 * deno task screenshot results/runs/<run>/result.json [--out docs/report.png] [--height 1800]
 * ```
 *
 * @module
 */

import { renderHtmlReport } from "../lib/report/mod.ts";
import { loadResult } from "../lib/result/mod.ts";
import { withChromium } from "../lib/testing/chromium.ts";

/** Where the screenshot goes by default, relative to the repository root. */
export const DEFAULT_OUT = "docs/report.png";

/** The parsed command line. */
export interface ScreenshotArgs {
  /** The result document. */
  result: string;
  /** The PNG to write. */
  out: string;
  /** Viewport width, px. */
  width: number;
  /** Height of the captured top of the page, px (0: the whole page). */
  height: number;
}

/**
 * Parses the command line.
 *
 * @throws {Error} with the usage when an argument is missing or unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseScreenshotArgs } from "./screenshot_report.ts";
 * assert.deepEqual(parseScreenshotArgs(["r.json", "--height", "0"]), {
 *   result: "r.json", out: "docs/report.png", width: 1200, height: 0,
 * });
 * ```
 */
export function parseScreenshotArgs(args: readonly string[]): ScreenshotArgs {
  const usage = "usage: screenshot_report.ts <result.json> [--out FILE.png] [--width PX] " +
    "[--height PX (0: whole page)]";
  const out: ScreenshotArgs = { result: "", out: DEFAULT_OUT, width: 1200, height: 1800 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value; ${usage}`);
      return v;
    };
    const px = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        throw new Error(`${a} expects pixels, found ${v}; ${usage}`);
      }
      return n;
    };
    if (a === "--out") out.out = value();
    else if (a === "--width") out.width = px(value());
    else if (a === "--height") out.height = px(value());
    else if (a.startsWith("-") || out.result !== "") {
      throw new Error(`unexpected argument ${a}; ${usage}`);
    } else out.result = a;
  }
  if (out.result === "") throw new Error(`no result file given; ${usage}`);
  if (!out.out.endsWith(".png")) throw new Error(`--out must name a .png file; ${usage}`);
  if (out.width === 0) throw new Error(`--width must be positive; ${usage}`);
  return out;
}

/** Renders the report of `args.result` and writes its screenshot; returns the bytes written. */
export async function screenshotReport(args: ScreenshotArgs): Promise<number> {
  const doc = loadResult(await Deno.readTextFile(args.result), args.result);
  const html = renderHtmlReport([doc]);
  const dir = await Deno.makeTempDir({ prefix: "aiolab-screenshot-" });
  try {
    const file = `${dir}/report.html`;
    await Deno.writeTextFile(file, html);
    await withChromium(async (browser) => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => void errors.push(String(e)));
      await page.setViewport({ width: args.width, height: args.height || 900 });
      await page.goto(`file://${file}`, { waitUntil: "load", timeout: 120_000 });
      await page.waitForFunction("window.aiolabReport && window.aiolabReport.done", {
        timeout: 120_000,
      });
      if (errors.length > 0) throw new Error(`the report logged errors: ${errors.join("; ")}`);
      const png = await page.screenshot({ fullPage: args.height === 0, type: "png" });
      const slash = args.out.lastIndexOf("/");
      if (slash > 0) await Deno.mkdir(args.out.slice(0, slash), { recursive: true });
      await Deno.writeFile(args.out, png);
    });
    return (await Deno.stat(args.out)).size;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  let args: ScreenshotArgs;
  try {
    args = parseScreenshotArgs(Deno.args);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  const bytes = await screenshotReport(args);
  console.log(`wrote ${args.out} (${bytes} bytes) from ${args.result}`);
}
