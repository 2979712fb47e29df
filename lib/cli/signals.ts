/**
 * Ctrl-C during `aiolab run`: the first SIGINT aborts an AbortSignal (the
 * lab stops within 2 s, joins every thread and writes what was measured,
 * marked partial); a second SIGINT exits at once with code 130.
 *
 * One Ctrl-C in a terminal can reach aiolab twice: the terminal sends
 * SIGINT to the whole foreground process group, and `deno task` forwards
 * the one it got to its child as well. A SIGINT that comes within
 * {@link SAME_CTRL_C_MS} of the first is that same Ctrl-C and is ignored;
 * only a later one is a second Ctrl-C. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenForInterrupt } from "./signals.ts";
 * const interrupt = listenForInterrupt();
 * assert.equal(interrupt.signal.aborted, false);
 * interrupt.dispose();
 * ```
 *
 * @module
 */

import { EXIT } from "./errors.ts";

/**
 * SIGINTs this close to the first one (ms) are the same Ctrl-C delivered
 * twice (by the terminal to the process group and by `deno task`'s
 * forwarding), not a second Ctrl-C. A person pressing Ctrl-C twice takes
 * longer than this.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SAME_CTRL_C_MS } from "./signals.ts";
 * assert.equal(SAME_CTRL_C_MS, 500);
 * ```
 */
export const SAME_CTRL_C_MS = 500;

/** Options of {@link listenForInterrupt}. */
export interface InterruptOptions {
  /** Called on the first Ctrl-C, after the signal aborted (to say what happens now). */
  onFirst?: () => void;
  /** Called on the second Ctrl-C. Default: `Deno.exit(130)`. */
  onSecond?: () => void;
  /** Called for a SIGINT ignored as a repeat of the first (within `sameWithinMs` of it). */
  onRepeat?: () => void;
  /** Repeats of the first SIGINT within this many ms are ignored. Default {@link SAME_CTRL_C_MS}. */
  sameWithinMs?: number;
  /** The clock, ms (injectable for tests). Default `performance.now`. */
  now?: () => number;
}

/** A Ctrl-C listener. */
export interface Interrupt {
  /** Aborted by the first Ctrl-C. */
  signal: AbortSignal;
  /** Stops listening (Ctrl-C then ends the process as usual); idempotent. */
  dispose(): void;
}

/**
 * Listens for SIGINT until `dispose()`.
 *
 * @example
 * ```ts ignore
 * // Sending SIGINT needs a second process: see signals_test.ts.
 * import { listenForInterrupt } from "./signals.ts";
 * const interrupt = listenForInterrupt({ onFirst: () => console.error("stopping") });
 * ```
 */
export function listenForInterrupt(options: InterruptOptions = {}): Interrupt {
  const controller = new AbortController();
  const now = options.now ?? (() => performance.now());
  const sameWithinMs = options.sameWithinMs ?? SAME_CTRL_C_MS;
  let firstAt = 0;
  const handler = () => {
    if (!controller.signal.aborted) {
      firstAt = now();
      controller.abort(new DOMException("interrupted by Ctrl-C", "AbortError"));
      options.onFirst?.();
    } else if (now() - firstAt < sameWithinMs) {
      options.onRepeat?.();
    } else if (options.onSecond !== undefined) {
      options.onSecond();
    } else {
      Deno.exit(EXIT.interrupted);
    }
  };
  Deno.addSignalListener("SIGINT", handler);
  let disposed = false;
  return {
    signal: controller.signal,
    dispose() {
      if (disposed) return;
      disposed = true;
      Deno.removeSignalListener("SIGINT", handler);
    },
  };
}
