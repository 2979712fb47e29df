// The coroutine table of one thread, in shared memory (`CO_TABLE` in
// layout.ts): ids, generations and the `scheduled` flag of every coroutine
// homed in the thread, so that any thread can schedule one by identity.
// Chunks are fixed-size buffers: Atomics on a growable buffer's views cost
// 3-4x more. Allocation and the object table: the home thread only; the flag
// operations: any thread, on the STATE word (generation * 2 + scheduled bit).

import { CO_TABLE } from "./layout.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";

/** Most ids one thread hands out (live coroutines at once). */
const MAX_IDS = 1 << 18;
/** Ids per chunk. */
const CHUNK = CO_TABLE.CHUNK_SLOTS;
const GEN_MASK = CO_TABLE.GENERATIONS - 1;

/** Index of id's STATE word in its chunk (SCHED_CTX follows it). */
export function slotOf(id: number): number {
  return CO_TABLE.SLOTS + (id % CHUNK) * CO_TABLE.SLOT_WORDS;
}

/**
 * Ids, their shared chunks and the thread's objects by id (`T` is the
 * coroutine class). Home thread only.
 */
export class CoTable<T> {
  /** Home thread id. */
  readonly thread: number;
  /** Chunk i holds ids [i * CHUNK, (i + 1) * CHUNK). */
  readonly chunks: Int32Array[] = [];
  /** Live objects by id. */
  readonly objects: (T | undefined)[] = [];
  readonly #free: number[] = [];
  #next = 0;

  constructor() {
    this.thread = currentThreadId();
  }

  /** A free id (a reused one keeps the generation its last retire stored). */
  alloc(): number {
    const id = this.#free.pop();
    if (id !== undefined) return id;
    const next = this.#next;
    if (next >= MAX_IDS) {
      throw new RangeError(
        `thread ${this.thread} (${currentThreadName()}): more than ${MAX_IDS} live coroutines`,
      );
    }
    if (next % CHUNK === 0) {
      const w = new Int32Array(
        new SharedArrayBuffer((CO_TABLE.SLOTS + CHUNK * CO_TABLE.SLOT_WORDS) * 4),
      );
      // Plain writes: the chunk reaches other threads only inside a
      // CoroutineRef, through a synchronising channel (a ring, a message).
      w[CO_TABLE.THREAD] = this.thread;
      w[CO_TABLE.FIRST_ID] = next;
      this.chunks.push(w);
    }
    this.#next = next + 1;
    return next;
  }

  /** The chunk holding `id`. */
  chunkOf(id: number): Int32Array {
    return this.chunks[(id / CHUNK) | 0];
  }

  /**
   * Frees `id` after its coroutine terminated: moves STATE to the next
   * generation unless a schedule is pending, and reuses the id only then.
   * Returns false if a schedule was pending (the id stays retired).
   */
  retire(id: number, generation: number): boolean {
    const w = this.chunkOf(id);
    const g2 = generation * 2;
    // Pairs with schedulers' compareExchange(gen*2, gen*2+1) in trySchedule:
    // a stale reference can never flag the next incarnation of this id.
    const old = Atomics.compareExchange(
      w,
      slotOf(id) + CO_TABLE.STATE,
      g2,
      ((generation + 1) & GEN_MASK) * 2,
    );
    if (old !== g2) return false;
    this.objects[id] = undefined;
    this.#free.push(id);
    return true;
  }
}

/**
 * Sets the scheduled flag of incarnation `generation` at `at` (a slot of
 * chunk `w`) and records context `ctxId` for diagnostics. Returns the STATE
 * word it found: `generation * 2` on success. Any thread.
 */
export function trySchedule(w: Int32Array, at: number, generation: number, ctxId: number): number {
  const g2 = generation * 2;
  // Pairs with the home thread's compareExchange in unschedule (what the
  // scheduler wrote before this call is visible to the coroutine it enters)
  // and with retire's (a stale reference cannot flag a newer incarnation).
  const old = Atomics.compareExchange(w, at + CO_TABLE.STATE, g2, g2 + 1);
  // Diagnostics only (the "already scheduled in" message): ordered by the
  // compareExchange above, read with Atomics.load by scheduledIn.
  if (old === g2) Atomics.store(w, at + CO_TABLE.SCHED_CTX, ctxId + 1);
  return old;
}

/**
 * Clears the scheduled flag: the home thread before it enters the coroutine
 * for the schedule, or a scheduler that failed to deliver its record.
 */
export function unschedule(w: Int32Array, at: number, generation: number): void {
  const g2 = generation * 2;
  // Pairs with trySchedule's compareExchange(gen*2, gen*2+1).
  Atomics.compareExchange(w, at + CO_TABLE.STATE, g2 + 1, g2);
}

/** Whether a schedule is pending at `at` (a snapshot). Any thread. */
export function isScheduled(w: Int32Array, at: number): boolean {
  // Pairs with trySchedule's and unschedule's compareExchange on STATE.
  return (Atomics.load(w, at + CO_TABLE.STATE) & 1) !== 0;
}

/** Id of the context a pending schedule targets, -1 if none was recorded. Any thread. */
export function scheduledIn(w: Int32Array, at: number): number {
  // Pairs with trySchedule's Atomics.store (diagnostics only).
  return Atomics.load(w, at + CO_TABLE.SCHED_CTX) - 1;
}
