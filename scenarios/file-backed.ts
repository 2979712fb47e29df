import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "file-backed",
  description:
    "A disk on a real 8 MiB file under /tmp, read and written (70 % reads) at queue depth 4 " +
    "through the thread pool of the disk's context (kept at one warm Worker per request), whose " +
    "completions come back to that context from a bottom half. Compares the main loop with an " +
    "IOThread, with no main-loop chores. Look at the service stage (the pool Worker, the page " +
    "cache and the hop back into the context) and the completion stage (the irqfd to the " +
    "vCPU): with an idle main loop both placements take the same path and show about the same " +
    "figures; an IOThread only pays off for a file backend when the main loop is busy.",
  duration: "3s",
  warmup: "1s",
  repetitions: 2,
  devices: [{
    id: "disk0",
    queueDepth: 4,
    requestSize: "4KiB",
    readFraction: 0.7,
    driver: { kind: "file", path: "/tmp/aiolab-file-backed.img", size: "8MiB" },
  }],
  placements: {
    main: { description: "disk0 in the main loop" },
    iothread: {
      description: "disk0 in IOThread io0",
      iothreads: { io0: {} },
      map: { disk0: "io0" },
    },
  },
});
