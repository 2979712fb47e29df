import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "polling",
  description:
    "Adaptive polling: the IOThread's poll-max-ns swept over 0 (never poll), 4 us, 32 us (QEMU's " +
    "default) and 256 us, with one request in flight on a zero-latency null driver. After a " +
    "completion the next kick comes when the halted vCPU has woken (a futex wakeup across cores, " +
    "tens of microseconds) and computed ~10 us: that gap, not the 10 us, is what the IOThread " +
    "must outlast. A budget shorter than the gap never catches a kick and adaptive polling " +
    "shrinks it back to 0 (poll time stays near 0); a budget longer than the gap catches most " +
    "kicks while spinning, so the IOThread sleeps less. Look at the IOThread's poll time " +
    "(contexts.io0.pollNs) and wakeups against poll-max-ns, and at the median: it can only fall " +
    "once the budget exceeds the gap. The main-loop placement, which never polls, is the " +
    "reference.",
  duration: "2s",
  warmup: "500ms",
  repetitions: 2,
  machine: { vcpus: 1, compute: { distribution: "exponential", mean: "10us" } },
  devices: [{ id: "disk0", queueDepth: 1, driver: { kind: "null", latency: 0 } }],
  placements: {
    main: { description: "disk0 in the main loop (which never polls)" },
    iothread: {
      description: "disk0 in io0 with the swept poll-max-ns",
      iothreads: { io0: { pollMaxNs: [0, "4us", "32us", "256us"] } },
      map: { disk0: "io0" },
    },
  },
});
