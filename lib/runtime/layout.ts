/**
 * The shared words of the runtime's own SharedArrayBuffer layouts: bottom
 * halves that other threads schedule, the coroutine table, CoMutex and the
 * thread pool. The sync primitives' words (mutex, notifier, ring, registry,
 * context control blocks) stay in `lib/sync/layout.ts`; each constant below
 * names one word and says who writes it, who reads it and what guards it,
 * under the same rules as that file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BH_FLAG } from "./layout.ts";
 * assert.equal(BH_FLAG.PENDING | BH_FLAG.SCHEDULED, 3);
 * ```
 *
 * @module
 */

// ---------------------------------------------------------------------------
// Bottom halves (bottom_half.ts, aio_context.ts).

/**
 * Shared bottom-half table of one context: BHs that any thread may schedule.
 * Header, then `capacity` slots of {@link SHARED_BH.SLOT_WORDS} words.
 */
export const SHARED_BH = {
  /** Head of the pending stack: slot index + 1, 0 when empty. Producers push with Atomics.compareExchange; the home thread detaches the whole stack with Atomics.exchange. */
  HEAD: 0,
  /** Slots allocated so far. Home thread only (plain). */
  ALLOCATED: 1,
  /** Capacity in slots. Written once at creation. */
  CAPACITY: 2,
  /** Index of the first slot. */
  SLOTS: 4,
  /** Words per slot. */
  SLOT_WORDS: 2,
  /** Slot word: flags (BH_FLAG bits). Atomics.or by schedulers, Atomics.and/compareExchange by the home thread. PENDING set means the slot is on the pending stack or the home thread's pending list (only the scheduler that set it links it); a free slot holds {@link SHARED_BH.FREE}. */
  FLAGS: 0,
  /** FLAGS of a free slot (never allocated, or its BH was freed): PENDING | DELETED, so that a late schedule through a stale index finds PENDING set and links nothing. The home thread stores it (compareExchange, only while PENDING is clear: the slot is on no list) and replaces it with 0 when it allocates the slot again. */
  FREE: 1 | 4,
  /** Slot word: next pending slot index + 1 (stack link). Written by the pushing producer before its CAS publishes it; read by the home thread after its exchange. */
  NEXT: 1,
} as const;

/** Bottom-half flag bits (QEMU 5.0+ flags, shared by local and shared BHs). */
export const BH_FLAG = {
  /** Linked into a pending list. */
  PENDING: 1,
  /** Callback should run. */
  SCHEDULED: 2,
  /** Free without running. */
  DELETED: 4,
  /** Free after running. */
  ONESHOT: 8,
  /** Scheduled as idle: not progress, bounds the sleep to 10 ms. */
  IDLE: 16,
} as const;

// ---------------------------------------------------------------------------
// Coroutines (coroutine.ts, co_mutex.ts).

/**
 * Coroutine table of one thread, in chunks: the shared part of every
 * coroutine homed in that thread, so that other threads can schedule it by
 * its small integer id (aio_co_schedule across Workers). Each chunk is its
 * own (fixed-size) buffer holding {@link CO_TABLE.CHUNK_SLOTS} ids: header
 * words, then one slot of {@link CO_TABLE.SLOT_WORDS} words per id. Ids are
 * reused after termination; the generation in STATE tells incarnations apart.
 */
export const CO_TABLE = {
  /** Home thread id. Written once at creation (before the chunk is shared); read by schedulers for error messages. */
  THREAD: 0,
  /** Id of the chunk's first slot (a multiple of CHUNK_SLOTS). Written once at creation; read by schedulers to check a reference. */
  FIRST_ID: 1,
  /** Index of the first slot. */
  SLOTS: 4,
  /** Words per slot. */
  SLOT_WORDS: 2,
  /** Ids per chunk (a power of two): id i lives in slot i % CHUNK_SLOTS of chunk i / CHUNK_SLOTS. */
  CHUNK_SLOTS: 256,
  /** Slot word: generation * 2 + scheduled bit. Atomics only: schedulers (any thread) set the bit with compareExchange(gen*2, gen*2+1); the home thread clears it with compareExchange before it enters the coroutine, and moves to the next generation with compareExchange when the coroutine terminates. */
  STATE: 0,
  /** Slot word: id + 1 of the context the coroutine is scheduled in (0 never scheduled). Written (Atomics.store) only by the scheduler that won STATE's compareExchange; read (Atomics.load) for "already scheduled in" errors. */
  SCHED_CTX: 1,
  /** Generations wrap below this bound (gen * 2 + 1 must fit a positive Int32). */
  GENERATIONS: 1 << 30,
} as const;

/**
 * CoMutex: a mutex between coroutines of any threads and contexts. Int32
 * header words, a Float64 statistics area at {@link CO_MUTEX.STATS_BYTE}, one
 * context-slot word per doorbell at {@link CO_MUTEX.CTX_SLOTS}, then the FIFO
 * of waiter records ({@link CO_WAITER}). The waiter FIFO is guarded by the
 * queue lock, a `Mutex` in its own buffer (the CoMutex handle's `queueLock`).
 */
export const CO_MUTEX = {
  /** Lockers: the holder plus coroutines queued or about to queue (QEMU's `locked`). Atomics only: compareExchange(0, 1) by the fast path and spinners, Atomics.add under the queue lock by the slow path, compareExchange(1, 0) by an unlock without waiters, Atomics.sub under the queue lock by an unlock that hands over. */
  LOCKED: 0,
  /** Holder's thread id + 1, 0 when free. Written (plain) by the acquirer on the fast path, or by the unlocker under the queue lock when it hands the mutex to a waiter; guarded by the CoMutex itself (ordered by LOCKED's and the queue lock's Atomics); read with Atomics.load by spinners and diagnostics. */
  HOLDER_THREAD: 1,
  /** Holder's coroutine id in its thread. Same writers and guard as HOLDER_THREAD; read by the unlocker (holder check) and by the doorbell handler in the holder's thread. */
  HOLDER_CO: 2,
  /** Holder's coroutine generation. Same writers, guard and readers as HOLDER_CO. */
  HOLDER_GEN: 3,
  /** Holder's context id + 1 (QEMU's `mutex->ctx`), 0 when free. Same writers and guard as HOLDER_THREAD; read with Atomics.load by lockers deciding whether to spin. */
  HOLDER_CTX: 4,
  /** Spin iterations before queueing when the holder runs elsewhere. Written once at creation. */
  SPIN: 5,
  /** Number of context slots (doorbells). Written once at creation. */
  CONTEXTS: 6,
  /** Capacity of the waiter FIFO, records. Written once at creation. */
  CAPACITY: 7,
  /** Waiter FIFO: position of the oldest record (monotonic). Written and read only under the queue lock (plain). */
  Q_HEAD: 8,
  /** Waiter FIFO: position after the newest record (monotonic). Written and read only under the queue lock (plain). */
  Q_TAIL: 9,
  /** Lockers spinning right now (diagnostic). Atomics.add before and Atomics.sub after the spin by each spinner; read by anyone. */
  SPINNING: 10,
  /** Byte offset of the Float64 statistics area ({@link CO_MUTEX_STAT}); slots are written only by the current holder (guarded by the CoMutex itself) and read by anyone as a snapshot. */
  STATS_BYTE: 64,
  /** Index of the first context-slot word: slot i holds the id + 1 of the context whose coroutines wait behind doorbell i (0 free). Claimed with Atomics.compareExchange(0, id + 1) by that context's home thread; read (Atomics.load) by claimers. */
  CTX_SLOTS: 32,
} as const;

/** Float64 statistic slots of a {@link CO_MUTEX} (written by the holder only). */
export const CO_MUTEX_STAT = {
  /** Acquisitions. */
  ACQUIRED: 0,
  /** Acquisitions that found the mutex held. */
  CONTENDED: 1,
  /** Contended acquisitions won while spinning (the holder ran in another context). */
  SPIN_ACQUIRED: 2,
  /** Contended acquisitions that queued and yielded until handed the mutex. */
  QUEUED: 3,
  /** Hand-overs to a waiter in another thread (its context's doorbell was rung). */
  REMOTE_WAKES: 4,
  /** Number of slots reserved (the area spans CTX_SLOTS * 4 - STATS_BYTE bytes). */
  COUNT: 8,
} as const;

/**
 * One waiter record in a {@link CO_MUTEX} FIFO (words relative to the record,
 * records start right after the context-slot words). Written by the queueing
 * coroutine's thread and read by the unlocking thread, both under the queue
 * lock (plain).
 */
export const CO_WAITER = {
  /**
   * Context slot (doorbell index) of the context the waiter runs in; -1 when
   * it runs in none (then a coroutine of its own thread wakes it).
   */
  SLOT: 0,
  /** Waiter's thread id. */
  THREAD: 1,
  /** Waiter's coroutine id in its thread. */
  CO: 2,
  /** Waiter's coroutine generation. */
  GEN: 3,
  /** Words per record. */
  WORDS: 4,
} as const;

// ---------------------------------------------------------------------------
// Thread pool (thread_pool.ts, _pool_worker.ts).

/**
 * Thread-pool control block (QEMU's ThreadPool fields the workers share),
 * then the request queue: a ring of request-slot indices. "Under the lock"
 * means while holding the pool's Mutex (its own MUTEX block, posted to every
 * worker); those words are still accessed with Atomics.load/store so that
 * statistics can read them without the lock.
 */
export const POOL = {
  /** cur_threads: workers spawned and not exited (a spawned worker counts before it starts). Under the lock: +1 by the home thread when it decides to spawn, -1 by the worker as it exits. */
  CUR_THREADS: 0,
  /** idle_threads: workers waiting for a request. Under the lock: +1/-1 by workers around their wait; read by the submitter (spawn decision, whom to wake). */
  IDLE_THREADS: 1,
  /** min_threads. Written under the lock by the home thread (creation, setMinMax); read under the lock by workers deciding to exit after an idle timeout. */
  MIN_THREADS: 2,
  /** max_threads. Same protocol as MIN_THREADS; workers exit while cur_threads > max_threads; 0 once stopping. */
  MAX_THREADS: 3,
  /** 1 once destroy() began (QEMU's pool->stopping). Written under the lock by the home thread, read under the lock by workers. */
  STOPPING: 4,
  /** Queue: ring position of the oldest queued slot. Under the lock (the home thread queues and cancels, workers dequeue). */
  QUEUE_HEAD: 5,
  /** Queue: number of queued slots. Under the lock, same writers as QUEUE_HEAD. */
  QUEUE_LEN: 6,
  /** Queue ring capacity in entries (= the request table's capacity). Written once at creation. */
  QUEUE_CAPACITY: 7,
  /** Workers running a job now. Under the lock: +1 by a worker when it dequeues, -1 when it comes back for the next request. */
  BUSY_THREADS: 8,
  // Futex words, on their own 64-byte line: idle workers sleep here while the
  // submitter keeps writing the line above under the lock.
  /** request_cond, as a sequence word: a worker loads it under the lock, unlocks, then Atomics.wait's on it (the idle timeout bounds the wait); wakers Atomics.add then Atomics.notify it after changing state under the lock (submit with idle workers, setMinMax, destroy, an exiting worker). */
  REQUEST_SEQ: 16,
  /** worker_stopped, as a sequence word: Atomics.add then Atomics.notify by each worker after its last write to the worker table; destroy() waits on it (Atomics.waitAsync, or a bounded Atomics.wait). */
  EXIT_SEQ: 17,
  // Statistics, on a third line. Written under the lock with Atomics.store so
  // that stats() reads them without the lock.
  /** Statistic: workers spawned. Home thread, under the lock. */
  SPAWNED: 32,
  /** Statistic: workers that exited. Each worker as it exits, under the lock. */
  EXITED: 33,
  /** Statistic: idle waits that timed out. Workers, under the lock. */
  IDLE_TIMEOUTS: 34,
  /** Statistic: most workers busy at once. Workers, under the lock, when they dequeue. */
  MAX_BUSY: 35,
  /** Statistic: deepest queue seen. Home thread, under the lock, when it queues. */
  QUEUE_MAX: 36,
  /** Statistic: requests dequeued by workers. Workers, under the lock. */
  STARTED: 37,
  /** Index of the first queue entry; entry i holds a request-slot index. Written and read under the lock. */
  QUEUE: 48,
} as const;

/**
 * Thread-pool request table: one block of {@link POOL_SLOT.WORDS} Int32 words
 * per request slot (each slot also owns a growable SharedArrayBuffer for its
 * encoded arguments and result). Ownership moves with STATE: the home thread
 * owns a FREE slot, the queue a QUEUED one, one worker a RUNNING one, the
 * home thread again a DONE one.
 */
export const POOL_SLOT = {
  /** Request state (POOL_SLOT_STATE). Atomics only. FREE→QUEUED by the home thread before it queues the slot; QUEUED→RUNNING by the dequeuing worker and QUEUED→FREE by cancel, both under the lock; RUNNING→DONE by the worker after writing RESULT..NUMBER and the result bytes (the store publishes them; pairs with the home thread's Atomics.load of STATE in the completion BH); DONE→FREE by the home thread once it read the result. */
  STATE: 0,
  /** Handler id of the job (an interned module reference, handler_ref.ts). Written by the home thread while the slot is FREE; published to the worker by the unlock after queueing (the worker reads it after dequeuing under the lock). */
  HANDLER: 1,
  /** Bytes of encoded arguments in the slot's payload buffer; 0 = no arguments. Same protocol as HANDLER. */
  ARGS_BYTES: 2,
  /** Result kind (POOL_RESULT). Written by the running worker before its DONE store; read by the home thread after it loads DONE. */
  RESULT: 3,
  /** Bytes of the encoded result (or error) in the payload buffer. Same protocol as RESULT. */
  RESULT_BYTES: 4,
  /** aiolab thread id of the worker that ran the request. Same protocol as RESULT. */
  WORKER: 5,
  /** A number result as a Float64 over words 6-7 (8-byte aligned) when RESULT is NUMBER. Same protocol as RESULT. */
  NUMBER: 6,
  /** Words per slot (even, so that NUMBER stays 8-byte aligned). */
  WORDS: 8,
} as const;

/** Values of {@link POOL_SLOT.STATE} (QEMU's THREAD_QUEUED / ACTIVE / DONE). */
export const POOL_SLOT_STATE = {
  /** Not in use; owned by the home thread. */
  FREE: 0,
  /** In the queue, waiting for a worker. */
  QUEUED: 1,
  /** A worker runs it. */
  RUNNING: 2,
  /** Result published; the completion BH delivers it. */
  DONE: 3,
} as const;

/** Values of {@link POOL_SLOT.RESULT}. */
export const POOL_RESULT = {
  /** The job returned undefined (no bytes). */
  UNDEFINED: 0,
  /** The job returned a number (in the slot's NUMBER words, no bytes). */
  NUMBER: 1,
  /** The job returned another value, encoded in the payload buffer. */
  ENCODED: 2,
  /** The job threw (or its result could not be encoded): an encoded ErrorInfo. */
  ERROR: 3,
} as const;

/**
 * Thread-pool worker table: one block of {@link POOL_WORKER.WORDS} Int32 words
 * per possible worker (MAX_THREADS blocks), so that the home thread can see a
 * worker end without receiving a message.
 */
export const POOL_WORKER = {
  /** Worker state (POOL_WORKER_STATE). Atomics only. FREE→SPAWNED by the home thread before it posts the init message; SPAWNED→RUNNING by the worker at start and RUNNING→EXITING by the worker before it frees its thread id, both compareExchange, then EXITED (store, followed by POOL.EXIT_SEQ's notify); SPAWNED/RUNNING→KILLED by the home thread (compareExchange) when destroy times out: whichever side wins a compareExchange frees the thread id; EXITED/KILLED→FREE by the home thread once it dropped its Worker object. */
  STATE: 0,
  /** aiolab thread id of the worker. Written by the home thread before the init message (which publishes it). */
  THREAD_ID: 1,
  /** Statistic: jobs this worker ran. Atomics.add by the worker; read by anyone. */
  JOBS: 2,
  /** Words per worker block. */
  WORDS: 4,
} as const;

/** Values of {@link POOL_WORKER.STATE}. */
export const POOL_WORKER_STATE = {
  /** Block unused. */
  FREE: 0,
  /** Worker created, not started yet. */
  SPAWNED: 1,
  /** Worker running its loop. */
  RUNNING: 2,
  /** Worker leaving: it owns its thread id until it stores EXITED. */
  EXITING: 3,
  /** Worker gone (its thread id is freed). */
  EXITED: 4,
  /** Terminated by the home thread after a destroy timeout (the home thread freed its id). */
  KILLED: 5,
} as const;

// ---------------------------------------------------------------------------
// Hosted threads (_thread_host.ts, _worker.ts).

/**
 * Status words of one hosted thread (IoThread, MainLoop, VcpuThread): what
 * it is doing now, so that the orchestrator can say what a thread that does
 * not end is stuck in (join with a timeout) and ask it to end at once
 * (terminate). One small buffer per thread, created by the orchestrator
 * before the init message (which publishes it).
 */
export const THREAD_STATUS = {
  /** What the thread is doing (THREAD_PHASE). Atomics.store by the thread; Atomics.load by the orchestrator for its messages (a diagnostic snapshot, orders nothing). */
  PHASE: 0,
  /** Id of the run() call whose handler is running synchronously now, 0 when none. Atomics.store by the thread before and after the call; Atomics.load by the orchestrator (diagnostic). */
  CALL: 1,
  /** 1 once terminate() was requested. Atomics.store by the orchestrator before it posts the terminate message and kicks the thread; Atomics.load by the thread's loop after each poll (it then leaves at once), pairing with that store. */
  TERMINATE: 2,
  /** Total Int32 words. */
  WORDS: 4,
} as const;

/** Values of {@link THREAD_STATUS.PHASE}. */
export const THREAD_PHASE = {
  /** Importing its preloads, creating its context. */
  STARTING: 0,
  /** Inside its context's poll(), dispatching (a BH, timer or handler runs). */
  DISPATCHING: 1,
  /** Inside poll(), asleep waiting for work. */
  WAITING: 2,
  /** On its JavaScript event loop: messages, module loads, promises of handlers. */
  EVENT_LOOP: 3,
  /** Leaving: its loop ended. */
  EXITING: 4,
} as const;
