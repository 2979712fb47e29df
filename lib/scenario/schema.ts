/**
 * The zod 4 schema of a scenario: checks the shape of what a person wrote,
 * fills every default and resolves every quantity to an integer (ns, bytes,
 * per second). Cross-field checks (unknown devices, IOThreads, queues) are
 * made per run by `expand.ts`. The JSON Schema in
 * `scenarios/scenario.schema.json` is generated from {@link scenarioSchema}
 * by `tools/gen_scenario_schema.ts` (`deno task schema`).
 *
 * Every numeric field may be a list (a sweep). Durations need a unit
 * (`ns`, `us`/`µs`, `ms`, `s`, `min`) except the plain number `0`; sizes
 * take plain bytes or `B`, `KiB`, `MiB`, `GiB`; rates take plain events per
 * second or `<n>/s`, `<n>/ms`, `<n>/us` (with `k` or `M`: `"20k/s"`);
 * `pollMaxNs` takes plain nanoseconds or a duration.
 *
 * | field | unit (plain number means) | default |
 * | --- | --- | --- |
 * | `name` | text: `a-z`, `0-9`, `-`, `_`, `.` | required |
 * | `description` | text | `""` |
 * | `duration` | duration (only 0) | `"3s"` |
 * | `warmup` | duration (only 0) | `"500ms"` |
 * | `repetitions` | count, 1-1000 | `3` |
 * | `seed` | integer, 0 to 2^32-1 | `1` |
 * | `machine.accel` | `"kvm"` or `"tcg"` | `"kvm"` |
 * | `machine.vcpus` | count, 1-64 | `1` |
 * | `machine.compute.distribution` | `"fixed"`, `"exponential"`, `"uniform"` (0 to 2 × mean) | `"exponential"` |
 * | `machine.compute.mean` | duration (only 0) | `"20us"` |
 * | `machine.exits.rate` | rate per vCPU (per second) | `0` |
 * | `machine.exits.length` | duration the BQL is held (only 0) | `"5us"` |
 * | `devices[]` | 1-16 entries | required |
 * | `devices[].id` | id: `a-z` first, then `a-z`, `0-9`, `-`, `_`; not `main`, `own` | required |
 * | `devices[].count` | count, 1-64; devices `<id>0` ... | absent: one device named `id` |
 * | `devices[].kind` | `"virtio-blk"` | `"virtio-blk"` |
 * | `devices[].queues` | count, 1-64 | `1` |
 * | `devices[].queueDepth` | count, 1-1024 | `1` |
 * | `devices[].requestSize` | size (bytes), 1 B to 64 MiB | `"4KiB"` |
 * | `devices[].readFraction` | 0 to 1 | `1` |
 * | `devices[].ioeventfd` | boolean | `true` |
 * | `devices[].driver.kind` | `"null"` or `"file"` | `"null"` |
 * | `devices[].driver.latency` | duration (only 0); null driver | `0` |
 * | `devices[].driver.path` | file path; file driver | required |
 * | `devices[].driver.size` | size (bytes), at least 4 KiB; file driver | `"4MiB"` |
 * | `devices[].arrival.kind` | `"closed"`, `"constant"`, `"poisson"` | `"closed"` |
 * | `devices[].arrival.rate` | rate (per second), 1 to 10M; open loop | `"1000/s"` |
 * | `mainLoop.vnc` | `{ period, work }` durations (only 0) | off; `"30ms"`, `"1ms"` |
 * | `mainLoop.qmp.rate` | rate (per second) | off; `"50/s"` |
 * | `mainLoop.qmp.work` | duration (only 0) | `"100us"` |
 * | `mainLoop.qmp.drainFraction` | 0 to 1 | `0` |
 * | `mainLoop.bqlHog.hold` / `.every` | durations (only 0) | off; `"20ms"` / `"1s"` |
 * | `mainLoop.timers[]` | `{ period, work }` durations (only 0) | `[]`; `"10ms"`, `"10us"` |
 * | `placements` | by name (id syntax), at least one | required |
 * | `placements.<p>.description` | text | `""` |
 * | `placements.<p>.locking` | `"seed"` or `"modern"` | `"seed"` |
 * | `placements.<p>.accel` | `"kvm"` or `"tcg"`, overriding `machine.accel` | the machine's |
 * | `placements.<p>.iothreads.<id>.pollMaxNs` | ns (plain number = ns) | `32768` |
 * | `placements.<p>.iothreads.<id>.pollGrow` | factor, 0-1024 (0 = 2) | `0` |
 * | `placements.<p>.iothreads.<id>.pollShrink` | divisor, 0-1024 (0 = reset) | `0` |
 * | `placements.<p>.ownIothreads` | options of the `"own"` IOThreads, as above | IOThread defaults |
 * | `placements.<p>.map.<device \| group \| device.qN>` | `"main"`, IOThread id, `"own"`, or a list of IOThread ids (round-robin over queues) | unmapped: `"main"` |
 * | `placements.<p>.cpus.<main \| vcpus \| IOThread id>` | CPU indices the thread may run on (pinning, as libvirt's emulatorpin / vcpupin / iothreadpin) | not pinned |
 * | `events[].at` | duration after warm-up (only 0) | required |
 * | `events[].move` / `.to` | device id / `"main"` or IOThread id | required |
 * | `events[].placements` | placement names | all |
 * | `probes.jitterPeriod` | duration (only 0); 0 = off | `"1ms"` |
 * | `probes.jitterPeriodByContext.<ctx>` | duration (only 0) | `{}` |
 * | `probes.timeSeriesInterval` | duration (only 0) | `"100ms"` |
 * | `probes.stageSampleEvery` | one request in N, 1-1000000 | `16` |
 * | `thresholds[]` | `"<ref> <op> [<k> *] <ref or number>"` | `[]` |
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scenarioSchema } from "./schema.ts";
 * const r = scenarioSchema.parse({ name: "x", devices: [{ id: "d" }], placements: { main: {} } });
 * assert.equal(r.duration, 3_000_000_000);
 * assert.equal(r.devices[0].requestSize, 4096);
 * ```
 *
 * @module
 */

import { z } from "zod";
import type { Axis, ResolvedScenario } from "./types.ts";
import {
  DURATION_EXPECTED,
  DURATION_UNITS,
  formatDuration,
  parseDuration,
  parseRate,
  parseSize,
  RATE_EXPECTED,
  SIZE_EXPECTED,
  SIZE_UNITS,
  UnitError,
} from "./units.ts";

/** Id syntax of devices, IOThreads, placements and contexts. */
export const ID_PATTERN: RegExp = /^[a-z][a-z0-9_-]*$/;
const ID_EXPECTED = "an id: a lower-case letter, then lower-case letters, digits, '-' or '_'";
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** The prefix of the message of an unknown-key issue; validation turns it into did-you-mean. */
export const KNOWN_KEYS_PREFIX = "known keys:";

/** The `params` a leaf's issue carries: what the field takes, and what is wrong. */
export interface LeafIssueParams {
  /** Phrase of what was expected. */
  expected: string;
  /** Sentence on what is wrong, or "". */
  hint: string;
}

interface LeafKind {
  expected: string;
  parse: (v: unknown) => number;
  json: Record<string, unknown>;
}

const durationString = {
  type: "string",
  pattern: `^\\d+(\\.\\d+)?(${Object.keys(DURATION_UNITS).join("|")})$`,
};

function rangeKind(
  expected: string,
  min: number,
  max: number,
  integer: boolean,
  base: (v: unknown) => number,
  json: Record<string, unknown>,
): LeafKind {
  return {
    expected,
    json,
    parse: (v) => {
      const n = base(v);
      if (integer && !Number.isInteger(n)) {
        throw new UnitError(expected, "It must be a whole number.");
      }
      if (n < min || n > max) throw new UnitError(expected, "");
      return n;
    },
  };
}

function plainNumber(expected: string): (v: unknown) => number {
  return (v) => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new UnitError(expected);
    return v;
  };
}

function int(min: number, max: number): LeafKind {
  const expected = `a whole number from ${min} to ${max}`;
  return rangeKind(expected, min, max, true, plainNumber(expected), {
    type: "integer",
    minimum: min,
    maximum: max,
  });
}

const FRACTION: LeafKind = rangeKind(
  "a number from 0 to 1",
  0,
  1,
  false,
  plainNumber("a number from 0 to 1"),
  { type: "number", minimum: 0, maximum: 1 },
);

function duration(min = 0, max = 3600e9): LeafKind {
  return {
    expected: DURATION_EXPECTED,
    json: { anyOf: [durationString, { const: 0 }] },
    parse: (v) => bounded(parseDuration(v), min, max, DURATION_EXPECTED, "ns"),
  };
}

const POLL_NS_EXPECTED = 'a number of nanoseconds or a duration with a unit, such as 4000 or "4us"';
const POLL_NS: LeafKind = {
  expected: POLL_NS_EXPECTED,
  json: { anyOf: [durationString, { type: "integer", minimum: 0 }] },
  parse: (v) => bounded(parseDuration(v, { plainUnit: "ns" }), 0, 1e9, POLL_NS_EXPECTED, "ns"),
};

function size(min: number, max: number): LeafKind {
  return {
    expected: SIZE_EXPECTED,
    json: {
      anyOf: [
        { type: "string", pattern: `^\\d+(\\.\\d+)?(${Object.keys(SIZE_UNITS).join("|")})?$` },
        { type: "integer", minimum: 0 },
      ],
    },
    parse: (v) => bounded(parseSize(v), min, max, SIZE_EXPECTED, "bytes"),
  };
}

function rate(min: number, max: number): LeafKind {
  return {
    expected: RATE_EXPECTED,
    json: {
      anyOf: [
        { type: "string", pattern: "^\\d+(\\.\\d+)?[kM]?/(s|ms|us|µs)$" },
        { type: "integer", minimum: 0 },
      ],
    },
    parse: (v) => bounded(parseRate(v), min, max, RATE_EXPECTED, "per second"),
  };
}

function bounded(n: number, min: number, max: number, expected: string, unit: string): number {
  const show = (x: number) => unit === "ns" ? formatDuration(x) : `${x} ${unit}`;
  if (n < min) throw new UnitError(expected, `It must be at least ${show(min)}.`);
  if (n > max) throw new UnitError(expected, `It must be at most ${show(max)}.`);
  return n;
}

/**
 * A numeric field: one value of `kind` or a non-empty list of them (a
 * sweep); `def` is the input default (undefined: required).
 */
function leaf(kind: LeafKind, def?: unknown) {
  const item = kind.json;
  const meta: Record<string, unknown> = {
    anyOf: [item, { type: "array", items: item, minItems: 1 }],
  };
  if (def !== undefined) meta.default = def;
  return z.unknown().optional().meta(meta).transform((value, ctx): Axis => {
    const fail = (expected: string, hint: string, path: (string | number)[] = []) => {
      ctx.issues.push({
        code: "custom",
        message: expected,
        input: value,
        path,
        params: { expected, hint } satisfies LeafIssueParams,
      });
      return z.NEVER;
    };
    const one = (v: unknown, path: (string | number)[]): number | undefined => {
      try {
        return kind.parse(v);
      } catch (e) {
        if (!(e instanceof UnitError)) throw e;
        fail(e.expected, e.detail ? sentence(e.detail) : "", path);
        return undefined;
      }
    };
    const v = value === undefined ? def : value;
    if (v === undefined) return fail(kind.expected, "");
    if (Array.isArray(v)) {
      if (v.length === 0) {
        return fail(`${kind.expected}, or a non-empty list of them to sweep`, "");
      }
      const out = v.map((x, i) => one(x, [i]));
      return out.some((x) => x === undefined) ? z.NEVER : { sweep: out as number[] };
    }
    const n = one(v, []);
    return n === undefined ? z.NEVER : n;
  });
}

function sentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.?!]$/.test(t) ? t : t + ".";
}

/** A strict object whose unknown keys report the known ones (for did-you-mean). */
function obj<S extends z.ZodRawShape>(shape: S, what = "an object") {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => iss.code === "unrecognized_keys" ? KNOWN_KEYS_PREFIX + known.join(",") : what,
  });
}

function text(expected = "a string") {
  return z.string({ error: expected });
}

function id(expected = ID_EXPECTED) {
  return z.string({ error: expected }).regex(ID_PATTERN, { error: expected });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
  return z.enum(values, { error: expected });
}

function record<V extends z.ZodType>(value: V, keyExpected: string, what: string) {
  return z.record(id(keyExpected), value, { error: what });
}

const iothread = obj({
  pollMaxNs: leaf(POLL_NS, 32768),
  pollGrow: leaf(int(0, 1024), 0),
  pollShrink: leaf(int(0, 1024), 0),
});

const contextChoice = z.unknown().meta({
  anyOf: [
    { type: "string" },
    { type: "array", items: { type: "string" }, minItems: 1 },
  ],
}).transform((v, ctx): string[] => {
  const expected = '"main", an IOThread id, "own", or a non-empty list of IOThread ids';
  const ok = (s: unknown) => typeof s === "string" && ID_PATTERN.test(s);
  if (ok(v)) return [v as string];
  if (Array.isArray(v) && v.length > 0) {
    const bad = v.findIndex((s) => !ok(s));
    if (bad < 0) return v as string[];
    ctx.issues.push({
      code: "custom",
      message: ID_EXPECTED,
      input: v,
      path: [bad],
      params: { expected: "an IOThread id", hint: "" } satisfies LeafIssueParams,
    });
    return z.NEVER;
  }
  ctx.issues.push({
    code: "custom",
    message: expected,
    input: v,
    params: { expected, hint: "" } satisfies LeafIssueParams,
  });
  return z.NEVER;
});

const CPU_EXPECTED = "a CPU index (a whole number from 0 to 1023)";
const cpuIndex = z.number({ error: CPU_EXPECTED }).int({ error: CPU_EXPECTED }).min(0, {
  error: CPU_EXPECTED,
}).max(1023, { error: CPU_EXPECTED });
const cpuList = z.array(cpuIndex, { error: "a list of CPU indices, such as [1]" })
  .min(1, { error: "a non-empty list of CPU indices" })
  .refine((cpus) => new Set(cpus).size === cpus.length, {
    error: "a list of distinct CPU indices",
  });

const placement = obj({
  description: text().default(""),
  locking: oneOf(["seed", "modern"]).default("seed"),
  accel: oneOf(["kvm", "tcg"]).nullable().default(null),
  iothreads: record(
    iothread.prefault({}),
    `an IOThread id (${ID_EXPECTED.slice(3)})`,
    "IOThreads by id, such as { io0: {} }",
  ).default(
    {},
  ),
  ownIothreads: iothread.prefault({}),
  map: z.record(
    z.string({ error: "a device id, group id or <device>.q<N>" }),
    contextChoice,
    { error: "an object" },
  ).default({}),
  cpus: z.record(
    z.string({ error: '"main", "vcpus" or an IOThread id' }),
    cpuList,
    { error: "CPU lists by thread, such as { main: [0], io0: [1], vcpus: [1] }" },
  ).default({}),
});

const nullDriver = obj({ kind: z.literal("null"), latency: leaf(duration(0, 10e9), 0) });
const fileDriver = obj({
  kind: z.literal("file"),
  path: text("a file path").min(1, { error: "a file path" }),
  size: leaf(size(4096, 2 ** 40), "4MiB"),
});

const arrival = z.discriminatedUnion("kind", [
  obj({ kind: z.literal("closed") }),
  obj({ kind: z.enum(["constant", "poisson"]), rate: leaf(rate(1, 10e6), "1000/s") }),
], { error: '"closed", "constant" or "poisson"' });

const device = obj({
  id: id(),
  count: leaf(int(1, 64)).optional(),
  kind: oneOf(["virtio-blk"]).default("virtio-blk"),
  queues: leaf(int(1, 64), 1),
  queueDepth: leaf(int(1, 1024), 1),
  requestSize: leaf(size(1, 64 * 2 ** 20), "4KiB"),
  readFraction: leaf(FRACTION, 1),
  ioeventfd: z.boolean({ error: "true or false" }).default(true),
  driver: z.discriminatedUnion("kind", [nullDriver, fileDriver], {
    error: '"null" or "file"',
  }).prefault({ kind: "null" }),
  arrival: arrival.prefault({ kind: "closed" }),
}).transform((d) => ({ ...d, numbered: d.count !== undefined, count: d.count ?? 1 }));

function periodic(period: string, work: string) {
  return obj({ period: leaf(duration(1000, 3600e9), period), work: leaf(duration(), work) });
}

const mainLoop = obj({
  vnc: periodic("30ms", "1ms").nullable().default(null),
  qmp: obj({
    rate: leaf(rate(0, 1e6), "50/s"),
    work: leaf(duration(), "100us"),
    drainFraction: leaf(FRACTION, 0),
  }).nullable().default(null),
  bqlHog: obj({
    hold: leaf(duration(), "20ms"),
    every: leaf(duration(1000, 3600e9), "1s"),
  }).nullable().default(null),
  timers: z.array(periodic("10ms", "10us"), { error: "a list of timers" }).default([]),
});

const THRESHOLD_EXPECTED =
  'a threshold "<ref> <op> <ref or number>" such as "iothread.disk0.p99 < 0.5 * main.disk0.p99"';
const REF = String.raw`[A-Za-z_][\w-]*(?:\.[\w-]+)+`;
const NUM = String.raw`\d+(?:\.\d+)?(?:[a-zµA-Z]+)?`;
const SIDE = String.raw`(?:(?:\d+(?:\.\d+)?\s*\*\s*)?${REF}|${NUM})`;
/** The shape a threshold must have: `<ref> <op> [<k> *] <ref>` or a number, op one of < <= > >=. */
export const THRESHOLD_PATTERN: RegExp = new RegExp(
  String.raw`^\s*${SIDE}\s*(?:<=|>=|<|>)\s*${SIDE}\s*$`,
);

const event = obj({
  at: leaf(duration()),
  move: id("a device id"),
  to: id('"main" or an IOThread id'),
  placements: z.array(id("a placement name"), { error: "a list of placement names" }).min(1, {
    error: "a non-empty list of placement names",
  }).nullable().default(null),
});

const probes = obj({
  jitterPeriod: leaf(duration(0, 10e9), "1ms"),
  jitterPeriodByContext: record(
    leaf(duration(0, 10e9)),
    "a context id",
    'periods by context id, such as { main: "1ms" }',
  ).default({}),
  timeSeriesInterval: leaf(duration(1e6, 60e9), "100ms"),
  stageSampleEvery: leaf(int(1, 1_000_000), 16),
});

/**
 * The scenario schema: input as typed by a person ({@link ScenarioInput}),
 * output a {@link ResolvedScenario} with sweeps as {@link Sweep} values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scenarioSchema } from "./schema.ts";
 * const r = scenarioSchema.safeParse({ name: "x", devices: [{ id: "d", queues: [1, 2] }], placements: { a: {} } });
 * assert.ok(r.success);
 * assert.deepEqual(r.data.devices[0].queues, { sweep: [1, 2] });
 * ```
 */
export const scenarioSchema: z.ZodType<ResolvedScenario, unknown> = obj({
  $schema: z.string({ error: "a string" }).optional(),
  name: z.string({ error: "a name" }).regex(NAME_PATTERN, {
    error: "a name of lower-case letters, digits, '-', '_' or '.'",
  }),
  description: text().default(""),
  duration: leaf(duration(1e6, 3600e9), "3s"),
  warmup: leaf(duration(0, 3600e9), "500ms"),
  repetitions: leaf(int(1, 1000), 3),
  seed: leaf(int(0, 2 ** 32 - 1), 1),
  machine: obj({
    accel: oneOf(["kvm", "tcg"]).default("kvm"),
    vcpus: leaf(int(1, 64), 1),
    compute: obj({
      distribution: oneOf(["fixed", "exponential", "uniform"]).default("exponential"),
      mean: leaf(duration(0, 10e9), "20us"),
    }).prefault({}),
    exits: obj({ rate: leaf(rate(0, 1e6), 0), length: leaf(duration(0, 1e9), "5us") }).prefault(
      {},
    ),
  }).prefault({}),
  devices: z.array(device, { error: "a list of devices" })
    .min(1, { error: "a list of at least one device" })
    .max(16, { error: "a list of at most 16 devices" }),
  mainLoop: mainLoop.prefault({}),
  placements: record(
    placement,
    `a placement name (${ID_EXPECTED.slice(3)})`,
    "placements by name, such as { main: {} }",
  ).refine(
    (p) => Object.keys(p).length > 0,
    { error: "at least one placement" },
  ),
  events: z.array(event, { error: "a list of events" }).default([]),
  probes: probes.prefault({}),
  thresholds: z.array(
    z.string({ error: THRESHOLD_EXPECTED }).regex(THRESHOLD_PATTERN, { error: THRESHOLD_EXPECTED }),
    { error: "a list of threshold strings" },
  ).default([]),
}).transform(({ $schema: _, ...rest }) => rest);

/**
 * The JSON Schema of scenario files (the input side of
 * {@link scenarioSchema}), as the text `scenarios/scenario.schema.json`
 * holds. Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scenarioJsonSchema } from "./schema.ts";
 * const schema = JSON.parse(scenarioJsonSchema());
 * assert.deepEqual(schema.required, ["name", "devices", "placements"]);
 * ```
 */
export function scenarioJsonSchema(): string {
  const generated = z.toJSONSchema(scenarioSchema, { io: "input" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  const doc = {
    $schema,
    title: "aiolab scenario",
    description:
      "A scenario for the aiolab benchmark lab, generated from lib/scenario/schema.ts by tools/gen_scenario_schema.ts (deno task schema). Every numeric field may be a list (a sweep).",
    ...rest,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
