/**
 * `deno task bench:micro`: aiolab's own primitives against their physical
 * limits, measured in the same invocation on the same machine, reported as
 * ratios of medians.
 *
 * Baselines: C futex / spin / eventfd ping-pong and pthread_mutex (built
 * from bench/c/ with the system cc; skipped with a message when there is
 * none) and a postMessage ping-pong between two Workers. Runtime
 * benchmarks: see _runtime_benches.ts. Prints a table and writes
 * `results/micro/<timestamp>.json` with the host, every sample and the
 * verdict of each target.
 *
 * Usage: deno task bench:micro [--quick] [--only=c,postmessage,js,a,b,c2,d,e,blk,file]
 *
 * @module
 */

import {
  type BaselineResult,
  buildCBaselines,
  type CBaselineName,
  median,
  runAtomicsPingPong,
  runCBaseline,
  runPostMessagePingPong,
} from "./_baselines.ts";
import {
  bhLocal,
  eventRoundTrip,
  fileWrites,
  type Measured,
  mutexContended,
  mutexUncontended,
  nullReadCrossThread,
  nullReadLocal,
  oneshotThroughput,
  timerArmFire,
} from "./_runtime_benches.ts";

interface Row {
  name: string;
  median: number;
  samples: number[];
  extra?: Record<string, number>;
}

interface Target {
  label: string;
  measured: string;
  baseline: string | null;
  /** measured/baseline must be <= max (or measured in ns <= max when no baseline). */
  max?: number;
  /** baseline/measured must be >= min ("min x faster"). */
  minSpeedup?: number;
  /** absolute rate in ops/s must be >= minRate. */
  minRate?: number;
}

const TARGETS: Target[] = [
  {
    label: "(a) blocking round trip <= 1.25x C futex",
    measured: "rt_blocking",
    baseline: "c_futex_pingpong",
    max: 1.25,
  },
  {
    label: "(a) polling round trip <= 4x C spin",
    measured: "rt_polling",
    baseline: "c_spin_pingpong",
    max: 4,
  },
  {
    label: "(a) polling >= 50x faster than postMessage",
    measured: "rt_polling",
    baseline: "postmessage_pingpong",
    minSpeedup: 50,
  },
  {
    label: "(b) local BH schedule+dispatch >= 10 M/s",
    measured: "bh_schedule_poll",
    baseline: null,
    minRate: 10e6,
  },
  {
    label: "(b) local BH schedule+dispatch, 64 per poll >= 10 M/s",
    measured: "bh_schedule_x64_poll",
    baseline: null,
    minRate: 10e6,
  },
  {
    label: "(c) cross-thread oneshots >= 2 M/s",
    measured: "oneshot_cross_thread",
    baseline: null,
    minRate: 2e6,
  },
  {
    label: "(d) uncontended lock+unlock <= 30 ns",
    measured: "mutex_uncontended",
    baseline: null,
    max: 30,
  },
  {
    label: "(d) 2-thread contended throughput >= 0.4x pthread",
    measured: "mutex_contended",
    baseline: "c_mutex_contended",
    minSpeedup: 0.4,
  },
];

function fromBaseline(prefix: string, b: BaselineResult): Row {
  return { name: `${prefix}${b.name}`, median: b.median, samples: b.samples, extra: b.extra };
}

function fromMeasured(m: Measured): Row {
  return { name: m.name, median: median(m.samples), samples: m.samples, extra: m.extra };
}

function fmtNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

/** Pure: the verdict of each target given the rows. */
export function evaluate(
  rows: Map<string, Row>,
): { label: string; value: string; ok: boolean | null }[] {
  return TARGETS.map((t) => {
    const m = rows.get(t.measured);
    const b = t.baseline === null ? undefined : rows.get(t.baseline);
    if (m === undefined || (t.baseline !== null && b === undefined)) {
      return { label: t.label, value: "not measured", ok: null };
    }
    if (t.minRate !== undefined) {
      const rate = 1e9 / m.median;
      return {
        label: t.label,
        value: `${(rate / 1e6).toFixed(2)} M/s`,
        ok: rate >= t.minRate,
      };
    }
    if (b === undefined) {
      return { label: t.label, value: fmtNs(m.median), ok: m.median <= t.max! };
    }
    if (t.minSpeedup !== undefined) {
      const speedup = b.median / m.median;
      return { label: t.label, value: `${speedup.toFixed(2)}x`, ok: speedup >= t.minSpeedup };
    }
    const ratio = m.median / b.median;
    return { label: t.label, value: `${ratio.toFixed(2)}x`, ok: ratio <= t.max! };
  });
}

async function hostInfo(): Promise<Record<string, unknown>> {
  let cpu = "unknown";
  try {
    const text = await Deno.readTextFile("/proc/cpuinfo");
    cpu = /model name\s*:\s*(.*)/.exec(text)?.[1] ?? cpu;
  } catch {
    // not Linux, or no permission: leave unknown
  }
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpu,
    cores: navigator.hardwareConcurrency,
  };
}

async function main(): Promise<void> {
  const quick = Deno.args.includes("--quick");
  const onlyArg = Deno.args.find((a) => a.startsWith("--only="));
  const only = onlyArg === undefined ? null : new Set(onlyArg.slice(7).split(","));
  const want = (k: string) => only === null || only.has(k);
  const RT = quick ? 5_000 : 50_000;
  const REPS = quick ? 7 : 21;
  const rows = new Map<string, Row>();
  const add = (r: Row) => {
    rows.set(r.name, r);
    console.error(`  ${r.name.padEnd(34)} median ${fmtNs(r.median)}`);
  };
  const started = new Date();
  console.error(`aiolab micro-benchmarks (${quick ? "quick" : "full"}), medians of batches:`);

  // Single-thread benchmarks first, before any Worker has run in this
  // process: measured after the thread benchmarks they read up to 2x slower
  // (JIT and GC state left behind, not the primitive).
  if (want("b")) { for (const m of bhLocal(REPS)) add(fromMeasured(m)); }
  if (want("d")) add(fromMeasured(mutexUncontended(REPS)));
  if (want("e")) { for (const m of timerArmFire(REPS)) add(fromMeasured(m)); }
  if (want("blk")) add(fromMeasured(nullReadLocal(REPS)));
  if (want("file")) {
    for (const [size, total] of [[4096, 64 << 20], [1 << 20, 256 << 20]]) {
      for (const m of await fileWrites(size, quick ? total / 8 : total, 8)) add(fromMeasured(m));
    }
  }

  // Thread benchmarks run interleaved in ROUNDS rounds (baseline, runtime,
  // baseline, runtime, ...) so that machine drift (a VM's scheduling, CPU
  // placement, another process) hits every entry alike; each entry's samples
  // are pooled over its rounds and the median is taken over the pool.
  const ROUNDS = quick ? 2 : 5;
  const per = Math.floor(RT / ROUNDS);
  const entries: [string, () => Promise<Row | null>][] = [];
  const haveC = want("c") && await buildCBaselines();
  if (haveC) {
    const names: CBaselineName[] = [
      "futex_pingpong",
      "spin_pingpong",
      "eventfd_pingpong",
      "futex_pingpong_samecore",
      "futex_pingpong_crosscore",
      "mutex_uncontended",
      "mutex_contended",
    ];
    for (const n of names) {
      entries.push([`c_${n}`, async () => {
        const r = await runCBaseline(n, n.startsWith("mutex") ? per * 20 : per);
        return r === null ? null : fromBaseline("c_", r);
      }]);
    }
  }
  if (want("postmessage")) {
    entries.push(["postmessage", async () => fromBaseline("", await runPostMessagePingPong(per))]);
  }
  if (want("js")) {
    entries.push(["js_atomics", async () => fromBaseline("", await runAtomicsPingPong(per))]);
    entries.push([
      "js_spin",
      async () => fromBaseline("", await runAtomicsPingPong(per * 4, true)),
    ]);
  }
  if (want("a")) {
    entries.push([
      "rt_blocking",
      async () => fromMeasured(await eventRoundTrip("rt_blocking", per, 0)),
    ]);
    entries.push([
      "rt_polling",
      async () => fromMeasured(await eventRoundTrip("rt_polling", per * 4, 32768)),
    ]);
    entries.push([
      "rt_hostio",
      async () => fromMeasured(await eventRoundTrip("rt_blocking_hostio", per, 0, true)),
    ]);
  }
  if (want("blk")) {
    entries.push([
      "blk_blocking",
      async () => fromMeasured(await nullReadCrossThread("null_read_xthread_blocking", per, 0)),
    ]);
    entries.push([
      "blk_polling",
      async () =>
        fromMeasured(await nullReadCrossThread("null_read_xthread_polling", per * 4, 32768)),
    ]);
  }
  if (want("c2")) {
    entries.push([
      "oneshot",
      async () => fromMeasured(await oneshotThroughput(quick ? 1 : 2, quick ? 100_000 : 300_000)),
    ]);
  }
  if (want("d")) {
    entries.push([
      "mutex",
      async () => fromMeasured(await mutexContended(quick ? 1 : 2, quick ? 200_000 : 500_000)),
    ]);
  }
  const pooled = new Map<string, Row>();
  for (let round = 1; round <= ROUNDS; round++) {
    console.error(`  round ${round}/${ROUNDS}`);
    for (const [, run] of entries) {
      const r = await run();
      if (r === null) continue;
      const have = pooled.get(r.name);
      if (have === undefined) pooled.set(r.name, { ...r, samples: [...r.samples] });
      else have.samples.push(...r.samples);
    }
  }
  for (const r of pooled.values()) add({ ...r, median: median(r.samples) });

  const verdicts = evaluate(rows);
  console.log("\nTarget                                                  Measured      Verdict");
  for (const v of verdicts) {
    const verdict = v.ok === null ? "-" : v.ok ? "PASS" : "MISS";
    console.log(`${v.label.padEnd(56)}${v.value.padEnd(14)}${verdict}`);
  }
  const info: [string, string, string][] = [
    [
      "rt_blocking",
      "js_atomics_pingpong",
      "runtime blocking round trip vs raw JS Atomics.wait/notify",
    ],
    ["rt_polling", "js_spin_pingpong", "runtime polling round trip vs raw JS spin"],
    ["js_atomics_pingpong", "c_futex_pingpong", "raw JS Atomics.wait/notify vs C futex"],
    [
      "rt_blocking",
      "c_futex_pingpong_crosscore",
      "runtime blocking round trip vs C futex pinned cross-CPU",
    ],
    ["rt_blocking", "c_eventfd_pingpong", "runtime blocking round trip vs C eventfd"],
  ];
  for (const [m, b, label] of info) {
    const mr = rows.get(m);
    const br = rows.get(b);
    if (mr !== undefined && br !== undefined) {
      console.log(`${label}: ${(mr.median / br.median).toFixed(2)}x`);
    }
  }
  for (const r of rows.values()) {
    if (r.name.startsWith("file_write_") && r.extra?.mbps !== undefined) {
      console.log(`${r.name}: ${r.extra.mbps.toFixed(0)} MB/s`);
    }
  }
  const extra = rows.get("rt_blocking_hostio");
  const base = rows.get("rt_blocking");
  if (extra !== undefined && base !== undefined) {
    console.log(
      `host-I/O wait (Atomics.waitAsync) round trip: ${fmtNs(extra.median)} = ` +
        `${(extra.median / base.median).toFixed(2)}x the Atomics.wait one`,
    );
  }
  const doc = {
    kind: "aiolab-micro",
    schema: 1,
    started: started.toISOString(),
    args: Deno.args,
    host: await hostInfo(),
    rows: [...rows.values()],
    verdicts,
  };
  const dir = new URL("../results/micro/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const file = new URL(`${stamp}.json`, dir);
  const tmp = new URL(`.${stamp}.json.tmp`, dir);
  await Deno.writeTextFile(tmp, JSON.stringify(doc, null, 2) + "\n");
  await Deno.rename(tmp, file);
  console.log(`\nwrote ${decodeURIComponent(file.pathname)}`);
}

if (import.meta.main) {
  await main();
}
