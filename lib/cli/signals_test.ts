import assert from "node:assert/strict";
import { waitFor } from "../testing/wait.ts";

/** Runs testdata/interrupt.ts with its repeat window (ms), gives `body` the child and its stdout. */
async function withListener(
  sameWithinMs: number,
  body: (child: Deno.ChildProcess, out: () => string) => Promise<void>,
): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      new URL("./testdata/interrupt.ts", import.meta.url).pathname,
      String(sameWithinMs),
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) out += chunk;
  })();
  try {
    await waitFor(() => out.includes("ready"), "the child listening", { watch: child.status });
    await body(child, () => out);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await child.status;
    await reading;
    await child.stderr.cancel();
  }
}

Deno.test("signals: the first Ctrl-C aborts, the second exits at once with 130", async () => {
  await withListener(0, async (child, out) => {
    child.kill("SIGINT");
    await waitFor(() => out().includes("aborted"), "the first Ctrl-C seen", {
      watch: child.status,
    });
    assert.match(out(), /ready\nreason AbortError\naborted\n/);
    child.kill("SIGINT");
    const status = await child.status;
    assert.equal(status.code, 130);
    assert.doesNotMatch(out(), /repeat/);
  });
});

Deno.test("signals: a SIGINT within the repeat window of the first is the same Ctrl-C (terminal and deno task both deliver it): ignored", async () => {
  // The window is an hour: every later SIGINT of this test falls in it, however slow the host.
  await withListener(3_600_000, async (child, out) => {
    child.kill("SIGINT");
    await waitFor(() => out().includes("aborted"), "the first Ctrl-C seen", {
      watch: child.status,
    });
    child.kill("SIGINT");
    await waitFor(() => out().includes("repeat"), "the repeat seen", { watch: child.status });
    child.kill("SIGINT");
    await waitFor(() => out().endsWith("repeat\nrepeat\n"), "the second repeat seen", {
      watch: child.status,
    });
    assert.equal(out(), "ready\nreason AbortError\naborted\nrepeat\nrepeat\n");
    // Still running: killed by withListener (SIGKILL, no exit code).
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL");
  });
});
