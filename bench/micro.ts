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
 * Lab benchmarks: (f) the full request path vCPU → IOThread → vCPU at
 * queue depth 1 against the bare polled round trip of (a); (g) queue depth
 * 32 throughput; (h) a histogram record against a bare Atomics.add; (i) the
 * measurement overhead per request; `mem` (only when asked for, ~70 s): a
 * 60 s machine run's peak RSS against a 10 s one's.
 *
 * Usage: deno task bench:micro [--quick]
 *   [--only=c,postmessage,js,a,b,c2,d,e,blk,file,f,g,h,i,mem]
 *
 * @module
 */

import {
  type Criterion,
  evaluateTargets,
  type Target,
  type Verdict,
} from "../lib/analysis/verdict.ts";
import { writeTextFileAtomic } from "../lib/result/atomic_write.ts";
import { describeHost } from "../lib/result/host.ts";
import { type Measurement, poolMeasurements } from "../lib/result/measurement.ts";
import { runInterleaved } from "../lib/runner/interleave.ts";
import {
  buildCBaselines,
  type CBaselineName,
  runAtomicsPingPong,
  runCBaseline,
  runPostMessagePingPong,
} from "./_baselines.ts";
import {
  histogramRecord,
  machineOverhead,
  machinePeakRss,
  measurementOverhead,
  type PeakRss,
} from "./_lab_benches.ts";
import {
  bhLocal,
  eventRoundTrip,
  fileWrites,
  mutexContended,
  mutexUncontended,
  nullReadCrossThread,
  nullReadLocal,
  oneshotThroughput,
  requestPathQd1,
  requestPathThroughput,
  timerArmFire,
} from "./_runtime_benches.ts";

/**
 * Every comparison the run reports, in one table: a row with a criterion is
 * a target (PASS / MISS, lib/analysis verdicts); a row without one is an
 * informational ratio of medians, measured / baseline, from the same run.
 */
interface Row {
  readonly label: string;
  readonly measured: string;
  readonly baseline: string | null;
  readonly criterion?: Criterion;
}

const ROWS: readonly Row[] = [
  {
    label: "(a) blocking round trip <= 1.25x C futex",
    measured: "rt_blocking",
    baseline: "c_futex_pingpong",
    criterion: { kind: "ratio", max: 1.25 },
  },
  {
    label: "(a) polling round trip <= 4x C spin",
    measured: "rt_polling",
    baseline: "c_spin_pingpong",
    criterion: { kind: "ratio", max: 4 },
  },
  {
    label: "(a) polling >= 50x faster than postMessage",
    measured: "rt_polling",
    baseline: "postmessage_pingpong",
    criterion: { kind: "speedup", min: 50 },
  },
  {
    label: "(b) local BH schedule+dispatch >= 10 M/s",
    measured: "bh_schedule_poll",
    baseline: null,
    criterion: { kind: "rate", min: 10e6 },
  },
  {
    label: "(b) local BH schedule+dispatch, 64 per poll >= 10 M/s",
    measured: "bh_schedule_x64_poll",
    baseline: null,
    criterion: { kind: "rate", min: 10e6 },
  },
  {
    label: "(c) cross-thread oneshots >= 2 M/s",
    measured: "oneshot_cross_thread",
    baseline: null,
    criterion: { kind: "rate", min: 2e6 },
  },
  {
    label: "(d) uncontended lock+unlock <= 30 ns",
    measured: "mutex_uncontended",
    baseline: null,
    criterion: { kind: "value", max: 30 },
  },
  {
    label: "(d) 2-thread contended throughput >= 0.4x pthread",
    measured: "mutex_contended",
    baseline: "c_mutex_contended",
    criterion: { kind: "speedup", min: 0.4 },
  },
  {
    label: "(f) QD1 vCPU->IOThread->vCPU <= 2x polled round trip",
    measured: "blk_path_qd1_polling",
    baseline: "rt_polling_paired",
    criterion: { kind: "ratio", max: 2 },
  },
  {
    label: "(g) QD32, 1 vCPU + 1 IOThread >= 1 M completions/s",
    measured: "blk_qd32_polling",
    baseline: null,
    criterion: { kind: "rate", min: 1e6 },
  },
  {
    label: "(h) histogram record <= 15 ns",
    measured: "histogram_record",
    baseline: null,
    criterion: { kind: "value", max: 15 },
  },
  {
    label: "memory: 60 s run peak RSS <= 1.1x a 10 s run's",
    measured: "mem_peak_rss_60s",
    baseline: "mem_peak_rss_10s",
    criterion: { kind: "ratio", max: 1.1 },
  },
  {
    label: "runtime blocking round trip vs raw JS Atomics.wait/notify",
    measured: "rt_blocking",
    baseline: "js_atomics_pingpong",
  },
  {
    label: "runtime polling round trip vs raw JS spin",
    measured: "rt_polling",
    baseline: "js_spin_pingpong",
  },
  {
    label: "raw JS Atomics.wait/notify vs C futex",
    measured: "js_atomics_pingpong",
    baseline: "c_futex_pingpong",
  },
  {
    label: "runtime blocking round trip vs C futex pinned cross-CPU",
    measured: "rt_blocking",
    baseline: "c_futex_pingpong_crosscore",
  },
  {
    label: "runtime blocking round trip vs C eventfd",
    measured: "rt_blocking",
    baseline: "c_eventfd_pingpong",
  },
  {
    label: "(f) request path vs the round trip of (a) (other threads, other rounds)",
    measured: "blk_path_qd1_polling",
    baseline: "rt_polling",
  },
  {
    label: "null read, vCPU polling its context, vs rt_polling",
    measured: "null_read_xthread_polling",
    baseline: "rt_polling",
  },
  {
    label: "(h) histogram record vs a bare Atomics.add",
    measured: "histogram_record",
    baseline: "atomics_add",
  },
  {
    label: "host-I/O wait (Atomics.waitAsync) round trip vs the Atomics.wait one",
    measured: "rt_blocking_hostio",
    baseline: "rt_blocking",
  },
];

function fmtNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

/** A verdict as printed and stored: its value formatted for its kind. */
function formatVerdict(v: Verdict): { label: string; value: string; ok: boolean | null } {
  if (v.value === null) return { label: v.label, value: "not measured", ok: null };
  const value = v.kind === "rate"
    ? `${(v.value / 1e6).toFixed(2)} M/s`
    : v.kind === "value"
    ? fmtNs(v.value)
    : `${v.value.toFixed(2)}x`;
  return { label: v.label, value, ok: v.ok };
}

async function main(): Promise<void> {
  const quick = Deno.args.includes("--quick");
  const onlyArg = Deno.args.find((a) => a.startsWith("--only="));
  const only = onlyArg === undefined ? null : new Set(onlyArg.slice(7).split(","));
  const want = (k: string) => only === null || only.has(k);
  const RT = quick ? 5_000 : 50_000;
  const REPS = quick ? 7 : 21;
  const rows = new Map<string, Measurement>();
  const add = (m: Measurement) => {
    rows.set(m.name, m);
    console.error(`  ${m.name.padEnd(34)} median ${fmtNs(m.median)}`);
  };
  const started = new Date();
  console.error(`aiolab micro-benchmarks (${quick ? "quick" : "full"}), medians of batches:`);

  // Single-thread benchmarks first, before any Worker has run in this
  // process: measured after the thread benchmarks they read up to 2x slower
  // (JIT and GC state left behind, not the primitive).
  if (want("b")) { for (const m of bhLocal(REPS)) add(m); }
  if (want("d")) add(mutexUncontended(REPS));
  if (want("e")) { for (const m of timerArmFire(REPS)) add(m); }
  if (want("blk")) add(nullReadLocal(REPS));
  if (want("h")) { for (const m of histogramRecord(REPS)) add(m); }
  if (want("i")) add(measurementOverhead(REPS, 16));
  if (want("file")) {
    for (const [size, total] of [[4096, 64 << 20], [1 << 20, 256 << 20]]) {
      for (const m of await fileWrites(size, quick ? total / 8 : total, 8)) add(m);
    }
  }

  // Thread benchmarks run interleaved in ROUNDS rounds (baseline, runtime,
  // baseline, runtime, ...) so that machine drift (a VM's scheduling, CPU
  // placement, another process) hits every entry alike; each entry's samples
  // are pooled over its rounds and the median is taken over the pool.
  const ROUNDS = quick ? 2 : 5;
  const per = Math.floor(RT / ROUNDS);
  const entries: (() => Promise<Measurement | Measurement[] | null>)[] = [];
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
      entries.push(async () => {
        const r = await runCBaseline(n, n.startsWith("mutex") ? per * 20 : per);
        return r === null ? null : { ...r, name: `c_${r.name}` };
      });
    }
  }
  if (want("postmessage")) entries.push(() => runPostMessagePingPong(per));
  if (want("js")) {
    entries.push(() => runAtomicsPingPong(per));
    entries.push(() => runAtomicsPingPong(per * 4, true));
  }
  if (want("a")) {
    entries.push(() => eventRoundTrip("rt_blocking", per, 0));
    entries.push(() => eventRoundTrip("rt_polling", per * 4, 32768));
    entries.push(() => eventRoundTrip("rt_blocking_hostio", per, 0, true));
  }
  if (want("blk")) {
    entries.push(() => nullReadCrossThread("null_read_xthread_blocking", per, 0));
    entries.push(() => nullReadCrossThread("null_read_xthread_polling", per * 4, 32768));
  }
  if (want("a") || want("f")) {
    // (a)'s round trip beside (f)'s own paired one, in the same rounds.
    if (!want("a")) entries.push(() => eventRoundTrip("rt_polling", per * 4, 32768));
    if (want("f")) entries.push(() => requestPathQd1(per * 20));
  }
  if (want("g")) entries.push(() => requestPathThroughput(32, quick ? 200_000 : 1_000_000));
  if (want("c2")) {
    entries.push(() => oneshotThroughput(quick ? 1 : 2, quick ? 100_000 : 300_000));
  }
  if (want("d")) {
    entries.push(() => mutexContended(quick ? 1 : 2, quick ? 200_000 : 500_000));
  }
  const rounds = await runInterleaved(entries, ROUNDS, (run) => run(), {
    onRound: (round, n) => console.error(`  round ${round}/${n}`),
  });
  for (const parts of rounds) {
    // An entry may measure several things at once (a path and its paired baseline).
    const byName = new Map<string, Measurement[]>();
    for (const m of parts.flat()) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
    for (const ms of byName.values()) add(poolMeasurements(ms));
  }

  if (want("i")) add(await machineOverhead());

  // Memory against duration: only when asked for (it takes 70 s).
  const memory: PeakRss[] = [];
  if (only?.has("mem")) {
    for (const seconds of [10, 60]) {
      console.error(`  memory: a ${seconds} s machine run in a child process ...`);
      const r = await machinePeakRss(seconds);
      memory.push(r);
      console.error(
        `  mem_peak_rss_${seconds}s`.padEnd(36) + ` peak ${(r.peak / 2 ** 20).toFixed(1)} MiB`,
      );
    }
  }

  const medians = new Map([...rows.values()].map((m) => [m.name, m.median]));
  for (const r of memory) medians.set(`mem_peak_rss_${r.seconds}s`, r.peak);
  const targets: Target[] = [];
  for (const r of ROWS) {
    if (r.criterion !== undefined) targets.push({ ...r, criterion: r.criterion });
  }
  const verdicts = evaluateTargets(targets, medians).map(formatVerdict);
  console.log("\nTarget                                                  Measured      Verdict");
  for (const v of verdicts) {
    const verdict = v.ok === null ? "-" : v.ok ? "PASS" : "MISS";
    console.log(`${v.label.padEnd(56)}${v.value.padEnd(14)}${verdict}`);
  }
  const comparisons: { label: string; measured: string; baseline: string; ratio: number }[] = [];
  for (const r of ROWS) {
    if (r.criterion !== undefined || r.baseline === null) continue;
    const m = medians.get(r.measured);
    const b = medians.get(r.baseline);
    if (m === undefined || b === undefined) continue;
    comparisons.push({ label: r.label, measured: r.measured, baseline: r.baseline, ratio: m / b });
    console.log(`${r.label}: ${(m / b).toFixed(2)}x (${fmtNs(m)} vs ${fmtNs(b)})`);
  }
  for (const r of rows.values()) {
    if (r.name.startsWith("file_write_") && r.extra?.mbps !== undefined) {
      console.log(`${r.name}: ${r.extra.mbps.toFixed(0)} MB/s`);
    }
  }
  const path = rows.get("blk_path_qd1_polling");
  const paired = rows.get("rt_polling_paired");
  const rtp = rows.get("rt_polling");
  if (path !== undefined) {
    console.log(
      `(f) request path QD1: ${fmtNs(path.median)}` +
        (paired === undefined ? "" : ` vs its paired round trip ${fmtNs(paired.median)}`) +
        (rtp === undefined ? "" : ` (rt_polling of (a): ${fmtNs(rtp.median)})`),
    );
  }
  const qd32 = rows.get("blk_qd32_polling");
  if (qd32 !== undefined) {
    console.log(
      `(g) QD32: ${(1e3 / qd32.median).toFixed(2)} M completions/s, ` +
        `${qd32.extra?.perReap?.toFixed(1)} completions per reap`,
    );
  }
  const over = rows.get("measure_overhead_request");
  const mover = rows.get("machine_measurement_overhead");
  if (over !== undefined || mover !== undefined) {
    console.log(
      `(i) measurement overhead per request: ` +
        (over === undefined
          ? ""
          : `${fmtNs(over.median)} (clock reads + records, 1 in 16 staged)`) +
        (mover === undefined ? "" : `; the Machine reports ${fmtNs(mover.median)}`),
    );
  }
  if (memory.length === 2) {
    console.log(
      `memory: peak RSS ${(memory[1].peak / 2 ** 20).toFixed(1)} MiB after 60 s vs ` +
        `${(memory[0].peak / 2 ** 20).toFixed(1)} MiB after 10 s = ` +
        `${(memory[1].peak / memory[0].peak).toFixed(3)}x`,
    );
  }
  const doc = {
    kind: "aiolab-micro",
    schema: 1,
    started: started.toISOString(),
    args: Deno.args,
    host: await describeHost({ gitDir: new URL("..", import.meta.url) }),
    rows: [...rows.values()],
    memory,
    verdicts,
    comparisons,
  };
  const dir = new URL("../results/micro/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const file = new URL(`${started.toISOString().replace(/[:.]/g, "-")}.json`, dir);
  await writeTextFileAtomic(file, JSON.stringify(doc, null, 2) + "\n");
  console.log(`\nwrote ${decodeURIComponent(file.pathname)}`);
}

if (import.meta.main) {
  await main();
}
