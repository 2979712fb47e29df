/**
 * The guest model: the {@link Machine} of a run (vCPU threads, devices,
 * main-loop chores, probes, built from a scenario placement), a virtio-blk-like device (virtqueues with ioeventfd-like
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
  CTX_STAT,
  MACHINE_CTL,
  QUEUE_STAT,
  VCPU_CTL,
  VCPU_DOING,
  VCPU_TIME,
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
export {
  type ContextReport,
  type DeviceReport,
  type HistogramReport,
  type LockReport,
  type LockThreadReport,
  Machine,
  type MachineError,
  type MachineOptions,
  type MachineReport,
  type MachineSample,
  type ThreadHeartbeat,
  type VcpuReport,
} from "./machine.ts";
export {
  BQL_TIMING_SLOT,
  type ContextPlan,
  type DevicePlan,
  type LockHistograms,
  type LockPlan,
  type LockTimingPlan,
  MACHINE_HISTOGRAM_HIGHEST_NS,
  type MachinePlan,
  planMachine,
  type QueueHistograms,
  type QueuePlan,
} from "./machine_plan.ts";
export { installLockSinks, removeLockSinks } from "./lock_sinks.ts";
export { type DrawShape, Prng } from "./prng.ts";
export { VCPU_GUEST_MODULE, type VcpuGuestResult, vcpuGuestRun } from "./vcpu_guest.ts";
export {
  CONTEXT_PROBE_MODULE,
  probeAttachQueues,
  probeDetachQueues,
  probePublish,
  probeStart,
  probeStop,
} from "./context_probe.ts";
export {
  graphDeviceContext,
  graphDrain,
  graphMove,
  graphQuiesce,
  graphSetup,
  graphTeardown,
  MACHINE_GRAPH_MODULE,
} from "./machine_graph.ts";
export {
  type ChoreCounts,
  choresStart,
  choresStop,
  MAIN_LOOP_CHORES_MODULE,
} from "./main_loop_chores.ts";
export {
  createVirtioBlk,
  hostVirtioBlk,
  registerVirtioBlkHandlers,
  setVirtioBlkStampClock,
  VIRTIO_BLK_MODULE,
  virtioBlkAttach,
  virtioBlkAttachQueues,
  virtioBlkDetach,
  virtioBlkDetachQueues,
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
