import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "default",
  description:
    "One virtio-blk disk on a null driver (50 us per request, queue depth 1) behind a kvm-style " +
    "ioeventfd/irqfd path, while the main loop renders VNC-like frames (2 ms of work under the " +
    "BQL every 30 ms). Compares the disk in the main loop with the disk in its own IOThread. " +
    "Look at p99 and max latency: in the main loop a request that arrives during a frame waits " +
    "for it (up to 2 ms); in the IOThread the frames do not touch the request path, so the tail " +
    "stays near the driver's 50 us.",
  duration: "3s",
  warmup: "500ms",
  repetitions: 3,
  seed: 1,
  machine: { accel: "kvm", vcpus: 1, compute: { distribution: "exponential", mean: "20us" } },
  devices: [{
    id: "disk0",
    queueDepth: 1,
    requestSize: "4KiB",
    driver: { kind: "null", latency: "50us" },
  }],
  mainLoop: { vnc: { period: "30ms", work: "2ms" } },
  placements: {
    main: { description: "disk0 in the main loop (no iothread=)" },
    iothread: {
      description: "disk0 in IOThread io0 (iothread=io0, poll-max-ns 32768)",
      iothreads: { io0: {} },
      map: { disk0: "io0" },
    },
  },
});
