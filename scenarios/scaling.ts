import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "scaling",
  description:
    "1, 2 and 4 disks (a sweep over devices[0].count) with two queues each, on zero-latency " +
    "null drivers, so the event loops themselves are the bottleneck. Compares all disks in the " +
    "main loop, one IOThread per disk, and every disk's queues spread over two IOThreads " +
    "(iothread-vq-mapping, modern locking). Each IOThread here polls (QEMU's 32 us) and is " +
    "busy, as are the two vCPUs. Look at total throughput and each context's dispatch share " +
    "as the disk count grows: the single main loop serves every disk from one thread; IOThreads " +
    "help while busy threads fit the cores, but with one IOThread per disk on a 2-core machine " +
    "(2 vCPUs and 2 or 4 IOThreads) the threads time-slice, throughput falls and the disks get " +
    "uneven shares; two IOThreads shared by all disks hold up better.",
  duration: "2s",
  warmup: "500ms",
  repetitions: 2,
  machine: { vcpus: 2, compute: { distribution: "fixed", mean: "5us" } },
  devices: [{
    id: "disk",
    count: [1, 2, 4],
    queues: 2,
    queueDepth: 4,
    driver: { kind: "null", latency: 0 },
  }],
  placements: {
    main: { description: "every disk in the main loop" },
    "iothread-per-disk": {
      description: "each disk in an IOThread of its own (io-disk0, io-disk1, ...)",
      map: { disk: "own" },
    },
    "two-iothreads": {
      description: "each disk's queues spread over io0 and io1",
      locking: "modern",
      iothreads: { io0: {}, io1: {} },
      map: { disk: ["io0", "io1"] },
    },
  },
});
