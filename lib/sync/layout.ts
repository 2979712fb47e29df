/**
 * The shared words of the sync primitives' SharedArrayBuffer layouts: mutex,
 * rec-mutex, event notifier, MPSC and SPSC rings, the process registry with its
 * context control blocks, and the handler-name table. Each layer assigns its
 * own words in its own `layout.ts` (`lib/runtime/layout.ts`,
 * `lib/machine/layout.ts`, `lib/measure/layout.ts`) under the same rules.
 * Each layout is an `Int32Array` view (plus, for lock statistics, a
 * `Float64Array` view of the same buffer); each constant below names one
 * word and says who writes it, who reads it and what guards it.
 *
 * Rules that hold for every layout in aiolab:
 * - A word that more than one thread writes is only ever accessed with
 *   `Atomics.*` operations.
 * - A word written by exactly one thread at a time under a lock may be
 *   accessed with plain typed-array reads and writes; the lock's
 *   acquire/release (sequentially consistent `Atomics`) orders them.
 * - Every `Atomics` operation that orders memory says, at its call site,
 *   which operation on the other side it pairs with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MUTEX } from "./layout.ts";
 * const sab = new SharedArrayBuffer(MUTEX.BYTES);
 * const words = new Int32Array(sab);
 * assert.equal(words[MUTEX.STATE], 0); // 0 = unlocked
 * ```
 *
 * @module
 */

/** Upper bound on aiolab threads in one process (orchestrator included). */
export const MAX_THREADS = 64;

/** Upper bound on AioContexts alive at once in one process. */
export const MAX_CONTEXTS = 256;

/** Statistic slots recorded per thread for one mutex (Float64 each). */
export const MUTEX_STAT = {
  /** Lock acquisitions by this thread. */
  ACQUIRED: 0,
  /** Acquisitions that found the lock held (spun or slept). */
  CONTENDED: 1,
  /** Acquisitions that had to sleep in `Atomics.wait`. */
  SLEPT: 2,
  /** Total time waiting to acquire, ns. */
  WAIT_TOTAL_NS: 3,
  /** Longest single wait, ns. */
  WAIT_MAX_NS: 4,
  /** Total time held, ns. */
  HOLD_TOTAL_NS: 5,
  /** Longest single hold, ns. */
  HOLD_MAX_NS: 6,
  /** When the current hold began (performance.now() ns of the holding thread); written at lock, read at unlock, by the holder. */
  ACQUIRED_AT: 7,
  /** Number of slots per thread. */
  COUNT: 8,
} as const;

/**
 * Mutex (QemuMutex): one futex word plus owner and statistics.
 * Int32 words, then a Float64 statistics area at byte {@link MUTEX.STATS_BYTE}.
 */
export const MUTEX = {
  /** Futex state: 0 unlocked, 1 locked, 2 locked and a waiter may sleep. Atomics only; written by every locker. */
  STATE: 0,
  /** Owner thread token (thread_id.ts: id + 1 + generation * MAX_THREADS), 0 when free. Written only by the holder (plain store, ordered by STATE's CAS/sub); read by any thread for diagnostics and by the holder in unlock. */
  OWNER: 1,
  /** 1 when statistics are recorded. Written once at creation, read when a handle is built. */
  STATS_ON: 2,
  /** Spin iterations before sleeping. Written once at creation. */
  SPIN: 3,
  /** Lock timing slot (lock_timing.ts), 0 for none: with statistics on, each thread hands its waits and holds to the sink it installed for this slot. Written by whoever sets up the measurement (Atomics.store), read plainly on the lock path (a late view only delays the first records). */
  TIMING_SLOT: 4,
  /** Byte offset of the Float64 statistics area (8-byte aligned). */
  STATS_BYTE: 24,
  /** Total bytes: header + MAX_THREADS x MUTEX_STAT.COUNT Float64 slots. Slot values are written only by the lock holder (guarded by the mutex itself). */
  BYTES: 24 + MAX_THREADS * MUTEX_STAT.COUNT * 8,
} as const;

/** RecMutex (QemuRecMutex): a Mutex block followed by owner/depth words. */
export const REC_MUTEX = {
  /** Byte offset of the owner/depth words (after the embedded MUTEX block). */
  REC_BYTE: MUTEX.BYTES,
  /** Owner thread token (as MUTEX.OWNER; Int32 index relative to REC_BYTE). Written by the holder only (Atomics.store so foreign readers see a whole value). */
  OWNER: 0,
  /** Recursion depth, written by the holder only (plain). */
  DEPTH: 1,
  /** Acquisitions that nested (depth went above 1), written by the holder only. */
  NESTED: 2,
  /** Total bytes. */
  BYTES: MUTEX.BYTES + 16,
} as const;

/** EventNotifier: an eventfd-like counter that wakes the context it is bound to. */
export const NOTIFIER = {
  /** Pending count (eventfd counter). `set` Atomics.add by any thread; `testAndClear` Atomics.exchange by the reader. */
  COUNT: 0,
  /** Context id + 1 of the context it is registered with, 0 when none. Written by that context's home thread (Atomics.store), read by setters. */
  BOUND: 1,
  /** Notifier id, unique in the process (REGISTRY.NEXT_NOTIFIER). Written once at creation. */
  ID: 3,
  /** Total sets (statistic), Atomics.add by setters; on its own 64-byte line so that counting does not bounce the line the reader polls (COUNT). */
  SETS: 16,
  /** Total bytes (two 64-byte lines). */
  BYTES: 128,
} as const;

/**
 * MPSC ring: a queue of fixed-size Int32 records that never makes a producer
 * wait. Header words, then `capacity` slots of `1 + recordWords` words each:
 * a sequence word followed by the record (Vyukov's bounded queue,
 * specialised to one consumer). When the ring is full, or while records
 * wait in the overflow, producers append to the overflow: a circular buffer
 * of records in a second, growable SharedArrayBuffer (the handle's
 * `overflow`), guarded by OVF_LOCK; the consumer takes batches from it. The
 * OVF_* words sit on their own 64-byte line so that the fast path's load of
 * OVF_COUNT reads a line that only the overflow path writes.
 */
export const RING = {
  /** Next position a producer claims. Atomics.compareExchange by producers. */
  HEAD: 0,
  /** Next position the consumer reads. Written only by the consumer (Atomics.store), read by producers. */
  TAIL: 1,
  /** Statistic: records pushed to the overflow (the ring was full, or records already waited there). Written (plain) under OVF_LOCK by producers; read with Atomics.load as a snapshot by anyone. */
  OVERFLOWED: 2,
  /** Capacity in records (power of two). Written once at creation. */
  CAPACITY: 4,
  /** Int32 words per record. Written once at creation. */
  RECORD_WORDS: 5,
  /** Overflow lock (a futex mutex): 0 free, 1 held, 2 held and a locker may sleep. Atomics only; held by a producer while it appends (and grows the buffer) and by the consumer while it copies out a batch, never while a record's callback runs. */
  OVF_LOCK: 16,
  /** Records waiting in the overflow. Written under OVF_LOCK with Atomics.store (producers +1, the consumer -batch); read with Atomics.load without the lock by producers (non-zero: queue behind them) and by the consumer (anything to take?). */
  OVF_COUNT: 17,
  /** Index (in records) of the oldest overflow record in the overflow buffer. Under OVF_LOCK (plain): advanced by the consumer, read by appending producers. */
  OVF_READ: 18,
  /** Records the overflow buffer holds at its current size. Under OVF_LOCK (plain): doubled by the producer that finds it full (it grows the buffer first). */
  OVF_SLOTS: 19,
  /** Most records the overflow may hold (its buffer's maxByteLength). Written once at creation. */
  OVF_LIMIT: 20,
  /** Statistic: most records in the overflow at once. Written (plain) under OVF_LOCK by producers; read with Atomics.load as a snapshot by anyone. */
  OVF_PEAK: 21,
  /** Index of the first slot. Each slot is [seq, record...]; seq is Atomics-only: the producer stores pos + 1 after writing the record, the consumer stores pos + capacity after reading it. */
  SLOTS: 32,
} as const;

/**
 * SPSC ring: a queue of fixed-size Int32 records between one producer
 * thread and one consumer thread at a time (a virtqueue: its guest pushes
 * requests, the thread serving it takes them). Header words, each side's
 * position on a 64-byte line of its own, then `capacity` slots of
 * `1 + recordWords` words: a sequence word followed by the record. The
 * consumer learns of a record from its slot's sequence word alone and the
 * producer of free room from TAIL, which it reads only when the TAIL it saw
 * last says the ring is full; so a record costs one line transfer each way
 * (the slot), not the shared-index traffic of the MPSC ring.
 */
export const SPSC_RING = {
  /** Capacity in records (power of two). Written once at creation. */
  CAPACITY: 0,
  /** Int32 words per record. Written once at creation. */
  RECORD_WORDS: 1,
  /** Next position the producer writes. One writer, the producer: a plain store after publishing the slot, read plain by the producer; Atomics.load as a snapshot by size(). */
  HEAD: 16,
  /** Next position the consumer reads. One writer at a time, the consumer: Atomics.store once it has read a record (frees the slot; the release orders the record's reads before it), read plain by the consumer (one in a new thread after a handover that synchronised), Atomics.load by the producer when the ring looks full. */
  TAIL: 32,
  /** Index of the first slot. Each slot is [seq, record...]; seq is Atomics-only: the producer stores pos + 1 after writing the record. */
  SLOTS: 48,
} as const;

/**
 * Process registry: process-wide words every aiolab thread can reach (the
 * registry buffer travels in every handle), including one control block per
 * AioContext holding its notify protocol words.
 */
export const REGISTRY = {
  /** Statistic: thread ids handed out so far. Atomics.add by spawners. */
  THREADS_STARTED: 0,
  /** Next context id to hand out. Atomics.add by context creators. */
  NEXT_CONTEXT: 1,
  /** global_aio_wait.num_waiters: threads inside aioWaitWhile. Atomics.add/sub by waiters, Atomics.load by aioWaitKick. */
  WAITERS: 2,
  /** Main context id + 1, 0 while there is no main loop. Atomics.store by the main loop thread at start and stop. */
  MAIN_CONTEXT: 3,
  /** Statistic: aioWaitKick calls that found a waiter. Atomics.add. */
  KICKS: 4,
  /** Random token identifying this registry (compares handles across structured clones). Written once at creation. */
  TOKEN: 5,
  /** Thread ids in use, bits 0-31 (bit 0 is the orchestrator). Atomics.compareExchange to claim, Atomics.and to free. */
  THREAD_BITS_LO: 6,
  /** Thread ids in use, bits 32-63. Same protocol as THREAD_BITS_LO. */
  THREAD_BITS_HI: 7,
  /** Next event-notifier id (identity that survives structured cloning). Atomics.add by creators. */
  NEXT_NOTIFIER: 8,
  /** Index of the first context control block. */
  CONTEXTS: 16,
  /** Words per context control block. */
  CONTEXT_WORDS: 48,
  /** Index of the thread-generation table, one word per thread id (after the context blocks): how many times the id was freed. Atomics.add by freeThreadId before it clears the id's bit (pairs with the Atomics.load of every liveness check, so a holder's token is stale as soon as its id is free); read by any thread. */
  THREAD_GENS: 16 + MAX_CONTEXTS * 48,
  /** Total Int32 words. */
  WORDS: 16 + MAX_CONTEXTS * 48 + MAX_THREADS,
} as const;

/** Words of one context control block, relative to its start in the registry. */
export const CONTEXT = {
  /** notify_me: +2 by the home thread before it might sleep, -2 after; read by notifiers. Atomics only. */
  NOTIFY_ME: 0,
  /** notified: set to 1 by any notifier, cleared by the home thread (aio_notify_accept). Atomics only. */
  NOTIFIED: 1,
  /** Wake word the home thread sleeps on (the eventfd): notifiers Atomics.add then Atomics.notify it. */
  WAKE: 2,
  /** Cold-path messages posted to the home thread's Worker and not yet handled: Atomics.add by senders, Atomics.sub by the home thread. */
  MAILBOX: 3,
  /** Generation: how many times this block was freed. Atomics.add by freeContext before it clears HOME (never reset by allocContext), so a handle, which records the generation it was made in, is stale as soon as its context is freed; Atomics.load by every RemoteAioContext use (pairs with that add). On the NOTIFIED line: the notify fast path reads it without touching another line. */
  GEN: 4,
  /** Home thread id + 1 while the context is alive, 0 otherwise. Atomics.store by the home thread. */
  HOME: 6,
  // Words 16+ are statistics, on their own 64-byte line so that counting a
  // notify does not bounce the line the owner busy-polls (NOTIFIED).
  /** Statistic: notify calls that paid for Atomics.notify (owner might sleep). Atomics.add by notifiers. */
  NOTIFY_WAKES: 16,
  /** Statistic: notify calls that skipped Atomics.notify (owner awake). Atomics.add by cross-thread notifiers; the home thread counts its own skips locally. */
  NOTIFY_SKIPS: 17,
  // Words 32+ are statistics the home thread writes, on a third line so
  // that they do not bounce against the producers' counters above.
  /** Statistic: blocking waits entered (Atomics.wait called). Home thread only (Atomics.store so others can read). */
  WAITS: 32,
} as const;

/**
 * Handler-name table: interned `moduleUrl#export` strings so that handler
 * references can travel through integer rings.
 */
export const NAMES = {
  /** Spin lock guarding appends: 0 free, 1 held. Atomics.compareExchange / store. */
  LOCK: 0,
  /** Number of names. Written under LOCK; Atomics.store so readers without the lock see published names only. */
  COUNT: 1,
  /** UTF-8 bytes used. Written under LOCK. */
  BYTES_USED: 2,
  /** Index of the offset table: name i spans bytes [OFFSETS+2i, OFFSETS+2i+1] = (start, length). */
  OFFSETS: 4,
  /** Maximum number of names. */
  MAX_NAMES: 1024,
  /** Byte offset of the UTF-8 area. */
  DATA_BYTE: (4 + 2 * 1024) * 4,
  /** Size of the UTF-8 area. */
  DATA_BYTES: 64 * 1024,
} as const;
