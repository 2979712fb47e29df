import { defineScenario } from "../lib/scenario/mod.ts";

export default defineScenario({
  name: "polling",
  description:
    "Adaptive polling: the IOThread's poll-max-ns swept over 0 (never poll), 4 us, 32 us (QEMU's " +
    "default) and 256 us, with a disk whose requests arrive every ~10 us. Without polling every " +
    "kick is a futex wakeup across cores (tens of microseconds); with a budget longer than the " +
    "gap between requests the IOThread catches the kick while spinning. Look at median latency " +
    "falling and at the IOThread's utilisation rising with poll-max-ns; the main-loop " +
    "placement is the unpolled reference.",
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
