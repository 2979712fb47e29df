import assert from "node:assert/strict";
import { LIBC_PATHS } from "./_libc.ts";
import { MAX_CPUS, setThreadAffinity, withThreadAffinity } from "./thread_affinity.ts";

Deno.test("thread affinity: a Worker created inside withThreadAffinity runs on those CPUs; the creator gets its own back", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${new URL("./", import.meta.url).pathname}`,
      `--allow-ffi=${LIBC_PATHS.join(",")}`,
      new URL("./testdata/affinity_child.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.ok(r.before.length >= 1);
  assert.deepEqual(r.after, r.before, "the creating thread has its CPUs back");
  assert.deepEqual(r.inWorker, [r.last], "the Worker inherited the pinning");
});

Deno.test("thread affinity: bad lists are refused before any system call; without --allow-ffi it says so", () => {
  assert.throws(() => setThreadAffinity([]), RangeError);
  assert.throws(() => setThreadAffinity([-1]), /integers in \[0, 1024\), got -1/);
  assert.throws(() => setThreadAffinity([MAX_CPUS]), RangeError);
  assert.throws(() => setThreadAffinity([0.5]), RangeError);
  // `deno task test` grants no FFI: pinning fails with the reason (with FFI it would pin this
  // very thread, so that case is left to the child process above).
  const ffi = LIBC_PATHS.some((path) =>
    Deno.permissions.querySync({ name: "ffi", path }).state === "granted"
  );
  if (!ffi) {
    assert.throws(
      () => setThreadAffinity([0]),
      /cannot pin threads to CPUs: no --allow-ffi for libc/,
    );
  }
  assert.equal(withThreadAffinity(null, () => "ran"), "ran");
});
