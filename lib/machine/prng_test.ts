import assert from "node:assert/strict";
import { Prng } from "./prng.ts";

Deno.test("prng: same seed and stream give the same sequence; other streams differ", () => {
  const a = new Prng(1, 0);
  const b = new Prng(1, 0);
  const c = new Prng(1, 1);
  const d = new Prng(2, 0);
  const sa = Array.from({ length: 100 }, () => a.next());
  assert.deepEqual(sa, Array.from({ length: 100 }, () => b.next()));
  assert.notDeepEqual(sa, Array.from({ length: 100 }, () => c.next()));
  assert.notDeepEqual(sa, Array.from({ length: 100 }, () => d.next()));
});

Deno.test("prng: the draws have the asked mean and range", () => {
  const p = new Prng(11, 3);
  const n = 50_000;
  for (const shape of ["fixed", "exponential", "uniform"] as const) {
    let sum = 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = p.draw(shape, 1000);
      assert.ok(x >= 0);
      sum += x;
      max = Math.max(max, x);
    }
    assert.ok(Math.abs(sum / n - 1000) < 30, `${shape} mean ${sum / n}`);
    if (shape === "uniform") assert.ok(max < 2000);
    if (shape === "exponential") assert.ok(max > 5000, "an exponential has a long tail");
  }
});
