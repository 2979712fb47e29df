import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "bql-contention",
  description:
    "Two vCPUs compute between requests and also exit to emulate MMIO/PIO 2000 times a second " +
    "each, holding the BQL for 20 us per exit. With the disk in the main loop, the device's " +
    "dispatch needs the BQL too and queues behind those exits; in an IOThread it needs no BQL " +
    "(kvm path). Look at the latency stage split (dispatch) and at the BQL's wait histogram per " +
    "thread: the main-loop placement shows the vCPUs and the device waiting for each other.",
  duration: "3s",
  warmup: "500ms",
  repetitions: 3,
  machine: {
    accel: "kvm",
    vcpus: 2,
    compute: { distribution: "exponential", mean: "50us" },
    exits: { rate: "2000/s", length: "20us" },
  },
  devices: [{ id: "disk0", queues: 2, queueDepth: 2, driver: { kind: "null", latency: "20us" } }],
  placements: {
    main: { description: "disk0 in the main loop: every dispatch takes the BQL" },
    iothread: {
      description: "disk0 in IOThread io0: requests bypass the BQL",
      iothreads: { io0: {} },
      map: { disk0: "io0" },
    },
  },
  thresholds: ["iothread.disk0.p99 < main.disk0.p99"],
});
