import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "accel",
  description:
    "The default workload (one disk, null driver at 50 us, an open-loop guest at 2000 requests " +
    "a second) under main-loop pressure instead of frames, with the " +
    "kvm and the tcg notification models. The sweep crosses a QMP-like command flood (0 or " +
    "2000 commands a second, 100 us each under the BQL) with a BQL hog (0 or 10 ms held every " +
    "200 ms, as pmemsave does). With kvm (ioeventfd + irqfd) an IOThread takes the main loop and " +
    "the BQL off the request path, so flood and hog leave its latency alone; with tcg the kick " +
    "takes the BQL in the vCPU and the completion goes through the main loop, so both " +
    "placements suffer. Look at p99 and max for iothread-kvm against iothread-tcg.",
  duration: "1500ms",
  warmup: "500ms",
  repetitions: 2,
  devices: [{
    id: "disk0",
    queueDepth: 32,
    driver: { kind: "null", latency: "50us" },
    arrival: { kind: "poisson", rate: "2000/s" },
  }],
  mainLoop: {
    qmp: { rate: [0, "2000/s"], work: "100us" },
    bqlHog: { hold: [0, "10ms"], every: "200ms" },
  },
  placements: {
    "main-kvm": { accel: "kvm" },
    "iothread-kvm": { accel: "kvm", iothreads: { io0: {} }, map: { disk0: "io0" } },
    "main-tcg": { accel: "tcg" },
    "iothread-tcg": { accel: "tcg", iothreads: { io0: {} }, map: { disk0: "io0" } },
  },
});
