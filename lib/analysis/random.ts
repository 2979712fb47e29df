/**
 * A seeded pseudo-random number generator (sfc32, seeded through
 * splitmix32): the same seed gives the same sequence on every machine, so
 * every bootstrap interval and synthetic fixture is reproducible. Not for
 * cryptography. Pure; one instance per user (not shared between threads).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededRandom } from "./random.ts";
 * const a = new SeededRandom(42);
 * const b = new SeededRandom(42);
 * const xs = [a.next(), a.next(), a.int(10)];
 * assert.deepEqual([b.next(), b.next(), b.int(10)], xs);
 * assert.ok(xs[0] >= 0 && xs[0] < 1);
 * ```
 *
 * @module
 */

/**
 * sfc32 generator: 128 bits of state, period at least 2^32, passes
 * PractRand far beyond what a bootstrap draws. Owned by one caller.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededRandom } from "./random.ts";
 * const r = new SeededRandom(7);
 * const n = Array.from({ length: 2000 }, () => r.normal());
 * const mean = n.reduce((s, x) => s + x, 0) / n.length;
 * assert.ok(Math.abs(mean) < 0.1);
 * ```
 */
export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spare: number | null = null;

  /**
   * A generator for `seed` (any finite number; its integer part modulo
   * 2^32 is used).
   *
   * @throws {RangeError} if `seed` is not a finite number.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new RangeError(`a random seed must be a finite number, got ${seed}`);
    }
    let s = Math.trunc(seed) >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = split();
    this.#b = split();
    this.#c = split();
    this.#d = split();
    for (let i = 0; i < 12; i++) this.#u32();
  }

  #u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1) with 32 random bits. */
  next(): number {
    return this.#u32() / 4294967296;
  }

  /**
   * A uniform integer in [0, n).
   *
   * @throws {RangeError} if `n` is not a positive integer up to 2^32.
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new RangeError(`int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    return Math.floor(this.next() * n);
  }

  /** A standard normal draw (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== null) {
      const z = this.#spare;
      this.#spare = null;
      return z;
    }
    const u = 1 - this.next(); // (0, 1]: log(u) is finite
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An exponential draw with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /**
   * A binomial draw: successes in `n` trials of probability `p`. Exact (by
   * geometric waiting times) when the expected count of the rarer outcome
   * is below 20; above, the normal approximation rounded and clamped to
   * [0, n], whose error there is far below a bootstrap's resampling noise.
   */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    const mean = n * p;
    if (mean < 20) {
      const logQ = Math.log1p(-p);
      let x = 0;
      let trials = 0;
      for (;;) {
        trials += Math.floor(Math.log(1 - this.next()) / logQ) + 1;
        if (trials > n) return x;
        x++;
      }
    }
    const x = Math.round(mean + Math.sqrt(mean * (1 - p)) * this.normal());
    return x < 0 ? 0 : x > n ? n : x;
  }
}

/**
 * A seed for one named use of a base seed (FNV-1a of `key` mixed with
 * `seed`): every comparison row gets its own stream, and adding a row
 * changes no other row's interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deriveSeed } from "./random.ts";
 * assert.equal(deriveSeed(1, "main/disk0"), deriveSeed(1, "main/disk0"));
 * assert.notEqual(deriveSeed(1, "main/disk0"), deriveSeed(1, "main/disk1"));
 * assert.notEqual(deriveSeed(1, "main/disk0"), deriveSeed(2, "main/disk0"));
 * ```
 */
export function deriveSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ (Math.trunc(seed) >>> 0)) >>> 0;
  h = Math.imul(h, 0x01000193) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}
