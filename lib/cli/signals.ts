/**
 * Ctrl-C during `aiolab run`: the first SIGINT aborts an AbortSignal (the
 * lab stops within 2 s, joins every thread and writes what was measured,
 * marked partial); a second SIGINT exits at once with code 130.
 * Orchestrator thread.
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

/** Options of {@link listenForInterrupt}. */
export interface InterruptOptions {
  /** Called on the first Ctrl-C, after the signal aborted (to say what happens now). */
  onFirst?: () => void;
  /** Called on the second Ctrl-C. Default: `Deno.exit(130)`. */
  onSecond?: () => void;
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
  const handler = () => {
    if (!controller.signal.aborted) {
      controller.abort(new DOMException("interrupted by Ctrl-C", "AbortError"));
      options.onFirst?.();
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
