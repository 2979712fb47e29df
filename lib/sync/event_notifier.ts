/**
 * EventNotifier: the counterpart of QEMU's EventNotifier (an eventfd): a
 * shared counter that any thread sets and the owner tests and clears.
 * Readiness is level-triggered: a set notifier stays ready until cleared.
 *
 * When a context registers the notifier (`AioContext.setEventNotifier`), the
 * notifier records that context, and every later `set()` from any thread
 * also kicks it through the notify protocol. Since `Atomics.wait` watches one
 * word, this is how many sources funnel into a context's single wake word.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventNotifier } from "./event_notifier.ts";
 * const e = new EventNotifier();
 * e.set();
 * assert.equal(e.testAndClear(), true);
 * assert.equal(e.testAndClear(), false);
 * ```
 *
 * @module
 */

import { NOTIFIER, REGISTRY } from "./layout.ts";
import {
  defaultRegistry,
  type Registry,
  registryFor,
  type RegistryHandle,
  wakeContextIfWaiting,
} from "./registry.ts";

/** Structured-cloneable form of an {@link EventNotifier}. */
export interface EventNotifierHandle {
  /** Notifier words (see `NOTIFIER` in layout.ts). */
  readonly sab: SharedArrayBuffer;
  /** The process registry, to reach the bound context's wake word. */
  readonly registry: RegistryHandle;
  /** Name for diagnostics. */
  readonly name: string;
}

/**
 * A shareable eventfd-like notifier.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventNotifier } from "./event_notifier.ts";
 * const e = new EventNotifier({ name: "kick" });
 * const other = EventNotifier.fromHandle(structuredClone(e.handle)); // as a Worker would
 * other.set();
 * assert.ok(e.isSet());
 * ```
 */
export class EventNotifier {
  readonly #w: Int32Array;
  readonly #reg: Registry;
  readonly #handle: EventNotifierHandle;

  /**
   * Creates a notifier, set when `active` (event_notifier_init), or attaches
   * to `handle`. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * assert.equal(new EventNotifier({ active: true }).isSet(), true);
   * assert.equal(new EventNotifier().isSet(), false);
   * ```
   */
  constructor(options: { active?: boolean; name?: string } = {}, handle?: EventNotifierHandle) {
    if (handle === undefined) {
      const sab = new SharedArrayBuffer(NOTIFIER.BYTES);
      const reg = defaultRegistry();
      const w = new Int32Array(sab);
      if (options.active) w[NOTIFIER.COUNT] = 1;
      w[NOTIFIER.ID] = Atomics.add(reg.words, REGISTRY.NEXT_NOTIFIER, 1) + 1;
      handle = { sab, registry: reg.handle, name: options.name ?? "notifier" };
    }
    this.#handle = handle;
    this.#w = new Int32Array(handle.sab);
    this.#reg = registryFor(handle.registry);
  }

  /**
   * Rebuilds a notifier from a handle received from another thread. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * const e = new EventNotifier();
   * const same = EventNotifier.fromHandle(e.handle);
   * e.set();
   * assert.ok(same.isSet()); // same shared counter
   * ```
   */
  static fromHandle(handle: EventNotifierHandle): EventNotifier {
    return new EventNotifier({}, handle);
  }

  /**
   * Structured-cloneable handle. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * assert.equal(new EventNotifier({ name: "n" }).handle.name, "n");
   * ```
   */
  get handle(): EventNotifierHandle {
    return this.#handle;
  }

  /**
   * Process-unique id of the notifier: the same in every thread and for
   * every handle of it (SharedArrayBuffer objects are not identical across
   * structured clones). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * const e = new EventNotifier();
   * assert.equal(EventNotifier.fromHandle(e.handle).id, e.id);
   * assert.notEqual(new EventNotifier().id, e.id);
   * ```
   */
  get id(): number {
    return this.#w[NOTIFIER.ID];
  }

  /**
   * Name for diagnostics. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * assert.equal(new EventNotifier({ name: "n" }).name, "n");
   * ```
   */
  get name(): string {
    return this.#handle.name;
  }

  /**
   * Sets the notifier (event_notifier_set) and wakes the context it is
   * registered with if that context is about to sleep (an awake context
   * finds the notifier set on its own). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * const e = new EventNotifier();
   * e.set();
   * e.set(); // level-triggered: still one readiness
   * assert.equal(e.testAndClear(), true);
   * assert.equal(e.isSet(), false);
   * ```
   */
  set(): void {
    const w = this.#w;
    // Publish readiness first. This sequentially consistent add, then the
    // load of notify_me in wakeContextIfWaiting(), pairs with the owner's
    // Atomics.add(NOTIFY_ME) followed by its isSet() of every registered
    // notifier (Dekker): either the owner sees COUNT and does not sleep, or
    // we see notify_me and wake it. An awake owner finds COUNT on its own,
    // so nothing else is written (the line it polls stays in its cache).
    Atomics.add(w, NOTIFIER.COUNT, 1);
    Atomics.add(w, NOTIFIER.SETS, 1);
    const bound = Atomics.load(w, NOTIFIER.BOUND);
    if (bound !== 0) wakeContextIfWaiting(this.#reg.words, bound - 1);
  }

  /**
   * Clears the notifier and returns whether it was set
   * (event_notifier_test_and_clear). The owner.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * const e = new EventNotifier({ active: true });
   * assert.equal(e.testAndClear(), true);
   * assert.equal(e.testAndClear(), false);
   * ```
   */
  testAndClear(): boolean {
    // Pairs with Atomics.add(COUNT) in set().
    return Atomics.exchange(this.#w, NOTIFIER.COUNT, 0) !== 0;
  }

  /**
   * Whether the notifier is set, without clearing it. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * const e = new EventNotifier();
   * e.set();
   * assert.equal(e.isSet(), true);
   * assert.equal(e.isSet(), true); // does not clear
   * ```
   */
  isSet(): boolean {
    return Atomics.load(this.#w, NOTIFIER.COUNT) !== 0;
  }

  /**
   * Total `set()` calls so far (statistic). Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * const e = new EventNotifier();
   * e.set();
   * e.testAndClear();
   * assert.equal(e.sets(), 1); // clearing does not reset the statistic
   * ```
   */
  sets(): number {
    return Atomics.load(this.#w, NOTIFIER.SETS);
  }

  /**
   * Binds the notifier to context `ctxId` (or unbinds with -1) so that
   * `set()` kicks it. Called by `AioContext.setEventNotifier`; the context's
   * home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * import { defaultRegistry } from "./registry.ts";
   * const reg = defaultRegistry();
   * const ctx = reg.allocContext(0);
   * const e = new EventNotifier();
   * e.bind(ctx);
   * assert.equal(e.boundContext(), ctx);
   * e.bind(-1);
   * reg.freeContext(ctx);
   * ```
   */
  bind(ctxId: number): void {
    // Pairs with the Atomics.load(BOUND) in set().
    Atomics.store(this.#w, NOTIFIER.BOUND, ctxId + 1);
  }

  /**
   * Id of the context the notifier is bound to, or -1. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EventNotifier } from "./event_notifier.ts";
   * assert.equal(new EventNotifier().boundContext(), -1);
   * ```
   */
  boundContext(): number {
    return Atomics.load(this.#w, NOTIFIER.BOUND) - 1;
  }
}
