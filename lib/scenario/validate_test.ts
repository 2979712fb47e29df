import assert from "node:assert/strict";
import { CASES } from "./testdata/invalid.ts";
import { ScenarioError } from "./scenario_error.ts";
import { validateScenario } from "./validate.ts";

/** Every invalid scenario of the fixture and the exact error it gets. */
const EXPECTED: [string, string][] = [
  ["not an object", "s.json: expected an object, got the number 5."],
  ["array at top", "s.json: expected an object, got an empty array."],
  ["missing name", "s.json: at name: expected a name, got nothing (the key is missing)."],
  [
    "bad name",
    "s.json: at name: expected a name of lower-case letters, digits, '-', '_' or '.', got the string \"Hello World\".",
  ],
  [
    "misspelt top-level key",
    's.json: at duratoin: expected one of the keys $schema, name, description, duration, warmup, repetitions, seed, machine, devices, mainLoop, placements, events, probes, thresholds, got the unknown key "duratoin". Did you mean "duration"?',
  ],
  [
    "unknown key, no suggestion",
    's.json: at colour: expected one of the keys $schema, name, description, duration, warmup, repetitions, seed, machine, devices, mainLoop, placements, events, probes, thresholds, got the unknown key "colour".',
  ],
  [
    "duration without unit",
    's.json: at duration: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the string "100". "100" has no unit; write "100ms", "100us" or another unit.',
  ],
  [
    "duration as plain number",
    's.json: at duration: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the number 5. A plain number is ambiguous here; write "5ms", "5us" or another unit.',
  ],
  [
    "duration with bad unit",
    's.json: at duration: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the string "5sec". "sec" is not a duration unit; the units are ns, us, µs, ms, s, min.',
  ],
  [
    "duration negative",
    's.json: at duration: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the string "-1s". It must be >= 0.',
  ],
  [
    "duration fractional ns",
    's.json: at warmup: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the string "1.5ns". "1.5ns" is not a whole number of nanoseconds.',
  ],
  [
    "duration too short",
    's.json: at duration: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the string "10us". It must be at least 1ms.',
  ],
  [
    "duration boolean",
    's.json: at duration: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the boolean true.',
  ],
  [
    "empty sweep",
    's.json: at duration: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", or a non-empty list of them to sweep, got an empty array.',
  ],
  [
    "bad item in sweep",
    's.json: at devices[0].queueDepth[1]: expected a whole number from 1 to 1024, got the string "4".',
  ],
  [
    "repetitions zero",
    "s.json: at repetitions: expected a whole number from 1 to 1000, got the number 0.",
  ],
  [
    "repetitions fractional",
    "s.json: at repetitions: expected a whole number from 1 to 1000, got the number 2.5. It must be a whole number.",
  ],
  [
    "seed string",
    's.json: at seed: expected a whole number from 0 to 4294967295, got the string "abc".',
  ],
  [
    "accel misspelt",
    's.json: at machine.accel: expected one of "kvm", "tcg", got the string "kvn". Did you mean "kvm"?',
  ],
  [
    "vcpus too many",
    "s.json: at machine.vcpus: expected a whole number from 1 to 64, got the number 100.",
  ],
  [
    "compute distribution",
    's.json: at machine.compute.distribution: expected one of "fixed", "exponential", "uniform", got the string "normal".',
  ],
  [
    "exits rate unit",
    's.json: at machine.exits.rate: expected a rate per second, such as 20000, "20000/s" or "20k/s", got the string "5/h". "/h" is not a rate unit; the units are /s, /ms, /us.',
  ],
  [
    "machine misspelt key",
    's.json: at machine.vcpu: expected one of the keys accel, vcpus, compute, exits, got the unknown key "vcpu". Did you mean "vcpus"?',
  ],
  [
    "devices missing",
    "s.json: at devices: expected a list of devices, got nothing (the key is missing).",
  ],
  [
    "devices empty",
    "s.json: at devices: expected a list of at least one device, got an empty array.",
  ],
  [
    "devices not a list",
    's.json: at devices: expected a list of devices, got an object with the key "id".',
  ],
  [
    "device id missing",
    "s.json: at devices[0].id: expected an id: a lower-case letter, then lower-case letters, digits, '-' or '_', got nothing (the key is missing).",
  ],
  [
    "device id bad",
    "s.json: at devices[0].id: expected an id: a lower-case letter, then lower-case letters, digits, '-' or '_', got the string \"Disk 0\".",
  ],
  [
    "queueDepth misspelt",
    's.json: at devices[0].queueDepht: expected one of the keys id, count, kind, queues, queueDepth, requestSize, readFraction, ioeventfd, driver, arrival, got the unknown key "queueDepht". Did you mean "queueDepth"?',
  ],
  [
    "queueDepth too large",
    "s.json: at devices[0].queueDepth: expected a whole number from 1 to 1024, got the number 5000.",
  ],
  [
    "requestSize KB",
    's.json: at devices[0].requestSize: expected a size in bytes, such as 4096, "4KiB" or "1MiB", got the string "4KB". "KB" is ambiguous (1000 or 1024?); write "4KiB".',
  ],
  [
    "requestSize fractional",
    's.json: at devices[0].requestSize: expected a size in bytes, such as 4096, "4KiB" or "1MiB", got the string "1.5B". "1.5B" is not a whole number of bytes.',
  ],
  [
    "readFraction above 1",
    "s.json: at devices[0].readFraction: expected a number from 0 to 1, got the number 1.5.",
  ],
  [
    "ioeventfd string",
    's.json: at devices[0].ioeventfd: expected true or false, got the string "yes".',
  ],
  [
    "driver kind misspelt",
    's.json: at devices[0].driver.kind: expected "null" or "file", got the string "nul". Did you mean "null"?',
  ],
  [
    "driver kind missing",
    's.json: at devices[0].driver.kind: expected "null" or "file", got nothing (the key is missing).',
  ],
  [
    "driver latency string without unit",
    's.json: at devices[0].driver.latency: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the string "100". "100" has no unit; write "100ms", "100us" or another unit.',
  ],
  [
    "file driver without path",
    "s.json: at devices[0].driver.path: expected a file path, got nothing (the key is missing).",
  ],
  [
    "file driver too small",
    's.json: at devices[0].driver.size: expected a size in bytes, such as 4096, "4KiB" or "1MiB", got the string "1KiB". It must be at least 4096 bytes.',
  ],
  [
    "null driver with a path",
    's.json: at devices[0].driver.path: expected one of the keys kind, latency, got the unknown key "path".',
  ],
  [
    "arrival kind",
    's.json: at devices[0].arrival.kind: expected "closed", "constant" or "poisson", got the string "open".',
  ],
  [
    "closed arrival with rate",
    's.json: at devices[0].arrival.rate: expected one of the keys kind, got the unknown key "rate".',
  ],
  [
    "arrival rate fraction",
    's.json: at devices[0].arrival.rate: expected a rate per second, such as 20000, "20000/s" or "20k/s", got the string "0.5/s". "0.5/s" is not a whole number of events per second.',
  ],
  [
    "vnc work unit",
    's.json: at mainLoop.vnc.work: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the string "2 ms". "2 ms" is not a number followed by a unit.',
  ],
  [
    "qmp drainFraction",
    "s.json: at mainLoop.qmp.drainFraction: expected a number from 0 to 1, got the number -1.",
  ],
  [
    "timers not list",
    's.json: at mainLoop.timers: expected a list of timers, got an object with the key "period".',
  ],
  [
    "placements missing",
    "s.json: at placements: expected placements by name, such as { main: {} }, got nothing (the key is missing).",
  ],
  [
    "placements empty",
    "s.json: at placements: expected at least one placement, got an empty object.",
  ],
  [
    "placement name bad",
    "s.json: at placements: expected keys that are a placement name (id: a lower-case letter, then lower-case letters, digits, '-' or '_'), got the key \"Main Loop\".",
  ],
  [
    "locking misspelt",
    's.json: at placements.io.locking: expected one of "seed", "modern", got the string "modren". Did you mean "modern"?',
  ],
  [
    "placement misspelt key",
    's.json: at placements.io.iothread: expected one of the keys description, locking, accel, iothreads, ownIothreads, map, cpus, got the unknown key "iothread". Did you mean "iothreads"?',
  ],
  [
    "pollMaxNs negative",
    's.json: at placements.io.iothreads.io0.pollMaxNs: expected a number of nanoseconds or a duration with a unit, such as 4000 or "4us", got the number -5. It must be >= 0.',
  ],
  [
    "pollMaxNs bad unit",
    's.json: at placements.io.iothreads.io0.pollMaxNs: expected a number of nanoseconds or a duration with a unit, such as 4000 or "4us", got the string "4 usec". "4 usec" is not a number followed by a unit.',
  ],
  [
    "map value number",
    's.json: at placements.io.map.disk0: expected "main", an IOThread id, "own", or a non-empty list of IOThread ids, got the number 1.',
  ],
  [
    "map value empty list",
    's.json: at placements.io.map.disk0: expected "main", an IOThread id, "own", or a non-empty list of IOThread ids, got an empty array.',
  ],
  [
    "events not list",
    's.json: at events: expected a list of events, got an object with the key "at".',
  ],
  [
    "event missing at",
    's.json: at events[0].at: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got nothing (the key is missing).',
  ],
  [
    "event misspelt key",
    's.json: at events[0].mvoe: expected one of the keys at, move, to, placements, got the unknown key "mvoe". Did you mean "move"?',
  ],
  [
    "threshold shape",
    's.json: at thresholds[0]: expected a threshold "<ref> <op> <ref or number>" such as "iothread.disk0.p99 < 0.5 * main.disk0.p99", got the string "p99 is small".',
  ],
  [
    "threshold not string",
    's.json: at thresholds[0]: expected a threshold "<ref> <op> <ref or number>" such as "iothread.disk0.p99 < 0.5 * main.disk0.p99", got the number 42.',
  ],
  [
    "probe interval",
    's.json: at probes.timeSeriesInterval: expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns", got the string "10us". It must be at least 1ms.',
  ],
  [
    "stageSampleEvery zero",
    "s.json: at probes.stageSampleEvery: expected a whole number from 1 to 1000000, got the number 0.",
  ],
  [
    "warmup longer than duration",
    "s.json: at warmup: expected a warm-up no longer than the duration (1s), got the duration 2s.",
  ],
  [
    "warmup longer in one run",
    "s.json: at warmup: expected a warm-up no longer than the duration (1s), got the duration 2s. This is so in the run with duration = 1000000000.",
  ],
  [
    "time series longer than duration",
    "s.json: at probes.timeSeriesInterval: expected an interval no longer than the duration (1s), got the duration 2s.",
  ],
  [
    "duplicate device id",
    's.json: at devices[1].id: expected a device id no other device has, got the string "disk0", also the id of devices[0].',
  ],
  [
    "group member clashes",
    's.json: at devices[1].id: expected a device id no other device has, got the string "disk", which gives "disk0", also the id of a device of devices[0].',
  ],
  [
    "device id reserved",
    's.json: at devices[0].id: expected a device id other than "main" and "own", got the string "main".',
  ],
  [
    "map unknown device",
    's.json: at placements.io.map.disk1: expected a device id, a group id or <device>.q<N> (known: disk0), got the key "disk1". Did you mean "disk0"?',
  ],
  [
    "map unknown device, no suggestion",
    's.json: at placements.io.map.cdrom: expected a device id, a group id or <device>.q<N> (known: disk0), got the key "cdrom".',
  ],
  [
    "map queue beyond count",
    's.json: at placements.io.map["disk0.q2"]: expected a queue of disk0, which has 2 (q0 to q1), got the key "disk0.q2".',
  ],
  [
    "map undefined iothread",
    's.json: at placements.io.map.disk0: expected "main", "own" or an IOThread of placement "io" (io0), got the string "io1". Did you mean "io0"?',
  ],
  [
    "map iothread in a placement without any",
    's.json: at placements.main.map.disk0: expected "main", "own" or an IOThread of placement "main" (it defines none), got the string "io0".',
  ],
  [
    "spread under seed locking",
    's.json: at placements.io.map.disk0: expected one context for all queues of disk0 under locking "seed", got queues in io0, io0b. Spreading a device\'s queues over IOThreads (iothread-vq-mapping) needs locking: "modern".',
  ],
  [
    "queue split under seed locking",
    's.json: at placements.io.map["disk0.q1"]: expected one context for all queues of disk0 under locking "seed", got queues in io0, main. Spreading a device\'s queues over IOThreads (iothread-vq-mapping) needs locking: "modern".',
  ],
  [
    "main in a spread list",
    's.json: at placements.io.map.disk0[1]: expected an IOThread id of placement "io" (a list spreads queues over IOThreads), got the string "main".',
  ],
  [
    "iothread named main",
    's.json: at placements.io.iothreads.main: expected an IOThread id other than "main" and "own", got the key "main".',
  ],
  [
    "own clashes with a defined iothread",
    's.json: at placements.io.iothreads.io-disk0: expected an IOThread id that "own" does not also create, got the key "io-disk0".',
  ],
  [
    "event unknown device",
    's.json: at events[0].move: expected a device id (disk0), got the string "disk1". Did you mean "disk0"?',
  ],
  [
    "event unknown iothread",
    's.json: at events[0].to: expected "main" or an IOThread of placement "io" (io0), got the string "io9". Did you mean "io0"?',
  ],
  [
    "event target missing in a placement",
    's.json: at events[0].to: expected "main" or an IOThread of placement "main" (it defines none), got the string "io0". Limit the event to the placements that have "io0" with placements: [...].',
  ],
  [
    "event unknown placement",
    's.json: at events[0].placements[0]: expected a placement name (main, io), got the string "oi". Did you mean "io"?',
  ],
  [
    "event after the end",
    "s.json: at events[0].at: expected a time within the duration (3s), got the duration 5s.",
  ],
  [
    "bql hog longer than its period",
    "s.json: at mainLoop.bqlHog.hold: expected a hold shorter than every (1s), got the duration 2s.",
  ],
  [
    "vnc work longer than its period",
    "s.json: at mainLoop.vnc.work: expected work shorter than the period (10ms), got the duration 20ms.",
  ],
  [
    "jitter override unknown context",
    's.json: at probes.jitterPeriodByContext.io1: expected a context of some placement (main, io0), got the key "io1". Did you mean "io0"?',
  ],
  [
    "two devices on one file",
    's.json: at devices[1].driver.path: expected a file no other device uses, got the string "/tmp/f", also the file of devices[0].',
  ],
  [
    "group on one file",
    's.json: at devices[0].driver.path: expected a file no other device uses, got the string "/tmp/f", also the file of devices[0]. The 2 devices of group "d" would share it; give each its own device entry.',
  ],
  [
    "pinning to no CPU",
    "s.json: at placements.io.cpus.io0: expected a non-empty list of CPU indices, got an empty array.",
  ],
  [
    "pinning to a CPU out of range",
    "s.json: at placements.io.cpus.io0[0]: expected a CPU index (a whole number from 0 to 1023), got the number 1024.",
  ],
  [
    "pinning an IOThread the placement does not have",
    's.json: at placements.io.cpus.io1: expected "main", "vcpus" or an IOThread of placement "io" (io0), got the key "io1". Did you mean "io0"?',
  ],
  [
    "sweep too large",
    "s.json: expected a sweep of at most 1000 runs, got 30 × 40 = 1200 runs. The swept fields are repetitions, seed.",
  ],
];

Deno.test("validateScenario: every invalid scenario gets its exact one-paragraph error", () => {
  assert.equal(CASES.length, EXPECTED.length);
  assert.ok(CASES.length >= 40);
  CASES.forEach(([label, input], i) => {
    assert.equal(label, EXPECTED[i][0]);
    assert.throws(
      () => validateScenario(input, "s.json"),
      (e: unknown) => {
        assert.ok(e instanceof ScenarioError, label);
        assert.equal(e.message, EXPECTED[i][1], label);
        assert.ok(!e.message.includes("\n"), label);
        return true;
      },
    );
  });
});

Deno.test("validateScenario: the error's fields name path, expectation and finding", () => {
  const input = {
    name: "t",
    devices: [{ id: "a" }, { id: "b", driver: { kind: "null", latency: "100" } }],
    placements: { main: {} },
  };
  assert.throws(() => validateScenario(input, "x.ts"), (e: unknown) => {
    assert.ok(e instanceof ScenarioError);
    assert.equal(e.file, "x.ts");
    assert.equal(e.path, "devices[1].driver.latency");
    assert.equal(e.expected, 'a duration with a unit, such as "5s", "250ms", "50us" or "100ns"');
    assert.equal(e.found, 'the string "100"');
    assert.equal(e.hint, '"100" has no unit; write "100ms", "100us" or another unit.');
    return true;
  });
});

Deno.test("validateScenario: an unknown key is reported before the errors it causes", () => {
  // "placement" misspelt also leaves "placements" missing; the misspelling is the news.
  const input = { name: "t", devices: [{ id: "d" }], placement: { main: {} } };
  assert.throws(() => validateScenario(input), (e: unknown) => {
    assert.ok(e instanceof ScenarioError);
    assert.equal(e.path, "placement");
    assert.equal(e.hint, 'Did you mean "placements"?');
    return true;
  });
});

Deno.test("validateScenario: defaults and units resolve to integers", () => {
  const s = validateScenario({
    name: "t",
    devices: [{
      id: "d",
      requestSize: "1MiB",
      driver: { kind: "file", path: "/tmp/x" },
      arrival: { kind: "poisson", rate: "20k/s" },
    }],
    mainLoop: { vnc: {}, qmp: {}, bqlHog: { hold: "5ms" }, timers: [{}] },
    placements: { p: { iothreads: { io0: { pollMaxNs: "4us" } }, map: { d: "io0" } } },
    events: [{ at: "1s", move: "d", to: "main" }],
  });
  assert.deepEqual(s.devices[0], {
    id: "d",
    count: 1,
    numbered: false,
    kind: "virtio-blk",
    queues: 1,
    queueDepth: 1,
    requestSize: 1048576,
    readFraction: 1,
    ioeventfd: true,
    driver: { kind: "file", path: "/tmp/x", size: 4194304 },
    arrival: { kind: "poisson", rate: 20000 },
  });
  assert.deepEqual(s.mainLoop, {
    vnc: { period: 30e6, work: 1e6 },
    qmp: { rate: 50, work: 100e3, drainFraction: 0 },
    bqlHog: { hold: 5e6, every: 1e9 },
    timers: [{ period: 10e6, work: 10e3 }],
  });
  assert.deepEqual(s.machine, {
    accel: "kvm",
    vcpus: 1,
    compute: { distribution: "exponential", mean: 20e3 },
    exits: { rate: 0, length: 5e3 },
  });
  assert.deepEqual(s.placements.p, {
    description: "",
    locking: "seed",
    accel: null,
    iothreads: { io0: { pollMaxNs: 4000, pollGrow: 0, pollShrink: 0 } },
    ownIothreads: { pollMaxNs: 32768, pollGrow: 0, pollShrink: 0 },
    map: { d: ["io0"] },
    cpus: {},
  });
  assert.deepEqual(s.events, [{ at: 1e9, move: "d", to: "main", placements: null }]);
  assert.deepEqual(s.probes, {
    jitterPeriod: 1e6,
    jitterPeriodByContext: {},
    timeSeriesInterval: 100e6,
    stageSampleEvery: 16,
  });
  assert.equal(s.description, "");
  assert.deepEqual([s.duration, s.warmup, s.repetitions, s.seed], [3e9, 500e6, 3, 1]);
  assert.deepEqual(s.thresholds, []);
});

Deno.test("validateScenario: thresholds of the documented shape are kept as strings", () => {
  const thresholds = [
    "iothread.disk0.p99 < 0.5 * main.disk0.p99",
    "main.disk0.p50 <= 200us",
    "iothread.disk0.throughput >= 1000",
  ];
  const s = validateScenario({
    name: "t",
    devices: [{ id: "disk0" }],
    placements: { main: {}, iothread: {} },
    thresholds,
  });
  assert.deepEqual(s.thresholds, thresholds);
});

Deno.test("validateScenario: a sweep bigger than maxRuns is refused", () => {
  const input = { name: "t", seed: [1, 2, 3], devices: [{ id: "d" }], placements: { a: {} } };
  assert.throws(() => validateScenario(input, "s.json", { maxRuns: 2 }), /at most 2 runs/);
  assert.equal(validateScenario(input, "s.json", { maxRuns: 3 }).name, "t");
});
