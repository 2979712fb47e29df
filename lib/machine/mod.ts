/**
 * The guest model: a virtio-blk-like device (virtqueues with ioeventfd-like
 * kicks and irqfd-like interrupts) whose request handling runs in the
 * thread of its node's AioContext and moves with it, its guest side for
 * vCPU-like threads, and the shared words of both.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVirtioBlk, VirtioBlkGuest } from "./mod.ts";
 * const dev = createVirtioBlk({ name: "vda", driver: { kind: "null", latencyNs: 20_000 } });
 * const guest = new VirtioBlkGuest(dev);
 * assert.equal(guest.device.driver.kind, "null");
 * ```
 *
 * @module
 */

export {
  VIRTIO_BLK,
  VIRTIO_BLK_CPL,
  VIRTIO_BLK_OP,
  VIRTIO_BLK_QUEUE,
  VIRTIO_BLK_REQ,
  virtioBlkWords,
} from "./layout.ts";
export {
  createVirtioBlk,
  hostVirtioBlk,
  registerVirtioBlkHandlers,
  VIRTIO_BLK_MODULE,
  virtioBlkAttach,
  virtioBlkDetach,
  type VirtioBlkHandle,
  virtioBlkHooks,
  type VirtioBlkOptions,
  type VirtioBlkQueueHandle,
} from "./virtio_blk.ts";
export {
  type VirtioBlkCompletionFn,
  VirtioBlkGuest,
  type VirtioBlkListenOptions,
} from "./virtio_blk_guest.ts";
