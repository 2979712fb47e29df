/**
 * The scenario file that `aiolab new <name>` writes: a commented
 * TypeScript module to start from, one disk compared in the main loop and
 * in an IOThread, with every section a scenario may have shown and its
 * defaults named. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scenarioTemplate } from "./template.ts";
 * const text = scenarioTemplate("my-disk", "../lib/scenario/mod.ts");
 * assert.match(text, /^import \{ defineScenario \} from "\.\.\/lib\/scenario\/mod\.ts";$/m);
 * assert.match(text, /name: "my-disk",/);
 * ```
 *
 * @module
 */

/**
 * The text of a new scenario named `name` whose `defineScenario` import is
 * `importSpecifier` (a relative path or URL of aiolab's `lib/scenario/mod.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scenarioTemplate } from "./template.ts";
 * assert.ok(scenarioTemplate("x", "./mod.ts").endsWith("});\n"));
 * ```
 */
export function scenarioTemplate(name: string, importSpecifier: string): string {
  return `// A scenario for aiolab. Run it with \`aiolab run ${name}.ts\` (or
// \`deno task bench ${name}.ts\`), check it with \`aiolab validate ${name}.ts\`, and see it with
// every default filled in with \`aiolab show ${name}.ts --json\`.
//
// Quantities take units: durations "5s", "250ms", "50us", "100ns"; sizes 4096, "4KiB", "1MiB";
// rates 20000, "20000/s", "20k/s". Any numeric field may be a list ([0, "4us", "32us"]): the
// scenario then runs the cartesian product of the lists, each run labelled with its values.
import { defineScenario } from ${JSON.stringify(importSpecifier)};

export default defineScenario({
  // Lower-case letters, digits, "-" and "_".
  name: ${JSON.stringify(name)},
  // What the scenario shows and what to look for in its results.
  description: "One disk on a 50 us null driver, in the main loop and in an IOThread.",
  // Measured time per repetition (default "3s"), the unmeasured warm-up before it (default
  // "500ms"), repetitions of every placement, run interleaved A B A B (default 3), and the seed
  // of every arrival schedule and compute burst (default 1; every placement gets the same).
  duration: "3s",
  warmup: "500ms",
  repetitions: 3,
  seed: 1,

  // The guest. accel: "kvm" (ioeventfd kick, irqfd completion) or "tcg" (the kick and the
  // completion go through the BQL). Compute bursts between requests; exits: MMIO/PIO emulation
  // that holds the BQL, per vCPU (rate 0 = none).
  machine: {
    accel: "kvm",
    vcpus: 1,
    compute: { distribution: "exponential", mean: "20us" },
    exits: { rate: 0, length: "5us" },
  },

  // virtio-blk-like devices. queueDepth: requests in flight per queue. driver: { kind: "null",
  // latency } or { kind: "file", path, size }. arrival: { kind: "closed" } or an open loop
  // { kind: "constant" | "poisson", rate: "20k/s" }, whose latency counts from the intended
  // issue time. ioeventfd: false is the legacy path (the vCPU runs the handler under the BQL).
  devices: [{
    id: "disk0",
    queues: 1,
    queueDepth: 1,
    requestSize: "4KiB",
    readFraction: 1,
    ioeventfd: true,
    driver: { kind: "null", latency: "50us" },
    arrival: { kind: "closed" },
  }],

  // Work the main loop does under the BQL: VNC-like frames, QMP-like commands (qmp: { rate,
  // work, drainFraction }), a BQL hog (bqlHog: { hold: "20ms", every: "1s" }) and timers.
  mainLoop: {
    vnc: { period: "30ms", work: "2ms" },
  },

  // The placements to compare: which context runs each device ("main", an IOThread id, "own"
  // for an IOThread per device, or a list of IOThreads to spread its queues over). locking:
  // "seed" (the AioContext lock, as 2019 QEMU) or "modern" (none). IOThread options: pollMaxNs
  // (default 32768; 0 = no polling), pollGrow, pollShrink.
  placements: {
    main: { description: "disk0 in the main loop" },
    iothread: {
      description: "disk0 in IOThread io0",
      iothreads: { io0: { pollMaxNs: "32us" } },
      map: { disk0: "io0" },
    },
  },

  // Timed events, counted from the end of the warm-up, e.g. a live move:
  // events: [{ at: "1s", move: "disk0", to: "main", placements: ["iothread"] }],

  // Probes: the jitter-probe timer period in every context, the time-series bucket, and one
  // request in N whose latency is split into stages.
  probes: { jitterPeriod: "1ms", timeSeriesInterval: "100ms", stageSampleEvery: 16 },

  // Pass/fail checks, kept in the result (evaluated by a later aiolab):
  // thresholds: ["iothread.disk0.p99 < 0.5 * main.disk0.p99"],
});
`;
}
