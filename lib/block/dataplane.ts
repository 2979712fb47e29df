/**
 * Dataplane: a virtio-blk-like device and its node whose request handling
 * lives in whichever thread runs the node's AioContext, and moves with it.
 *
 * A JavaScript object cannot move between Workers, so what moves is a
 * role: every aiolab thread that may host the device imports this module
 * and registers the device's shared description ({@link DataplaneHandle}:
 * virtqueue and completion rings, kick and interrupt notifiers, device
 * words). The thread of the node's current context holds the live part — a
 * driver instance and the kick handler registered in its context. An
 * AioContext change runs {@link dataplaneDetach} in the old context's thread
 * and {@link dataplaneAttach} in the new one, each as a oneshot in that
 * context that the graph's thread waits for (QEMU's aio_wait_bh_oneshot).
 *
 * A guest (a vCPU-like thread) pushes requests into the virtqueue and sets
 * the kick notifier (ioeventfd); the device thread takes them, runs them on
 * its null driver, and pushes completions (request id, status, the thread
 * and context that completed it) into the completion ring and sets the
 * interrupt notifier (irqfd). While the node is drained the device takes
 * nothing: requests wait in the virtqueue and are taken, in order, after
 * the drain.
 *
 * Drain and in-flight requests without a lock: the device counts a request
 * in flight BEFORE it checks QUIESCED; the drain sets QUIESCED before it
 * waits for IN_FLIGHT to reach 0. Both are sequentially consistent, so
 * either the device sees QUIESCED and backs out, or the drain sees the
 * request and waits for it (Dekker).
 *
 * @example
 * ```ts ignore
 * // In the orchestrator:
 * const dev = createDataplane({ name: "vda", latencyNs: 0 });
 * // In every thread that may host it (preload this module there first):
 * await iothread.run(`${DATAPLANE_MODULE}#dataplaneRegister`, dev);
 * ```
 *
 * @module
 */

import { DATAPLANE } from "../sync/layout.ts";
import { EventNotifier, type EventNotifierHandle } from "../sync/event_notifier.ts";
import { MpscRing, type MpscRingHandle } from "../sync/mpsc_ring.ts";
import { currentThreadId } from "../sync/thread_id.ts";
import { aioWaitKick, aioWaitWhile } from "../runtime/aio_wait.ts";
import { type AioContextHandle, RemoteAioContext } from "../runtime/context_handle.ts";
import { registerHandler } from "../runtime/handler_ref.ts";
import { getCurrentAioContext, localContext } from "../runtime/thread_state.ts";
import type { BlockNode, ContextId, DriverHooks } from "./block_graph.ts";
import { NullDriver, type NullDriverOptions } from "./null_driver.ts";
import { HANDLER_ID } from "../runtime/handler_ids.ts";

/** This module's URL (preload it into every thread that may host a device). */
export const DATAPLANE_MODULE: string = import.meta.url;

/** Handler id of the attach step (runs in the new context's thread). */
export const DATAPLANE_ATTACH_HANDLER: number = HANDLER_ID.DEVICE_ATTACH;
/** Handler id of the detach step (runs in the old context's thread). */
export const DATAPLANE_DETACH_HANDLER: number = HANDLER_ID.DEVICE_DETACH;

/** Request operations in virtqueue records. */
export const DATAPLANE_OP = { READ: 0, WRITE: 1, FLUSH: 2 } as const;

/** Structured-cloneable description of a dataplane device. */
export interface DataplaneHandle {
  /** Small integer id (unique per process). */
  readonly id: number;
  /** Device name. */
  readonly name: string;
  /** Guest → device requests: [reqId, op, offset, bytes]. */
  readonly vq: MpscRingHandle;
  /** Device → guest completions: [reqId, ok, threadId, ctxId]. */
  readonly cq: MpscRingHandle;
  /** ioeventfd: the guest sets it after pushing requests. */
  readonly kick: EventNotifierHandle;
  /** irqfd: the device sets it after pushing completions. */
  readonly irq: EventNotifierHandle;
  /** Device words (see DATAPLANE in layout.ts); word 0 is the node's in-flight counter. */
  readonly words: SharedArrayBuffer;
  /** Null-driver options of the node. */
  readonly driver: NullDriverOptions;
}

let nextId = 1;

/**
 * Creates a device description (detached: no thread hosts it yet). Any thread.
 *
 * @example
 * ```ts
 * import { createDataplane } from "./dataplane.ts";
 * const dev = createDataplane({ name: "vda" });
 * console.log(dev.name); // "vda"
 * ```
 */
export function createDataplane(
  options: { name: string; queueSize?: number } & NullDriverOptions,
): DataplaneHandle {
  const size = options.queueSize ?? 256;
  return {
    id: (currentThreadId() << 16) | nextId++,
    name: options.name,
    vq: new MpscRing({ capacity: size, recordWords: 4 }).handle,
    // Completions are consumed by one guest thread; room for every request.
    cq: new MpscRing({ capacity: size, recordWords: 4 }).handle,
    kick: new EventNotifier({ name: `${options.name}.kick` }).handle,
    irq: new EventNotifier({ name: `${options.name}.irq` }).handle,
    words: new SharedArrayBuffer(DATAPLANE.WORDS * 4),
    driver: { size: options.size, latencyNs: options.latencyNs, readZeroes: options.readZeroes },
  };
}

interface Hosted {
  handle: DataplaneHandle;
  w: Int32Array;
  vq: MpscRing;
  cq: MpscRing;
  kick: EventNotifier;
  irq: EventNotifier;
  live: { driver: NullDriver; node: BlockNode; ctxId: ContextId } | null;
}

const hosted = new Map<number, Hosted>();

/**
 * Makes this thread able to host device `handle` (idempotent). Every
 * thread whose context may run the device, before any move there.
 *
 * @example
 * ```ts
 * import { createDataplane, dataplaneRegister } from "./dataplane.ts";
 * dataplaneRegister(createDataplane({ name: "vdb" }));
 * ```
 */
export function dataplaneRegister(handle: DataplaneHandle): boolean {
  if (!hosted.has(handle.id)) {
    hosted.set(handle.id, {
      handle,
      w: new Int32Array(handle.words),
      vq: MpscRing.fromHandle(handle.vq),
      cq: MpscRing.fromHandle(handle.cq),
      kick: EventNotifier.fromHandle(handle.kick),
      irq: EventNotifier.fromHandle(handle.irq),
      live: null,
    });
  }
  return true;
}

function hostedOrThrow(id: number): Hosted {
  const h = hosted.get(id);
  if (h === undefined) {
    throw new Error(`dataplane device ${id} is not registered in thread ${currentThreadId()}`);
  }
  return h;
}

/** The kick handler: take requests while not quiesced, run them, complete. */
function serve(h: Hosted): void {
  const live = h.live!;
  const w = h.w;
  h.kick.testAndClear();
  for (;;) {
    // Count first, then check QUIESCED: pairs with the drain's store of
    // QUIESCED followed by its wait for IN_FLIGHT == 0 (Dekker).
    Atomics.add(w, DATAPLANE.IN_FLIGHT, 1);
    if (Atomics.load(w, DATAPLANE.QUIESCED) !== 0) {
      Atomics.sub(w, DATAPLANE.IN_FLIGHT, 1);
      aioWaitKick();
      return; // requests stay in the virtqueue until the drain ends
    }
    let took = false;
    h.vq.drain((reqId, op, offset, bytes) => {
      took = true;
      const kind = op === DATAPLANE_OP.READ
        ? "read"
        : op === DATAPLANE_OP.WRITE
        ? "write"
        : "flush";
      live.driver.submit(live.node, { op: kind, offset, bytes }, (r) => {
        // Completed in this thread, in the context that owns the node now.
        h.cq.push(reqId, r.ok ? 1 : 0, currentThreadId(), live.ctxId);
        Atomics.add(w, DATAPLANE.COMPLETED, 1);
        h.irq.set();
        // Pairs with the drain's load of IN_FLIGHT; the kick wakes its wait.
        Atomics.sub(w, DATAPLANE.IN_FLIGHT, 1);
        aioWaitKick();
      });
    }, 1);
    if (!took) {
      Atomics.sub(w, DATAPLANE.IN_FLIGHT, 1);
      aioWaitKick();
      return;
    }
  }
}

/**
 * Attach step (bdrv_attach_aio_context + the device's attach notifier): in
 * the thread of context `ctxId`, create the driver instance and register the
 * kick handler there; then look at the virtqueue at once. That context's
 * home thread (run as a oneshot there by the graph's thread).
 *
 * @example
 * ```ts
 * import { AioContext } from "../runtime/aio_context.ts";
 * import { createDataplane, dataplaneAttach, dataplaneDetach, dataplaneRegister } from "./dataplane.ts";
 * const ctx = new AioContext();
 * const dev = createDataplane({ name: "vdc" });
 * dataplaneRegister(dev);
 * dataplaneAttach(dev.id, ctx.id);
 * dataplaneDetach(dev.id);
 * ctx.destroy();
 * ```
 */
export function dataplaneAttach(id: number, ctxId: ContextId): void {
  const h = hostedOrThrow(id);
  const ctx = localContext(ctxId);
  if (ctx === undefined) {
    throw new Error(`dataplane ${h.handle.name}: context ${ctxId} is not homed in this thread`);
  }
  if (h.live !== null) throw new Error(`dataplane ${h.handle.name}: already attached here`);
  const driver = new NullDriver(h.handle.driver);
  // A node view for the driver: it needs the context id only.
  const node = { nodeName: h.handle.name, aioContext: ctxId } as unknown as BlockNode;
  h.live = { driver, node, ctxId };
  // Like virtio-blk's host notifier: an io_poll (is the kick set?) so that
  // a busy-polling context sees requests without a wakeup.
  const onKick = (): void => serve(h);
  ctx.setEventNotifier(h.kick, onKick, (n) => n.isSet(), onKick);
  Atomics.store(h.w, DATAPLANE.ATTACHED_CTX, ctxId + 1);
  // Requests that arrived while detached are still in the virtqueue and
  // the kick is level-triggered: the handler runs on the next poll.
  h.kick.set();
}

/**
 * Detach step: unregister the kick handler in this thread's context and
 * drop the driver instance. The thread currently hosting the device.
 *
 * @example
 * ```ts ignore
 * import { dataplaneDetach } from "./dataplane.ts";
 * dataplaneDetach(dev.id);
 * ```
 */
export function dataplaneDetach(id: number): void {
  const h = hostedOrThrow(id);
  if (h.live === null) throw new Error(`dataplane ${h.handle.name}: not attached in this thread`);
  const ctx = localContext(h.live.ctxId);
  ctx?.setEventNotifier(h.kick, null);
  if (Atomics.load(h.w, DATAPLANE.IN_FLIGHT) !== 0) {
    throw new Error(`dataplane ${h.handle.name}: detached with requests in flight (not drained)`);
  }
  h.live = null;
  Atomics.store(h.w, DATAPLANE.ATTACHED_CTX, 0);
}

registerHandler(DATAPLANE_ATTACH_HANDLER, (id: number, ctxId: number) => {
  dataplaneAttach(id, ctxId);
  // Publishes the step: pairs with the waiting graph thread's
  // Atomics.load(ATTACH_DONE) in runStep (re-checked after the kick).
  Atomics.add(hostedOrThrow(id).w, DATAPLANE.ATTACH_DONE, 1);
  aioWaitKick();
}, "dataplane-attach");
registerHandler(DATAPLANE_DETACH_HANDLER, (id: number) => {
  dataplaneDetach(id);
  // Pairs with runStep's Atomics.load(DETACH_DONE), as for attach.
  Atomics.add(hostedOrThrow(id).w, DATAPLANE.DETACH_DONE, 1);
  aioWaitKick();
}, "dataplane-detach");

/**
 * The graph side (global state): driver hooks for the device's node that
 * quiesce the device on drain and run the attach/detach steps in the right
 * threads, waiting for each (aio_wait_bh_oneshot). The graph's thread (the
 * main loop); `contexts` maps every context id the node may move to onto
 * its handle.
 *
 * @example
 * ```ts ignore
 * import { dataplaneHooks } from "./dataplane.ts";
 * graph.addNode({ nodeName: "vda", driver: dataplaneHooks(dev, ctxHandles), inFlightBuffer: dev.words });
 * ```
 */
export function dataplaneHooks(
  handle: DataplaneHandle,
  contexts: AioContextHandle[],
): DriverHooks {
  const w = new Int32Array(handle.words);
  const kick = EventNotifier.fromHandle(handle.kick);
  const remote = (ctxId: ContextId): RemoteAioContext => {
    const h = contexts.find((c) => c.id === ctxId);
    if (h === undefined) throw new Error(`dataplane ${handle.name}: unknown context ${ctxId}`);
    return new RemoteAioContext(h);
  };
  const runStep = (ctxId: ContextId, handler: number, word: number, a1 = 0): void => {
    const target = Atomics.load(w, word) + 1;
    const here = getCurrentAioContext();
    if (here !== null && here.id === ctxId) {
      // The step's context is ours: run it now (no oneshot to wait for).
      if (handler === DATAPLANE_ATTACH_HANDLER) dataplaneAttach(handle.id, a1);
      else dataplaneDetach(handle.id);
      Atomics.add(w, word, 1);
      return;
    }
    remote(ctxId).scheduleOneshot(handler, handle.id, a1);
    // Pairs with the step's Atomics.add(word) followed by aioWaitKick.
    aioWaitWhile(null, () => Atomics.load(w, word) < target);
  };
  return {
    drainBegin() {
      // Pairs with serve()'s add of IN_FLIGHT then load of QUIESCED.
      Atomics.store(w, DATAPLANE.QUIESCED, 1);
    },
    drainEnd() {
      // Seen by serve()'s load of QUIESCED; the kick below makes it look.
      Atomics.store(w, DATAPLANE.QUIESCED, 0);
      kick.set(); // take what queued up meanwhile
    },
    detachAioContext(node) {
      runStep(node.aioContext, DATAPLANE_DETACH_HANDLER, DATAPLANE.DETACH_DONE);
    },
    attachAioContext(_node, ctx) {
      runStep(ctx, DATAPLANE_ATTACH_HANDLER, DATAPLANE.ATTACH_DONE, ctx);
    },
  };
}
