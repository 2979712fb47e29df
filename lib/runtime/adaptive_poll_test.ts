import assert from "node:assert/strict";
import { adjustPollNs, POLL_START_NS, validatePollParams } from "./adaptive_poll.ts";

const P = { maxNs: 32768, grow: 0, shrink: 0 };

Deno.test("adjustPollNs: blocked less than the poll time leaves it unchanged", () => {
  assert.equal(adjustPollNs(8000, 8000, P), 8000);
  assert.equal(adjustPollNs(8000, 100, P), 8000);
});

Deno.test("adjustPollNs: grows from 0 to 4 us, then doubles, clamped to max", () => {
  assert.equal(adjustPollNs(0, 10, P), POLL_START_NS);
  assert.equal(adjustPollNs(4000, 5000, P), 8000);
  assert.equal(adjustPollNs(16000, 20000, P), 32000);
  assert.equal(adjustPollNs(32000, 32500, P), 32768);
  assert.equal(adjustPollNs(16000, 20000, { ...P, grow: 3 }), 32768);
  assert.equal(adjustPollNs(4000, 5000, { ...P, grow: 3 }), 12000);
});

Deno.test("adjustPollNs: blocked longer than max shrinks (to 0 by default)", () => {
  assert.equal(adjustPollNs(16000, 40000, P), 0);
  assert.equal(adjustPollNs(16000, 40000, { ...P, shrink: 4 }), 4000);
  assert.equal(adjustPollNs(5, 40000, { ...P, shrink: 2 }), 2);
});

Deno.test("adjustPollNs: at max and blocked between poll and max stays", () => {
  assert.equal(adjustPollNs(32768, 32768, P), 32768);
});

Deno.test("validatePollParams rejects negatives and fractions naming the field", () => {
  validatePollParams(P);
  assert.throws(() => validatePollParams({ ...P, maxNs: -1 }), /maxNs.*-1/);
  assert.throws(() => validatePollParams({ ...P, grow: 1.5 }), /grow.*1\.5/);
});
