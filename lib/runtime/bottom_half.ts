/**
 * Bottom halves (QEMU's QEMUBH): a callback scheduled to run once, soon, in
 * its context's thread. Semantics are QEMU 5.0+'s flag-based ones:
 * scheduling is idempotent until the BH runs; a BH scheduled while BHs run
 * lands in the next `poll()`; delete frees it on the next BH pass; idle BHs
 * are not progress and bound a blocking wait to 10 ms.
 *
 * A {@link BottomHalf} lives in its context's home thread and only that
 * thread holds it. A {@link SharedBottomHalf} keeps its flags in the
 * context's shared BH table, so any thread can schedule it by index through
 * the context's handle (`RemoteAioContext.scheduleBh`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * const ctx = new AioContext();
 * let runs = 0;
 * const bh = ctx.bhNew(() => runs++);
 * bh.schedule();
 * bh.schedule(); // idempotent
 * ctx.poll(false);
 * assert.equal(runs, 1);
 * bh.delete();
 * ctx.poll(false);
 * ctx.destroy();
 * ```
 *
 * @module
 */

import { BH_FLAG, SHARED_BH } from "./layout.ts";

/** Callback of a bottom half. */
export type BhCallback = (opaque: unknown) => void;

/**
 * Counterpart of MemReentrancyGuard: `engagedInIo` is true while a guarded
 * BH's callback runs.
 */
export interface ReentrancyGuard {
  /** True during the callback of a BH created with this guard. */
  engagedInIo: boolean;
}

/** What a bottom half needs from its context. Internal to the runtime. */
export interface BhHost {
  /** Links `bh` into the pending list (PENDING was clear) and kicks. */
  bhEnqueued(bh: BottomHalf): void;
  /** Kicks the context without linking anything (PENDING was already set). */
  bhKick(): void;
  /** Name of the context, for errors. */
  readonly name: string;
}

const CLEAR_ON_RUN = ~(BH_FLAG.PENDING | BH_FLAG.SCHEDULED | BH_FLAG.IDLE);

/**
 * A bottom half homed in one context. Created with `AioContext.bhNew` (or
 * `AioContext.scheduleOneshot` for oneshots). All methods: home thread of
 * its context only (the object exists only there).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * const ctx = new AioContext();
 * let ran = false;
 * const bh = ctx.bhNew(() => (ran = true), undefined, { name: "demo" });
 * bh.schedule();
 * ctx.poll(false);
 * assert.equal(ran, true);
 * bh.delete();
 * ctx.poll(false);
 * ctx.destroy();
 * ```
 */
export class BottomHalf {
  /** Name used in statistics and errors. */
  readonly name: string;
  /** The callback. */
  readonly cb: BhCallback;
  /** The callback's argument. */
  readonly opaque: unknown;
  /** Optional reentrancy guard. */
  readonly guard: ReentrancyGuard | undefined;
  /** @internal the owning context */
  readonly host: BhHost;
  #flags = 0;

  /**
   * Use `AioContext.bhNew` instead. Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.bhNew(() => {}).delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  constructor(
    host: BhHost,
    cb: BhCallback,
    opaque: unknown,
    name: string,
    guard?: ReentrancyGuard,
  ) {
    this.host = host;
    this.cb = cb;
    this.opaque = opaque;
    this.name = name;
    this.guard = guard;
  }

  /** @internal ORs `bits` into the flags and returns the old flags. */
  orFlags(bits: number): number {
    const old = this.#flags;
    this.#flags = old | bits;
    return old;
  }

  /** @internal Clears PENDING|SCHEDULED|IDLE and returns the old flags. */
  takeFlags(): number {
    const old = this.#flags;
    this.#flags = old & CLEAR_ON_RUN;
    return old;
  }

  /** @internal Clears `bits`. */
  andNotFlags(bits: number): void {
    this.#flags &= ~bits;
  }

  /**
   * Current flags (BH_FLAG bits), a snapshot. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const bh = ctx.bhNew(() => {});
   * assert.equal(bh.flags, 0);
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  get flags(): number {
    return this.#flags;
  }

  #enqueue(bits: number): void {
    const old = this.orFlags(BH_FLAG.PENDING | bits);
    if ((old & BH_FLAG.PENDING) === 0) this.host.bhEnqueued(this);
    else this.host.bhKick();
  }

  /**
   * Schedules the BH to run once, as soon as possible (qemu_bh_schedule).
   * Scheduling again before it runs does nothing more. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const bh = ctx.bhNew(() => {});
   * bh.schedule();
   * assert.equal(ctx.poll(false), true);
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  schedule(): void {
    this.#enqueue(BH_FLAG.SCHEDULED);
  }

  /**
   * Schedules as an idle BH (qemu_bh_schedule_idle): its run is not
   * progress, and while only idle BHs are pending a blocking poll sleeps at
   * most 10 ms. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const bh = ctx.bhNew(() => {});
   * bh.scheduleIdle();
   * assert.equal(ctx.poll(false), false); // idle BHs are not progress
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  scheduleIdle(): void {
    this.#enqueue(BH_FLAG.SCHEDULED | BH_FLAG.IDLE);
  }

  /**
   * Cancels a pending run (qemu_bh_cancel); the BH stays allocated. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const bh = ctx.bhNew(() => {});
   * bh.schedule();
   * bh.cancel();
   * assert.equal(ctx.poll(false), false);
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  cancel(): void {
    this.andNotFlags(BH_FLAG.SCHEDULED);
  }

  /**
   * Deletes the BH (qemu_bh_delete): it never runs again and is reclaimed
   * by the next BH pass of its context (never inside this call). A BH may
   * delete itself from its own callback. Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const bh = ctx.bhNew(() => {});
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  delete(): void {
    this.#enqueue(BH_FLAG.DELETED);
  }

  /**
   * True when a run is requested and the BH is not deleted. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const bh = ctx.bhNew(() => {});
   * bh.schedule();
   * assert.equal(bh.scheduled, true);
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  get scheduled(): boolean {
    const f = this.flags;
    return (f & BH_FLAG.SCHEDULED) !== 0 && (f & BH_FLAG.DELETED) === 0;
  }
}

/**
 * A bottom half whose flags live in the context's shared BH table, so that
 * any thread may schedule it through the context's handle by
 * {@link SharedBottomHalf.index}. Created with `AioContext.sharedBhNew`;
 * its methods run in the home thread like those of {@link BottomHalf}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * import { RemoteAioContext } from "./context_handle.ts";
 * const ctx = new AioContext();
 * let runs = 0;
 * const bh = ctx.sharedBhNew(() => runs++);
 * RemoteAioContext.fromHandle(ctx.handle).scheduleBh(bh.index); // any thread
 * ctx.poll(false);
 * assert.equal(runs, 1);
 * bh.delete();
 * ctx.poll(false);
 * ctx.destroy();
 * ```
 */
export class SharedBottomHalf extends BottomHalf {
  /** Slot index in the shared BH table: what other threads schedule. */
  readonly index: number;
  readonly #table: Int32Array;
  readonly #at: number;

  /**
   * Use `AioContext.sharedBhNew` instead. Home thread.
   *
   * @example
   * ```ts
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.sharedBhNew(() => {}).delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  constructor(
    host: BhHost,
    cb: BhCallback,
    opaque: unknown,
    name: string,
    table: Int32Array,
    index: number,
  ) {
    super(host, cb, opaque, name);
    this.#table = table;
    this.index = index;
    this.#at = SHARED_BH.SLOTS + index * SHARED_BH.SLOT_WORDS + SHARED_BH.FLAGS;
  }

  /** @internal */
  override orFlags(bits: number): number {
    // Pairs with takeFlags() in the home thread.
    return Atomics.or(this.#table, this.#at, bits);
  }

  /** @internal */
  override takeFlags(): number {
    // Pairs with schedulers' Atomics.or: a schedule racing with the run
    // either lands before (and is consumed) or after (and re-pends it).
    return Atomics.and(this.#table, this.#at, CLEAR_ON_RUN);
  }

  /** @internal */
  override andNotFlags(bits: number): void {
    Atomics.and(this.#table, this.#at, ~bits);
  }

  /**
   * Current flags (BH_FLAG bits), a snapshot. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const bh = ctx.sharedBhNew(() => {});
   * assert.equal(bh.flags, 0);
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  override get flags(): number {
    return Atomics.load(this.#table, this.#at);
  }
}

/**
 * Cross-thread half of a shared BH schedule: OR the flags and, when PENDING
 * was clear, push the slot onto the table's pending stack. Returns whether
 * the slot was linked. A free slot (its BH deleted and reaped, or never
 * allocated) reads as pending (`SHARED_BH.FREE`), so a late schedule of a
 * deleted BH links nothing and is ignored. The caller kicks the context.
 * Any thread.
 *
 * @example
 * ```ts ignore
 * import { sharedBhEnqueue } from "./bottom_half.ts";
 * sharedBhEnqueue(table, 3, BH_FLAG.SCHEDULED);
 * ```
 */
export function sharedBhEnqueue(table: Int32Array, index: number, bits: number): boolean {
  const capacity = table[SHARED_BH.CAPACITY];
  if (!Number.isInteger(index) || index < 0 || index >= capacity) {
    throw new RangeError(`shared BH index ${index} out of range [0, ${capacity})`);
  }
  const slot = SHARED_BH.SLOTS + index * SHARED_BH.SLOT_WORDS;
  // Pairs with the home thread's Atomics.and in takeFlags().
  const old = Atomics.or(table, slot + SHARED_BH.FLAGS, BH_FLAG.PENDING | bits);
  if ((old & BH_FLAG.PENDING) !== 0) return false;
  // Treiber push. The home thread only ever detaches the whole stack
  // (Atomics.exchange), so there is no ABA problem; only the scheduler that
  // cleared-to-set PENDING links the slot, and the home thread reuses a slot
  // only after marking it FREE while PENDING was clear, so no slot is ever
  // linked twice.
  for (;;) {
    const head = Atomics.load(table, SHARED_BH.HEAD);
    Atomics.store(table, slot + SHARED_BH.NEXT, head);
    // Publishes NEXT: pairs with the home thread's Atomics.exchange(HEAD).
    if (Atomics.compareExchange(table, SHARED_BH.HEAD, head, index + 1) === head) return true;
  }
}
