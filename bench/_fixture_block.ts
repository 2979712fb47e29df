// Block-layer benchmark bodies that run inside aiolab threads.

import { EventNotifier, type EventNotifierHandle } from "../lib/sync/event_notifier.ts";
import { roundTripper } from "./_fixture_runtime.ts";
import { SpscRing } from "../lib/sync/spsc_ring.ts";
import { getCurrentAioContext } from "../lib/runtime/thread_state.ts";
import { VIRTIO_BLK_OP } from "../lib/machine/layout.ts";
import {
  hostVirtioBlk,
  registerVirtioBlkHandlers,
  virtioBlkAttach,
  virtioBlkDetach,
  type VirtioBlkHandle,
} from "../lib/machine/virtio_blk.ts";
import { VirtioBlkGuest } from "../lib/machine/virtio_blk_guest.ts";

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
  const vq = SpscRing.fromHandle(dev.queues[0].vq);
  const cq = SpscRing.fromHandle(dev.queues[0].cq);
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

const ignore = (): void => {};

/**
 * One read at queue depth 1 from a busy-waiting guest: submit, kick (skipped
 * while the device polls the queue), spin on the completion ring.
 */
function busyRead(g: VirtioBlkGuest, i: number): void {
  g.submit(i, VIRTIO_BLK_OP.READ, 0, 512);
  g.kick();
  while (g.reap(ignore) === 0) {
    // busy-wait on the completion ring, as a polling vCPU does
  }
}

/**
 * (f) In a vCPU-like thread, through the guest side of the device:
 * `total` reads at queue depth 1, the vCPU busy-waiting on the completion
 * ring (no context poll; interrupts off, as virtio lets a polling driver
 * ask); ns per request per batch.
 */
export function guestBusyLatency(dev: VirtioBlkHandle, total: number, batch: number): number[] {
  const g = new VirtioBlkGuest(dev);
  // A busy-waiting guest needs no interrupt (virtio's VRING_AVAIL_F_NO_INTERRUPT).
  g.setInterrupts(false);
  const one = (i: number): void => busyRead(g, i);
  for (let i = 0; i < Math.min(1000, total); i++) one(i);
  const samples: number[] = [];
  for (let b = 0; b < total; b += batch) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) one(i);
    samples.push(((performance.now() - t0) * 1e6) / batch);
  }
  return samples;
}

/**
 * (f) In a vCPU-like thread whose partner serves both the device and a
 * round-trip server (rtServerSetup): alternates `pairs` times a batch of
 * `batch` bare polled round trips (set `ping`, poll this context until
 * `pong`, as rtClient does) with a batch of `batch` QD1 reads as
 * {@link guestBusyLatency} does them. Both run between the same two
 * threads, a millisecond apart, so that the host's state (CPU placement,
 * its neighbours) is the same for a pair. ns per operation per batch.
 */
export function guestPairedLatency(
  dev: VirtioBlkHandle,
  ping: EventNotifierHandle,
  pong: EventNotifierHandle,
  pairs: number,
  batch: number,
): { rt: number[]; path: number[] } {
  const { roundTrip, close } = roundTripper(ping, pong, true);
  const g = new VirtioBlkGuest(dev);
  // A busy-waiting guest needs no interrupt (virtio's VRING_AVAIL_F_NO_INTERRUPT).
  g.setInterrupts(false);
  const request = (i: number): void => busyRead(g, i);
  const rt: number[] = [];
  const path: number[] = [];
  try {
    for (let i = 0; i < 2000; i++) {
      roundTrip();
      request(i);
    }
    for (let p = 0; p < pairs; p++) {
      let t0 = performance.now();
      for (let i = 0; i < batch; i++) roundTrip();
      rt.push(((performance.now() - t0) * 1e6) / batch);
      t0 = performance.now();
      for (let i = 0; i < batch; i++) request(i);
      path.push(((performance.now() - t0) * 1e6) / batch);
    }
  } finally {
    close();
  }
  return { rt, path };
}

/**
 * (g) In a vCPU-like thread: `depth` reads kept in flight (each completion
 * reaped is resubmitted at once; one kick per reaped batch), the vCPU
 * busy-waiting on the completion ring. Returns ns per completion over each
 * run of `batch` completions, and the mean completions per reap in `stats`.
 */
export function guestThroughput(
  dev: VirtioBlkHandle,
  depth: number,
  total: number,
  batch: number,
): { samples: number[]; perReap: number } {
  const g = new VirtioBlkGuest(dev);
  let done = 0;
  let resubmit = true;
  const onDone = (reqId: number): void => {
    done++;
    if (resubmit) g.submit(reqId, VIRTIO_BLK_OP.READ, 0, 512);
  };
  let reaps = 0;
  const until = (goal: number): void => {
    while (done < goal) {
      const n = g.reap(onDone);
      if (n > 0) {
        reaps++;
        if (resubmit) g.kick();
      }
    }
  };
  for (let k = 0; k < depth; k++) g.submit(k, VIRTIO_BLK_OP.READ, 0, 512);
  g.kick();
  until(Math.min(total, 20_000)); // warm up
  const samples: number[] = [];
  const from = done;
  reaps = 0;
  for (let b = 0; b < total; b += batch) {
    const t0 = performance.now();
    until(done + batch);
    samples.push(((performance.now() - t0) * 1e6) / batch);
  }
  const perReap = (done - from) / Math.max(1, reaps);
  resubmit = false;
  until(done + depth); // what is still in flight
  return { samples, perReap };
}
