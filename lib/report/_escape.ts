/**
 * Escaping for the HTML page: text and attribute values, JSON inside a
 * `<script type="application/json">`, and JavaScript inlined in a
 * `<script>`. Every string that came from a user passes through one of
 * these before it reaches the page. Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./_escape.ts";
 * assert.equal(escapeHtml("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
 * ```
 *
 * @module
 */

const HTML: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * `text` escaped for HTML text and for a quoted attribute value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./_escape.ts";
 * assert.equal(escapeHtml("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c]);
}

/**
 * `value` as JSON that is safe inside a `<script>` element: `<`, `>`, `&`
 * and the line separators U+2028 / U+2029 become `\u` escapes, so no
 * `</script`, `<!--` or `]]>` can appear; `JSON.parse` gives `value` back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonForScript } from "./_escape.ts";
 * const s = jsonForScript({ name: "</script><!--" });
 * assert.doesNotMatch(s, /</);
 * assert.deepEqual(JSON.parse(s), { name: "</script><!--" });
 * ```
 */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("jsonForScript: the value has no JSON form");
  return json.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * JavaScript source made safe to inline in a `<script>` element: every
 * `</script` (any case) becomes `<\/script` and every `<!--` becomes
 * `<\!--`, which mean the same inside JavaScript string literals and
 * regular expressions without the `u` flag, where such text can occur.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scriptText } from "./_escape.ts";
 * assert.equal(scriptText('s = "</SCRIPT><!--";'), 's = "<\\/SCRIPT><\\!--";');
 * ```
 */
export function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}
