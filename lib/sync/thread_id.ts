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
let token = 1;
let generationOf: ((id: number) => number) | null = null;

/** Generations are kept modulo this bound so that a token fits a positive Int32. */
const GENERATION_MOD = 1 << 24;

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
  refreshToken();
}

function refreshToken(): void {
  token = threadToken(threadId, generationOf === null ? 0 : generationOf(threadId));
}

/**
 * The token of thread `id` in its generation `generation`: what locks store
 * as their owner, so that a lock held by a thread that has exited is not
 * inherited by the next thread given the same id. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { threadToken, tokenThreadId } from "./thread_id.ts";
 * assert.equal(tokenThreadId(threadToken(5, 3)), 5);
 * assert.notEqual(threadToken(5, 3), threadToken(5, 4));
 * ```
 */
export function threadToken(id: number, generation: number): number {
  return (generation % GENERATION_MOD) * MAX_THREADS + id + 1;
}

/**
 * The thread id a token names (-1 for 0, "no owner"). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { threadToken, tokenThreadId } from "./thread_id.ts";
 * assert.equal(tokenThreadId(threadToken(7, 0)), 7);
 * assert.equal(tokenThreadId(0), -1);
 * ```
 */
export function tokenThreadId(t: number): number {
  return t === 0 ? -1 : (t - 1) % MAX_THREADS;
}

/**
 * The calling thread's token (its id and the generation of that id). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentThreadId, currentThreadToken, tokenThreadId } from "./thread_id.ts";
 * assert.equal(tokenThreadId(currentThreadToken()), currentThreadId());
 * ```
 */
export function currentThreadToken(): number {
  return token;
}

/**
 * Whether the thread a token names is still the live holder of its id: false
 * once that id was freed (its thread exited), even if a new thread got the
 * id since. True when no registry tells generations (a lone thread). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentThreadToken, threadTokenAlive } from "./thread_id.ts";
 * assert.ok(threadTokenAlive(currentThreadToken()));
 * ```
 */
export function threadTokenAlive(t: number): boolean {
  if (t === 0 || generationOf === null) return true;
  const id = tokenThreadId(t);
  return threadToken(id, generationOf(id)) === t;
}

/**
 * Installs where thread-id generations are read from (the process registry
 * does this when it is created or installed). Any thread, once per registry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultRegistry } from "./registry.ts";
 * import { currentThreadToken, threadToken } from "./thread_id.ts";
 * defaultRegistry(); // installs the source
 * assert.equal(currentThreadToken(), threadToken(0, 0));
 * ```
 */
export function setThreadGenerationSource(source: (id: number) => number): void {
  generationOf = source;
  refreshToken();
}
