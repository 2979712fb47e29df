import assert from "node:assert/strict";

Deno.test("io: stdout and stderr get exactly the text written, large writes included", async () => {
  const code = `import { denoIo } from ${JSON.stringify(new URL("./io.ts", import.meta.url).href)};
const io = denoIo(); io.out("a\\n"); io.err("b\\n"); io.out("x".repeat(1 << 20)); io.out("\\nend");
Deno.exit(0);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0);
  assert.equal(stdout, `a\n${"x".repeat(1 << 20)}\nend`);
  assert.equal(new TextDecoder().decode(out.stderr), "b\n");
});
