// Block-layer benchmark bodies that run inside aiolab threads.

import { EventNotifier } from "../lib/sync/event_notifier.ts";
import { MpscRing } from "../lib/sync/mpsc_ring.ts";
import { getCurrentAioContext } from "../lib/runtime/thread_state.ts";
import {
  DATAPLANE_OP,
  dataplaneAttach,
  dataplaneDetach,
  type DataplaneHandle,
  dataplaneRegister,
} from "../lib/block/dataplane.ts";

/** In the device's thread: register and attach the device to this thread's context. */
export function deviceUp(dev: DataplaneHandle): boolean {
  dataplaneRegister(dev);
  dataplaneAttach(dev.id, getCurrentAioContext()!.id);
  return true;
}

/** In the device's thread: detach. */
export function deviceDown(dev: DataplaneHandle): boolean {
  dataplaneDetach(dev.id);
  return true;
}

/**
 * In a vCPU-like thread: `total` reads at queue depth 1 (submit, kick, wait
 * for the interrupt by polling this thread's context); ns per request per batch.
 */
export function guestLatency(
  dev: DataplaneHandle,
  total: number,
  batch: number,
  polling: boolean,
): number[] {
  const ctx = getCurrentAioContext()!;
  const vq = MpscRing.fromHandle(dev.vq);
  const cq = MpscRing.fromHandle(dev.cq);
  const kick = EventNotifier.fromHandle(dev.kick);
  const irq = EventNotifier.fromHandle(dev.irq);
  let done = false;
  const onIrq = (n: EventNotifier): void => {
    n.testAndClear();
    cq.drain(() => (done = true));
  };
  if (polling) ctx.setEventNotifier(irq, onIrq, (n) => n.isSet(), onIrq);
  else ctx.setEventNotifier(irq, onIrq);
  const one = (i: number): void => {
    done = false;
    vq.push(i, DATAPLANE_OP.READ, 0, 512);
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
