/**
 * The shared words of the guest model's SharedArrayBuffer layouts: the
 * virtio-blk-like device (its device words, one block of words per queue,
 * and the records of its rings). The sync primitives' words stay in
 * `lib/sync/layout.ts` and the runtime's in `lib/runtime/layout.ts`; each
 * constant below names one word and says who writes it, who reads it and
 * what guards it, under the same rules as those files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VIRTIO_BLK, virtioBlkWords } from "./layout.ts";
 * assert.equal(VIRTIO_BLK.IN_FLIGHT, 0);
 * assert.equal(virtioBlkWords(2), VIRTIO_BLK.QUEUES + 2 * VIRTIO_BLK.QUEUE_WORDS);
 * ```
 *
 * @module
 */

// ---------------------------------------------------------------------------
// virtio-blk-like device (virtio_blk.ts, virtio_blk_guest.ts).

/**
 * Device words of one virtio-blk-like device: device-wide words, then
 * {@link VIRTIO_BLK.QUEUE_WORDS} words per virtqueue from
 * {@link VIRTIO_BLK.QUEUES} (words of one queue: {@link VIRTIO_BLK_QUEUE}).
 * Each queue's block is on its own 64-byte line, so that threads serving
 * different queues do not bounce a line between them.
 */
export const VIRTIO_BLK = {
  /** Requests taken from any virtqueue and not completed: the node's in-flight counter (word 0, so that the buffer can be the BlockNode's inFlightBuffer). Atomics.add/sub by the threads serving the queues; Atomics.load by the drain. */
  IN_FLIGHT: 0,
  /** 1 while the node is drained: no queue takes a new request. Atomics.store by the graph's thread (drain begin/end); Atomics.load by a serving thread after it counted the request in IN_FLIGHT (Dekker with the drain's wait on IN_FLIGHT). */
  QUIESCED: 1,
  /** Completed attach steps (a counter the graph's thread waits on). Atomics.add by the attaching thread, Atomics.load by the graph's thread. */
  ATTACH_DONE: 2,
  /** Completed detach steps. Atomics.add by the detaching thread, Atomics.load by the graph's thread. */
  DETACH_DONE: 3,
  /** Number of virtqueues. Written once at creation, before the buffer is shared. */
  NUM_QUEUES: 4,
  /** Threads that can host the device, bits 0-31 (thread id bit). Atomics.or by each hosting thread when it starts hosting; Atomics.load by the graph's thread before it asks a thread to attach. */
  HOSTS_LO: 5,
  /** Threads that can host the device, bits 32-63. Same protocol as HOSTS_LO. */
  HOSTS_HI: 6,
  /** 1 when the last attach or detach step run as a oneshot threw. Atomics.store by the step's thread before its Atomics.add of ATTACH_DONE / DETACH_DONE; Atomics.exchange(0) by the graph's thread after its wait. */
  STEP_FAILED: 7,
  /** Index of the first queue block. */
  QUEUES: 16,
  /** Words per queue block (one 64-byte line). */
  QUEUE_WORDS: 16,
} as const;

/** Words of one queue block, relative to `VIRTIO_BLK.QUEUES + q * VIRTIO_BLK.QUEUE_WORDS`. */
export const VIRTIO_BLK_QUEUE = {
  /** Context id + 1 of the context serving this queue now, 0 while detached. Atomics.store by the attaching / detaching thread (the queue's serving thread); read by any thread (a snapshot). */
  ATTACHED_CTX: 0,
  /** Requests completed on this queue (statistic). Written (a plain increment) by the queue's one serving thread, which changes only through a drained move; Atomics.load by readers (a snapshot). */
  COMPLETED: 1,
} as const;

/**
 * Event suppression words of one virtqueue (virtio's used / avail ring
 * flags), relative to `q * VIRTIO_BLK_EVENTS.WORDS` in the device's
 * `events` buffer. Each flag has its own 64-byte line: it is written
 * rarely by one side and read on every request by the other, so the line
 * stays in both caches.
 */
export const VIRTIO_BLK_EVENTS = {
  /** 1 while the queue's serving context busy-polls it (VRING_USED_F_NO_NOTIFY): the guest skips its kick. Atomics.store by the serving thread (its context's io_poll_begin / io_poll_end, 0 at attach and detach); Atomics.load by the guest after its publishing push (Dekker with io_poll_end's store of 0 followed by its last io_poll of the ring). */
  NO_NOTIFY: 0,
  /** 1 while the guest busy-waits on the completion ring (VRING_AVAIL_F_NO_INTERRUPT): the device skips the interrupt. Atomics.store by the guest; Atomics.load by the serving thread after its publishing push of a completion (Dekker with the guest's store of 0 followed by its look at the ring). */
  NO_INTERRUPT: 16,
  /** Words per queue (two 64-byte lines). */
  WORDS: 32,
} as const;

/**
 * Int32 words of the device buffer of a device with `numQueues` queues. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { virtioBlkWords } from "./layout.ts";
 * assert.equal(virtioBlkWords(1), 32);
 * ```
 */
export function virtioBlkWords(numQueues: number): number {
  return VIRTIO_BLK.QUEUES + numQueues * VIRTIO_BLK.QUEUE_WORDS;
}

/**
 * A request record in a virtqueue ring (guest → device): word indices.
 * Written by the guest (a vCPU thread) before the ring's publishing store;
 * read by the queue's serving thread after the ring's acquiring load.
 */
export const VIRTIO_BLK_REQ = {
  /** Request id chosen by the guest (echoed in the completion). */
  ID: 0,
  /** Operation: a {@link VIRTIO_BLK_OP} value. */
  OP: 1,
  /** Byte offset (an Int32: devices address at most 2 GiB). */
  OFFSET: 2,
  /** Byte count. */
  BYTES: 3,
  /** Words per record. */
  WORDS: 4,
} as const;

/** Request operations in {@link VIRTIO_BLK_REQ.OP}. */
export const VIRTIO_BLK_OP = {
  /** VIRTIO_BLK_T_IN. */
  READ: 0,
  /** VIRTIO_BLK_T_OUT. */
  WRITE: 1,
  /** VIRTIO_BLK_T_FLUSH. */
  FLUSH: 2,
} as const;

/**
 * Request ids with this bit set ask the serving thread for stage stamps
 * (the guest samples one request in N); the low bits are the request's slot.
 */
export const VIRTIO_BLK_STAMP_BIT = 1 << 30;

/**
 * Float64 words of one request slot in a device's stage-stamp buffer
 * (`VirtioBlkHandle.stamps`). Plain stores by the serving thread before the
 * completion ring's publishing push; read by the guest after its acquiring
 * drain of that completion. Shared-base ns.
 */
export const VIRTIO_BLK_STAMP = {
  /** When the serving thread took the request from the virtqueue. */
  PICKED_UP: 0,
  /** When the backend completed it (before the completion was pushed). */
  BACKEND_DONE: 1,
  /** Float64 words per slot. */
  WORDS: 2,
} as const;

/**
 * A completion record in a completion ring (device → guest): word indices.
 * Written by the serving thread before the ring's publishing store; read by
 * the guest after the ring's acquiring load.
 */
export const VIRTIO_BLK_CPL = {
  /** The request's id. */
  ID: 0,
  /** 1 when it succeeded, 0 when it failed (VIRTIO_BLK_S_OK / S_IOERR). */
  OK: 1,
  /** Id of the thread that completed it. */
  THREAD: 2,
  /** Id of the context that completed it. */
  CTX: 3,
  /** Words per record. */
  WORDS: 4,
} as const;

// ---------------------------------------------------------------------------
// The machine's control and statistics words (machine.ts, vcpu_guest.ts,
// context_probe.ts). Each buffer is created by the orchestrating thread
// (Machine.start) before it is shared.

/** Int32 control words of a machine, one buffer per machine. */
export const MACHINE_CTL = {
  /** 1 once the guest workload may start. Atomics.store + notify by the orchestrator (begin); Atomics.wait/load by the vCPUs. */
  GO: 0,
  /** Measurement epoch: Atomics.add by the orchestrator (resetMeasurements); Atomics.load by the vCPUs and the context probes, which then restart their own counters. */
  EPOCH: 1,
  /** 1 when the guests must stop issuing. Atomics.store + notify by the orchestrator (stop); Atomics.load by the vCPUs. */
  STOP: 2,
  /** Words in the buffer. */
  WORDS: 4,
} as const;

/** Int32 words of one vCPU in the vCPU control buffer (`index * VCPU_CTL.WORDS`). */
export const VCPU_CTL = {
  /** Epoch the vCPU has restarted its counters and histograms for. Atomics.store by the vCPU after the restart; Atomics.load by the orchestrator before it drains that vCPU's histograms. */
  EPOCH_ACK: 0,
  /** What the vCPU does now (a {@link VCPU_DOING} value). Atomics.store by the vCPU; read by the orchestrator (a snapshot). */
  DOING: 1,
  /** Progress counter (loop turns; wraps). Atomics.add by the vCPU; read by the orchestrator's watchdog. */
  PROGRESS: 2,
  /** 1 once the vCPU is set up (time base attached, queues opened) and waits for GO. Atomics.store by the vCPU; Atomics.load by the orchestrator (Machine.start waits for it). */
  READY: 3,
  /** Words per vCPU. */
  WORDS: 4,
} as const;

/** Values of {@link VCPU_CTL.DOING}. */
export const VCPU_DOING = {
  /** Waiting for begin(). */
  IDLE: 0,
  /** Running a compute burst. */
  COMPUTE: 1,
  /** Waiting for the BQL (an exit or a tcg kick). */
  BQL_WAIT: 2,
  /** Holding the BQL (an exit). */
  EXIT: 3,
  /** Waiting for a completion or the next arrival. */
  IO_WAIT: 4,
  /** Stopped. */
  STOPPED: 5,
} as const;

/** Float64 words of one vCPU in the vCPU time buffer (`index * VCPU_TIME.WORDS`): plain stores by the vCPU since its last epoch restart; snapshots for the orchestrator. */
export const VCPU_TIME = {
  /** Time in compute bursts, ns. */
  COMPUTE_NS: 0,
  /** Time waiting to acquire the BQL, ns. */
  BQL_WAIT_NS: 1,
  /** Time waiting for completions (blocked or polling), ns. */
  IO_WAIT_NS: 2,
  /** Bound on the vCPU thread's offset to the shared time base, ns (TimeBase.uncertaintyNs): its timestamps are exact to within it. Written at start and again after each epoch restart (which zeroes the words above). */
  CLOCK_UNCERTAINTY_NS: 3,
  /** Words per vCPU. */
  WORDS: 4,
} as const;

/** Int32 words of one queue in the queue statistics buffer (`slot * QUEUE_STAT.WORDS`). Atomics.store by the vCPU that drives the queue; Atomics.load by the orchestrator (snapshots). Restarted by that vCPU at an epoch change. */
export const QUEUE_STAT = {
  /** Requests issued (open loop: arrivals, dropped ones included) since the epoch started; requests in flight at the restart count as issued in the new epoch. */
  ISSUED: 0,
  /** Completions seen by the vCPU. */
  COMPLETED: 1,
  /** Open-loop arrivals not issued because the queue was full. */
  DROPPED: 2,
  /** Requests in flight now. */
  OUTSTANDING: 3,
  /** Words per queue. */
  WORDS: 4,
} as const;

/** Float64 words of one context in the context statistics buffer (`index * CTX_STAT.WORDS`): plain stores by the context's thread (its probe timer, and at publish), since its last epoch restart; snapshots for the orchestrator. */
export const CTX_STAT = {
  /** Time since the restart, ns. */
  ELAPSED_NS: 0,
  /** Time asleep in the context's blocking wait, ns. */
  SLEEP_NS: 1,
  /** Time busy-polling, ns. */
  POLL_NS: 2,
  /** poll() calls. */
  POLLS: 3,
  /** poll() calls that made progress. */
  PROGRESS: 4,
  /** Blocking waits (each ends in a wakeup or a timeout). */
  WAITS: 5,
  /** Busy-poll phases that found work. */
  POLL_HITS: 6,
  /** Heartbeat: probe timer runs (grows while the loop runs timers). */
  HEARTBEAT: 7,
  /** Bound on the context thread's offset to the shared time base, ns (TimeBase.uncertaintyNs): its stage stamps are exact to within it. Written once, at the probe's start (epoch restarts leave it). */
  CLOCK_UNCERTAINTY_NS: 8,
  /** Words per context. */
  WORDS: 9,
} as const;
