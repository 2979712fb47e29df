/**
 * The one way a test waits for another thread: {@link waitFor} awaits,
 * without blocking the JavaScript event loop, until a predicate holds or a
 * shared word reaches a value. It fails at once, with the thread's own
 * error, when a watched thread or promise ends first (the condition can then
 * never come), and otherwise only after a generous hang guard that a slow
 * machine cannot trip: only a hung test reaches it.
 *
 * Test support only: not re-exported from any `mod.ts`. Depends on nothing
 * (a watched thread is anything with `join()`), so sync tests can use it
 * without loading the runtime.
 *
 * @example Wait for a shared word another thread sets
 * ```ts
 * import assert from "node:assert/strict";
 * import { waitFor } from "./wait.ts";
 *
 * const words = new Int32Array(new SharedArrayBuffer(4));
 * setTimeout(() => {
 *   Atomics.store(words, 0, 1);
 *   Atomics.notify(words, 0);
 * }, 1);
 * await waitFor({ words, index: 0, equals: 1 }, "the word to become 1");
 * assert.equal(Atomics.load(words, 0), 1);
 * ```
 *
 * @example A watched job that fails ends the wait with its error
 * ```ts
 * import assert from "node:assert/strict";
 * import { waitFor } from "./wait.ts";
 *
 * const job = Promise.reject(new Error("the worker died"));
 * await assert.rejects(waitFor(() => false, "a flag", { watch: job }), /the worker died/);
 * ```
 *
 * @module
 */

/**
 * Something whose end means the awaited condition may never come: a promise
 * (the result of `runInThread`) or a thread with `join()` (an `IoThread`).
 */
export type Watched = Promise<unknown> | { readonly id?: string; join(): Promise<unknown> };

/** A shared word to wait on: `words[index]` equal to `equals`, or at least `atLeast`. */
export interface WordCondition {
  /** The shared words. */
  words: Int32Array;
  /** Index of the word. */
  index: number;
  /** The value the word must have (give this or `atLeast`). */
  equals?: number;
  /** The least value the word must reach (give this or `equals`). */
  atLeast?: number;
}

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Threads or promises whose end (success or failure) fails the wait early. */
  watch?: Watched | readonly Watched[];
  /** Hang guard in milliseconds (default {@link HANG_GUARD_MS}). */
  hangMs?: number;
}

/**
 * Default hang guard of {@link waitFor}: long enough that only a test that
 * hangs (not a loaded machine) reaches it.
 */
export const HANG_GUARD_MS = 120_000;

/** How often a predicate is re-checked, and the longest nap on a word. */
const PREDICATE_NAP_MS = 1;
const WORD_NAP_MS = 20;

/**
 * Awaits until `until` holds: a predicate returns true, or a shared word
 * reaches its value. Never blocks the calling thread (it naps on
 * `Atomics.waitAsync` or a 1 ms timer between checks). Rejects with the
 * watched thread's error as soon as a watched promise rejects or a watched
 * thread's `join()` rejects; rejects naming `what` when one ends normally
 * without the condition holding; rejects after `hangMs` otherwise.
 *
 * Called from any thread that must not block (the main test thread).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { waitFor } from "./wait.ts";
 *
 * let ready = false;
 * setTimeout(() => (ready = true), 1);
 * await waitFor(() => ready, "ready");
 * assert.equal(ready, true);
 * ```
 */
export async function waitFor(
  until: (() => boolean) | WordCondition,
  what: string,
  options: WaitForOptions = {},
): Promise<void> {
  const holds = condition(until, what);
  const word = typeof until === "function" ? null : until;
  const hangMs = options.hangMs ?? HANG_GUARD_MS;
  const deadline = performance.now() + hangMs;
  const state: { ended: Ended | null } = { ended: null };
  let wake: () => void = () => {};
  const watched = options.watch === undefined
    ? []
    : Array.isArray(options.watch)
    ? options.watch as readonly Watched[]
    : [options.watch as Watched];
  watched.forEach((w, i) => {
    const isThread = !(w instanceof Promise);
    const who = isThread ? `thread ${w.id ?? i}` : `watched job ${i}`;
    const settled = isThread ? w.join() : w;
    settled.then(
      () => {
        state.ended ??= { who, failed: false, error: undefined };
        wake();
      },
      (error: unknown) => {
        state.ended ??= { who, failed: true, error };
        wake();
      },
    );
  });
  for (;;) {
    // Read `ended` before checking: a thread that set the word and then
    // ended must not be reported as ending first.
    const over = state.ended;
    if (holds()) return;
    if (over !== null) {
      if (over.failed) throw over.error;
      throw new Error(`${over.who} ended while waiting for ${what}${describe(word)}`);
    }
    if (performance.now() > deadline) {
      throw new Error(`hang guard: waited ${hangMs} ms for ${what}${describe(word)}`);
    }
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(finish, word === null ? PREDICATE_NAP_MS : WORD_NAP_MS);
      wake = finish;
      if (word !== null) {
        // Pairs with the writer's Atomics.notify after its store to the word.
        const r = Atomics.waitAsync(
          word.words,
          word.index,
          Atomics.load(word.words, word.index),
          WORD_NAP_MS,
        );
        if (r.async) r.value.then(finish);
        else finish();
      }
    });
  }
}

/** How a watched thread or promise ended. */
interface Ended {
  who: string;
  failed: boolean;
  error: unknown;
}

function condition(until: (() => boolean) | WordCondition, what: string): () => boolean {
  if (typeof until === "function") return until;
  const { words, index, equals, atLeast } = until;
  if ((equals === undefined) === (atLeast === undefined)) {
    throw new TypeError(
      `waitFor(${what}): a word condition needs exactly one of "equals" and "atLeast", ` +
        `got ${equals === undefined ? "neither" : "both"}`,
    );
  }
  return equals !== undefined
    ? () => Atomics.load(words, index) === equals
    : () => Atomics.load(words, index) >= atLeast!;
}

function describe(word: WordCondition | null): string {
  if (word === null) return "";
  const want = word.equals !== undefined ? `== ${word.equals}` : `>= ${word.atLeast}`;
  return ` (word ${word.index} is ${Atomics.load(word.words, word.index)}, want ${want})`;
}
