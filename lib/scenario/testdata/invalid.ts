/** Invalid scenarios for validate_test.ts: a label and an input each, built from one valid base. */
const base = () => ({
  name: "t",
  devices: [{ id: "disk0", queues: 2 }],
  placements: { main: {}, io: { iothreads: { io0: {} }, map: { disk0: "io0" } } },
});
type S = ReturnType<typeof base> & Record<string, unknown>;
const w = (f: (s: S) => void) => {
  const s = base() as S;
  f(s);
  return s;
};
// deno-lint-ignore no-explicit-any
type A = any;
export const CASES: [string, unknown][] = [
  ["not an object", 5],
  ["array at top", []],
  ["missing name", w((s) => delete (s as A).name)],
  ["bad name", w((s) => (s.name = "Hello World"))],
  ["misspelt top-level key", w((s) => (s.duratoin = "5s"))],
  ["unknown key, no suggestion", w((s) => (s.colour = "red"))],
  ["duration without unit", w((s) => (s.duration = "100"))],
  ["duration as plain number", w((s) => (s.duration = 5))],
  ["duration with bad unit", w((s) => (s.duration = "5sec"))],
  ["duration negative", w((s) => (s.duration = "-1s"))],
  ["duration fractional ns", w((s) => (s.warmup = "1.5ns"))],
  ["duration too short", w((s) => (s.duration = "10us"))],
  ["duration boolean", w((s) => (s.duration = true))],
  ["empty sweep", w((s) => (s.duration = []))],
  ["bad item in sweep", w((s) => ((s.devices[0] as A).queueDepth = [1, "4", 8]))],
  ["repetitions zero", w((s) => (s.repetitions = 0))],
  ["repetitions fractional", w((s) => (s.repetitions = 2.5))],
  ["seed string", w((s) => (s.seed = "abc"))],
  ["accel misspelt", w((s) => (s.machine = { accel: "kvn" }))],
  ["vcpus too many", w((s) => (s.machine = { vcpus: 100 }))],
  ["compute distribution", w((s) => (s.machine = { compute: { distribution: "normal" } }))],
  ["exits rate unit", w((s) => (s.machine = { exits: { rate: "5/h" } }))],
  ["machine misspelt key", w((s) => (s.machine = { vcpu: 2 }))],
  ["devices missing", w((s) => delete (s as A).devices)],
  ["devices empty", w((s) => (s.devices = []))],
  ["devices not a list", w((s) => ((s as A).devices = { id: "disk0" }))],
  ["device id missing", w((s) => delete (s.devices[0] as A).id)],
  ["device id bad", w((s) => ((s.devices[0] as A).id = "Disk 0"))],
  ["queueDepth misspelt", w((s) => ((s.devices[0] as A).queueDepht = 4))],
  ["queueDepth too large", w((s) => ((s.devices[0] as A).queueDepth = 5000))],
  ["requestSize KB", w((s) => ((s.devices[0] as A).requestSize = "4KB"))],
  ["requestSize fractional", w((s) => ((s.devices[0] as A).requestSize = "1.5B"))],
  ["readFraction above 1", w((s) => ((s.devices[0] as A).readFraction = 1.5))],
  ["ioeventfd string", w((s) => ((s.devices[0] as A).ioeventfd = "yes"))],
  ["driver kind misspelt", w((s) => ((s.devices[0] as A).driver = { kind: "nul" }))],
  ["driver kind missing", w((s) => ((s.devices[0] as A).driver = { latency: "5us" }))],
  [
    "driver latency string without unit",
    w((s) => ((s.devices[0] as A).driver = { kind: "null", latency: "100" })),
  ],
  ["file driver without path", w((s) => ((s.devices[0] as A).driver = { kind: "file" }))],
  [
    "file driver too small",
    w((s) => ((s.devices[0] as A).driver = { kind: "file", path: "/tmp/x", size: "1KiB" })),
  ],
  [
    "null driver with a path",
    w((s) => ((s.devices[0] as A).driver = { kind: "null", path: "/tmp/x" })),
  ],
  ["arrival kind", w((s) => ((s.devices[0] as A).arrival = { kind: "open" }))],
  [
    "closed arrival with rate",
    w((s) => ((s.devices[0] as A).arrival = { kind: "closed", rate: "5/s" })),
  ],
  [
    "arrival rate fraction",
    w((s) => ((s.devices[0] as A).arrival = { kind: "poisson", rate: "0.5/s" })),
  ],
  ["vnc work unit", w((s) => (s.mainLoop = { vnc: { work: "2 ms" } }))],
  ["qmp drainFraction", w((s) => (s.mainLoop = { qmp: { drainFraction: -1 } }))],
  ["timers not list", w((s) => (s.mainLoop = { timers: { period: "1ms" } }))],
  ["placements missing", w((s) => delete (s as A).placements)],
  ["placements empty", w((s) => ((s as A).placements = {}))],
  ["placement name bad", w((s) => ((s.placements as A)["Main Loop"] = {}))],
  ["locking misspelt", w((s) => ((s.placements as A).io.locking = "modren"))],
  ["placement misspelt key", w((s) => ((s.placements as A).io.iothread = {}))],
  ["pollMaxNs negative", w((s) => ((s.placements as A).io.iothreads.io0.pollMaxNs = -5))],
  ["pollMaxNs bad unit", w((s) => ((s.placements as A).io.iothreads.io0.pollMaxNs = "4 usec"))],
  ["map value number", w((s) => ((s.placements as A).io.map = { disk0: 1 }))],
  ["map value empty list", w((s) => ((s.placements as A).io.map = { disk0: [] }))],
  ["events not list", w((s) => (s.events = { at: "1s" }))],
  ["event missing at", w((s) => (s.events = [{ move: "disk0", to: "io0" }]))],
  ["event misspelt key", w((s) => (s.events = [{ at: "1s", mvoe: "disk0", to: "io0" }]))],
  ["threshold shape", w((s) => (s.thresholds = ["p99 is small"]))],
  ["threshold not string", w((s) => (s.thresholds = [42]))],
  ["probe interval", w((s) => (s.probes = { timeSeriesInterval: "10us" }))],
  ["stageSampleEvery zero", w((s) => (s.probes = { stageSampleEvery: 0 }))],
  // Cross-field checks.
  ["warmup longer than duration", w((s) => ((s.duration = "1s"), (s.warmup = "2s")))],
  ["warmup longer in one run", w((s) => ((s.duration = ["1s", "5s"]), (s.warmup = "2s")))],
  [
    "time series longer than duration",
    w((s) => ((s.duration = "1s"), (s.probes = { timeSeriesInterval: "2s" }))),
  ],
  ["duplicate device id", w((s) => s.devices.push({ id: "disk0", queues: 1 }))],
  ["group member clashes", w((s) => s.devices.push({ id: "disk", count: 2 } as A))],
  ["device id reserved", w((s) => ((s.devices[0] as A).id = "main"))],
  ["map unknown device", w((s) => ((s.placements as A).io.map = { disk1: "io0" }))],
  ["map unknown device, no suggestion", w((s) => ((s.placements as A).io.map = { cdrom: "io0" }))],
  ["map queue beyond count", w((s) => ((s.placements as A).io.map = { "disk0.q2": "io0" }))],
  ["map undefined iothread", w((s) => ((s.placements as A).io.map = { disk0: "io1" }))],
  [
    "map iothread in a placement without any",
    w((s) => ((s.placements as A).main.map = { disk0: "io0" })),
  ],
  [
    "spread under seed locking",
    w((
      s,
    ) => ((s.placements as A).io.map = { disk0: ["io0", "io0b"] },
      (s.placements as A).io.iothreads.io0b = {})
    ),
  ],
  [
    "queue split under seed locking",
    w((s) => ((s.placements as A).io.map = { disk0: "io0", "disk0.q1": "main" })),
  ],
  [
    "main in a spread list",
    w((
      s,
    ) => ((s.placements as A).io = {
      locking: "modern",
      iothreads: { io0: {} },
      map: { disk0: ["io0", "main"] },
    })),
  ],
  ["iothread named main", w((s) => ((s.placements as A).io.iothreads = { main: {} }))],
  [
    "own clashes with a defined iothread",
    w((s) => ((s.placements as A).io = { iothreads: { "io-disk0": {} }, map: { disk0: "own" } })),
  ],
  [
    "event unknown device",
    w((s) => (s.events = [{ at: "1s", move: "disk1", to: "io0", placements: ["io"] }])),
  ],
  [
    "event unknown iothread",
    w((s) => (s.events = [{ at: "1s", move: "disk0", to: "io9", placements: ["io"] }])),
  ],
  [
    "event target missing in a placement",
    w((s) => (s.events = [{ at: "1s", move: "disk0", to: "io0" }])),
  ],
  [
    "event unknown placement",
    w((s) => (s.events = [{ at: "1s", move: "disk0", to: "io0", placements: ["oi"] }])),
  ],
  ["event after the end", w((s) => (s.events = [{ at: "5s", move: "disk0", to: "main" }]))],
  [
    "bql hog longer than its period",
    w((s) => (s.mainLoop = { bqlHog: { hold: "2s", every: "1s" } })),
  ],
  [
    "vnc work longer than its period",
    w((s) => (s.mainLoop = { vnc: { period: "10ms", work: "20ms" } })),
  ],
  [
    "jitter override unknown context",
    w((s) => (s.probes = { jitterPeriodByContext: { io1: "1ms" } })),
  ],
  [
    "two devices on one file",
    w((
      s,
    ) => (s.devices = [{ id: "a", driver: { kind: "file", path: "/tmp/f" } }, {
      id: "b",
      driver: { kind: "file", path: "/tmp/f" },
    }] as A)),
  ],
  [
    "group on one file",
    w((s) => (s.devices = [{ id: "d", count: 2, driver: { kind: "file", path: "/tmp/f" } }] as A)),
  ],
  [
    "pinning to no CPU",
    w((s) => ((s.placements as A).io.cpus = { io0: [] })),
  ],
  [
    "pinning to a CPU out of range",
    w((s) => ((s.placements as A).io.cpus = { main: [0], io0: [1024] })),
  ],
  [
    "pinning an IOThread the placement does not have",
    w((s) => ((s.placements as A).io.cpus = { io1: [1] })),
  ],
  [
    "sweep too large",
    w((
      s,
    ) => ((s.seed = Array.from({ length: 40 }, (_, i) => i)),
      (s.repetitions = Array.from({ length: 30 }, (_, i) => i + 1)))
    ),
  ],
];
