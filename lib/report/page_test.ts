import assert from "node:assert/strict";
import { renderHtmlReport } from "./page.ts";

Deno.test("renderHtmlReport: an empty report is a whole page", () => {
  const html = renderHtmlReport([]);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<\/html>\s*$/);
});
