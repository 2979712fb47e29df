import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "pinning",
  description:
    "The default workload (one disk on a 50 us null driver, 2000 requests a second, VNC-like " +
    "frames of 8 ms every 40 ms under the BQL) with and without CPU pinning, as libvirt's " +
    "emulatorpin, iothreadpin and vcpupin do: the main loop on CPU 0, the IOThread and the vCPU " +
    "on CPU 1. On a 2-core host unpinned threads share both cores with the main loop's frames, " +
    "so a woken IOThread or vCPU may wait for the core a frame holds; pinned, the request path " +
    "has a core the frames never take. Look at the ratios of iothread-pinned to iothread (the " +
    "reference): the part of p50, p99.9 and max the host's scheduler added; and at " +
    "main-pinned against main: pinning cannot help a disk served by the main loop, whose " +
    "frames are on the request path. Needs a host with CPUs 0 and 1; the runtime's helper " +
    "threads (V8's, the thread pool's) are not pinned.",
  // default.ts's workload, written out rather than imported: a result records this file's
  // source, which then says everything the runs did.
  duration: "3s",
  warmup: "500ms",
  repetitions: 3,
  seed: 1,
  machine: { accel: "kvm", vcpus: 1 },
  devices: [{
    id: "disk0",
    queueDepth: 32,
    requestSize: "4KiB",
    driver: { kind: "null", latency: "50us" },
    arrival: { kind: "poisson", rate: "2000/s" },
  }],
  mainLoop: { vnc: { period: "40ms", work: "8ms" } },
  placements: {
    // The first is the reference of the summary's and the report's ratios.
    iothread: {
      description: "disk0 in IOThread io0, no thread pinned",
      iothreads: { io0: {} },
      map: { disk0: "io0" },
    },
    "iothread-pinned": {
      description: "disk0 in IOThread io0; main loop on CPU 0, io0 and the vCPU on CPU 1",
      iothreads: { io0: {} },
      map: { disk0: "io0" },
      cpus: { main: [0], io0: [1], vcpus: [1] },
    },
    main: { description: "disk0 in the main loop, no thread pinned" },
    "main-pinned": {
      description: "disk0 in the main loop; main loop on CPU 0, vCPU on CPU 1",
      cpus: { main: [0], vcpus: [1] },
    },
  },
});
