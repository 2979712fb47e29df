/**
 * A resolved scenario written back as scenario input: durations as strings
 * with a unit (`"3s"`, `"32768ns"`), sizes in bytes, rates per second,
 * sweeps as lists, every default spelled out. Validating the result gives
 * the same resolved scenario again, so `aiolab show --json` prints a file
 * that `aiolab run` and `aiolab validate` accept back. Pure; any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateScenario } from "../scenario/validate.ts";
 * import { scenarioToInput } from "./scenario_json.ts";
 * const s = validateScenario({
 *   name: "x",
 *   duration: ["1s", "2s"],
 *   devices: [{ id: "d" }],
 *   placements: { a: {} },
 * });
 * const input = scenarioToInput(s);
 * assert.deepEqual(input.duration, ["1s", "2s"]);
 * assert.deepEqual(validateScenario(JSON.parse(JSON.stringify(input))), s);
 * ```
 *
 * @module
 */

import type {
  Axis,
  DeviceInput,
  Duration,
  IothreadInput,
  PeriodicJobInput,
  ResolvedDevice,
  ResolvedIothread,
  ResolvedPeriodicJob,
  ResolvedPlacement,
  ResolvedScenario,
  ScenarioInput,
  Sweepable,
} from "../scenario/types.ts";
import { formatDuration } from "../scenario/units.ts";

function axis<T>(v: Axis, f: (n: number) => T): Sweepable<T> {
  return typeof v === "number" ? f(v) : v.sweep.map(f);
}

const num = (v: Axis): Sweepable<number> => axis(v, (n) => n);
const dur = (v: Axis): Sweepable<Duration> => axis(v, (n) => formatDuration(n) as Duration);

function job(j: ResolvedPeriodicJob): PeriodicJobInput {
  return { period: dur(j.period), work: dur(j.work) };
}

function iothread(t: ResolvedIothread): IothreadInput {
  return { pollMaxNs: num(t.pollMaxNs), pollGrow: num(t.pollGrow), pollShrink: num(t.pollShrink) };
}

function device(d: ResolvedDevice): DeviceInput {
  return {
    id: d.id,
    ...(d.numbered ? { count: num(d.count) } : {}),
    kind: d.kind,
    queues: num(d.queues),
    queueDepth: num(d.queueDepth),
    requestSize: num(d.requestSize),
    readFraction: num(d.readFraction),
    ioeventfd: d.ioeventfd,
    driver: d.driver.kind === "null"
      ? { kind: "null", latency: dur(d.driver.latency) }
      : { kind: "file", path: d.driver.path, size: num(d.driver.size) },
    arrival: d.arrival.kind === "closed"
      ? { kind: "closed" }
      : { kind: d.arrival.kind, rate: num(d.arrival.rate) },
  };
}

function placement(p: ResolvedPlacement): NonNullable<ScenarioInput["placements"][string]> {
  return {
    description: p.description,
    locking: p.locking,
    accel: p.accel,
    iothreads: Object.fromEntries(Object.entries(p.iothreads).map(([k, t]) => [k, iothread(t)])),
    ownIothreads: iothread(p.ownIothreads),
    map: Object.fromEntries(
      Object.entries(p.map).map(([k, v]) => [k, v.length === 1 ? v[0] : [...v]]),
    ),
    cpus: Object.fromEntries(Object.entries(p.cpus).map(([k, v]) => [k, [...v]])),
  };
}

/**
 * Writes a resolved scenario back as input that validates to the same
 * resolved scenario.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateScenario } from "../scenario/validate.ts";
 * import { scenarioToInput } from "./scenario_json.ts";
 * const s = validateScenario({ name: "x", devices: [{ id: "d" }], placements: { a: {} } });
 * assert.equal(scenarioToInput(s).warmup, "500ms");
 * ```
 */
export function scenarioToInput(s: ResolvedScenario): ScenarioInput {
  const m = s.mainLoop;
  return {
    name: s.name,
    description: s.description,
    duration: dur(s.duration),
    warmup: dur(s.warmup),
    repetitions: num(s.repetitions),
    seed: num(s.seed),
    machine: {
      accel: s.machine.accel,
      vcpus: num(s.machine.vcpus),
      compute: { distribution: s.machine.compute.distribution, mean: dur(s.machine.compute.mean) },
      exits: { rate: num(s.machine.exits.rate), length: dur(s.machine.exits.length) },
    },
    devices: s.devices.map(device),
    mainLoop: {
      vnc: m.vnc === null ? null : job(m.vnc),
      qmp: m.qmp === null
        ? null
        : { rate: num(m.qmp.rate), work: dur(m.qmp.work), drainFraction: num(m.qmp.drainFraction) },
      bqlHog: m.bqlHog === null ? null : { hold: dur(m.bqlHog.hold), every: dur(m.bqlHog.every) },
      timers: m.timers.map(job),
    },
    placements: Object.fromEntries(
      Object.entries(s.placements).map(([k, p]) => [k, placement(p)]),
    ),
    events: s.events.map((e) => ({
      at: dur(e.at),
      move: e.move,
      to: e.to,
      ...(e.placements === null ? {} : { placements: [...e.placements] }),
    })),
    probes: {
      jitterPeriod: dur(s.probes.jitterPeriod),
      jitterPeriodByContext: Object.fromEntries(
        Object.entries(s.probes.jitterPeriodByContext).map(([k, v]) => [k, dur(v)]),
      ),
      timeSeriesInterval: dur(s.probes.timeSeriesInterval),
      stageSampleEvery: num(s.probes.stageSampleEvery),
    },
    thresholds: [...s.thresholds],
  };
}
