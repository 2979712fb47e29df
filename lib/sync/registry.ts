/**
 * The process registry: the shared words every aiolab thread can reach.
 * It hands out thread and context ids, holds one control block per
 * AioContext (the notify protocol words), the global AIO_WAIT waiter count,
 * the BQL, and the table of interned handler names.
 *
 * The orchestrator creates it lazily ({@link defaultRegistry}); every Worker
 * aiolab starts receives its handle and installs it with
 * {@link installRegistry}, so all threads of one process share one registry.
 *
 * The producer side of the notify protocol ({@link notifyContext}) lives
 * here, because event notifiers, rings and handles in any thread use it with
 * nothing but the registry and a context id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultRegistry } from "./registry.ts";
 * const reg = defaultRegistry();
 * const id = reg.intern("file:///x.ts#handler");
 * assert.equal(reg.nameOf(id), "file:///x.ts#handler");
 * ```
 *
 * @module
 */

import { CONTEXT, MAX_CONTEXTS, MAX_THREADS, NAMES, REGISTRY } from "./layout.ts";
import { Mutex, type MutexHandle } from "./mutex.ts";
import { setThreadGenerationSource } from "./thread_id.ts";

/** Structured-cloneable form of a {@link Registry}. */
export interface RegistryHandle {
  /** Registry words (see `REGISTRY` and `CONTEXT` in layout.ts). */
  readonly words: SharedArrayBuffer;
  /** Interned names (see `NAMES` in layout.ts). */
  readonly names: SharedArrayBuffer;
  /** The Big QEMU Lock. */
  readonly bql: MutexHandle;
}

/**
 * aio_notify's producer side on a context control block: publish
 * `notified`, then pay for a futex wake only when the owner announced it
 * might sleep. Returns true when it woke the owner. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultRegistry, notifyContext } from "./registry.ts";
 * const reg = defaultRegistry();
 * const id = reg.allocContext(0);
 * assert.equal(notifyContext(reg.words, id), false); // nobody sleeps: no futex wake
 * reg.freeContext(id);
 * ```
 */
export function notifyContext(words: Int32Array, ctxId: number): boolean {
  // Publish the kick. Sequentially consistent: pairs with the home thread's
  // Atomics.add(NOTIFY_ME, 2) followed by Atomics.load(NOTIFIED) (Dekker):
  // either it sees NOTIFIED, or wakeContextIfWaiting sees NOTIFY_ME.
  Atomics.store(words, REGISTRY.CONTEXTS + ctxId * REGISTRY.CONTEXT_WORDS + CONTEXT.NOTIFIED, 1);
  return wakeContextIfWaiting(words, ctxId);
}

/**
 * The producer side for sources the owner checks itself before it sleeps
 * (event notifiers: the owner reads every registered notifier's counter
 * after announcing the wait): wake the owner only if it announced a wait;
 * otherwise publish nothing, since the owner will find the work on its own.
 * The caller must have published its work with a sequentially consistent
 * Atomics operation first: that, then the load of `notify_me` here, pairs
 * with the owner's Atomics.add(NOTIFY_ME) followed by its loads of the
 * sources (Dekker). Returns true when it woke the owner. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultRegistry, wakeContextIfWaiting } from "./registry.ts";
 * const reg = defaultRegistry();
 * const id = reg.allocContext(0);
 * assert.equal(wakeContextIfWaiting(reg.words, id), false); // nobody waits
 * reg.freeContext(id);
 * ```
 */
export function wakeContextIfWaiting(words: Int32Array, ctxId: number): boolean {
  const base = REGISTRY.CONTEXTS + ctxId * REGISTRY.CONTEXT_WORDS;
  if (Atomics.load(words, base + CONTEXT.NOTIFY_ME) !== 0) {
    // Counted before the wake: the owner may run as soon as WAKE changes,
    // and whoever it tells must find the wake counted. The count is ordered
    // by the add on WAKE that follows it.
    Atomics.add(words, base + CONTEXT.NOTIFY_WAKES, 1);
    // The add pairs with the owner's Atomics.load(WAKE), taken before its
    // checks, and its Atomics.wait(WAKE, value): a wait that has not
    // started yet returns "not-equal" at once.
    Atomics.add(words, base + CONTEXT.WAKE, 1);
    Atomics.notify(words, base + CONTEXT.WAKE);
    return true;
  }
  Atomics.add(words, base + CONTEXT.NOTIFY_SKIPS, 1);
  return false;
}

/**
 * Process-wide shared state. Create one with `new Registry()` only for an
 * isolated experiment; normal code uses {@link defaultRegistry}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Registry } from "./registry.ts";
 * const reg = new Registry();
 * assert.equal(reg.allocThreadId(), 1); // 0 is the orchestrator
 * ```
 */
export class Registry {
  /** Registry words as Int32 (see `REGISTRY`). */
  readonly words: Int32Array;
  /** The Big QEMU Lock (statistics on). */
  readonly bql: Mutex;
  readonly #names: Int32Array;
  readonly #nameBytes: Uint8Array;
  readonly #handle: RegistryHandle;
  readonly #nameCache = new Map<number, string>();

  /**
   * Creates a fresh registry, or attaches to `handle`. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const a = new Registry();
   * const b = new Registry(structuredClone(a.handle)); // same shared state
   * assert.equal(b.nameOf(a.intern("x")), "x");
   * ```
   */
  constructor(handle?: RegistryHandle) {
    if (handle === undefined) {
      const words = new SharedArrayBuffer(REGISTRY.WORDS * 4);
      const w = new Int32Array(words);
      w[REGISTRY.THREAD_BITS_LO] = 1;
      w[REGISTRY.TOKEN] = 1 + Math.floor(Math.random() * 0x7ffffffe);
      const names = new SharedArrayBuffer(NAMES.DATA_BYTE + NAMES.DATA_BYTES);
      const bql = new Mutex({ name: "bql", stats: true });
      handle = { words, names, bql: bql.handle };
    }
    this.#handle = handle;
    this.words = new Int32Array(handle.words);
    this.bql = Mutex.fromHandle(handle.bql);
    this.#names = new Int32Array(handle.names, 0, NAMES.DATA_BYTE / 4);
    this.#nameBytes = new Uint8Array(handle.names, NAMES.DATA_BYTE, NAMES.DATA_BYTES);
  }

  /**
   * Structured-cloneable handle. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { defaultRegistry } from "./registry.ts";
   * const h = defaultRegistry().handle; // post it to a Worker
   * assert.ok(h.words instanceof SharedArrayBuffer);
   * ```
   */
  get handle(): RegistryHandle {
    return this.#handle;
  }

  /**
   * Allocates a new thread id. Any thread (normally the one spawning a Worker).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * assert.equal(reg.allocThreadId(), 1);
   * assert.equal(reg.allocThreadId(), 2);
   * ```
   */
  allocThreadId(): number {
    const w = this.words;
    for (let id = 1; id < MAX_THREADS; id++) {
      const word = id < 32 ? REGISTRY.THREAD_BITS_LO : REGISTRY.THREAD_BITS_HI;
      const bit = 1 << (id & 31);
      for (;;) {
        const old = Atomics.load(w, word);
        if ((old & bit) !== 0) break;
        // Claim: pairs with the Atomics.and in freeThreadId().
        if (Atomics.compareExchange(w, word, old, old | bit) === old) {
          Atomics.add(w, REGISTRY.THREADS_STARTED, 1);
          return id;
        }
      }
    }
    throw new RangeError(`too many aiolab threads alive: at most ${MAX_THREADS - 1} Workers`);
  }

  /**
   * Returns a thread id to the pool once its thread has ended. The thread
   * that allocated it (normally the orchestrator, after join).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * const id = reg.allocThreadId();
   * reg.freeThreadId(id);
   * assert.equal(reg.allocThreadId(), id); // reused
   * assert.throws(() => reg.freeThreadId(0), RangeError);
   * ```
   */
  freeThreadId(id: number): void {
    if (!Number.isInteger(id) || id < 1 || id >= MAX_THREADS) {
      throw new RangeError(`thread id must be in [1, ${MAX_THREADS}), got ${id}`);
    }
    const word = id < 32 ? REGISTRY.THREAD_BITS_LO : REGISTRY.THREAD_BITS_HI;
    // Freeing a free id is a no-op (it must not start a new generation).
    if ((Atomics.load(this.words, word) & (1 << (id & 31))) === 0) return;
    // A new generation before the id is free again: every token of the old
    // thread is stale from here on (pairs with the Atomics.load in the
    // generation source that threadTokenAlive reads).
    Atomics.add(this.words, REGISTRY.THREAD_GENS + id, 1);
    Atomics.and(this.words, word, ~(1 << (id & 31)));
  }

  /**
   * How many times thread id `id` has been freed (its generation). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * const id = reg.allocThreadId();
   * reg.freeThreadId(id);
   * assert.equal(reg.threadGeneration(id), 1);
   * ```
   */
  threadGeneration(id: number): number {
    return Atomics.load(this.words, REGISTRY.THREAD_GENS + id);
  }

  /**
   * Number of aiolab thread ids in use, the orchestrator's included. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * assert.equal(reg.threadsInUse(), 1); // the orchestrator
   * reg.allocThreadId();
   * assert.equal(reg.threadsInUse(), 2);
   * ```
   */
  threadsInUse(): number {
    let n = 0;
    for (const word of [REGISTRY.THREAD_BITS_LO, REGISTRY.THREAD_BITS_HI]) {
      let bits = Atomics.load(this.words, word) >>> 0;
      while (bits !== 0) {
        n += bits & 1;
        bits >>>= 1;
      }
    }
    return n;
  }

  /**
   * Claims a free context control block for a context homed in thread
   * `homeThread` and resets its words. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * const a = reg.allocContext(0);
   * const b = reg.allocContext(0);
   * assert.notEqual(a, b);
   * reg.freeContext(a);
   * reg.freeContext(b);
   * ```
   */
  allocContext(homeThread: number): number {
    const w = this.words;
    // Unsigned: the counter may wrap past 2^31.
    const start = Atomics.add(w, REGISTRY.NEXT_CONTEXT, 1) >>> 0;
    for (let i = 0; i < MAX_CONTEXTS; i++) {
      const id = (start + i) % MAX_CONTEXTS;
      const base = REGISTRY.CONTEXTS + id * REGISTRY.CONTEXT_WORDS;
      // Claim: pairs with the Atomics.store(HOME, 0) in freeContext().
      if (Atomics.compareExchange(w, base + CONTEXT.HOME, 0, homeThread + 1) === 0) {
        // GEN survives: handles of earlier contexts in this block stay stale.
        for (let k = 0; k < REGISTRY.CONTEXT_WORDS; k++) {
          if (k !== CONTEXT.HOME && k !== CONTEXT.GEN) Atomics.store(w, base + k, 0);
        }
        return id;
      }
    }
    throw new RangeError(`too many AioContexts alive: at most ${MAX_CONTEXTS}`);
  }

  /**
   * Releases a context control block and starts its next generation. The
   * context's home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CONTEXT } from "./layout.ts";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * const id = reg.allocContext(0);
   * assert.equal(reg.words[reg.contextBase(id) + CONTEXT.HOME], 1); // home thread 0, plus 1
   * reg.freeContext(id);
   * assert.equal(reg.words[reg.contextBase(id) + CONTEXT.HOME], 0); // free
   * ```
   */
  freeContext(id: number): void {
    const base = this.contextBase(id);
    // A new generation before the block is free again: every handle of the
    // freed context is stale from here on (pairs with the Atomics.load of
    // GEN at the top of every RemoteAioContext use).
    Atomics.add(this.words, base + CONTEXT.GEN, 1);
    // Pairs with the compareExchange in allocContext().
    Atomics.store(this.words, base + CONTEXT.HOME, 0);
  }

  /**
   * The generation of context block `id`: how many times it was freed. A
   * context records it at creation (its handle's `generation`); a handle
   * whose generation differs names a destroyed context. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * const id = reg.allocContext(0);
   * const gen = reg.contextGeneration(id);
   * reg.freeContext(id);
   * assert.equal(reg.contextGeneration(id), gen + 1); // handles made before are stale
   * ```
   */
  contextGeneration(id: number): number {
    // Pairs with the Atomics.add(GEN) in freeContext().
    return Atomics.load(this.words, this.contextBase(id) + CONTEXT.GEN);
  }

  /**
   * Index of context `id`'s control block in {@link Registry.words}. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { REGISTRY } from "./layout.ts";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * assert.equal(reg.contextBase(0), REGISTRY.CONTEXTS);
   * assert.equal(reg.contextBase(1), REGISTRY.CONTEXTS + REGISTRY.CONTEXT_WORDS);
   * ```
   */
  contextBase(id: number): number {
    return REGISTRY.CONTEXTS + id * REGISTRY.CONTEXT_WORDS;
  }

  /**
   * Interns `name` and returns its id (the same id for the same string, in
   * every thread). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * assert.equal(reg.intern("a"), reg.intern("a"));
   * assert.notEqual(reg.intern("a"), reg.intern("b"));
   * ```
   */
  intern(name: string): number {
    const found = this.#find(name, Atomics.load(this.#names, NAMES.COUNT));
    if (found >= 0) return found;
    const n = this.#names;
    // Spin lock around the append; pairs with the Atomics.store(LOCK, 0) below.
    while (Atomics.compareExchange(n, NAMES.LOCK, 0, 1) !== 0) {
      Atomics.wait(n, NAMES.LOCK, 1, 1);
    }
    try {
      const count = n[NAMES.COUNT];
      const again = this.#find(name, count);
      if (again >= 0) return again;
      if (count >= NAMES.MAX_NAMES) {
        throw new RangeError(`handler name table full (${NAMES.MAX_NAMES} names)`);
      }
      const bytes = new TextEncoder().encode(name);
      const used = n[NAMES.BYTES_USED];
      if (used + bytes.length > NAMES.DATA_BYTES) {
        throw new RangeError(`handler name table full (${NAMES.DATA_BYTES} bytes)`);
      }
      this.#nameBytes.set(bytes, used);
      n[NAMES.OFFSETS + 2 * count] = used;
      n[NAMES.OFFSETS + 2 * count + 1] = bytes.length;
      n[NAMES.BYTES_USED] = used + bytes.length;
      // Publish: pairs with the Atomics.load(COUNT) of readers, which then
      // see the bytes and offsets written above.
      Atomics.store(n, NAMES.COUNT, count + 1);
      return count;
    } finally {
      Atomics.store(n, NAMES.LOCK, 0);
      Atomics.notify(n, NAMES.LOCK);
    }
  }

  #find(name: string, count: number): number {
    for (let i = 0; i < count; i++) {
      if (this.nameOf(i) === name) return i;
    }
    return -1;
  }

  /**
   * The string interned as `id`. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * assert.equal(reg.nameOf(reg.intern("x")), "x");
   * assert.throws(() => reg.nameOf(99), RangeError);
   * ```
   */
  nameOf(id: number): string {
    const cached = this.#nameCache.get(id);
    if (cached !== undefined) return cached;
    // Pairs with the publishing Atomics.store(COUNT) in intern().
    if (id < 0 || id >= Atomics.load(this.#names, NAMES.COUNT)) {
      throw new RangeError(`no handler name with id ${id}`);
    }
    const start = this.#names[NAMES.OFFSETS + 2 * id];
    const len = this.#names[NAMES.OFFSETS + 2 * id + 1];
    // TextDecoder refuses shared views: copy first.
    const s = new TextDecoder().decode(this.#nameBytes.slice(start, start + len));
    this.#nameCache.set(id, s);
    return s;
  }

  /**
   * Frees every context control block still homed in thread `homeThread`:
   * what a thread that ended without destroying its contexts (it failed, its
   * destroy threw, it was terminated) leaves behind. Returns how many it
   * freed. The thread itself on its way out, or its spawner once the thread
   * has ended (before its thread id is freed, so that no other thread can
   * be homed under that id meanwhile).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Registry } from "./registry.ts";
   * const reg = new Registry();
   * reg.allocContext(3);
   * reg.allocContext(3);
   * const other = reg.allocContext(4);
   * assert.equal(reg.releaseContextsOf(3), 2);
   * assert.equal(reg.releaseContextsOf(3), 0);
   * reg.freeContext(other);
   * ```
   */
  releaseContextsOf(homeThread: number): number {
    let n = 0;
    for (let id = 0; id < MAX_CONTEXTS; id++) {
      // Pairs with the claiming compareExchange in allocContext().
      if (Atomics.load(this.words, this.contextBase(id) + CONTEXT.HOME) === homeThread + 1) {
        this.freeContext(id);
        n++;
      }
    }
    return n;
  }
}

let current: Registry | null = null;

function sameRegistry(reg: Registry, handle: RegistryHandle): boolean {
  return reg.handle.words === handle.words ||
    new Int32Array(handle.words)[REGISTRY.TOKEN] === reg.words[REGISTRY.TOKEN];
}

/**
 * The registry of this process: created on first use in the orchestrator,
 * installed at start in every aiolab Worker. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultRegistry } from "./registry.ts";
 * assert.equal(defaultRegistry(), defaultRegistry());
 * ```
 */
export function defaultRegistry(): Registry {
  if (current === null) adopt(new Registry());
  return current!;
}

function adopt(reg: Registry): void {
  current = reg;
  setThreadGenerationSource((id) => Atomics.load(reg.words, REGISTRY.THREAD_GENS + id));
}

/**
 * Installs the registry received from the spawning thread. Called once by
 * the Worker entry of aiolab threads; throws if a different registry is
 * already in use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultRegistry, installRegistry, Registry } from "./registry.ts";
 * // A Worker entry installs the handle its spawner posted; this doc test is
 * // a fresh thread too, with no registry yet.
 * const received = new Registry().handle;
 * const reg = installRegistry(received);
 * assert.equal(defaultRegistry(), reg);
 * assert.equal(installRegistry(received), reg); // the same one again is fine
 * assert.throws(() => installRegistry(new Registry().handle), /different/);
 * ```
 */
export function installRegistry(handle: RegistryHandle): Registry {
  if (current !== null) {
    if (sameRegistry(current, handle)) return current;
    throw new Error("a different aiolab registry is already installed in this thread");
  }
  adopt(new Registry(handle));
  return current!;
}

/**
 * The registry for a handle: the installed one when it matches, else a new
 * view. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultRegistry, registryFor } from "./registry.ts";
 * assert.equal(registryFor(defaultRegistry().handle), defaultRegistry());
 * ```
 */
export function registryFor(handle: RegistryHandle): Registry {
  if (current !== null && sameRegistry(current, handle)) return current;
  return new Registry(handle);
}
