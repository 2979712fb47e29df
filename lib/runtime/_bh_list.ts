// The bottom halves of one AioContext (aio_bh_poll, aio_compute_bh_timeout):
// the local pending list, the slices a (possibly nested) BH pass works
// through, and the shared BH table other threads schedule into. Home thread
// only; the table's cross-thread words are documented in layout.ts (SHARED_BH).

import { BH_FLAG, SHARED_BH } from "./layout.ts";
import { type BhCallback, type BhHost, type BottomHalf, SharedBottomHalf } from "./bottom_half.ts";
import type { DispatchState } from "./_dispatch_state.ts";

/** Emptied slice arrays kept for reuse, at most this many. */
const SPARE_SLICES = 4;

/** The BHs of one context. Home thread only. */
export class BhList {
  /** BH callbacks run (idle ones included). */
  runs = 0;
  readonly table: Int32Array;
  readonly #dispatch: DispatchState;
  /** Newly pending BHs, in schedule order (run newest first, as QEMU's list). */
  #pending: BottomHalf[] = [];
  /** Detached slices being run, outermost pass first (nested polls append). */
  readonly #slices: BottomHalf[][] = [];
  /** Emptied slice arrays kept for reuse (no allocation per poll). */
  readonly #spare: BottomHalf[][] = [];
  /** Every BH not yet freed (for destroy's "BH leaked" check). */
  readonly #live = new Set<BottomHalf>();
  /** Shared BHs by table index. */
  readonly #shared: (SharedBottomHalf | undefined)[] = [];

  constructor(capacity: number, dispatch: DispatchState) {
    const sab = new SharedArrayBuffer((SHARED_BH.SLOTS + capacity * SHARED_BH.SLOT_WORDS) * 4);
    this.table = new Int32Array(sab);
    this.table[SHARED_BH.CAPACITY] = capacity;
    // Every slot starts free: a schedule of an index not allocated yet is
    // ignored (published to other threads with the handle's postMessage).
    for (let i = 0; i < capacity; i++) {
      this.table[SHARED_BH.SLOTS + i * SHARED_BH.SLOT_WORDS + SHARED_BH.FLAGS] = SHARED_BH.FREE;
    }
    this.#dispatch = dispatch;
  }

  /** Tracks a new BH until it is freed. */
  track(bh: BottomHalf): void {
    this.#live.add(bh);
  }

  /** Links a BH whose PENDING bit was clear. */
  enqueue(bh: BottomHalf): void {
    this.#pending.push(bh);
  }

  /** Allocates a shared BH in the first free table slot. */
  newShared(
    host: BhHost,
    cb: BhCallback,
    opaque: unknown,
    name: string,
  ): SharedBottomHalf {
    const t = this.table;
    let index = this.#shared.indexOf(undefined);
    if (index < 0) {
      index = t[SHARED_BH.ALLOCATED];
      if (index >= t[SHARED_BH.CAPACITY]) {
        throw new RangeError(
          `context "${host.name}": shared BH table full (${t[SHARED_BH.CAPACITY]} slots); ` +
            `delete unused shared BHs or create the context with a larger sharedBhCapacity`,
        );
      }
      t[SHARED_BH.ALLOCATED] = index + 1;
    }
    // The slot is free (SHARED_BH.FREE, so no producer links it) and not
    // linked (#free made it free only then). Pairs with the producers'
    // Atomics.or in sharedBhEnqueue(): a fresh BH starts with no bits set.
    Atomics.store(t, SHARED_BH.SLOTS + index * SHARED_BH.SLOT_WORDS + SHARED_BH.FLAGS, 0);
    const bh = new SharedBottomHalf(host, cb, opaque, name, t, index);
    this.#shared[index] = bh;
    this.#live.add(bh);
    return bh;
  }

  /** Names of the BHs still alive and not deleted. */
  leaked(): string[] {
    const names: string[] = [];
    for (const bh of this.#live) {
      if ((bh.flags & BH_FLAG.DELETED) === 0) names.push(bh.name);
    }
    return names;
  }

  /** Runs the scheduled BHs (aio_bh_poll); true iff a non-idle one ran. */
  poll(): boolean {
    const slices = this.#slices;
    let progress = false;
    // Fast path: nothing scheduled locally or from other threads. HEAD is
    // read plainly, a snapshot: a BH another thread links after the read
    // runs next poll, since its scheduler then stores NOTIFIED
    // (notifyContext), which the next poll's accept and any sleep see;
    // #detach() takes the stack with atomics.
    if (this.#pending.length !== 0 || slices.length !== 0 || this.table[SHARED_BH.HEAD] !== 0) {
      slices.push(this.#detach());
    }
    while (slices.length > 0) {
      const s = slices[0];
      const bh = s.pop();
      if (bh === undefined) {
        slices.shift();
        if (this.#spare.length < SPARE_SLICES) this.#spare.push(s);
        continue;
      }
      const old = bh.takeFlags();
      const free = (old & (BH_FLAG.DELETED | BH_FLAG.ONESHOT)) !== 0;
      if ((old & BH_FLAG.SCHEDULED) !== 0 && (old & BH_FLAG.DELETED) === 0) {
        if ((old & BH_FLAG.IDLE) === 0) progress = true;
        this.runs++;
        // A throwing oneshot is still freed, or the context could never be
        // destroyed afterwards ("live bottom half").
        try {
          this.#call(bh);
        } finally {
          if (free) this.#free(bh);
        }
      } else if (free) {
        this.#free(bh);
      }
    }
    return progress;
  }

  /**
   * aio_compute_bh_timeout's BH part: 0 when a non-idle BH is scheduled, 1
   * when only idle ones are, else -1. No closure: this runs before every wait.
   */
  timeout(): number {
    let idle = false;
    let r = listTimeout(this.#pending);
    if (r === 0) return 0;
    if (r > 0) idle = true;
    const slices = this.#slices;
    for (let i = 0; i < slices.length; i++) {
      r = listTimeout(slices[i]);
      if (r === 0) return 0;
      if (r > 0) idle = true;
    }
    const table = this.table;
    // Walks the cross-thread stack without detaching it: pairs with the
    // producers' compareExchange(HEAD) in sharedBhEnqueue(), which published
    // NEXT first.
    let top = Atomics.load(table, SHARED_BH.HEAD);
    while (top !== 0) {
      const idx = top - 1;
      const bh = this.#shared[idx];
      if (bh !== undefined) {
        const f = bh.flags;
        if ((f & BH_FLAG.SCHEDULED) !== 0 && (f & BH_FLAG.DELETED) === 0) {
          if ((f & BH_FLAG.IDLE) === 0) return 0;
          idle = true;
        }
      }
      top = table[SHARED_BH.SLOTS + idx * SHARED_BH.SLOT_WORDS + SHARED_BH.NEXT];
    }
    return idle ? 1 : -1;
  }

  /** Detaches the pending work into a new slice (aio_bh_poll step 1). */
  #detach(): BottomHalf[] {
    const slice = this.#pending;
    this.#pending = this.#spare.pop() ?? [];
    // Detach the cross-thread stack. Pairs with the producers'
    // compareExchange in sharedBhEnqueue(), which published NEXT first.
    // (A load first: the exchange is a full barrier and the stack is
    // usually empty.)
    let top = Atomics.load(this.table, SHARED_BH.HEAD) === 0
      ? 0
      : Atomics.exchange(this.table, SHARED_BH.HEAD, 0);
    if (top === 0) return slice;
    // The stack is newest-first; the slice is processed from its end
    // (LIFO), so reverse the stack into the front part.
    const shared: BottomHalf[] = [];
    while (top !== 0) {
      const idx = top - 1;
      const bh = this.#shared[idx];
      if (bh !== undefined) shared.push(bh);
      top = this.table[SHARED_BH.SLOTS + idx * SHARED_BH.SLOT_WORDS + SHARED_BH.NEXT];
    }
    shared.reverse();
    return shared.concat(slice);
  }

  #call(bh: BottomHalf): void {
    const d = this.#dispatch;
    const prev = d.current;
    d.current = bh.name;
    const guard = bh.guard;
    if (guard === undefined) {
      bh.cb(bh.opaque);
    } else {
      const was = guard.engagedInIo;
      guard.engagedInIo = true;
      try {
        bh.cb(bh.opaque);
      } finally {
        guard.engagedInIo = was;
      }
    }
    d.current = prev;
  }

  #free(bh: BottomHalf): void {
    if (bh instanceof SharedBottomHalf && this.#shared[bh.index] === bh) {
      // Reuse the slot only once nothing can link it: mark it FREE while
      // PENDING is clear (then it is on no list, and producers leave it
      // alone). A producer that set PENDING since takeFlags() has pushed
      // it onto the stack again: keep the BH until that pass frees it
      // (DELETED stays set, so it never runs). Pairs with the producers'
      // Atomics.or in sharedBhEnqueue().
      const t = this.table;
      const at = SHARED_BH.SLOTS + bh.index * SHARED_BH.SLOT_WORDS + SHARED_BH.FLAGS;
      for (;;) {
        const f = Atomics.load(t, at);
        if ((f & BH_FLAG.PENDING) !== 0) return;
        if (Atomics.compareExchange(t, at, f, SHARED_BH.FREE) === f) break;
      }
      this.#shared[bh.index] = undefined;
    }
    this.#live.delete(bh);
  }
}

/** 0 if `list` holds a scheduled non-idle BH, 1 if only idle ones, else -1. */
function listTimeout(list: BottomHalf[]): number {
  let r = -1;
  for (let i = 0; i < list.length; i++) {
    const f = list[i].flags;
    if ((f & BH_FLAG.SCHEDULED) !== 0 && (f & BH_FLAG.DELETED) === 0) {
      if ((f & BH_FLAG.IDLE) === 0) return 0;
      r = 1;
    }
  }
  return r;
}
