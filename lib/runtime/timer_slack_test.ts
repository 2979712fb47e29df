import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DEFAULT_TIMER_SLACK_NS, getTimerSlack, LIBC_PATHS, setTimerSlack } from "./timer_slack.ts";

const ffiGranted = LIBC_PATHS.some((path) =>
  Deno.permissions.querySync({ name: "ffi", path }).state === "granted"
);

Deno.test("timer slack: without --allow-ffi nothing changes and the reason names the flag", () => {
  if (ffiGranted) return; // the test task grants no FFI; the child test below covers the other case
  const r = setTimerSlack(1);
  assert.equal(r.applied, false);
  if (!r.applied) {
    assert.match(r.reason, Deno.build.os === "linux" ? /--allow-ffi/ : /Linux/);
    assert.match(r.reason, new RegExp(`${DEFAULT_TIMER_SLACK_NS / 1000} us|Linux`));
  }
  assert.equal(getTimerSlack(), null);
});

Deno.test("timer slack: refuses a slack that is not a positive integer of ns", () => {
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 32]) {
    assert.throws(() => setTimerSlack(bad), RangeError);
  }
});

Deno.test("timer slack: set in a process's main thread, a Worker started later inherits it", async () => {
  if (Deno.build.os !== "linux") return;
  const child = fileURLToPath(new URL("./testdata/timer_slack_child.ts", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${fileURLToPath(new URL("./", import.meta.url))}`,
      `--allow-ffi=${LIBC_PATHS.join(",")}`,
      child,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim());
  assert.equal(r.set.applied, true, JSON.stringify(r.set));
  assert.equal(r.set.slackNs, 1);
  assert.equal(r.set.previousNs, r.before);
  assert.equal(r.inWorker, 1);
});

Deno.test("timer slack: the bench and aiolab tasks grant --allow-ffi for exactly LIBC_PATHS", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  for (const task of ["bench", "aiolab"]) {
    const m = config.tasks[task].match(/--allow-ffi=(\S+)/);
    assert.ok(m, `task ${task} has no --allow-ffi=<paths>`);
    assert.deepEqual(m[1].split(","), [...LIBC_PATHS], `task ${task}`);
  }
});
