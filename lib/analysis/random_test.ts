import assert from "node:assert/strict";
import { deriveSeed, SeededRandom } from "./random.ts";

Deno.test("SeededRandom: one seed, one sequence; another seed, another sequence", () => {
  const draw = (seed: number) => {
    const r = new SeededRandom(seed);
    return Array.from({ length: 8 }, () => r.next());
  };
  assert.deepEqual(draw(1), draw(1));
  assert.notDeepEqual(draw(1), draw(2));
  assert.deepEqual(draw(2 ** 32 + 5), draw(5));
  assert.throws(() => new SeededRandom(NaN), /finite number, got NaN/);
});

Deno.test("SeededRandom: uniform, int, normal and exponential have their moments", () => {
  const r = new SeededRandom(11);
  const n = 20_000;
  let sum = 0;
  const bins = new Array(10).fill(0);
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    bins[r.int(10)]++;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.01);
  for (const b of bins) assert.ok(Math.abs(b - n / 10) < 0.06 * (n / 10), `bin ${b}`);
  let s1 = 0;
  let s2 = 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s1 += z;
    s2 += z * z;
    e += r.exponential(3);
  }
  assert.ok(Math.abs(s1 / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
  assert.ok(Math.abs(e / n - 3) < 0.1);
  assert.throws(() => r.int(0), /integer n in \[1, 2\^32\], got 0/);
});

Deno.test("SeededRandom.binomial: exact branch and normal branch have mean np and variance npq", () => {
  const r = new SeededRandom(3);
  for (const [n, p] of [[50, 0.1], [1000, 0.3], [40, 0.9], [7, 0], [7, 1]] as const) {
    const k = 5000;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < k; i++) {
      const x = r.binomial(n, p);
      assert.ok(Number.isInteger(x) && x >= 0 && x <= n);
      s1 += x;
      s2 += x * x;
    }
    const mean = s1 / k;
    const variance = s2 / k - mean * mean;
    assert.ok(Math.abs(mean - n * p) <= 0.05 * n * p + 0.01, `n ${n} p ${p} mean ${mean}`);
    assert.ok(
      Math.abs(variance - n * p * (1 - p)) <= 0.1 * n * p * (1 - p) + 0.01,
      `n ${n} p ${p} variance ${variance}`,
    );
  }
});

Deno.test("deriveSeed: stable per (seed, key), different across keys and seeds", () => {
  const seeds = new Set(["a", "b", "ab", "ba", ""].map((k) => deriveSeed(7, k)));
  assert.equal(seeds.size, 5);
  assert.equal(deriveSeed(7, "a"), deriveSeed(7, "a"));
  assert.ok(Number.isInteger(deriveSeed(-3.5, "x")) && deriveSeed(-3.5, "x") >= 0);
});
