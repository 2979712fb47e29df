/**
 * A virtio-blk-like device whose request handling lives in whichever
 * thread runs its node's AioContext, and moves with it (QEMU's virtio-blk
 * dataplane).
 *
 * A JavaScript object cannot move between Workers, so what moves is a
 * role. The device is a structured-cloneable {@link VirtioBlkHandle}: per
 * virtqueue a request ring, a completion ring, a kick notifier (ioeventfd)
 * and an interrupt notifier (irqfd); device words; and a description of
 * its driver ({@link DriverSpec}). Every thread that may host the device
 * calls {@link registerVirtioBlkHandlers} once and {@link hostVirtioBlk}
 * per device, which opens a driver instance there. The thread of the node's
 * current context holds the live part: the kick handlers registered in that
 * context. An AioContext change runs {@link virtioBlkDetach} in the old
 * context's thread and {@link virtioBlkAttach} in the new one, each as a
 * oneshot in that context (handler ids `HANDLER_ID.DEVICE_DETACH` and
 * `DEVICE_ATTACH`) that the graph's thread waits for (QEMU's
 * aio_wait_bh_oneshot); {@link virtioBlkHooks} are the node's hooks that do
 * this.
 *
 * A guest ({@link VirtioBlkGuest} in a vCPU-like thread) pushes requests
 * into a virtqueue and sets its kick notifier; the serving thread takes
 * them, runs them on its driver instance, pushes completions (request id,
 * status, the thread and context that completed it) into the queue's
 * completion ring and sets the interrupt notifier. While the node is
 * drained the device takes nothing: requests wait in the virtqueue and are
 * taken, in order, after the drain. State is per queue (each queue records
 * the context serving it), so that queues can later be served by different
 * IOThreads; today an attach places every queue in the node's context.
 *
 * Drain and in-flight requests without a lock: a serving thread counts a
 * request in flight BEFORE it checks QUIESCED; the drain sets QUIESCED
 * before it waits for IN_FLIGHT to reach 0. Both are sequentially
 * consistent, so either the serving thread sees QUIESCED and backs out, or
 * the drain sees the request and waits for it (Dekker).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "../runtime/aio_context.ts";
 * import {
 *   createVirtioBlk,
 *   hostVirtioBlk,
 *   registerVirtioBlkHandlers,
 *   virtioBlkAttach,
 *   virtioBlkDetach,
 * } from "./virtio_blk.ts";
 * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
 * import { VIRTIO_BLK_OP } from "./layout.ts";
 * // Device and guest in one thread, to show the steps; normally the guest
 * // is a vCPU Worker and the device lives in an IOThread.
 * const ctx = new AioContext();
 * const dev = createVirtioBlk({ name: "vda", driver: { kind: "null" } });
 * registerVirtioBlkHandlers();
 * hostVirtioBlk(dev);
 * virtioBlkAttach(dev.id, ctx.id);
 * const guest = new VirtioBlkGuest(dev);
 * const done: number[] = [];
 * guest.listen(ctx, (reqId, ok) => ok && done.push(reqId));
 * guest.submit(7, VIRTIO_BLK_OP.READ, 0, 512);
 * guest.kick();
 * while (done.length === 0) ctx.poll(true);
 * assert.deepEqual(done, [7]);
 * guest.unlisten();
 * virtioBlkDetach(dev.id);
 * ctx.destroy();
 * ```
 *
 * @module
 */

import { EventNotifier, type EventNotifierHandle } from "../sync/event_notifier.ts";
import { SpscRing, type SpscRingHandle } from "../sync/spsc_ring.ts";
import { currentThreadId } from "../sync/thread_id.ts";
import { aioWaitKick, aioWaitWhile } from "../runtime/aio_wait.ts";
import type { AioContext } from "../runtime/aio_context.ts";
import { type AioContextHandle, RemoteAioContext } from "../runtime/context_handle.ts";
import { HANDLER_ID } from "../runtime/handler_ids.ts";
import { registerHandler } from "../runtime/handler_ref.ts";
import { getCurrentAioContext, localContext } from "../runtime/thread_state.ts";
import type { ContextId, DriverHooks, DriverNode } from "../block/driver.ts";
import { type DriverSpec, openDriver, type OpenedDriver } from "../block/driver_spec.ts";
import { NullDriver, type TaggedDone } from "../block/null_driver.ts";
import type { RequestResult } from "../block/driver.ts";
import {
  VIRTIO_BLK,
  VIRTIO_BLK_CPL,
  VIRTIO_BLK_EVENTS,
  VIRTIO_BLK_OP,
  VIRTIO_BLK_QUEUE,
  VIRTIO_BLK_REQ,
  VIRTIO_BLK_STAMP,
  VIRTIO_BLK_STAMP_BIT,
  virtioBlkWords,
} from "./layout.ts";

/** This module's URL (for handler references such as `${VIRTIO_BLK_MODULE}#registerVirtioBlkHandlers`). */
export const VIRTIO_BLK_MODULE: string = import.meta.url;

/** Structured-cloneable description of one virtqueue. */
export interface VirtioBlkQueueHandle {
  /** Guest → device requests (records: VIRTIO_BLK_REQ). */
  readonly vq: SpscRingHandle;
  /** Device → guest completions (records: VIRTIO_BLK_CPL). */
  readonly cq: SpscRingHandle;
  /** ioeventfd: the guest sets it after pushing requests. */
  readonly kick: EventNotifierHandle;
  /** irqfd: the device sets it after pushing completions. */
  readonly irq: EventNotifierHandle;
}

/** Structured-cloneable description of a virtio-blk-like device. */
export interface VirtioBlkHandle {
  /** Small integer id (unique per process). */
  readonly id: number;
  /** Device name (also its node's name). */
  readonly name: string;
  /** Device words (VIRTIO_BLK in layout.ts); word 0 is the node's in-flight counter. */
  readonly words: SharedArrayBuffer;
  /** The virtqueues. */
  readonly queues: readonly VirtioBlkQueueHandle[];
  /** The driver every hosting thread opens for the node. */
  readonly driver: DriverSpec;
  /** Requests each virtqueue holds (a power of two). */
  readonly queueSize: number;
  /** Seed-era locking: the serving thread holds the context's AioContext lock while it handles a kick or a completion. */
  readonly contextLock: boolean;
  /**
   * Stage stamps (Float64, {@link VIRTIO_BLK_STAMP} per request slot, `queueSize` slots per
   * queue), or null: for a request whose id has {@link VIRTIO_BLK_STAMP_BIT} set, the serving
   * thread writes when it took the request and when the backend completed it, before the
   * completion's publishing push. Slot: `queue * queueSize + (id & (queueSize - 1))`.
   */
  readonly stamps: SharedArrayBuffer | null;
  /**
   * Event suppression words ({@link VIRTIO_BLK_EVENTS} per queue): the serving context
   * tells the guest not to kick while it busy-polls the queue, and a busy-waiting guest
   * tells the device not to interrupt it (virtio's used / avail ring flags).
   */
  readonly events: SharedArrayBuffer;
}

/** Options of {@link createVirtioBlk}. */
export interface VirtioBlkOptions {
  /** Device name. */
  name: string;
  /** The node's driver. Default `{ kind: "null" }`. */
  driver?: DriverSpec;
  /** Virtqueues (num-queues). Default 1. */
  numQueues?: number;
  /** Requests each virtqueue holds (a power of two). Default 256. */
  queueSize?: number;
  /** Seed-era locking (see {@link VirtioBlkHandle.contextLock}). Default false. */
  contextLock?: boolean;
  /** Allocate stage stamps (see {@link VirtioBlkHandle.stamps}). Default false. */
  stageStamps?: boolean;
}

let nextId = 1;

/**
 * Creates a device description (no thread hosts it yet). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVirtioBlk } from "./virtio_blk.ts";
 * const dev = createVirtioBlk({ name: "vda", numQueues: 2 });
 * assert.equal(dev.queues.length, 2);
 * assert.deepEqual(dev.driver, { kind: "null" });
 * ```
 */
export function createVirtioBlk(options: VirtioBlkOptions): VirtioBlkHandle {
  const numQueues = options.numQueues ?? 1;
  const size = options.queueSize ?? 256;
  if (!Number.isInteger(numQueues) || numQueues < 1 || numQueues > 64) {
    throw new RangeError(
      `virtio-blk ${options.name}: numQueues must be an integer in [1, 64], got ${numQueues}`,
    );
  }
  if (!Number.isInteger(size) || size < 1 || (size & (size - 1)) !== 0) {
    throw new RangeError(
      `virtio-blk ${options.name}: queueSize must be a power of two, got ${size}`,
    );
  }
  const words = new SharedArrayBuffer(virtioBlkWords(numQueues) * 4);
  // Before the buffer is shared: no ordering needed.
  new Int32Array(words)[VIRTIO_BLK.NUM_QUEUES] = numQueues;
  const queues: VirtioBlkQueueHandle[] = [];
  for (let q = 0; q < numQueues; q++) {
    const tag = `${options.name}.${q}`;
    queues.push({
      vq: new SpscRing({ capacity: size, recordWords: VIRTIO_BLK_REQ.WORDS }).handle,
      // One completion per request, so the same size holds them all.
      cq: new SpscRing({ capacity: size, recordWords: VIRTIO_BLK_CPL.WORDS }).handle,
      kick: new EventNotifier({ name: `${tag}.kick` }).handle,
      irq: new EventNotifier({ name: `${tag}.irq` }).handle,
    });
  }
  return {
    id: (currentThreadId() << 16) | nextId++,
    name: options.name,
    words,
    queues,
    driver: options.driver ?? { kind: "null" },
    queueSize: size,
    contextLock: options.contextLock ?? false,
    stamps: options.stageStamps
      ? new SharedArrayBuffer(numQueues * size * VIRTIO_BLK_STAMP.WORDS * 8)
      : null,
    events: new SharedArrayBuffer(numQueues * VIRTIO_BLK_EVENTS.WORDS * 4),
  };
}

/** This thread's clock for stage stamps (shared-base ns). */
let stampClock: () => number = () => performance.now() * 1e6;

/**
 * Sets the clock the calling thread's serving code stamps stages with (the
 * run's shared time base, so that stamps of different threads compare).
 * Default `performance.now()` in ns. Each hosting thread, at setup.
 *
 * @example
 * ```ts
 * import { setVirtioBlkStampClock } from "./virtio_blk.ts";
 * setVirtioBlkStampClock(() => performance.now() * 1e6);
 * ```
 */
export function setVirtioBlkStampClock(clock: () => number): void {
  stampClock = clock;
}

/** One queue as its hosting thread holds it. */
interface HostedQueue {
  readonly index: number;
  /** Start of the queue's block in the device words. */
  readonly base: number;
  readonly vq: SpscRing;
  readonly cq: SpscRing;
  readonly kick: EventNotifier;
  readonly irq: EventNotifier;
  /** Start of the queue's event suppression words in `Hosted.ev`. */
  readonly evBase: number;
  /** The virtqueue's drain callback (made once, see makeTake). */
  take: (reqId: number, op: number, offset: number, bytes: number) => void;
  /** A request's completion (made once, see makeTake): the tag is the request id. */
  complete: TaggedDone;
  /** Whether a serving pass is running (its token counts the requests it took). */
  inPass: boolean;
  /** Requests the running pass took (submitted). */
  passTaken: number;
  /** Requests of the running pass completed before it ended. */
  passDone: number;
  /** The node as the driver sees it while this queue is served here, else null. */
  node: DriverNode | null;
  /** The context serving this queue here, else null. */
  ctx: AioContext | null;
}

/** A device as a hosting thread holds it. Fields: that thread only. */
interface Hosted {
  readonly handle: VirtioBlkHandle;
  readonly w: Int32Array;
  readonly driver: OpenedDriver;
  readonly queues: HostedQueue[];
  /** The context this thread serves the device in, or null. */
  attachedTo: ContextId | null;
  /** Stage stamps, or null. */
  readonly stamps: Float64Array | null;
  /** Event suppression words (VIRTIO_BLK_EVENTS per queue). */
  readonly ev: Int32Array;
}

/** Devices this thread can host (this thread only). */
const hosted = new Map<number, Hosted>();
let handlersRegistered = false;

/**
 * Registers the device's attach and detach steps (`HANDLER_ID.DEVICE_ATTACH`,
 * `HANDLER_ID.DEVICE_DETACH`) in the calling thread, so that the graph's
 * thread can run them here as oneshots. Idempotent. Every thread that may
 * host a device, at setup (before {@link hostVirtioBlk}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupHandler } from "../runtime/handler_ref.ts";
 * import { HANDLER_ID } from "../runtime/handler_ids.ts";
 * import { registerVirtioBlkHandlers } from "./virtio_blk.ts";
 * registerVirtioBlkHandlers();
 * assert.equal(typeof lookupHandler(HANDLER_ID.DEVICE_ATTACH), "function");
 * ```
 */
export function registerVirtioBlkHandlers(): void {
  if (handlersRegistered) return;
  registerHandler(HANDLER_ID.DEVICE_ATTACH, (id: number, ctxId: number) => {
    runStepHere(id, VIRTIO_BLK.ATTACH_DONE, () => virtioBlkAttach(id, ctxId));
  }, "virtio-blk-attach");
  registerHandler(HANDLER_ID.DEVICE_DETACH, (id: number) => {
    runStepHere(id, VIRTIO_BLK.DETACH_DONE, () => virtioBlkDetach(id));
  }, "virtio-blk-detach");
  handlersRegistered = true;
}

/**
 * Runs a step the graph's thread waits for, and publishes its end (also
 * when it throws: the waiter must not wait forever; the error is rethrown
 * here too). The hosting thread, from the step's oneshot.
 */
function runStepHere(id: number, doneWord: number, step: () => void): void {
  const h = hostedOrThrow(id);
  try {
    step();
  } catch (err) {
    // Read by runStep after the DONE word below; pairs with its Atomics.exchange.
    Atomics.store(h.w, VIRTIO_BLK.STEP_FAILED, 1);
    throw err;
  } finally {
    // Publishes the step: pairs with runStep's Atomics.load(doneWord)
    // (re-checked after the kick wakes its wait).
    Atomics.add(h.w, doneWord, 1);
    aioWaitKick();
  }
}

/**
 * Makes the calling thread able to host device `handle`: opens a driver
 * instance here from `handle.driver` (so a bad description fails now, in
 * this thread's setup) and records this thread among the device's hosts.
 * Idempotent. Every thread whose context may run the device, before any
 * move there, after {@link registerVirtioBlkHandlers}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVirtioBlk, hostVirtioBlk, registerVirtioBlkHandlers } from "./virtio_blk.ts";
 * registerVirtioBlkHandlers();
 * const dev = createVirtioBlk({ name: "vdb" });
 * hostVirtioBlk(dev);
 * hostVirtioBlk(dev); // already hosted: nothing to do
 * assert.throws(
 *   () => hostVirtioBlk(createVirtioBlk({ name: "bad", driver: { kind: "file", filename: "/nonexistent" } })),
 *   /cannot open \/nonexistent/,
 * );
 * ```
 */
export function hostVirtioBlk(handle: VirtioBlkHandle): void {
  if (hosted.has(handle.id)) return;
  if (!handlersRegistered) {
    throw new Error(
      `virtio-blk ${handle.name}: thread ${currentThreadId()} must call ` +
        `registerVirtioBlkHandlers() before it hosts a device (the graph's thread runs the ` +
        `attach and detach steps here through those handlers)`,
    );
  }
  const driver = openDriver(handle.driver);
  const queues = handle.queues.map((q, index): HostedQueue => ({
    index,
    base: VIRTIO_BLK.QUEUES + index * VIRTIO_BLK.QUEUE_WORDS,
    vq: SpscRing.fromHandle(q.vq),
    cq: SpscRing.fromHandle(q.cq),
    kick: EventNotifier.fromHandle(q.kick),
    irq: EventNotifier.fromHandle(q.irq),
    evBase: index * VIRTIO_BLK_EVENTS.WORDS,
    take: () => {},
    complete: () => {},
    inPass: false,
    passTaken: 0,
    passDone: 0,
    node: null,
    ctx: null,
  }));
  const w = new Int32Array(handle.words);
  const stamps = handle.stamps === null ? null : new Float64Array(handle.stamps);
  const ev = new Int32Array(handle.events);
  const h: Hosted = { handle, w, driver, queues, attachedTo: null, stamps, ev };
  for (const q of queues) makeTake(h, q);
  hosted.set(handle.id, h);
  const t = currentThreadId();
  // Pairs with hostsThread's Atomics.load in the graph's thread.
  Atomics.or(w, t < 32 ? VIRTIO_BLK.HOSTS_LO : VIRTIO_BLK.HOSTS_HI, 1 << (t & 31));
}

function hostedOrThrow(id: number): Hosted {
  const h = hosted.get(id);
  if (h === undefined) {
    throw new Error(
      `virtio-blk device ${id} is not hosted in thread ${currentThreadId()}: call ` +
        `hostVirtioBlk(handle) there first`,
    );
  }
  return h;
}

function opName(op: number): "read" | "write" | "flush" {
  if (op === VIRTIO_BLK_OP.READ) return "read";
  if (op === VIRTIO_BLK_OP.WRITE) return "write";
  return "flush";
}

/**
 * A queue's kick handler: take what the virtqueue holds unless quiesced,
 * run it, complete it. The thread serving the queue, from its context.
 */
function serve(h: Hosted, q: HostedQueue): void {
  // Seed era: virtio_blk_handle_output runs under aio_context_acquire.
  const ctx = q.ctx!;
  if (h.handle.contextLock) {
    ctx.acquire();
    try {
      serveQueue(h, q);
    } finally {
      ctx.release();
    }
  } else {
    serveQueue(h, q);
  }
}

function serveQueue(h: Hosted, q: HostedQueue): void {
  const w = h.w;
  // Consume the kick first: a request pushed after this load sets it again
  // (the guest pushes, then kicks), so one pass over the ring takes every
  // request whose kick this call consumed. A load first: while the guest
  // suppresses kicks it is clear, and the exchange would take its line.
  if (q.kick.isSet()) q.kick.testAndClear();
  // A token first, then QUIESCED: pairs with the drain's store of QUIESCED
  // followed by its wait for IN_FLIGHT == 0 (Dekker). While the token is
  // held IN_FLIGHT > 0, so a request taken in this pass needs no add of its
  // own: at the end the token becomes the count of the pass's requests
  // still in flight (at queue depth 1, no further atomic at all).
  Atomics.add(w, VIRTIO_BLK.IN_FLIGHT, 1);
  const outer = q.inPass;
  const outerTaken = q.passTaken;
  const outerDone = q.passDone;
  q.inPass = true;
  q.passTaken = 0;
  q.passDone = 0;
  try {
    // Quiesced: requests stay in the virtqueue until the drain ends.
    if (Atomics.load(w, VIRTIO_BLK.QUIESCED) === 0) q.vq.drain(q.take);
  } finally {
    const delta = q.passTaken - q.passDone - 1;
    q.inPass = outer;
    q.passTaken = outerTaken;
    q.passDone = outerDone;
    if (delta !== 0) {
      // Pairs with the drain's load of IN_FLIGHT; the kick wakes its wait.
      Atomics.add(w, VIRTIO_BLK.IN_FLIGHT, delta);
      if (delta < 0) aioWaitKick();
    }
  }
}

/**
 * Makes queue `q`'s virtqueue drain callback (`take`: runs one request on
 * the driver) and its completion (`complete`), once per queue: a request
 * allocates no closure, and with a zero-latency null driver nothing at all.
 */
function makeTake(h: Hosted, q: HostedQueue): void {
  const w = h.w;
  const ev = h.ev;
  const stamps = h.stamps;
  const slotBase = q.index * h.handle.queueSize;
  const slotMask = h.handle.queueSize - 1;
  const lock = h.handle.contextLock;
  const thread = currentThreadId();
  const fast = h.driver instanceof NullDriver ? h.driver : null;
  const completedAt = q.base + VIRTIO_BLK_QUEUE.COMPLETED;
  const noInterrupt = q.evBase + VIRTIO_BLK_EVENTS.NO_INTERRUPT;
  q.complete = (reqId: number, r: RequestResult): void => {
    if (stamps !== null && (reqId & VIRTIO_BLK_STAMP_BIT) !== 0) {
      // Plain store, published by the completion's push below (its release).
      const stamp = (slotBase + (reqId & slotMask)) * VIRTIO_BLK_STAMP.WORDS;
      stamps[stamp + VIRTIO_BLK_STAMP.BACKEND_DONE] = stampClock();
    }
    const ctx = q.ctx!;
    // Seed era: the completion runs under the context's lock too.
    if (lock) ctx.acquire();
    try {
      // Completed in this thread, in the context that serves the queue now.
      q.cq.push(reqId, r.ok ? 1 : 0, thread, ctx.id);
      // The queue's one serving thread writes it (readers take a snapshot).
      w[completedAt] = (w[completedAt] + 1) | 0;
      // Event suppression: after the publishing push, pairs with the guest's
      // store of 0 followed by its look at the ring (Dekker).
      if (Atomics.load(ev, noInterrupt) === 0) q.irq.set();
    } finally {
      if (lock) ctx.release();
    }
    if (q.inPass) {
      // The pass's token still covers it: counted when the pass ends.
      q.passDone++;
    } else {
      // Pairs with the drain's load of IN_FLIGHT; the kick wakes its wait.
      Atomics.sub(w, VIRTIO_BLK.IN_FLIGHT, 1);
      aioWaitKick();
    }
  };
  q.take = (reqId, op, offset, bytes) => {
    const node = q.node!;
    if (stamps !== null && (reqId & VIRTIO_BLK_STAMP_BIT) !== 0) {
      // Plain store, published by the completion's push (its release).
      const stamp = (slotBase + (reqId & slotMask)) * VIRTIO_BLK_STAMP.WORDS;
      stamps[stamp + VIRTIO_BLK_STAMP.PICKED_UP] = stampClock();
    }
    const kind = opName(op);
    if (fast !== null) {
      fast.submitTagged(node, kind, offset, bytes, reqId, q.complete);
    } else {
      // Guest memory is not modelled: a write carries zeroes.
      const data = kind === "write" ? new Uint8Array(bytes) : undefined;
      const complete = q.complete;
      h.driver.submit(node, { op: kind, offset, bytes, data }, (r) => complete(reqId, r));
    }
    // Counted by the pass's token once submitted (a submit that throws took nothing).
    q.passTaken++;
  };
}

/**
 * A zero-latency null driver completes the requests of a context serving
 * the device from one bottom half there (see NullDriver.batchCompletions),
 * from attach to detach. The context's home thread.
 */
function batchCompletions(h: Hosted, ctxId: ContextId, on: boolean): void {
  if (h.driver instanceof NullDriver) h.driver.batchCompletions(ctxId, on);
}

function attachQueue(h: Hosted, q: HostedQueue, ctx: AioContext): void {
  q.node = { nodeName: h.handle.name, aioContext: ctx.id };
  q.ctx = ctx;
  // Like virtio-blk's host notifier: an io_poll that looks at the kick and
  // at the virtqueue itself (virtio_queue_host_notifier_aio_poll), so that a
  // busy-polling context sees requests without a wakeup, and while it
  // polls, the guest need not kick at all (io_poll_begin / io_poll_end set
  // and clear NO_NOTIFY, virtio_queue_set_notification). Quiesced, only a
  // kick counts: the requests wait, and polling them would never end.
  const onKick = (): void => serve(h, q);
  const w = h.w;
  const ev = h.ev;
  const noNotify = q.evBase + VIRTIO_BLK_EVENTS.NO_NOTIFY;
  const poll = (n: EventNotifier): boolean =>
    n.isSet() || (Atomics.load(w, VIRTIO_BLK.QUIESCED) === 0 && q.vq.consumerHasData());
  ctx.setEventNotifier(q.kick, onKick, poll, onKick);
  // io_poll_end's store of 0 is followed by the context's last io_poll of
  // the ring (NotifierSet.setStarted): pairs with the guest's publishing
  // push followed by its load of NO_NOTIFY (Dekker).
  ctx.setEventNotifierPoll(
    q.kick,
    () => Atomics.store(ev, noNotify, 1),
    () => Atomics.store(ev, noNotify, 0),
  );
  Atomics.store(ev, noNotify, 0);
  // A snapshot for readers; no ordering depends on it.
  Atomics.store(h.w, q.base + VIRTIO_BLK_QUEUE.ATTACHED_CTX, ctx.id + 1);
  // Requests that arrived while detached are still in the virtqueue and
  // the kick is level-triggered: the handler runs on the next poll.
  q.kick.set();
}

/**
 * Attach step (bdrv_attach_aio_context + the device's attach notifier):
 * tells this thread's driver instance, then registers every queue's kick
 * handler in context `ctxId` and looks at the queues at once. That
 * context's home thread (run as a oneshot there by the graph's thread).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "../runtime/aio_context.ts";
 * import {
 *   createVirtioBlk,
 *   hostVirtioBlk,
 *   registerVirtioBlkHandlers,
 *   virtioBlkAttach,
 *   virtioBlkDetach,
 * } from "./virtio_blk.ts";
 * import { VIRTIO_BLK, VIRTIO_BLK_QUEUE } from "./layout.ts";
 * const ctx = new AioContext();
 * const dev = createVirtioBlk({ name: "vdc" });
 * registerVirtioBlkHandlers();
 * hostVirtioBlk(dev);
 * virtioBlkAttach(dev.id, ctx.id);
 * const w = new Int32Array(dev.words);
 * assert.equal(w[VIRTIO_BLK.QUEUES + VIRTIO_BLK_QUEUE.ATTACHED_CTX], ctx.id + 1);
 * assert.throws(() => virtioBlkAttach(dev.id, ctx.id), /already attached/);
 * virtioBlkDetach(dev.id);
 * ctx.destroy();
 * ```
 */
export function virtioBlkAttach(id: number, ctxId: ContextId): void {
  const h = hostedOrThrow(id);
  const ctx = localContext(ctxId);
  if (ctx === undefined) {
    throw new Error(
      `virtio-blk ${h.handle.name}: attach to context ${ctxId} in thread ${currentThreadId()}, ` +
        `but that context is not homed in this thread`,
    );
  }
  if (h.attachedTo !== null) {
    throw new Error(
      `virtio-blk ${h.handle.name}: already attached to context ${h.attachedTo} in this thread`,
    );
  }
  h.driver.attachAioContext?.({ nodeName: h.handle.name, aioContext: ctxId }, ctxId);
  batchCompletions(h, ctxId, true);
  h.attachedTo = ctxId;
  for (const q of h.queues) attachQueue(h, q, ctx);
}

/**
 * Detach step: unregisters every queue's kick handler in this thread's
 * context, checks that nothing is in flight, and tells the driver
 * instance. The thread currently hosting the device.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVirtioBlk, hostVirtioBlk, registerVirtioBlkHandlers, virtioBlkDetach } from "./virtio_blk.ts";
 * registerVirtioBlkHandlers();
 * const dev = createVirtioBlk({ name: "vdd" });
 * hostVirtioBlk(dev);
 * assert.throws(() => virtioBlkDetach(dev.id), /not attached in this thread/);
 * ```
 */
export function virtioBlkDetach(id: number): void {
  const h = hostedOrThrow(id);
  if (h.attachedTo === null) {
    throw new Error(`virtio-blk ${h.handle.name}: not attached in this thread`);
  }
  const ctx = localContext(h.attachedTo);
  for (const q of h.queues) {
    ctx?.setEventNotifier(q.kick, null);
    // Not polled here any more: the guest kicks again (whoever serves next sees the kick).
    Atomics.store(h.ev, q.evBase + VIRTIO_BLK_EVENTS.NO_NOTIFY, 0);
    q.node = null;
    q.ctx = null;
    Atomics.store(h.w, q.base + VIRTIO_BLK_QUEUE.ATTACHED_CTX, 0);
  }
  const node: DriverNode = { nodeName: h.handle.name, aioContext: h.attachedTo };
  h.attachedTo = null;
  // Pairs with the serving thread's Atomics.sub at completion.
  if (Atomics.load(h.w, VIRTIO_BLK.IN_FLIGHT) !== 0) {
    throw new Error(
      `virtio-blk ${h.handle.name}: detached with requests in flight (the node was not drained)`,
    );
  }
  batchCompletions(h, node.aioContext, false);
  h.driver.detachAioContext?.(node);
}

/**
 * Attaches some queues of the device in context `ctxId` of this thread
 * (QEMU's iothread-vq-mapping: one device's queues served by different
 * IOThreads). The device as a whole stays unattached here, so a graph move
 * does not apply to it; undo with {@link virtioBlkDetachQueues}. The home
 * thread of `ctxId`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "../runtime/aio_context.ts";
 * import {
 *   createVirtioBlk,
 *   hostVirtioBlk,
 *   registerVirtioBlkHandlers,
 *   virtioBlkAttachQueues,
 *   virtioBlkDetachQueues,
 * } from "./virtio_blk.ts";
 * import { VIRTIO_BLK, VIRTIO_BLK_QUEUE } from "./layout.ts";
 * const ctx = new AioContext();
 * const dev = createVirtioBlk({ name: "vdm", numQueues: 2 });
 * registerVirtioBlkHandlers();
 * hostVirtioBlk(dev);
 * virtioBlkAttachQueues(dev.id, ctx.id, [1]);
 * const w = new Int32Array(dev.words);
 * assert.equal(w[VIRTIO_BLK.QUEUES + VIRTIO_BLK_QUEUE.ATTACHED_CTX], 0);
 * assert.equal(w[VIRTIO_BLK.QUEUES + VIRTIO_BLK.QUEUE_WORDS + VIRTIO_BLK_QUEUE.ATTACHED_CTX], ctx.id + 1);
 * assert.throws(() => virtioBlkAttachQueues(dev.id, ctx.id, [1]), /already attached/);
 * virtioBlkDetachQueues(dev.id, [1]);
 * ctx.destroy();
 * ```
 */
export function virtioBlkAttachQueues(id: number, ctxId: ContextId, queues: number[]): void {
  const h = hostedOrThrow(id);
  const ctx = localContext(ctxId);
  if (ctx === undefined) {
    throw new Error(
      `virtio-blk ${h.handle.name}: attach queues to context ${ctxId} in thread ` +
        `${currentThreadId()}, but that context is not homed in this thread`,
    );
  }
  const qs = queues.map((i) => {
    const q = h.queues[i];
    if (q === undefined) {
      throw new RangeError(
        `virtio-blk ${h.handle.name}: queue ${i} does not exist (the device has ` +
          `${h.queues.length} queues)`,
      );
    }
    if (q.ctx !== null) {
      throw new Error(`virtio-blk ${h.handle.name}: queue ${i} is already attached in this thread`);
    }
    return q;
  });
  h.driver.attachAioContext?.({ nodeName: h.handle.name, aioContext: ctxId }, ctxId);
  batchCompletions(h, ctxId, true);
  for (const q of qs) attachQueue(h, q, ctx);
}

/**
 * Detaches queues attached with {@link virtioBlkAttachQueues}; the device
 * must have nothing in flight (drain it first). The thread that attached them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVirtioBlk, hostVirtioBlk, registerVirtioBlkHandlers, virtioBlkDetachQueues } from "./virtio_blk.ts";
 * registerVirtioBlkHandlers();
 * const dev = createVirtioBlk({ name: "vdn" });
 * hostVirtioBlk(dev);
 * assert.throws(() => virtioBlkDetachQueues(dev.id, [0]), /queue 0 is not attached/);
 * ```
 */
export function virtioBlkDetachQueues(id: number, queues: number[]): void {
  const h = hostedOrThrow(id);
  let ctxId: ContextId | null = null;
  for (const i of queues) {
    const q = h.queues[i];
    if (q === undefined || q.ctx === null) {
      throw new Error(`virtio-blk ${h.handle.name}: queue ${i} is not attached in this thread`);
    }
    ctxId = q.ctx.id;
    q.ctx.setEventNotifier(q.kick, null);
    Atomics.store(h.ev, q.evBase + VIRTIO_BLK_EVENTS.NO_NOTIFY, 0);
    q.node = null;
    q.ctx = null;
    Atomics.store(h.w, q.base + VIRTIO_BLK_QUEUE.ATTACHED_CTX, 0);
  }
  if (ctxId !== null) {
    batchCompletions(h, ctxId, false);
    h.driver.detachAioContext?.({ nodeName: h.handle.name, aioContext: ctxId });
  }
}

/** Whether thread `t` hosts the device (a snapshot). Any thread. */
function hostsThread(w: Int32Array, t: number): boolean {
  // Pairs with hostVirtioBlk's Atomics.or.
  const bits = Atomics.load(w, t < 32 ? VIRTIO_BLK.HOSTS_LO : VIRTIO_BLK.HOSTS_HI);
  return (bits & (1 << (t & 31))) !== 0;
}

/**
 * The graph side (global state): driver hooks for the device's node that
 * quiesce the device on drain and run the attach/detach steps in the right
 * threads, waiting for each (aio_wait_bh_oneshot). Give the node
 * `inFlightBuffer: handle.words`, so that the drain waits for the device's
 * requests. The graph's thread (the main loop); `contexts` are the handles
 * of every context the node may move to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlockGraph } from "../block/block_graph.ts";
 * import { createVirtioBlk, virtioBlkHooks } from "./virtio_blk.ts";
 * import { VIRTIO_BLK } from "./layout.ts";
 * const dev = createVirtioBlk({ name: "vde" });
 * const graph = new BlockGraph({ mainContext: 0 });
 * const node = graph.addNode({
 *   nodeName: dev.name,
 *   driver: virtioBlkHooks(dev, []),
 *   driverName: dev.driver.kind,
 *   inFlightBuffer: dev.words,
 * });
 * const w = new Int32Array(dev.words);
 * graph.drainedBegin(node);
 * assert.equal(w[VIRTIO_BLK.QUIESCED], 1); // the device takes no request now
 * graph.drainedEnd(node);
 * assert.equal(w[VIRTIO_BLK.QUIESCED], 0);
 * ```
 */
export function virtioBlkHooks(
  handle: VirtioBlkHandle,
  contexts: readonly AioContextHandle[],
): DriverHooks {
  const w = new Int32Array(handle.words);
  const kicks = handle.queues.map((q) => EventNotifier.fromHandle(q.kick));
  const runStep = (ctxId: ContextId, handler: number, word: number, a1 = 0): void => {
    const here = getCurrentAioContext();
    if (here !== null && here.id === ctxId) {
      // The step's context is ours: run it now (no oneshot to wait for).
      if (handler === HANDLER_ID.DEVICE_ATTACH) virtioBlkAttach(handle.id, a1);
      else virtioBlkDetach(handle.id);
      Atomics.add(w, word, 1);
      return;
    }
    const target = contexts.find((c) => c.id === ctxId);
    if (target === undefined) {
      throw new Error(
        `virtio-blk ${handle.name}: context ${ctxId} is not among the contexts the device was ` +
          `given (${contexts.map((c) => c.id).join(", ")})`,
      );
    }
    if (!hostsThread(w, target.home)) {
      throw new Error(
        `virtio-blk ${handle.name}: thread ${target.home} (home of context ${ctxId}) does not ` +
          `host the device; call registerVirtioBlkHandlers() and hostVirtioBlk(handle) there first`,
      );
    }
    const goal = Atomics.load(w, word) + 1;
    new RemoteAioContext(target).scheduleOneshot(handler, handle.id, a1);
    // Pairs with runStepHere's Atomics.add(word) followed by aioWaitKick.
    aioWaitWhile(null, () => Atomics.load(w, word) < goal);
    // Pairs with runStepHere's Atomics.store(STEP_FAILED), made before its add.
    if (Atomics.exchange(w, VIRTIO_BLK.STEP_FAILED, 0) !== 0) {
      throw new Error(
        `virtio-blk ${handle.name}: the ${
          handler === HANDLER_ID.DEVICE_ATTACH ? "attach" : "detach"
        } step failed in thread ${target.home} (context ${ctxId}); that thread reports why`,
      );
    }
  };
  return {
    drainBegin() {
      // Pairs with serve()'s add of IN_FLIGHT then load of QUIESCED.
      Atomics.store(w, VIRTIO_BLK.QUIESCED, 1);
    },
    drainEnd() {
      // Seen by serve()'s load of QUIESCED; the kicks below make it look.
      Atomics.store(w, VIRTIO_BLK.QUIESCED, 0);
      for (const k of kicks) k.set(); // take what queued up meanwhile
    },
    detachAioContext(node) {
      runStep(node.aioContext, HANDLER_ID.DEVICE_DETACH, VIRTIO_BLK.DETACH_DONE);
    },
    attachAioContext(_node, ctx) {
      runStep(ctx, HANDLER_ID.DEVICE_ATTACH, VIRTIO_BLK.ATTACH_DONE, ctx);
    },
  };
}
