import assert from "node:assert/strict";
import { escapeHtml, jsonForScript, scriptText } from "./_escape.ts";

Deno.test("escapeHtml: the five special characters, nothing else", () => {
  assert.equal(escapeHtml(`a<b>c&d"e'f`), "a&lt;b&gt;c&amp;d&quot;e&#39;f");
  assert.equal(escapeHtml("µs ≤ 2 — ok"), "µs ≤ 2 — ok");
  assert.equal(escapeHtml("&amp;"), "&amp;amp;");
});

Deno.test("jsonForScript: round-trips and leaves no markup", () => {
  const value = {
    a: "</script><script>alert(1)</script>",
    b: "<!-- x --> ]]> & \u2028\u2029",
    n: [1, 2.5, null],
  };
  const s = jsonForScript(value);
  assert.doesNotMatch(s, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(s), value);
  assert.throws(() => jsonForScript(undefined), /no JSON form/);
});

Deno.test("scriptText: no closing script tag or comment opener survives, and the code still means the same", () => {
  const js = 'globalThis.x = ["</script>", "</ScRiPt", "<!--", /<\\/script/.source];';
  const out = scriptText(js);
  assert.doesNotMatch(out, /<\/script|<!--/i);
  const run = (code: string) =>
    new Function(`const globalThis = {}; ${code}; return globalThis.x;`)();
  assert.deepEqual(run(out), run(js));
});
