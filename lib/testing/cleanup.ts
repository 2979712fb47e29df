/**
 * {@link withCleanup}: run a test body, then its cleanup whatever happened,
 * so that a cleanup which fails because the body failed (a join that
 * rejects because the test stopped half-way, say) never hides the body's
 * failure.
 *
 * Test support only: not re-exported from any `mod.ts`. Depends on nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withCleanup } from "./cleanup.ts";
 *
 * const err = await withCleanup(
 *   () => assert.equal(1 + 1, 3),
 *   () => Promise.reject(new Error("join failed")),
 * ).catch((e: unknown) => e);
 * assert.ok(err instanceof AggregateError);
 * assert.ok(err.errors[0] instanceof assert.AssertionError, "the body's failure comes first");
 * assert.match(err.message, /cleanup also failed: Error: join failed/);
 * ```
 *
 * @module
 */

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Runs `body`, then `cleanup` (also when `body` throws), and returns what
 * `body` returned. When only one of them fails, its error is thrown as is;
 * when both fail, an `AggregateError` whose `errors` are the body's error
 * and then the cleanup's, and whose message holds the body's message and
 * the first line of the cleanup's. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withCleanup } from "./cleanup.ts";
 *
 * const log: string[] = [];
 * const v = await withCleanup(() => 42, () => void log.push("cleaned"));
 * assert.equal(v, 42);
 * assert.deepEqual(log, ["cleaned"]);
 * await assert.rejects(withCleanup(() => Promise.reject(new Error("body")), () => {}), /body/);
 * ```
 */
export async function withCleanup<T>(
  body: () => T | Promise<T>,
  cleanup: () => unknown,
): Promise<T> {
  let result: T;
  try {
    result = await body();
  } catch (err) {
    try {
      await cleanup();
    } catch (again) {
      throw new AggregateError(
        [err, again],
        `${describe(err)}\n(cleanup also failed: ${describe(again).split("\n", 1)[0]})`,
      );
    }
    throw err;
  }
  await cleanup();
  return result;
}
