// The worker side of a thread pool (thread_pool.ts): spawning workers
// (_pool_worker.ts), the worker table in shared memory (POOL_WORKER blocks),
// reaping workers that exited, waiting for them at destroy and terminating
// the ones that do not exit in time. Everything here runs in the pool's home
// thread; the worker table words follow the protocol in layout.ts.

import { MAX_THREADS } from "../sync/layout.ts";
import { POOL, POOL_WORKER, POOL_WORKER_STATE } from "./layout.ts";
import type { Mutex } from "../sync/mutex.ts";
import { defaultRegistry } from "../sync/registry.ts";
import type { PoolWorkerBuffer, PoolWorkerInit } from "./_pool_protocol.ts";

interface WorkerRec {
  worker: Worker;
  threadId: number;
  name: string;
}

/** What every worker's init message shares (all but its own identity). */
export type PoolWorkerShared = Omit<
  PoolWorkerInit,
  "registry" | "threadId" | "threadName" | "worker"
>;

/** The workers of one pool. Home thread only. */
export class PoolWorkers {
  /** POOL_WORKER blocks, one per possible worker. */
  readonly table: Int32Array;
  /** Spawns that failed (no free thread id, or Worker creation failed). */
  spawnFailures = 0;
  /** Uncaught errors reported by worker threads (a pool bug, not a job error). */
  workerErrors = 0;

  readonly #poolName: string;
  readonly #control: Int32Array;
  readonly #lock: Mutex;
  readonly #workers = new Map<number, WorkerRec>();
  readonly #threadNames = new Map<number, string>();
  #reaped = 0;
  #spawnSerial = 0;

  constructor(poolName: string, control: Int32Array, lock: Mutex) {
    this.#poolName = poolName;
    this.#control = control;
    this.#lock = lock;
    this.table = new Int32Array(new SharedArrayBuffer(MAX_THREADS * POOL_WORKER.WORDS * 4));
  }

  /** Name of the worker with aiolab thread id `threadId` (for error messages). */
  threadName(threadId: number): string {
    return this.#threadNames.get(threadId) ?? `thread-pool worker ${threadId}`;
  }

  /** Posts a shared buffer first used after the workers started. */
  shareBuffer(id: number, sab: SharedArrayBuffer): void {
    // Running workers read this message when a job first needs the buffer
    // (the post happens before the job is queued); later ones get it in
    // their init message.
    const msg: PoolWorkerBuffer = { type: "buffer", id, sab };
    for (const rec of this.#workers.values()) rec.worker.postMessage(msg);
  }

  /**
   * Creates one Worker already counted in cur_threads. On failure the count
   * is taken back and the error rethrown with the number of workers left.
   */
  spawnCounted(shared: PoolWorkerShared): void {
    try {
      this.#spawn(shared);
    } catch (err) {
      this.spawnFailures++;
      const c = this.#control;
      this.#lock.lock(); // cur_threads is written under the lock
      const cur = Atomics.load(c, POOL.CUR_THREADS) - 1;
      Atomics.store(c, POOL.CUR_THREADS, cur);
      Atomics.store(c, POOL.SPAWNED, Atomics.load(c, POOL.SPAWNED) - 1);
      this.#lock.unlock();
      throw new SpawnError(cur, err);
    }
  }

  #spawn(shared: PoolWorkerShared): void {
    this.reap();
    const reg = defaultRegistry();
    const wt = this.table;
    let block = -1;
    for (let i = 0; i < MAX_THREADS; i++) {
      // Pairs with the stores that free a block (reap, killAll): FREE blocks only.
      if (Atomics.load(wt, i * POOL_WORKER.WORDS + POOL_WORKER.STATE) === POOL_WORKER_STATE.FREE) {
        block = i;
        break;
      }
    }
    if (block < 0) throw new RangeError(`thread pool "${this.#poolName}": worker table full`);
    const threadId = reg.allocThreadId();
    const name = `${this.#poolName} worker ${++this.#spawnSerial}`;
    const base = block * POOL_WORKER.WORDS;
    let worker: Worker;
    try {
      worker = new Worker(new URL("./_pool_worker.ts", import.meta.url), { type: "module", name });
    } catch (err) {
      reg.freeThreadId(threadId);
      throw err;
    }
    // Published to the worker by its init message (posted below).
    Atomics.store(wt, base + POOL_WORKER.THREAD_ID, threadId);
    Atomics.store(wt, base + POOL_WORKER.JOBS, 0);
    // FREE → SPAWNED before the init message; pairs with the worker's
    // compareExchange(SPAWNED → RUNNING) at start.
    Atomics.store(wt, base + POOL_WORKER.STATE, POOL_WORKER_STATE.SPAWNED);
    worker.onerror = (e: ErrorEvent) => {
      // Job errors are caught in the worker; this is a pool bug. Keep the
      // home thread alive and count it.
      e.preventDefault();
      this.workerErrors++;
      console.error(`thread pool "${this.#poolName}": ${name} failed: ${e.message}`);
    };
    const init: PoolWorkerInit = {
      ...shared,
      type: "init",
      registry: reg.handle,
      threadId,
      threadName: name,
      worker: block,
    };
    worker.postMessage(init);
    this.#workers.set(block, { worker, threadId, name });
    this.#threadNames.set(threadId, name);
  }

  /** Drops the Worker objects of workers that exited (their threads ended). */
  reap(): void {
    // Workers count themselves in EXITED a little before they store their
    // EXITED state: a worker not reapable yet is reaped by a later call.
    if (Atomics.load(this.#control, POOL.EXITED) === this.#reaped) return;
    const wt = this.table;
    for (const [block, rec] of this.#workers) {
      const at = block * POOL_WORKER.WORDS + POOL_WORKER.STATE;
      // Pairs with the worker's Atomics.store(EXITED), its last write to the
      // worker table (after it freed its thread id).
      const st = Atomics.load(wt, at);
      if (st === POOL_WORKER_STATE.EXITED) {
        rec.worker.terminate();
        this.#workers.delete(block);
        // EXITED → FREE: the worker no longer writes its block.
        Atomics.store(wt, at, POOL_WORKER_STATE.FREE);
        this.#reaped++;
      }
    }
  }

  /** Whether a worker may still be running (spawned, running or exiting). */
  anyAlive(): boolean {
    const wt = this.table;
    for (const block of this.#workers.keys()) {
      // Pairs with the worker's state stores (RUNNING, EXITING, EXITED).
      const st = Atomics.load(wt, block * POOL_WORKER.WORDS + POOL_WORKER.STATE);
      if (
        st === POOL_WORKER_STATE.SPAWNED || st === POOL_WORKER_STATE.RUNNING ||
        st === POOL_WORKER_STATE.EXITING
      ) return true;
    }
    return false;
  }

  /**
   * One round of an exit wait: the exit sequence to wait on and the ms
   * left, or null when no worker is alive or the deadline passed.
   */
  #exitWaitRound(deadline: number): { seq: number; left: number } | null {
    // Load the sequence before checking: an exit after the check changes
    // it, so the caller's wait returns at once. Pairs with the worker's
    // Atomics.add(EXIT_SEQ) + Atomics.notify.
    const seq = Atomics.load(this.#control, POOL.EXIT_SEQ);
    if (!this.anyAlive()) return null;
    const left = deadline - performance.now();
    return left <= 0 ? null : { seq, left };
  }

  /** Waits until no worker is alive or `timeoutMs` passed, blocking (Atomics.wait). */
  waitExitSync(timeoutMs: number): void {
    const deadline = performance.now() + timeoutMs;
    for (let r; (r = this.#exitWaitRound(deadline)) !== null;) {
      Atomics.wait(this.#control, POOL.EXIT_SEQ, r.seq, r.left);
    }
  }

  /** Like {@link PoolWorkers.waitExitSync}, without blocking (Atomics.waitAsync). */
  async waitExit(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (let r; (r = this.#exitWaitRound(deadline)) !== null;) {
      const w = Atomics.waitAsync(this.#control, POOL.EXIT_SEQ, r.seq, r.left);
      if (w.async) await w.value;
    }
  }

  /**
   * Terminates every Worker and frees the table; returns the names of those
   * still running (they did not exit in time).
   */
  killAll(): string[] {
    const wt = this.table;
    const reg = defaultRegistry();
    const killed: string[] = [];
    for (const [block, rec] of this.#workers) {
      const at = block * POOL_WORKER.WORDS + POOL_WORKER.STATE;
      for (const from of [POOL_WORKER_STATE.SPAWNED, POOL_WORKER_STATE.RUNNING]) {
        // Pairs with the worker's compareExchange at start and exit:
        // whichever side wins frees the thread id.
        if (Atomics.compareExchange(wt, at, from, POOL_WORKER_STATE.KILLED) === from) {
          reg.freeThreadId(rec.threadId);
          killed.push(rec.name);
        }
      }
      rec.worker.terminate();
      // → FREE after terminate(): the worker can no longer write its block.
      Atomics.store(wt, at, POOL_WORKER_STATE.FREE);
    }
    this.#workers.clear();
    return killed;
  }
}

/** A failed spawn: `cause` is why, `workersLeft` how many workers remain counted. */
export class SpawnError extends Error {
  /** cur_threads after taking the failed spawn back. */
  readonly workersLeft: number;

  constructor(workersLeft: number, cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = "SpawnError";
    this.workersLeft = workersLeft;
  }
}
