import assert from "node:assert/strict";
import { describeHost } from "./host.ts";

const canRunGit = Deno.permissions.querySync({ name: "run", command: "git" }).state === "granted";

Deno.test("describeHost: versions, OS and cores of this process", async () => {
  const h = await describeHost();
  assert.equal(h.deno, Deno.version.deno);
  assert.equal(h.v8, Deno.version.v8);
  assert.equal(h.typescript, Deno.version.typescript);
  assert.equal(h.os, Deno.build.os);
  assert.equal(h.arch, Deno.build.arch);
  assert.equal(h.cores, navigator.hardwareConcurrency);
  assert.ok(h.cpu.length > 0);
});

Deno.test({
  name: "describeHost: the git commit of this checkout, null outside one",
  ignore: !canRunGit,
  async fn() {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const expected = out.success ? new TextDecoder().decode(out.stdout).trim() : null;
    assert.equal((await describeHost()).gitCommit, expected);
    assert.equal((await describeHost({ gitDir: "/" })).gitCommit, null);
  },
});

Deno.test({
  name: "describeHost: the CPU model when sys access to cpus is granted",
  ignore: Deno.permissions.querySync({ name: "sys", kind: "cpus" }).state !== "granted",
  async fn() {
    const { cpus } = await import("node:os");
    assert.equal((await describeHost()).cpu, cpus()[0]?.model.trim() || "unknown");
  },
});
