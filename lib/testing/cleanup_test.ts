import assert from "node:assert/strict";
import { withCleanup } from "./cleanup.ts";

Deno.test("withCleanup: cleanup runs after a body that succeeds or fails", async () => {
  const log: string[] = [];
  assert.equal(await withCleanup(() => "v", () => void log.push("a")), "v");
  await assert.rejects(
    withCleanup(() => {
      throw new RangeError("body");
    }, () => void log.push("b")),
    RangeError,
  );
  assert.deepEqual(log, ["a", "b"]);
});

Deno.test("withCleanup: a cleanup failure never hides the body's failure", async () => {
  const body = new assert.AssertionError({ message: "wakes >= 1" });
  const join = new Error('context "x" destroyed with 1 live bottom half(s)');
  const err = await withCleanup(() => Promise.reject(body), () => Promise.reject(join)).catch(
    (e: unknown) => e,
  );
  assert.ok(err instanceof AggregateError);
  assert.deepEqual(err.errors, [body, join]);
  assert.match(err.message, /^AssertionError: wakes >= 1\n\(cleanup also failed: Error: context/);
  // A cleanup failure after a passing body is the test's failure.
  await assert.rejects(withCleanup(() => 1, () => Promise.reject(join)), /live bottom half/);
});

Deno.test("withCleanup: a cleanup that throws synchronously (an unlock, a destroy) is caught the same way", async () => {
  const body = new assert.AssertionError({ message: "foreign unlock did not throw" });
  const unlock = new Error('mutex "mine": unlock by thread 0 but it is not locked');
  const err = await withCleanup(() => {
    throw body;
  }, () => {
    throw unlock;
  }).catch((e: unknown) => e);
  assert.ok(err instanceof AggregateError);
  assert.deepEqual(err.errors, [body, unlock]);
  await assert.rejects(
    withCleanup(() => 1, () => {
      throw unlock;
    }),
    /not locked/,
  );
});
