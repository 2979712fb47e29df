/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// Worker entry of thread-pool workers (thread_pool.ts): QEMU's worker_thread.
//
// After its init message the worker lives on shared memory: under the pool
// lock it takes the oldest queued request, or sleeps on POOL.REQUEST_SEQ when
// there is none (and exits after the idle timeout while more than min workers
// exist, or at once when stopping or above max); it runs the job
// synchronously, writes the result, publishes state DONE and schedules the
// pool's completion BH in the submitting context. It returns to its
// JavaScript event loop only to import a job's module (once per module), to
// receive a shared buffer it has not seen yet, or to await a job that
// returned a promise.

import {
  POOL,
  POOL_RESULT,
  POOL_SLOT,
  POOL_SLOT_STATE,
  POOL_WORKER,
  POOL_WORKER_STATE,
} from "./layout.ts";
import { Mutex } from "../sync/mutex.ts";
import { installRegistry } from "../sync/registry.ts";
import { setCurrentThread } from "../sync/thread_id.ts";
import { errorInfo } from "./aio_thread_error.ts";
import { RemoteAioContext } from "./context_handle.ts";
import { type Handler, loadHandler, lookupHandler } from "./handler_ref.ts";
import { decode, Encoder, growTo, MissingBufferError } from "./_pool_codec.ts";
import type { PoolWorkerBuffer, PoolWorkerInit } from "./_pool_protocol.ts";

const buffers: SharedArrayBuffer[] = [];
const bufferIds = new Map<SharedArrayBuffer, number>();
let bufferArrived: (() => void) | null = null;

function addBuffer(id: number, sab: SharedArrayBuffer): void {
  buffers[id] = sab;
  bufferIds.set(sab, id);
}

/** Lets the event loop run until shared buffer `id` has arrived. */
async function waitForBuffer(id: number): Promise<void> {
  while (buffers[id] === undefined) {
    await new Promise<void>((resolve) => (bufferArrived = resolve));
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function";
}

async function work(init: PoolWorkerInit): Promise<void> {
  const reg = installRegistry(init.registry);
  setCurrentThread(init.threadId, init.threadName);
  for (let i = 0; i < init.buffers.length; i++) addBuffer(i, init.buffers[i]);
  const c = new Int32Array(init.control);
  const s = new Int32Array(init.slots);
  const f64 = new Float64Array(init.slots);
  const wt = new Int32Array(init.workers);
  const payloads = init.payloads;
  const views = payloads.map((p) => new Uint8Array(p));
  const lock = Mutex.fromHandle(init.lock);
  const remote = new RemoteAioContext(init.ctx);
  const me = init.threadId;
  const wstate = init.worker * POOL_WORKER.WORDS + POOL_WORKER.STATE;
  const cap = c[POOL.QUEUE_CAPACITY];
  const idleTimeout = init.idleTimeoutMs;
  const encoder = new Encoder((sab) => {
    const id = bufferIds.get(sab);
    if (id === undefined) {
      throw new DOMException(
        "a SharedArrayBuffer the pool did not pass to this job cannot be returned",
        "DataCloneError",
      );
    }
    return id;
  });
  let scratch = new Uint8Array(4096);

  // SPAWNED → RUNNING. Pairs with the home thread's store(SPAWNED) before
  // the init message, and with its compareExchange(→ KILLED) when destroy
  // times out (then the home thread owns the thread id).
  if (
    Atomics.compareExchange(wt, wstate, POOL_WORKER_STATE.SPAWNED, POOL_WORKER_STATE.RUNNING) !==
      POOL_WORKER_STATE.SPAWNED
  ) {
    self.close();
    return;
  }

  const writePayload = (slot: number, bytes: Uint8Array): void => {
    const sab = payloads[slot];
    if (sab.byteLength < bytes.length) {
      if (bytes.length > sab.maxByteLength) {
        throw new RangeError(
          `the job's result is ${bytes.length} bytes encoded, more than the pool's ` +
            `maxPayloadBytes (${sab.maxByteLength}); return a view of a shared buffer instead`,
        );
      }
      sab.grow(growTo(bytes.length, sab.maxByteLength));
    }
    views[slot].set(bytes);
  };

  const publish = (base: number, kind: number, n: number): void => {
    s[base + POOL_SLOT.RESULT] = kind;
    s[base + POOL_SLOT.RESULT_BYTES] = n;
    s[base + POOL_SLOT.WORKER] = me;
    Atomics.add(wt, wstate - POOL_WORKER.STATE + POOL_WORKER.JOBS, 1);
    // RUNNING → DONE publishes the words above and the payload bytes: pairs
    // with the home thread's Atomics.load(STATE) in its completion BH.
    Atomics.store(s, base + POOL_SLOT.STATE, POOL_SLOT_STATE.DONE);
    remote.scheduleBh(init.bh);
  };

  const fail = (slot: number, base: number, err: unknown): void => {
    let bytes: Uint8Array;
    try {
      bytes = encoder.encode(errorInfo(err));
      writePayload(slot, bytes);
    } catch (again) {
      const info = errorInfo(again);
      bytes = encoder.encode({
        name: info.name,
        message: `${info.message.slice(0, 1000)} (while reporting: ${
          errorInfo(err).message.slice(0, 1000)
        })`,
        stack: "",
      });
      writePayload(slot, bytes);
    }
    publish(base, POOL_RESULT.ERROR, bytes.length);
  };

  const finish = (slot: number, base: number, v: unknown): void => {
    if (v === undefined) {
      publish(base, POOL_RESULT.UNDEFINED, 0);
    } else if (typeof v === "number") {
      f64[(base + POOL_SLOT.NUMBER) >> 1] = v;
      publish(base, POOL_RESULT.NUMBER, 0);
    } else {
      let bytes: Uint8Array;
      try {
        bytes = encoder.encode(v);
        writePayload(slot, bytes);
      } catch (err) {
        fail(slot, base, err);
        return;
      }
      publish(base, POOL_RESULT.ENCODED, bytes.length);
    }
  };

  const readArgs = (slot: number, n: number): unknown[] => {
    if (scratch.length < n) scratch = new Uint8Array(growTo(n, Infinity));
    const local = scratch.subarray(0, n);
    // TextDecoder refuses shared views: decode from a private copy.
    local.set(views[slot].subarray(0, n));
    return decode(local, (id) => buffers[id]) as unknown[];
  };

  /** Runs the job with its arguments; a promise only when it has to wait. */
  const runWith = (slot: number, base: number, fn: Handler): Promise<void> | undefined => {
    const n = s[base + POOL_SLOT.ARGS_BYTES];
    let args: unknown[] | null = null;
    if (n > 0) {
      try {
        args = readArgs(slot, n);
      } catch (err) {
        if (err instanceof MissingBufferError) {
          return waitForBuffer(err.bufferId).then(() => runWith(slot, base, fn));
        }
        fail(slot, base, err);
        return undefined;
      }
    }
    let v: unknown;
    try {
      v = args === null ? fn() : fn(...args);
    } catch (err) {
      fail(slot, base, err);
      return undefined;
    }
    if (isThenable(v)) {
      return Promise.resolve(v).then(
        (x) => finish(slot, base, x),
        (err) => fail(slot, base, err),
      );
    }
    finish(slot, base, v);
    return undefined;
  };

  const runJob = (slot: number): Promise<void> | undefined => {
    const base = slot * POOL_SLOT.WORDS;
    // Read after dequeuing under the lock: the home thread wrote them before
    // the unlock that published the queue entry.
    const id = s[base + POOL_SLOT.HANDLER];
    const fn = lookupHandler(id);
    if (fn !== undefined) return runWith(slot, base, fn);
    return loadHandler(id).then(
      (f) => runWith(slot, base, f),
      (err) => fail(slot, base, err),
    );
  };

  lock.lock();
  for (;;) {
    if (
      Atomics.load(c, POOL.STOPPING) !== 0 ||
      Atomics.load(c, POOL.CUR_THREADS) > Atomics.load(c, POOL.MAX_THREADS)
    ) break;
    const len = Atomics.load(c, POOL.QUEUE_LEN);
    if (len === 0) {
      Atomics.store(c, POOL.IDLE_THREADS, Atomics.load(c, POOL.IDLE_THREADS) + 1);
      // Read under the lock, so a waker that queues after our unlock has
      // changed it by the time we wait: pairs with its Atomics.add +
      // Atomics.notify(REQUEST_SEQ).
      const seq = Atomics.load(c, POOL.REQUEST_SEQ);
      lock.unlock();
      const r = Atomics.wait(c, POOL.REQUEST_SEQ, seq, idleTimeout);
      lock.lock();
      Atomics.store(c, POOL.IDLE_THREADS, Atomics.load(c, POOL.IDLE_THREADS) - 1);
      if (r === "timed-out") {
        Atomics.store(c, POOL.IDLE_TIMEOUTS, Atomics.load(c, POOL.IDLE_TIMEOUTS) + 1);
        // Timed out, no work, and no need for warm threads: exit.
        if (
          Atomics.load(c, POOL.QUEUE_LEN) === 0 &&
          Atomics.load(c, POOL.CUR_THREADS) > Atomics.load(c, POOL.MIN_THREADS)
        ) break;
      }
      continue;
    }
    const head = Atomics.load(c, POOL.QUEUE_HEAD);
    const slot = Atomics.load(c, POOL.QUEUE + head);
    Atomics.store(c, POOL.QUEUE_HEAD, (head + 1) % cap);
    Atomics.store(c, POOL.QUEUE_LEN, len - 1);
    // QUEUED → RUNNING under the lock (cancel checks QUEUED under it too).
    Atomics.store(s, slot * POOL_SLOT.WORDS + POOL_SLOT.STATE, POOL_SLOT_STATE.RUNNING);
    const busy = Atomics.load(c, POOL.BUSY_THREADS) + 1;
    Atomics.store(c, POOL.BUSY_THREADS, busy);
    if (busy > Atomics.load(c, POOL.MAX_BUSY)) Atomics.store(c, POOL.MAX_BUSY, busy);
    Atomics.store(c, POOL.STARTED, Atomics.load(c, POOL.STARTED) + 1);
    lock.unlock();
    const p = runJob(slot);
    if (p !== undefined) await p;
    lock.lock();
    Atomics.store(c, POOL.BUSY_THREADS, Atomics.load(c, POOL.BUSY_THREADS) - 1);
  }
  Atomics.store(c, POOL.CUR_THREADS, Atomics.load(c, POOL.CUR_THREADS) - 1);
  Atomics.store(c, POOL.EXITED, Atomics.load(c, POOL.EXITED) + 1);
  lock.unlock();
  // Pass on a wakeup this worker may have consumed without serving it (it
  // left because cur > max). Pairs with the waiters' load of REQUEST_SEQ.
  Atomics.add(c, POOL.REQUEST_SEQ, 1);
  Atomics.notify(c, POOL.REQUEST_SEQ, 1);
  // RUNNING → EXITING: pairs with the home thread's compareExchange(→ KILLED);
  // the winner frees the thread id.
  if (
    Atomics.compareExchange(wt, wstate, POOL_WORKER_STATE.RUNNING, POOL_WORKER_STATE.EXITING) ===
      POOL_WORKER_STATE.RUNNING
  ) {
    reg.freeThreadId(me);
    Atomics.store(wt, wstate, POOL_WORKER_STATE.EXITED);
  }
  // worker_stopped: pairs with destroy()'s load of EXIT_SEQ before it waits.
  Atomics.add(c, POOL.EXIT_SEQ, 1);
  Atomics.notify(c, POOL.EXIT_SEQ);
  self.close();
}

self.onmessage = (e: MessageEvent<PoolWorkerInit | PoolWorkerBuffer>) => {
  const msg = e.data;
  if (msg.type === "buffer") {
    addBuffer(msg.id, msg.sab);
    const wake = bufferArrived;
    bufferArrived = null;
    wake?.();
  } else if (msg.type === "init") {
    work(msg).catch((err: unknown) => {
      // A pool bug (job errors are caught and reported as results).
      console.error(`thread pool worker ${msg.threadName}: ${errorInfo(err).stack}`);
      self.close();
    });
  }
};
