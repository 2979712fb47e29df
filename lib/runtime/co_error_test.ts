import assert from "node:assert/strict";
import { CoroutineError } from "./co_error.ts";

Deno.test("CoroutineError names the coroutine and keeps the cause and its stack", () => {
  const cause = new TypeError("bad input");
  const e = new CoroutineError("reader", cause);
  assert.equal(e.name, "CoroutineError");
  assert.equal(e.coroutine, "reader");
  assert.equal(e.message, 'coroutine "reader" failed: bad input');
  assert.equal(e.cause, cause);
  assert.match(e.stack ?? "", /Caused by: TypeError: bad input/);
  assert.equal(new CoroutineError("x", 42).message, 'coroutine "x" failed: 42');
});
