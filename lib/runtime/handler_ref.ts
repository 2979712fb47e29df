/**
 * Handler references: how a function is named across Workers.
 *
 * Functions cannot cross threads, so a cross-thread call names its callee:
 * - a small integer id registered with {@link registerHandler} in the target
 *   thread at setup (hot paths: the id travels through an integer ring); or
 * - a module URL plus an export name (`{ module, name }` or the string
 *   `"<url>#<name>"`), interned in the process registry to an integer id and
 *   resolved once by dynamic import in the target thread, then cached.
 *
 * Each thread has its own table; ids below 16 are reserved for aiolab.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handlerId, lookupHandler, registerHandler, unregisterHandler } from "./handler_ref.ts";
 * const got: number[] = [];
 * registerHandler(100, (a: number) => got.push(a));
 * const fn = lookupHandler(handlerId(100));
 * fn?.(7);
 * assert.deepEqual(got, [7]);
 * unregisterHandler(100);
 * ```
 *
 * @module
 */

import { defaultRegistry } from "../sync/registry.ts";
import { HANDLER_ID } from "./handler_ids.ts";

/** A cross-thread function reference (see the module doc). */
export type HandlerRef = number | string | { module: string | URL; name: string };

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => unknown;

/** A handler: any function; ring-delivered handlers receive integer arguments. */
export type Handler = AnyFn;

/** Ids at or above this value are interned module references. */
export const HANDLER_NAME_BASE = 1 << 20;

/** First id available to {@link registerHandler}; smaller ids are aiolab's. */
export const FIRST_USER_HANDLER = 16;

/** Handler ids reserved by aiolab, registered in every aiolab thread. */
export const BUILTIN_HANDLER = {
  /** Does nothing: a kick that counts as progress (qemu_notify_event's BH). */
  NOOP: HANDLER_ID.NOOP,
  /** Stops the IoThread / main loop running the context (iothread_stop's BH). */
  STOP: HANDLER_ID.STOP,
} as const;

const table = new Map<number, { fn: Handler; name: string }>([
  [BUILTIN_HANDLER.NOOP, { fn: () => {}, name: "noop" }],
]);
const loading = new Map<number, Promise<Handler>>();
const internCache = new Map<string, number>();

/**
 * Registers `fn` under `id` in the calling thread. Ids must be integers in
 * [16, 2^20) (smaller ones are reserved); registering an id twice throws.
 * The thread that will run the handler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handlerName, registerHandler, unregisterHandler } from "./handler_ref.ts";
 * registerHandler(101, () => {}, "tick");
 * assert.equal(handlerName(101), "tick");
 * assert.throws(() => registerHandler(101, () => {}), /already registered/);
 * assert.throws(() => registerHandler(3, () => {}), RangeError); // reserved for aiolab
 * unregisterHandler(101);
 * ```
 */
export function registerHandler(id: number, fn: Handler, name?: string): void {
  if (!Number.isInteger(id) || id < FIRST_USER_HANDLER || id >= HANDLER_NAME_BASE) {
    throw new RangeError(
      `handler id must be an integer in [${FIRST_USER_HANDLER}, ${HANDLER_NAME_BASE}), got ${id}`,
    );
  }
  if (table.has(id)) throw new Error(`handler id ${id} is already registered in this thread`);
  table.set(id, { fn, name: name ?? (fn.name || `handler#${id}`) });
}

/**
 * Registers one of aiolab's reserved handlers (ids below 16). aiolab's own
 * thread entries; replaces any previous one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   BUILTIN_HANDLER,
 *   lookupHandler,
 *   registerBuiltinHandler,
 *   unregisterHandler,
 * } from "./handler_ref.ts";
 * // What an aiolab thread entry does at start (a doc test is a fresh thread too).
 * let running = true;
 * registerBuiltinHandler(BUILTIN_HANDLER.STOP, () => (running = false), "iothread-stop");
 * lookupHandler(BUILTIN_HANDLER.STOP)?.();
 * assert.equal(running, false);
 * assert.throws(() => registerBuiltinHandler(100, () => {}, "x"), RangeError); // not builtin
 * unregisterHandler(BUILTIN_HANDLER.STOP);
 * ```
 */
export function registerBuiltinHandler(id: number, fn: Handler, name: string): void {
  if (!Number.isInteger(id) || id < 1 || id >= FIRST_USER_HANDLER) {
    throw new RangeError(`builtin handler id must be in [1, ${FIRST_USER_HANDLER}), got ${id}`);
  }
  table.set(id, { fn, name });
}

/**
 * Removes a registration from the calling thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupHandler, registerHandler, unregisterHandler } from "./handler_ref.ts";
 * registerHandler(102, () => {});
 * unregisterHandler(102);
 * assert.equal(lookupHandler(102), undefined);
 * ```
 */
export function unregisterHandler(id: number): void {
  table.delete(id);
}

/** Splits a module reference into its URL and export name. */
function moduleKey(ref: string | { module: string | URL; name: string }): string {
  let url: string;
  let name: string;
  if (typeof ref === "string") {
    const hash = ref.lastIndexOf("#");
    if (hash < 0) {
      throw new TypeError(`handler reference "${ref}" must be "<module url>#<export name>"`);
    }
    url = ref.slice(0, hash);
    name = ref.slice(hash + 1);
  } else {
    url = String(ref.module);
    name = ref.name;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `handler module "${url}" must be an absolute URL (use import.meta.resolve or new URL(..., import.meta.url))`,
    );
  }
  if (name === "" || !/^[A-Za-z_$][\w$]*$/.test(name)) {
    throw new TypeError(`handler export name "${name}" of module ${url} is not an identifier`);
  }
  return `${parsed.href}#${name}`;
}

/**
 * The integer id for a reference, interning module references in the
 * process registry (same id in every thread). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HANDLER_NAME_BASE, handlerId } from "./handler_ref.ts";
 * const id = handlerId({ module: "file:///h.ts", name: "run" });
 * assert.ok(id >= HANDLER_NAME_BASE); // an interned module reference
 * assert.equal(handlerId("file:///h.ts#run"), id); // the string form names the same
 * assert.equal(handlerId(103), 103); // integer ids pass through
 * ```
 */
export function handlerId(ref: HandlerRef): number {
  if (typeof ref === "number") {
    if (!Number.isInteger(ref) || ref < 1 || ref > 0x7fffffff) {
      throw new RangeError(`handler id must be an integer in [1, 2^31), got ${ref}`);
    }
    return ref;
  }
  const key = moduleKey(ref);
  let id = internCache.get(key);
  if (id === undefined) {
    id = HANDLER_NAME_BASE + defaultRegistry().intern(key);
    internCache.set(key, id);
  }
  return id;
}

/**
 * A readable name for a handler id: its registered name, or `url#export`.
 * Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handlerId, handlerName, registerHandler, unregisterHandler } from "./handler_ref.ts";
 * registerHandler(104, function tick() {});
 * assert.equal(handlerName(104), "tick");
 * assert.equal(handlerName(handlerId("file:///h.ts#run")), "file:///h.ts#run");
 * unregisterHandler(104);
 * ```
 */
export function handlerName(id: number): string {
  if (id >= HANDLER_NAME_BASE) return defaultRegistry().nameOf(id - HANDLER_NAME_BASE);
  return table.get(id)?.name ?? `handler#${id}`;
}

/**
 * The function for `id` if it is available synchronously in this thread
 * (registered, or a module reference already loaded), else undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupHandler } from "./handler_ref.ts";
 * assert.equal(lookupHandler(999_999), undefined); // nothing registered under it
 * ```
 */
export function lookupHandler(id: number): Handler | undefined {
  return table.get(id)?.fn;
}

/**
 * Loads the function for `id` in this thread, importing its module once.
 * Throws a clear error for an unregistered small id, a module that fails
 * to load or an export that is not a function.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handlerId, loadHandler } from "./handler_ref.ts";
 * const ref = { module: new URL("./handler_ref.ts", import.meta.url), name: "handlerId" };
 * const fn = await loadHandler(handlerId(ref)); // imports the module once
 * assert.equal(fn, handlerId);
 * await assert.rejects(loadHandler(105), /no handler registered with id 105/);
 * ```
 */
export function loadHandler(id: number): Promise<Handler> {
  const have = table.get(id);
  if (have !== undefined) return Promise.resolve(have.fn);
  if (id < HANDLER_NAME_BASE) {
    return Promise.reject(new Error(`no handler registered with id ${id} in this thread`));
  }
  let p = loading.get(id);
  if (p === undefined) {
    const key = handlerName(id);
    const hash = key.lastIndexOf("#");
    const url = key.slice(0, hash);
    const name = key.slice(hash + 1);
    p = import(url).then(
      (mod: Record<string, unknown>) => {
        const fn = mod[name];
        if (typeof fn !== "function") {
          throw new TypeError(`handler ${key}: module has no exported function "${name}"`);
        }
        table.set(id, { fn: fn as Handler, name: key });
        return fn as Handler;
      },
      (err: unknown) => {
        loading.delete(id);
        throw new Error(`handler ${key}: cannot load module ${url}: ${String(err)}`, {
          cause: err,
        });
      },
    );
    loading.set(id, p);
  }
  return p;
}
