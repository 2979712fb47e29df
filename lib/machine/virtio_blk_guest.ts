/**
 * The guest side of a virtio-blk-like device: what a vCPU-like thread does
 * with one of the device's virtqueues. It pushes requests, kicks the device
 * (ioeventfd), and reaps completions, either when its interrupt notifier
 * (irqfd) fires in a context it polls ({@link VirtioBlkGuest.listen}) or by
 * looking at the completion ring itself ({@link VirtioBlkGuest.reap}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVirtioBlk } from "./virtio_blk.ts";
 * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
 * import { VIRTIO_BLK_OP } from "./layout.ts";
 * const dev = createVirtioBlk({ name: "vda" });
 * const guest = new VirtioBlkGuest(dev);
 * guest.submit(1, VIRTIO_BLK_OP.READ, 0, 512);
 * guest.kick(); // the device's thread would now take the request
 * assert.equal(guest.reap(() => {}), 0); // nothing completed yet
 * ```
 *
 * @module
 */

import { EventNotifier } from "../sync/event_notifier.ts";
import { SpscRing } from "../sync/spsc_ring.ts";
import type { AioContext } from "../runtime/aio_context.ts";
import type { VirtioBlkHandle } from "./virtio_blk.ts";
import { VIRTIO_BLK_EVENTS } from "./layout.ts";

/** A completion as the guest sees it: request id, success, and where it completed. */
export type VirtioBlkCompletionFn = (
  reqId: number,
  ok: boolean,
  threadId: number,
  ctxId: number,
) => void;

/** Options of {@link VirtioBlkGuest.listen}. */
export interface VirtioBlkListenOptions {
  /** Register an io_poll too, so that a busy-polling context sees completions without a wakeup. Default false. */
  poll?: boolean;
}

/**
 * One virtqueue of a device, driven by a guest. All methods: the one
 * guest thread that owns this queue's guest side (it is the only consumer
 * of the completion ring); other guest threads use other queues.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVirtioBlk } from "./virtio_blk.ts";
 * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
 * const dev = createVirtioBlk({ name: "vdb", numQueues: 2 });
 * assert.equal(new VirtioBlkGuest(dev, 1).queue, 1);
 * assert.throws(() => new VirtioBlkGuest(dev, 2), /has 2 queues/);
 * ```
 */
export class VirtioBlkGuest {
  /** The device. */
  readonly device: VirtioBlkHandle;
  /** Index of the virtqueue this guest drives. */
  readonly queue: number;
  readonly #vq: SpscRing;
  readonly #cq: SpscRing;
  readonly #kick: EventNotifier;
  readonly #irq: EventNotifier;
  readonly #ev: Int32Array;
  readonly #noNotify: number;
  readonly #noInterrupt: number;
  #suppressed = 0;
  #listening: AioContext | null = null;
  /** The last function given to reap and the ring callback made for it (one allocation per function, not per reap). */
  #reapFn: VirtioBlkCompletionFn | null = null;
  #reapCb: (r0: number, r1: number, r2: number, r3: number) => void = () => {};

  /**
   * Opens queue `queue` of `device`. The guest thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * assert.equal(new VirtioBlkGuest(createVirtioBlk({ name: "vdc" })).queue, 0);
   * ```
   */
  constructor(device: VirtioBlkHandle, queue = 0) {
    const q = device.queues[queue];
    if (!Number.isInteger(queue) || q === undefined) {
      throw new RangeError(
        `virtio-blk ${device.name}: queue must be an integer in [0, ${device.queues.length}) ` +
          `(the device has ${device.queues.length} queues), got ${queue}`,
      );
    }
    this.device = device;
    this.queue = queue;
    this.#vq = SpscRing.fromHandle(q.vq);
    this.#cq = SpscRing.fromHandle(q.cq);
    this.#kick = EventNotifier.fromHandle(q.kick);
    this.#irq = EventNotifier.fromHandle(q.irq);
    this.#ev = new Int32Array(device.events);
    this.#noNotify = queue * VIRTIO_BLK_EVENTS.WORDS + VIRTIO_BLK_EVENTS.NO_NOTIFY;
    this.#noInterrupt = queue * VIRTIO_BLK_EVENTS.WORDS + VIRTIO_BLK_EVENTS.NO_INTERRUPT;
  }

  /**
   * The queue's interrupt notifier (irqfd), for a guest that waits on it in
   * a context of its own rather than through {@link listen}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * const guest = new VirtioBlkGuest(createVirtioBlk({ name: "vdi" }));
   * assert.equal(guest.interrupt.isSet(), false);
   * ```
   */
  get interrupt(): EventNotifier {
    return this.#irq;
  }

  /**
   * Pushes one request (`op`: a VIRTIO_BLK_OP value). The device sees it
   * after the next {@link kick}. A guest keeps at most the queue's size in
   * flight, as a virtio driver does: a push into a full virtqueue throws.
   *
   * @example
   * ```ts
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * import { VIRTIO_BLK_OP } from "./layout.ts";
   * new VirtioBlkGuest(createVirtioBlk({ name: "vdd" })).submit(0, VIRTIO_BLK_OP.FLUSH, 0, 0);
   * ```
   */
  submit(reqId: number, op: number, offset: number, bytes: number): void {
    this.#vq.push(reqId, op, offset, bytes);
  }

  /**
   * Notifies the device that requests are waiting (sets the ioeventfd),
   * unless the context serving the queue busy-polls it and has said so
   * (virtio's VRING_USED_F_NO_NOTIFY): then it sees them without a kick.
   *
   * @example
   * ```ts
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * new VirtioBlkGuest(createVirtioBlk({ name: "vde" })).kick();
   * ```
   */
  kick(): void {
    // After the publishing push: pairs with io_poll_end's store of 0
    // followed by the serving context's last io_poll of the ring (Dekker).
    if (Atomics.load(this.#ev, this.#noNotify) !== 0) {
      this.#suppressed++;
      return;
    }
    this.#kick.set();
  }

  /**
   * Kicks this guest skipped because the device was polling the queue
   * (statistic).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * const guest = new VirtioBlkGuest(createVirtioBlk({ name: "vdk" }));
   * guest.kick(); // nobody polls the queue: a real kick
   * assert.equal(guest.kicksSuppressed, 0);
   * ```
   */
  get kicksSuppressed(): number {
    return this.#suppressed;
  }

  /**
   * Tells the device whether to interrupt this guest on completions
   * (virtio's VRING_AVAIL_F_NO_INTERRUPT): a guest that busy-waits on the
   * completion ring ({@link hasCompletions}) turns interrupts off; one that
   * turns them back on must look at the ring afterwards (a completion
   * pushed meanwhile raised no interrupt).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * const guest = new VirtioBlkGuest(createVirtioBlk({ name: "vdl" }));
   * guest.setInterrupts(false); // busy-waiting from here on
   * guest.setInterrupts(true);
   * assert.equal(guest.reap(() => {}), 0); // the look after turning them on
   * ```
   */
  setInterrupts(on: boolean): void {
    // Pairs with the device's publishing push followed by its load (Dekker).
    Atomics.store(this.#ev, this.#noInterrupt, on ? 0 : 1);
  }

  /**
   * Calls `fn` for each completion in the ring now; returns how many.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * assert.equal(new VirtioBlkGuest(createVirtioBlk({ name: "vdf" })).reap(() => {}), 0);
   * ```
   */
  reap(fn: VirtioBlkCompletionFn): number {
    if (fn !== this.#reapFn) {
      this.#reapFn = fn;
      this.#reapCb = (reqId, ok, threadId, ctxId) => fn(reqId, ok === 1, threadId, ctxId);
    }
    return this.#cq.drain(this.#reapCb);
  }

  /**
   * Whether a completion waits in the ring (what a busy-waiting vCPU spins on).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * assert.equal(new VirtioBlkGuest(createVirtioBlk({ name: "vdj" })).hasCompletions(), false);
   * ```
   */
  hasCompletions(): boolean {
    return this.#cq.consumerHasData();
  }

  /**
   * Registers the interrupt notifier in `ctx` (a context of this thread):
   * when it fires, the completions are reaped into `fn`. Undo with
   * {@link unlisten}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "../runtime/aio_context.ts";
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * const ctx = new AioContext();
   * const guest = new VirtioBlkGuest(createVirtioBlk({ name: "vdg" }));
   * guest.listen(ctx, () => {}, { poll: true });
   * assert.throws(() => guest.listen(ctx, () => {}), /already listens/);
   * guest.unlisten();
   * ctx.destroy();
   * ```
   */
  listen(ctx: AioContext, fn: VirtioBlkCompletionFn, options: VirtioBlkListenOptions = {}): void {
    if (this.#listening !== null) {
      throw new Error(
        `virtio-blk ${this.device.name} queue ${this.queue}: the guest already listens in ` +
          `context ${this.#listening.id}; call unlisten() first`,
      );
    }
    const onIrq = (n: EventNotifier): void => {
      n.testAndClear();
      this.reap(fn);
    };
    if (options.poll) ctx.setEventNotifier(this.#irq, onIrq, (n) => n.isSet(), onIrq);
    else ctx.setEventNotifier(this.#irq, onIrq);
    this.#listening = ctx;
  }

  /**
   * Unregisters the interrupt notifier (no-op when not listening).
   *
   * @example
   * ```ts
   * import { createVirtioBlk } from "./virtio_blk.ts";
   * import { VirtioBlkGuest } from "./virtio_blk_guest.ts";
   * new VirtioBlkGuest(createVirtioBlk({ name: "vdh" })).unlisten();
   * ```
   */
  unlisten(): void {
    this.#listening?.setEventNotifier(this.#irq, null);
    this.#listening = null;
  }
}
