/**
 * A small seeded pseudo-random generator (splitmix32-style mixing of a
 * 32-bit counter) with the draws the guest model needs: uniform, exponential
 * and the burst distributions of a scenario. A generator is identified by a
 * seed and a stream number, so that every vCPU, queue and chore has its own
 * sequence and every placement of a run replays the same ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Prng } from "./prng.ts";
 * const a = new Prng(1, 7);
 * const b = new Prng(1, 7);
 * const xs = [a.next(), a.next(), a.next()];
 * assert.deepEqual(xs, [b.next(), b.next(), b.next()]);
 * assert.ok(xs.every((x) => x >= 0 && x < 1));
 * assert.notEqual(new Prng(1, 8).next(), xs[0]);
 * ```
 *
 * @module
 */

/** Shape of a drawn duration: always the mean, exponential, or uniform over [0, 2 × mean]. */
export type DrawShape = "fixed" | "exponential" | "uniform";

/** Mixes a 32-bit value (the finaliser of splitmix32 / murmur3). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * A seeded generator. Owned by one thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Prng } from "./prng.ts";
 * const p = new Prng(42, 0);
 * assert.equal(p.draw("fixed", 500), 500);
 * ```
 */
export class Prng {
  #state: number;

  /**
   * A generator for `seed` (0 to 2^32-1) and `stream` (any integer). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * assert.equal(new Prng(3, 1).next(), new Prng(3, 1).next());
   * ```
   */
  constructor(seed: number, stream: number) {
    this.#state = mix32((seed >>> 0) ^ mix32((stream >>> 0) + 0x9e3779b9));
  }

  /**
   * The next value, uniform in [0, 1).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * const x = new Prng(1, 1).next();
   * assert.ok(x >= 0 && x < 1);
   * ```
   */
  next(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    return mix32(this.#state) / 4294967296;
  }

  /**
   * An exponentially distributed value of mean `mean`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * const p = new Prng(5, 0);
   * let sum = 0;
   * for (let i = 0; i < 20_000; i++) sum += p.exponential(100);
   * assert.ok(Math.abs(sum / 20_000 - 100) < 5);
   * ```
   */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /**
   * A duration of mean `mean` with shape `shape`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Prng } from "./prng.ts";
   * const p = new Prng(9, 0);
   * const u = p.draw("uniform", 10);
   * assert.ok(u >= 0 && u < 20);
   * assert.equal(p.draw("fixed", 10), 10);
   * ```
   */
  draw(shape: DrawShape, mean: number): number {
    if (shape === "fixed") return mean;
    if (shape === "uniform") return this.next() * 2 * mean;
    return this.exponential(mean);
  }
}
