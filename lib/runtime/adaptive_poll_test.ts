import assert from "node:assert/strict";
import { adjustPollNs, POLL_OFF, POLL_START_NS, resolvePollParams } from "./adaptive_poll.ts";

const P = { pollMaxNs: 32768, pollGrow: 0, pollShrink: 0 };

Deno.test("adjustPollNs: blocked less than the poll time leaves it unchanged", () => {
  assert.equal(adjustPollNs(8000, 8000, P), 8000);
  assert.equal(adjustPollNs(8000, 100, P), 8000);
});

Deno.test("adjustPollNs: grows from 0 to 4 us, then doubles, clamped to max", () => {
  assert.equal(adjustPollNs(0, 10, P), POLL_START_NS);
  assert.equal(adjustPollNs(4000, 5000, P), 8000);
  assert.equal(adjustPollNs(16000, 20000, P), 32000);
  assert.equal(adjustPollNs(32000, 32500, P), 32768);
  assert.equal(adjustPollNs(16000, 20000, { ...P, pollGrow: 3 }), 32768);
  assert.equal(adjustPollNs(4000, 5000, { ...P, pollGrow: 3 }), 12000);
});

Deno.test("adjustPollNs: blocked longer than max shrinks (to 0 by default)", () => {
  assert.equal(adjustPollNs(16000, 40000, P), 0);
  assert.equal(adjustPollNs(16000, 40000, { ...P, pollShrink: 4 }), 4000);
  assert.equal(adjustPollNs(5, 40000, { ...P, pollShrink: 2 }), 2);
});

Deno.test("adjustPollNs: at max and blocked between poll and max stays", () => {
  assert.equal(adjustPollNs(32768, 32768, P), 32768);
});

Deno.test("resolvePollParams fills defaults and returns a fresh object", () => {
  assert.deepEqual(resolvePollParams({}, P, "x"), P);
  assert.notEqual(resolvePollParams({}, P, "x"), P);
  assert.deepEqual(resolvePollParams({ pollShrink: 2 }, POLL_OFF, "x"), {
    pollMaxNs: 0,
    pollGrow: 0,
    pollShrink: 2,
  });
});

Deno.test("resolvePollParams names owner, field, expectation and the type of what was found", () => {
  const bad = (v: unknown, field = "pollMaxNs") => () =>
    resolvePollParams({ [field]: v } as Partial<typeof P>, P, 'IoThread "io0"');
  assert.throws(bad("100"), {
    name: "TypeError",
    message:
      'IoThread "io0": poll parameter pollMaxNs: expected a non-negative integer number of ns, ' +
      'got the string "100"',
  });
  assert.throws(bad(-1), { name: "RangeError", message: /pollMaxNs: .* got the number -1$/ });
  assert.throws(bad(NaN), { name: "RangeError", message: /got the number NaN$/ });
  assert.throws(bad(1.5, "pollGrow"), {
    name: "RangeError",
    message: /pollGrow: expected a non-negative integer factor .*got the number 1\.5$/,
  });
  assert.throws(bad(true, "pollShrink"), {
    name: "TypeError",
    message: /pollShrink: expected a non-negative integer divisor .*got the boolean true$/,
  });
  assert.throws(bad({}), { name: "TypeError", message: /got an object$/ });
  assert.throws(bad(null), { name: "TypeError", message: /got null$/ });
});
