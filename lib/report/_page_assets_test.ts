import assert from "node:assert/strict";
import { BOOT_SCRIPT, BOOT_SCRIPT_SHA256, contentSecurityPolicy, STYLE } from "./_page_assets.ts";

async function sha256Base64(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...d));
}

Deno.test("page assets: BOOT_SCRIPT_SHA256 is the boot script's hash (update it with the value shown)", async () => {
  assert.equal(BOOT_SCRIPT_SHA256, await sha256Base64(BOOT_SCRIPT));
});

Deno.test("page assets: the boot script and style sheet need no escaping to be inlined", () => {
  assert.doesNotMatch(BOOT_SCRIPT, /<\/script|<!--/i);
  assert.doesNotMatch(STYLE, /<\/style|<!--/i);
});

Deno.test("page assets: the policy forbids requests and allows exactly the two hashed scripts", () => {
  const csp = contentSecurityPolicy("QUJD");
  assert.match(csp, /^default-src 'none'; /);
  const script = csp.split("; ").find((d) => d.startsWith("script-src "));
  assert.equal(
    script,
    `script-src 'sha256-${BOOT_SCRIPT_SHA256}' 'sha256-QUJD' 'unsafe-eval'`,
  );
  assert.doesNotMatch(csp, /unsafe-inline'[^;]*script|script-src[^;]*unsafe-inline|https?:/);
});
