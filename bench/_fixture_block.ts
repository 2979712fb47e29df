// Block-layer benchmark bodies that run inside aiolab threads.

import { EventNotifier } from "../lib/sync/event_notifier.ts";
import { MpscRing } from "../lib/sync/mpsc_ring.ts";
import { getCurrentAioContext } from "../lib/runtime/thread_state.ts";
import { VIRTIO_BLK_OP } from "../lib/machine/layout.ts";
import {
  hostVirtioBlk,
  registerVirtioBlkHandlers,
  virtioBlkAttach,
  virtioBlkDetach,
  type VirtioBlkHandle,
} from "../lib/machine/virtio_blk.ts";

/** In the device's thread: host and attach the device to this thread's context. */
export function deviceUp(dev: VirtioBlkHandle): boolean {
  registerVirtioBlkHandlers();
  hostVirtioBlk(dev);
  virtioBlkAttach(dev.id, getCurrentAioContext()!.id);
  return true;
}

/** In the device's thread: detach. */
export function deviceDown(dev: VirtioBlkHandle): boolean {
  virtioBlkDetach(dev.id);
  return true;
}

/**
 * In a vCPU-like thread: `total` reads at queue depth 1 (submit, kick, wait
 * for the interrupt by polling this thread's context); ns per request per batch.
 */
export function guestLatency(
  dev: VirtioBlkHandle,
  total: number,
  batch: number,
  polling: boolean,
): number[] {
  const ctx = getCurrentAioContext()!;
  const vq = MpscRing.fromHandle(dev.queues[0].vq);
  const cq = MpscRing.fromHandle(dev.queues[0].cq);
  const kick = EventNotifier.fromHandle(dev.queues[0].kick);
  const irq = EventNotifier.fromHandle(dev.queues[0].irq);
  let done = false;
  const onIrq = (n: EventNotifier): void => {
    n.testAndClear();
    cq.drain(() => (done = true));
  };
  if (polling) ctx.setEventNotifier(irq, onIrq, (n) => n.isSet(), onIrq);
  else ctx.setEventNotifier(irq, onIrq);
  const one = (i: number): void => {
    done = false;
    vq.push(i, VIRTIO_BLK_OP.READ, 0, 512);
    kick.set();
    while (!done) ctx.poll(true);
  };
  const samples: number[] = [];
  try {
    for (let i = 0; i < Math.min(1000, total); i++) one(i);
    for (let b = 0; b < total; b += batch) {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) one(i);
      samples.push(((performance.now() - t0) * 1e6) / batch);
    }
  } finally {
    ctx.setEventNotifier(irq, null);
  }
  return samples;
}
