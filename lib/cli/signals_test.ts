import assert from "node:assert/strict";
import { waitFor } from "../testing/wait.ts";

Deno.test("signals: the first Ctrl-C aborts, the second exits at once with 130", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", new URL("./testdata/interrupt.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) out += chunk;
  })();
  try {
    await waitFor(() => out.includes("ready"), "the child listening", { watch: child.status });
    child.kill("SIGINT");
    await waitFor(() => out.includes("aborted"), "the first Ctrl-C seen", { watch: child.status });
    assert.match(out, /ready\nreason AbortError\naborted\n/);
    child.kill("SIGINT");
    const status = await child.status;
    assert.equal(status.code, 130);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await child.status;
    await reading;
    await child.stderr.cancel();
  }
});
