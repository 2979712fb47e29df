/**
 * The fixed parts of the HTML report: its style sheet, the boot script that
 * draws every chart with vega-embed, and the Content-Security-Policy that
 * lets only these two inline scripts and the vega bundle run (vega compiles
 * expressions, hence `'unsafe-eval'`) and forbids every request. Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentSecurityPolicy } from "./_page_assets.ts";
 * assert.match(contentSecurityPolicy("abc="), /default-src 'none'/);
 * ```
 *
 * @module
 */

/**
 * The boot script: parses the page's JSON data, draws each chart into its
 * `[data-chart]` element with vega-embed (SVG, no action menu), shows a
 * failed chart's error as text and logs it with `console.error` (as it does
 * when the bundle did not load), and keeps
 * its progress in `window.aiolabReport` (`done`, `views`, `errors`, `ms`:
 * time from navigation start to the last chart drawn).
 */
export const BOOT_SCRIPT = `(() => {
  "use strict";
  const status = { done: false, views: 0, errors: [], ms: 0 };
  window.aiolabReport = status;
  if (typeof vegaEmbed !== "function") {
    status.errors.push("the vega bundle did not load");
    console.error("aiolab report: the vega bundle did not load; no chart can be drawn");
    status.done = true;
    return;
  }
  const data = JSON.parse(document.getElementById("aiolab-data").textContent);
  const jobs = Array.from(document.querySelectorAll("[data-chart]"), (el) => {
    const chart = data.charts[Number(el.getAttribute("data-chart"))];
    return vegaEmbed(el, chart.spec, { actions: false, renderer: "svg" }).then(
      () => { status.views++; },
      (err) => {
        const message = String((err && err.message) || err);
        status.errors.push(chart.id + ": " + message);
        el.textContent = "This chart could not be drawn: " + message;
        el.classList.add("chart-error");
        console.error("aiolab report: chart " + chart.id + " could not be drawn:", err);
      },
    );
  });
  Promise.all(jobs).then(() => {
    status.ms = performance.now();
    status.done = true;
    document.documentElement.setAttribute("data-rendered", String(status.views));
  });
})();`;

/** SHA-256 of {@link BOOT_SCRIPT}, base64 (a CSP hash source; `_page_assets_test.ts` checks it). */
export const BOOT_SCRIPT_SHA256 = "IZkxhisxRFYHNYl2uDou0UYn6TmlWLzqssN4PqNbvTk=";

/**
 * The page's Content-Security-Policy: no request of any kind, scripts only
 * the boot script and the bundle whose hash is given, inline styles (vega
 * writes style attributes), images only as data: URLs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentSecurityPolicy } from "./_page_assets.ts";
 * assert.match(contentSecurityPolicy("abc="), /'sha256-abc=' 'unsafe-eval'/);
 * ```
 */
export function contentSecurityPolicy(bundleSha256Base64: string): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${BOOT_SCRIPT_SHA256}' 'sha256-${bundleSha256Base64}' 'unsafe-eval'`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "font-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/**
 * The style sheet: a readable column, tables that scroll sideways in a
 * narrow window, verdicts marked by symbol and weight as well as by a
 * colour-blind-safe blue/orange (so they survive greyscale), and a print
 * layout without backgrounds that keeps each chart on one page.
 */
export const STYLE = `
:root { color-scheme: light; --fg: #1a1a1a; --muted: #555; --line: #ccc; --better: #d6e6f5; --worse: #fbd9b5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 0.25rem; overflow-wrap: anywhere; }
p { margin: 0.4rem 0; }
.subtitle, .note, .look-for { color: var(--muted); }
.look-for::before { content: "Look for: "; font-weight: 600; }
.description { max-width: 48rem; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5rem 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
th { background: #f2f2f2; }
.v-better { background: var(--better); }
.v-worse { background: var(--worse); font-weight: 700; }
.v-same { color: var(--muted); }
.pass { font-weight: 600; }
.fail { font-weight: 700; background: var(--worse); }
.chart { margin: 1rem 0 1.5rem; break-inside: avoid; page-break-inside: avoid; }
.view { overflow-x: auto; max-width: 100%; min-height: 2rem; }
.view svg { max-width: 100%; height: auto; }
.chart-error { color: #8a1c00; font-weight: 600; }
pre { background: #f6f6f6; padding: 0.5rem; overflow-x: auto; font-size: 0.85rem; }
code { overflow-wrap: anywhere; }
dl.manifest { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0.5rem 0; }
dl.manifest dt { font-weight: 600; }
dl.manifest dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  main { padding: 0.5rem; }
  dl.manifest { grid-template-columns: 1fr; }
  dl.manifest dd { margin-left: 1rem; }
}
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .scroll, .view { overflow: visible; }
  th { background: none; }
  .v-better, .v-worse, .fail { background: none; }
  details { display: block; }
  h2 { break-after: avoid; page-break-after: avoid; }
}
`;
