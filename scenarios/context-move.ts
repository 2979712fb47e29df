import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "context-move",
  description:
    "A disk moved between contexts during the run: from io0 to io1 at 1 s and back to the main " +
    "loop at 2 s, each move a drained AioContext change (bdrv_try_set_aio_context) while " +
    "requests are in flight. The guest issues 10000 requests a second (Poisson, open loop, up " +
    "to 256 queued, so arrivals during a move wait in the virtqueue and their latency counts " +
    "from their intended time). A second placement keeps the disk in io0 as the reference. Look " +
    "at latency over time (50 ms buckets) around the marked move events: each move is a spike " +
    "as the drain waits for in-flight requests and new ones queue; its height and width are " +
    "the cost of a move.",
  duration: "3s",
  warmup: "500ms",
  repetitions: 2,
  devices: [{
    id: "disk0",
    queueDepth: 256,
    driver: { kind: "null", latency: "50us" },
    arrival: { kind: "poisson", rate: "10000/s" },
  }],
  placements: {
    moving: {
      description: "disk0 starts in io0 and is moved twice",
      iothreads: { io0: {}, io1: {} },
      map: { disk0: "io0" },
    },
    steady: {
      description: "disk0 stays in io0",
      iothreads: { io0: {} },
      map: { disk0: "io0" },
    },
  },
  events: [
    { at: "1s", move: "disk0", to: "io1", placements: ["moving"] },
    { at: "2s", move: "disk0", to: "main", placements: ["moving"] },
  ],
  probes: { timeSeriesInterval: "50ms" },
});
