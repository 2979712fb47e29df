/**
 * Identity of the calling thread. Every aiolab thread has a small integer id
 * used as a lock owner and as its statistics slot: the orchestrator (Deno's
 * main thread) is 0, Workers get the id their spawner allocated from the
 * process registry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentThreadId, currentThreadName } from "./thread_id.ts";
 * assert.equal(currentThreadId(), 0);
 * assert.equal(currentThreadName(), "orchestrator");
 * ```
 *
 * @module
 */

import { MAX_THREADS } from "./layout.ts";

let threadId = 0;
let threadName = "orchestrator";
let assigned = false;

/**
 * The calling thread's id (0 in the orchestrator). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentThreadId } from "./thread_id.ts";
 * assert.equal(currentThreadId(), 0); // the orchestrator
 * ```
 */
export function currentThreadId(): number {
  return threadId;
}

/**
 * The calling thread's name (`"orchestrator"`, `"IO iot0"`, `"main-loop"`,
 * ...). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentThreadName } from "./thread_id.ts";
 * assert.equal(currentThreadName(), "orchestrator");
 * ```
 */
export function currentThreadName(): string {
  return threadName;
}

/**
 * Sets the calling thread's identity, once, at Worker start. Throws if the
 * id is out of range or the identity was already set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentThreadId, setCurrentThread } from "./thread_id.ts";
 * // A Worker's entry module does this first; the doc test is a fresh thread too.
 * setCurrentThread(3, "IO iot0");
 * assert.equal(currentThreadId(), 3);
 * assert.throws(() => setCurrentThread(4, "again"), /already set/);
 * ```
 */
export function setCurrentThread(id: number, name: string): void {
  if (assigned) {
    throw new Error(`thread identity already set to ${threadId} (${threadName})`);
  }
  if (!Number.isInteger(id) || id < 1 || id >= MAX_THREADS) {
    throw new RangeError(`thread id must be an integer in [1, ${MAX_THREADS}), got ${id}`);
  }
  threadId = id;
  threadName = name;
  assigned = true;
}
