import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "file-backed",
  description:
    "A disk on a real 8 MiB file under /tmp, read and written (70 % reads) at queue depth 4 " +
    "through the thread pool, whose completions come back to the disk's context. Compares the " +
    "main loop with an IOThread. Look at the service stage (the pool and the page cache) against " +
    "the completion stage (the hop back to the context): the placement changes only the latter.",
  duration: "3s",
  warmup: "500ms",
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
