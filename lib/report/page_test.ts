import assert from "node:assert/strict";
import { ASSETS_BUNDLE, ASSETS_STAMP } from "./_assets_bundle.ts";
import { BOOT_SCRIPT } from "./_page_assets.ts";
import { renderHtmlReport, type ReportDocumentInput } from "./page.ts";
import { sampleCharts } from "./testdata/sample_charts.ts";

async function fixture(): Promise<ReportDocumentInput> {
  return JSON.parse(
    await Deno.readTextFile(new URL("./testdata/default_result.json", import.meta.url)),
  );
}

async function sha256Base64(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...d));
}

/** The inline scripts' texts, in page order. */
function scripts(html: string): { attrs: string; text: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({
    attrs: m[1],
    text: m[2],
  }));
}

/** The text of the element with the given id, tags removed (entities kept). */
function section(html: string, id: string): string {
  const m = html.match(
    new RegExp(`<section id="${id}">([\\s\\S]*?)</section>\\n(?=<section id=|</main>)`),
  );
  assert.ok(m !== null, `no section #${id}`);
  return m[1];
}

Deno.test("renderHtmlReport: an empty report is a whole page", () => {
  const html = renderHtmlReport([]);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<\/html>\s*$/);
  assert.match(html, /No result documents\./);
});

Deno.test("renderHtmlReport: the default suite's page holds the summary, charts, thresholds and manifest, and weighs <= 2 MB", async () => {
  const doc = await fixture();
  const charts = sampleCharts(["main", "iothread"]);
  const html = renderHtmlReport([doc], {
    charts,
    thresholds: ["iothread.disk0.p99 < main.disk0.p99", "*.disk0.p99.9 < 1us"],
    description: "A description given on the command line.",
  });
  assert.ok(new TextEncoder().encode(html).length <= 2 * 1024 * 1024);
  assert.match(html, /<title>aiolab report: default<\/title>/);
  assert.match(html, /<p class="description">A description given on the command line\.<\/p>/);
  const summary = section(html, "summary");
  // Measured values per placement, then iothread against main with intervals and verdicts.
  assert.match(summary, /<td>main<\/td><td>disk0<\/td><td class="num">2<\/td>/);
  assert.match(summary, /<td>iothread<\/td><td>disk0<\/td>/);
  assert.match(summary, /Each placement against “main”/);
  for (const metric of ["p50", "p99", "p99.9", "iops"]) {
    assert.match(
      summary,
      new RegExp(
        `<td>disk0</td><td>iothread</td><td>main</td><td>${
          metric.replace(".", "\\.")
        }</td>.*?<td class="num">\\[[0-9.]+, [0-9.]+\\]</td>.*?<td class="v-[a-z]+">(▼ better|▲ worse|= no significant difference)</td>`,
      ),
    );
  }
  assert.match(summary, /95% interval/);
  const chartsHtml = section(html, "charts");
  assert.equal(chartsHtml.match(/data-chart="\d"/g)?.length, 2);
  assert.match(chartsHtml, /<p class="look-for">One dot per placement and percentile\.<\/p>/);
  const thresholds = section(html, "thresholds");
  assert.match(thresholds, /2 of 3 checks fail\./);
  assert.match(thresholds, /iothread\.disk0\.p99 &lt; main\.disk0\.p99/);
  assert.match(thresholds, /<td class="fail">✘ FAIL<\/td>/);
  const manifest = section(html, "manifest");
  for (
    const want of [
      "linux, x86_64, AMD EPYC, 2 cores",
      "Deno 2.9.6",
      "<dt>seed</dt><dd>1</dd>",
      "idle timer lateness p50 1.16 ms",
      "aiolab run default --duration 1s",
      "vega 6.4.0, vega-lite 6.5.0, vega-embed 7.3.0",
    ]
  ) assert.ok(manifest.includes(want), `the manifest lacks ${want}`);
  // The data: JSON that parses back to the charts given.
  const [data, bundle, boot] = scripts(html);
  assert.match(data.attrs, /type="application\/json"/);
  const parsed = JSON.parse(data.text);
  assert.deepEqual(parsed.charts.map((c: { spec: unknown }) => c.spec), charts.map((c) => c.spec));
  assert.equal(parsed.thresholds.length, 3);
  assert.equal(bundle.text, ASSETS_BUNDLE);
  assert.equal(boot.text, BOOT_SCRIPT);
});

Deno.test("renderHtmlReport: the manifest names the widest time-base offset bound of any thread, and says nothing for documents without one", async () => {
  const doc = await fixture();
  assert.ok(!section(renderHtmlReport([doc]), "manifest").includes("<dt>time base</dt>"));
  const runs = doc.runs.map((run, i) =>
    run.report === null ? run : {
      ...run,
      report: {
        ...run.report,
        contexts: Object.fromEntries(
          Object.entries(run.report.contexts).map((
            [k, c],
          ) => [k, { ...c, clockUncertaintyNs: 400 }]),
        ),
        vcpus: (run.report.vcpus ?? []).map((v) => ({ ...v, clockUncertaintyNs: 2500 + i })),
      },
    }
  );
  assert.ok(runs.some((r) => (r.report?.vcpus ?? []).length > 0), "the fixture has vCPUs");
  const manifest = section(renderHtmlReport([{ ...doc, runs }]), "manifest");
  const last = runs.findLast((r) => (r.report?.vcpus ?? []).length > 0)!;
  assert.match(
    manifest,
    new RegExp(
      `<dt>time base</dt><dd>each thread&#39;s offset to the shared clock known to within 2\\.5 us ` +
        `at worst \\(${last.report!.vcpus![0].thread}, ${last.placement} rep ${last.repetition}\\)`,
    ),
  );
});

Deno.test("renderHtmlReport: the thresholds stored in the document's scenario are evaluated before the given ones", async () => {
  const doc = await fixture();
  doc.manifest.scenario = { ...doc.manifest.scenario!, thresholds: ["*.disk0.p50 < 1s"] };
  const html = renderHtmlReport([doc], { charts: [], thresholds: ["main.disk0.p50 < 1ns"] });
  const thresholds = section(html, "thresholds");
  assert.match(thresholds, /1 of 3 checks fail/);
  assert.ok(thresholds.indexOf("*.disk0.p50 &lt; 1s") < thresholds.indexOf("main.disk0.p50"));
});

Deno.test("renderHtmlReport: several documents give the compare view, the first as reference", async () => {
  const a = await fixture();
  const b = await fixture();
  b.manifest.startTime = "2026-12-02T00:00:00.000Z";
  const html = renderHtmlReport([a, b], { charts: [] });
  assert.match(html, /<title>aiolab report: default<\/title>/);
  assert.match(html, /Compares 2 results; the first is the reference\./);
  const summary = section(html, "summary");
  assert.match(summary, /#2: default, 2026-12-02T00:00:00\.000Z against #1 \(reference\): default/);
  // A result against itself: no significant difference anywhere in the cross-document table.
  const cross = summary.slice(0, summary.indexOf("<h3>#1 (reference)"));
  assert.match(cross, /No regression beyond the noise threshold\./);
  assert.equal(cross.match(/<td class="v-same">/g)?.length, 8);
  assert.doesNotMatch(cross, /v-better|v-worse/);
  assert.equal(section(html, "manifest").match(/<dt>scenario<\/dt>/g)?.length, 2);
});

Deno.test("renderHtmlReport: every user string is escaped in text, attributes and inline JSON", async () => {
  const doc = await fixture();
  const evil = `</script><script>alert(1)</script><!--"'&`;
  doc.manifest.scenario = { ...doc.manifest.scenario!, name: evil, description: evil };
  doc.manifest.commandLine = [evil];
  const charts = sampleCharts(["main", evil]).map((c) => ({ ...c, title: evil, lookFor: evil }));
  const html = renderHtmlReport([doc], { charts, title: evil });
  assert.equal(html.match(/<script\b/g)?.length, 3);
  assert.equal(html.match(/<\/script>/g)?.length, 3);
  assert.doesNotMatch(html.replace(ASSETS_BUNDLE, ""), /alert\(1\)<\/script>|<!--|"'&</);
  assert.match(
    html,
    /<title>&lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;!--&quot;&#39;&amp;<\/title>/,
  );
  assert.match(html, /aria-label="&lt;\/script&gt;/);
  const [data] = scripts(html);
  assert.deepEqual(JSON.parse(data.text).charts[0].title, evil);
});

Deno.test("renderHtmlReport: the Content-Security-Policy allows exactly the page's two scripts and no request", async () => {
  const html = renderHtmlReport([], { charts: sampleCharts(["a"]) });
  const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1]
    .replaceAll("&#39;", "'");
  assert.ok(csp !== undefined);
  assert.match(csp, /^default-src 'none';/);
  const [, bundle, boot] = scripts(html);
  const allowed = [...csp.matchAll(/'sha256-([^']+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(
    allowed,
    [await sha256Base64(bundle.text), await sha256Base64(boot.text)].sort(),
  );
  assert.equal(ASSETS_STAMP.sha256Base64, await sha256Base64(ASSETS_BUNDLE));
});
