import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "seed-vs-modern",
  description:
    "The same disk in an IOThread, with and without the AioContext lock. A QMP-like monitor " +
    "sends 200 commands a second, each doing 200 us of work under the BQL; one in five drains " +
    "the disk. In the seed era (2019 QEMU) each command also acquires the disk's AioContext, so " +
    "the IOThread's handlers wait for the monitor; in the modern era (QEMU 9.0+) only the " +
    "drains stop the disk. Look at p99 latency and at the AioContext lock's wait histogram, " +
    "which the modern placement does not have.",
  duration: "3s",
  warmup: "500ms",
  repetitions: 3,
  devices: [{
    id: "disk0",
    queueDepth: 2,
    driver: { kind: "null", latency: "20us" },
  }],
  mainLoop: { qmp: { rate: "200/s", work: "200us", drainFraction: 0.2 } },
  placements: {
    seed: {
      description: "AioContext lock taken by device handlers and by the monitor",
      locking: "seed",
      iothreads: { io0: {} },
      map: { disk0: "io0" },
    },
    modern: {
      description: "no AioContext lock",
      locking: "modern",
      iothreads: { io0: {} },
      map: { disk0: "io0" },
    },
  },
});
