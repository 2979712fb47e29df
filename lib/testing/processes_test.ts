import assert from "node:assert/strict";
import { descendants, isRunning, workerThreads } from "./processes.ts";

Deno.test("processes: descendants of descendants are found, and end with them", async () => {
  // A shell whose child sleeps: the sleep is a grandchild of this process.
  const sh = new Deno.Command("sh", { args: ["-c", "sleep 30 & wait"] }).spawn();
  try {
    let tree = await descendants(Deno.pid);
    for (let i = 0; i < 500 && !tree.some((p) => p.args.startsWith("sleep")); i++) {
      await new Promise((r) => setTimeout(r, 10));
      tree = await descendants(Deno.pid);
    }
    const sleep = tree.find((p) => p.args.startsWith("sleep 30"));
    assert.ok(sleep !== undefined, JSON.stringify(tree));
    assert.equal(sleep.ppid, sh.pid);
    assert.ok(await isRunning(sleep.pid));
    Deno.kill(sleep.pid, "SIGKILL");
    await sh.status;
    assert.equal(await isRunning(sleep.pid), false);
    assert.equal(await isRunning(sh.pid), false);
  } finally {
    try {
      sh.kill("SIGKILL");
    } catch { /* already exited */ }
    await sh.status;
  }
  assert.deepEqual(await descendants(Deno.pid), []);
});

Deno.test("processes: a gone process has no Worker threads", async () => {
  assert.equal(await workerThreads(2 ** 22 + 1), 0);
});
