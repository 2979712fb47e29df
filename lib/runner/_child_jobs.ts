// Handlers the run child (_child.ts) runs inside its event-loop thread by
// module reference: a completion counter for the oneshots the child
// schedules. Not part of the public API.

import { handlerId, loadHandler } from "../runtime/handler_ref.ts";

/** Word 0: oneshots run so far. Set by counterSetup; used only in the event-loop thread. */
let counter: Int32Array | null = null;

/**
 * Installs the shared counter (word 0 counts oneshots run) and loads
 * {@link countOneshot} so that the first oneshot finds it. The event-loop
 * thread, through `run()`.
 */
export async function counterSetup(sab: SharedArrayBuffer): Promise<boolean> {
  counter = new Int32Array(sab);
  await loadHandler(handlerId(`${import.meta.url}#countOneshot`));
  return true;
}

/** One oneshot: counts itself and wakes the child's waiting orchestrator. The event-loop thread. */
export function countOneshot(): void {
  if (counter === null) throw new Error("countOneshot ran before counterSetup");
  // Pairs with the Atomics.waitAsync / Atomics.load of the child's orchestrator.
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}

/** Drops the counter. The event-loop thread, through `run()`. */
export function counterTeardown(): boolean {
  counter = null;
  return true;
}
