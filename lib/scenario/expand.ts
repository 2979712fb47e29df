/**
 * Sweep expansion: a {@link ResolvedScenario} whose numeric fields may be
 * lists becomes the cartesian product of runs, each labelled with the value
 * of every swept field, each with its device groups numbered and every
 * placement resolved to a context per queue. The cross-field checks
 * (unknown devices, queues and IOThreads, events, warm-up against duration)
 * are made here, on every run, since a swept value can break them. Pure;
 * any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandScenario } from "./expand.ts";
 * import { validateScenario } from "./validate.ts";
 * const s = validateScenario({
 *   name: "x",
 *   devices: [{ id: "disk", count: [1, 2] }],
 *   placements: { main: {}, own: { map: { disk: "own" } } },
 * });
 * const runs = expandScenario(s);
 * assert.deepEqual(runs.map((r) => r.label), [{ "devices[0].count": 1 }, { "devices[0].count": 2 }]);
 * assert.deepEqual(runs[1].scenario.placements.own.queueContexts, {
 *   disk0: ["io-disk0"],
 *   disk1: ["io-disk1"],
 * });
 * ```
 *
 * @module
 */

import { describeValue, formatPath, type PathSegment, suggest } from "./_describe.ts";
import { ScenarioError } from "./scenario_error.ts";
import type {
  ResolvedIothread,
  ResolvedScenario,
  RunDevice,
  RunLabel,
  RunPlacement,
  RunScenario,
  ScenarioRun,
  Sweep,
} from "./types.ts";
import { formatDuration } from "./units.ts";

/** Options of {@link expandScenario}. */
export interface ExpandOptions {
  /** File named in errors. Default `"<inline>"`. */
  file?: string;
  /** Most runs a sweep may expand into. Default 1000. */
  maxRuns?: number;
}

/** Context ids no device or IOThread may take. */
export const RESERVED_IDS: readonly string[] = ["main", "own"];

/**
 * Whether a value of a resolved scenario is a {@link Sweep}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSweep } from "./expand.ts";
 * assert.ok(isSweep({ sweep: [1, 2] }));
 * assert.ok(!isSweep(3));
 * ```
 */
export function isSweep(v: unknown): v is Sweep {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  const sweep = (v as { sweep?: unknown }).sweep;
  return keys.length === 1 && keys[0] === "sweep" && Array.isArray(sweep) &&
    sweep.length > 0 && sweep.every((x) => typeof x === "number");
}

interface Axis {
  path: PathSegment[];
  values: readonly number[];
}

function findAxes(v: unknown, path: PathSegment[], out: Axis[]): void {
  if (isSweep(v)) {
    out.push({ path, values: v.sweep });
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => findAxes(x, [...path, i], out));
  } else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) findAxes(x, [...path, k], out);
  }
}

function pick(v: unknown, choice: Map<unknown, number>): unknown {
  if (isSweep(v)) return choice.get(v);
  if (Array.isArray(v)) return v.map((x) => pick(x, choice));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pick(x, choice)]));
  }
  return v;
}

function sweepAt(root: unknown, path: PathSegment[]): unknown {
  let v = root;
  for (const seg of path) v = (v as Record<string, unknown>)[seg as string];
  return v;
}

/**
 * The sweep axes of a resolved scenario, in document order: the path of
 * each swept field and its values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sweepAxes } from "./expand.ts";
 * import { validateScenario } from "./validate.ts";
 * const s = validateScenario({ name: "x", seed: [1, 2, 3], devices: [{ id: "d" }], placements: { a: {} } });
 * assert.deepEqual(sweepAxes(s), [{ path: "seed", values: [1, 2, 3] }]);
 * ```
 */
export function sweepAxes(s: ResolvedScenario): { path: string; values: readonly number[] }[] {
  const axes: Axis[] = [];
  findAxes(s, [], axes);
  return axes.map((a) => ({ path: formatPath(a.path), values: a.values }));
}

/**
 * Expands a resolved scenario into its runs (last axis varying fastest) and
 * checks every run; a scenario without sweeps gives one run with an empty
 * label. Throws {@link ScenarioError} naming the field at fault (and the run,
 * when only some runs are at fault).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandScenario } from "./expand.ts";
 * import { validateScenario } from "./validate.ts";
 * const s = validateScenario({
 *   name: "x",
 *   devices: [{ id: "disk0", queueDepth: [1, 8] }],
 *   placements: { main: {}, io: { iothreads: { io0: { pollMaxNs: [0, "32us"] } }, map: { disk0: "io0" } } },
 * });
 * const runs = expandScenario(s);
 * assert.equal(runs.length, 4);
 * assert.deepEqual(runs[1].label, { "devices[0].queueDepth": 1, "placements.io.iothreads.io0.pollMaxNs": 32000 });
 * ```
 */
export function expandScenario(s: ResolvedScenario, options: ExpandOptions = {}): ScenarioRun[] {
  const file = options.file ?? "<inline>";
  const maxRuns = options.maxRuns ?? 1000;
  const axes: Axis[] = [];
  findAxes(s, [], axes);
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > maxRuns) {
    throw new ScenarioError({
      file,
      path: "",
      expected: `a sweep of at most ${maxRuns} runs`,
      found: `${axes.map((a) => a.values.length).join(" × ")} = ${total} runs`,
      hint: `The swept fields are ${axes.map((a) => formatPath(a.path)).join(", ")}.`,
    });
  }
  const runs: ScenarioRun[] = [];
  for (let index = 0; index < total; index++) {
    const choice = new Map<unknown, number>();
    const label: RunLabel = {};
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      const { path, values } = axes[a];
      const value = values[rest % values.length];
      rest = Math.floor(rest / values.length);
      choice.set(sweepAt(s, path), value);
      label[formatPath(path)] = value;
    }
    const ordered: RunLabel = {};
    for (const a of axes) ordered[formatPath(a.path)] = label[formatPath(a.path)];
    const concrete = pick(s, choice) as ResolvedScenario<number>;
    runs.push({ index, label: ordered, scenario: resolveRun(concrete, file, ordered) });
  }
  return runs;
}

/**
 * Formats a run label for people: `devices[0].count=2 seed=7` ("" when the
 * scenario has no sweeps).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { labelText } from "./expand.ts";
 * assert.equal(labelText({ "devices[0].count": 2, seed: 7 }), "devices[0].count=2 seed=7");
 * ```
 */
export function labelText(label: RunLabel): string {
  return Object.entries(label).map(([k, v]) => `${k}=${v}`).join(" ");
}

function resolveRun(s: ResolvedScenario<number>, file: string, label: RunLabel): RunScenario {
  const inRun = Object.keys(label).length > 0
    ? `This is so in the run with ${
      Object.entries(label).map(([k, v]) => `${k} = ${v}`).join(", ")
    }.`
    : "";
  const fail = (
    path: PathSegment[],
    expected: string,
    found: string,
    hint = "",
  ): never => {
    throw new ScenarioError({
      file,
      path: formatPath(path),
      expected,
      found,
      hint: [hint, inRun].filter((h) => h !== "").join(" "),
    });
  };
  const didYouMean = (word: string, known: Iterable<string>) => {
    const s = suggest(word, known);
    return s === undefined ? "" : `Did you mean "${s}"?`;
  };

  // Durations against each other.
  if (s.warmup > s.duration) {
    fail(
      ["warmup"],
      `a warm-up no longer than the duration (${formatDuration(s.duration)})`,
      `the duration ${formatDuration(s.warmup)}`,
    );
  }
  if (s.probes.timeSeriesInterval > s.duration) {
    fail(
      ["probes", "timeSeriesInterval"],
      `an interval no longer than the duration (${formatDuration(s.duration)})`,
      `the duration ${formatDuration(s.probes.timeSeriesInterval)}`,
    );
  }
  const jobs: [
    PathSegment[],
    { work: number; period?: number; hold?: number; every?: number } | null,
  ][] = [
    [["mainLoop", "vnc"], s.mainLoop.vnc],
    ...s.mainLoop.timers.map((t, i): [PathSegment[], typeof t] => [["mainLoop", "timers", i], t]),
  ];
  for (const [path, job] of jobs) {
    if (job !== null && job.work >= (job.period ?? 0)) {
      fail(
        [...path, "work"],
        `work shorter than the period (${formatDuration(job.period ?? 0)})`,
        `the duration ${formatDuration(job.work)}`,
      );
    }
  }
  const hog = s.mainLoop.bqlHog;
  if (hog !== null && hog.hold >= hog.every) {
    fail(
      ["mainLoop", "bqlHog", "hold"],
      `a hold shorter than every (${formatDuration(hog.every)})`,
      `the duration ${formatDuration(hog.hold)}`,
    );
  }

  // Devices: number the groups, check ids.
  const devices: RunDevice[] = [];
  const origin = new Map<string, number>();
  const groups = new Map<string, string[]>();
  const paths = new Map<string, number>();
  s.devices.forEach((d, i) => {
    const { count, numbered, ...rest } = d;
    if (RESERVED_IDS.includes(d.id)) {
      fail(
        ["devices", i, "id"],
        `a device id other than ${RESERVED_IDS.map((r) => `"${r}"`).join(" and ")}`,
        describeValue(d.id),
      );
    }
    const members: string[] = [];
    for (let k = 0; k < count; k++) {
      const id = numbered ? `${d.id}${k}` : d.id;
      const prior = origin.get(id);
      if (prior !== undefined) {
        fail(
          ["devices", i, "id"],
          "a device id no other device has",
          numbered
            ? `${
              describeValue(d.id)
            }, which gives "${id}", also the id of a device of devices[${prior}]`
            : `${describeValue(d.id)}, also the id of devices[${prior}]`,
        );
      }
      origin.set(id, i);
      members.push(id);
      if (rest.driver.kind === "file") {
        const p = paths.get(rest.driver.path);
        if (p !== undefined) {
          fail(
            ["devices", i, "driver", "path"],
            "a file no other device uses",
            `${describeValue(rest.driver.path)}, also the file of devices[${p}]`,
            numbered && p === i
              ? `The ${count} devices of group "${d.id}" would share it; give each its own device entry.`
              : "",
          );
        }
        paths.set(rest.driver.path, i);
      }
      devices.push({ ...rest, id, group: d.id, index: numbered ? k : 0 });
    }
    if (numbered) {
      if (origin.has(d.id)) {
        fail(
          ["devices", i, "id"],
          "a group id no device has",
          `${describeValue(d.id)}, the id of a device of devices[${origin.get(d.id)}]`,
        );
      }
      groups.set(d.id, members);
    }
  });
  const deviceById = new Map(devices.map((d) => [d.id, d]));

  // Placements: contexts of every queue.
  const placements: Record<string, RunPlacement> = {};
  const allContexts = new Set<string>(["main"]);
  for (const [name, p] of Object.entries(s.placements)) {
    const base: PathSegment[] = ["placements", name];
    const iothreads: Record<string, ResolvedIothread<number>> = { ...p.iothreads };
    for (const ioId of Object.keys(p.iothreads)) {
      if (RESERVED_IDS.includes(ioId)) {
        fail(
          [...base, "iothreads", ioId],
          `an IOThread id other than ${RESERVED_IDS.map((r) => `"${r}"`).join(" and ")}`,
          `the key "${ioId}"`,
        );
      }
    }
    const queueContexts: Record<string, string[]> = {};
    for (const d of devices) queueContexts[d.id] = Array(d.queues).fill("main");
    const known = () => [...deviceById.keys(), ...groups.keys()];
    const entries = Object.entries(p.map).map(([key, contexts]) => {
      const q = /^(.+)\.q(\d+)$/.exec(key);
      if (deviceById.has(key)) return { key, contexts, targets: [key], queue: -1, rank: 1 };
      if (groups.has(key)) return { key, contexts, targets: groups.get(key)!, queue: -1, rank: 0 };
      if (q !== null && deviceById.has(q[1])) {
        const dev = deviceById.get(q[1])!;
        const n = Number(q[2]);
        if (n >= dev.queues) {
          fail(
            [...base, "map", key],
            `a queue of ${dev.id}, which has ${dev.queues} (q0 to q${dev.queues - 1})`,
            `the key "${key}"`,
          );
        }
        return { key, contexts, targets: [q[1]], queue: n, rank: 2 };
      }
      return fail(
        [...base, "map", key],
        `a device id, a group id or <device>.q<N> (known: ${known().join(", ")})`,
        `the key "${key}"`,
        didYouMean(q !== null ? q[1] : key, known()),
      );
    }).sort((a, b) => a.rank - b.rank);
    const defined = () => ["main", "own", ...Object.keys(p.iothreads)];
    for (const e of entries) {
      const spread = e.contexts.length > 1;
      e.contexts.forEach((c, ci) => {
        const path = spread ? [...base, "map", e.key, ci] : [...base, "map", e.key];
        if (spread && RESERVED_IDS.includes(c)) {
          fail(
            path,
            `an IOThread id of placement "${name}" (a list spreads queues over IOThreads)`,
            describeValue(c),
          );
        }
        if (!defined().includes(c)) {
          fail(
            path,
            `"main", "own" or an IOThread of placement "${name}" (${
              Object.keys(p.iothreads).length
                ? Object.keys(p.iothreads).join(", ")
                : "it defines none"
            })`,
            describeValue(c),
            didYouMean(c, defined()),
          );
        }
      });
      for (const target of e.targets) {
        const ctx = e.contexts.map((c) => c === "own" ? `io-${target}` : c);
        if (e.contexts[0] === "own") {
          if (p.iothreads[ctx[0]] !== undefined) {
            fail(
              [...base, "iothreads", ctx[0]],
              `an IOThread id that "own" does not also create`,
              `the key "${ctx[0]}"`,
            );
          }
          iothreads[ctx[0]] = { ...p.ownIothreads };
        }
        const qs = queueContexts[target];
        if (e.queue >= 0) qs[e.queue] = ctx[0];
        else for (let k = 0; k < qs.length; k++) qs[k] = ctx[k % ctx.length];
      }
    }
    if (p.locking === "seed") {
      for (const [devId, qs] of Object.entries(queueContexts)) {
        if (new Set(qs).size > 1) {
          const culprit = entries.find((e) =>
            e.targets.includes(devId) && (e.contexts.length > 1 || e.queue >= 0)
          )!;
          fail(
            [...base, "map", culprit.key],
            `one context for all queues of ${devId} under locking "seed"`,
            `queues in ${[...new Set(qs)].join(", ")}`,
            `Spreading a device's queues over IOThreads (iothread-vq-mapping) needs locking: "modern".`,
          );
        }
      }
    }
    const pinnable = ["main", "vcpus", ...Object.keys(iothreads)];
    for (const thread of Object.keys(p.cpus)) {
      if (!pinnable.includes(thread)) {
        fail(
          [...base, "cpus", thread],
          `"main", "vcpus" or an IOThread of placement "${name}" (${
            Object.keys(iothreads).length ? Object.keys(iothreads).join(", ") : "it has none"
          })`,
          `the key "${thread}"`,
          didYouMean(thread, pinnable),
        );
      }
    }
    for (const c of Object.keys(iothreads)) allContexts.add(c);
    const { map: _map, accel, ...restPlacement } = p;
    placements[name] = {
      ...restPlacement,
      accel: accel ?? s.machine.accel,
      iothreads,
      queueContexts,
    };
  }

  // Events.
  const placementNames = Object.keys(s.placements);
  s.events.forEach((ev, i) => {
    const base: PathSegment[] = ["events", i];
    if (ev.at >= s.duration) {
      fail(
        [...base, "at"],
        `a time within the duration (${formatDuration(s.duration)})`,
        `the duration ${formatDuration(ev.at)}`,
      );
    }
    if (!deviceById.has(ev.move)) {
      fail(
        [...base, "move"],
        `a device id (${[...deviceById.keys()].join(", ")})`,
        describeValue(ev.move),
        didYouMean(ev.move, deviceById.keys()),
      );
    }
    (ev.placements ?? []).forEach((pn, j) => {
      if (!placementNames.includes(pn)) {
        fail(
          [...base, "placements", j],
          `a placement name (${placementNames.join(", ")})`,
          describeValue(pn),
          didYouMean(pn, placementNames),
        );
      }
    });
    for (const pn of ev.placements ?? placementNames) {
      const contexts = ["main", ...Object.keys(placements[pn].iothreads)];
      if (!contexts.includes(ev.to)) {
        fail(
          [...base, "to"],
          `"main" or an IOThread of placement "${pn}" (${
            contexts.slice(1).join(", ") || "it defines none"
          })`,
          describeValue(ev.to),
          didYouMean(ev.to, contexts) ||
            (ev.placements === null
              ? `Limit the event to the placements that have "${ev.to}" with placements: [...].`
              : ""),
        );
      }
    }
  });

  // Probes.
  for (const ctx of Object.keys(s.probes.jitterPeriodByContext)) {
    if (!allContexts.has(ctx)) {
      fail(
        ["probes", "jitterPeriodByContext", ctx],
        `a context of some placement (${[...allContexts].join(", ")})`,
        `the key "${ctx}"`,
        didYouMean(ctx, allContexts),
      );
    }
  }

  const { devices: _d, placements: _p, ...rest } = s;
  return { ...rest, devices, placements };
}
