// Measurement bodies of the lab benchmarks (h), (i) and the memory check:
// the cost of recording, the cost of measuring one request, and whether a
// run's memory grows with its duration. Each returns Measurements (ns per
// operation, or bytes for memory); verdicts and printing live in micro.ts.

import { SharedHistogram } from "../lib/measure/histogram.ts";
import { TimeBase } from "../lib/measure/time_base.ts";
import { Machine } from "../lib/machine/machine.ts";
import { expandScenario } from "../lib/scenario/expand.ts";
import { validateScenario } from "../lib/scenario/validate.ts";
import type { ScenarioInput } from "../lib/scenario/types.ts";
import type { RunScenario } from "../lib/scenario/types.ts";
import { type Measurement, measurement } from "../lib/result/measurement.ts";

/** Runs `body` (which performs `ops` operations) `reps` times after a warm-up; ns/op samples. */
function sampleLocal(reps: number, ops: number, body: () => void): number[] {
  body();
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    body();
    out.push(((performance.now() - t0) * 1e6) / ops);
  }
  return out;
}

/** Latency-like values, 1..64 us, none a new extreme once 0 and 10 s are recorded. */
function latencyValues(): Float64Array {
  const values = new Float64Array(1024);
  for (let i = 0; i < values.length; i++) values[i] = 1_000 + ((i * 7919) % 1024) * 61.5;
  return values;
}

/**
 * (h) SharedHistogram.record of a precomputed value (clock read excluded),
 * and as its baseline in the same run a bare Atomics.add on an Int32Array of
 * a SharedArrayBuffer, with the same value load and index arithmetic.
 */
export function histogramRecord(reps: number): Measurement[] {
  const OPS = 1_000_000;
  const values = latencyValues();
  const counts = new Int32Array(new SharedArrayBuffer(4096 * 4));
  let sink = 0;
  const bare = sampleLocal(reps, OPS, () => {
    for (let i = 0; i < OPS; i++) Atomics.add(counts, (values[i & 1023] >>> 6) & 1023, 1);
  });
  const h = new SharedHistogram();
  h.record(0);
  h.record(1e10);
  const rec = sampleLocal(reps, OPS, () => {
    for (let i = 0; i < OPS; i++) h.record(values[i & 1023]);
  });
  sink += h.snapshot().totalCount;
  if (sink === 0) throw new Error("histogram benchmark recorded nothing");
  return [
    measurement("atomics_add", bare),
    measurement("histogram_record", rec),
  ];
}

/**
 * (i) What measuring costs per request, as the vCPU does it: a clock read at
 * issue and at completion and the total's record; one request in `every`
 * also reads the two stage stamps' clocks and records four stages. ns per
 * request (the loop of `every` requests, divided).
 */
export function measurementOverhead(reps: number, every: number): Measurement {
  const tb = TimeBase.create();
  try {
    const total = new SharedHistogram();
    const stages = [0, 1, 2, 3].map(() => new SharedHistogram());
    const REQS = 100_000;
    let sink = 0;
    const samples = sampleLocal(reps, REQS, () => {
      for (let i = 0; i < REQS; i++) {
        const issued = tb.now();
        const done = tb.now();
        total.record(done - issued + 20_000);
        if (i % every === 0) {
          const picked = tb.now();
          const backend = tb.now();
          stages[0].record(picked - issued);
          stages[1].record(backend - picked);
          stages[2].record(done - backend + 1000);
          stages[3].record(issued - issued + 500);
        }
        sink += done;
      }
    });
    if (sink === 0) throw new Error("unreachable");
    return measurement("measure_overhead_request", samples, { every });
  } finally {
    tb.close();
  }
}

/** A small scenario: one disk on a 20 us null driver in an IOThread, a VNC-like main-loop load. */
export function labScenario(): RunScenario {
  const input: ScenarioInput = {
    name: "bench-lab",
    devices: [{ id: "disk0", queueDepth: 4, driver: { kind: "null", latency: "20us" } }],
    mainLoop: { vnc: { period: "20ms", work: "1ms" } },
    placements: { io: { iothreads: { io0: { pollMaxNs: 0 } }, map: { disk0: "io0" } } },
  };
  return expandScenario(validateScenario(input))[0].scenario;
}

/**
 * (i) The measurement overhead the lab's Machine reports
 * (`measurementOverheadNs`, measured at its start) for {@link labScenario}.
 */
export async function machineOverhead(): Promise<Measurement> {
  const m = await Machine.start({ run: labScenario(), placement: "io", seed: 1 });
  await m.stop();
  const r = m.collect();
  if (r.errors.length > 0) throw new Error(`bench machine failed: ${r.errors[0].message}`);
  return measurement("machine_measurement_overhead", [r.measurementOverheadNs]);
}

/** Peak memory of one child run ({@link machinePeakRss}), bytes. */
export interface PeakRss {
  readonly seconds: number;
  /** max(sampled RSS, VmHWM). */
  readonly peak: number;
  /** Highest `Deno.memoryUsage().rss` of the 100 ms samples. */
  readonly sampledPeak: number;
  /** The kernel's VmHWM (peak RSS) at the end, or null where unreadable. */
  readonly vmHwm: number | null;
  /** RSS about once a second. */
  readonly samples: number[];
}

/**
 * Memory against duration: runs {@link labScenario} for `seconds` in a child
 * process (bench/_mem_child.ts) and returns its peak RSS.
 */
export async function machinePeakRss(seconds: number): Promise<PeakRss> {
  const child = new URL("./_mem_child.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read=.,/proc/self/status",
      "--allow-sys=cpus",
      child.href,
      String(seconds),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `memory child (${seconds} s) failed (exit ${out.code}): ${
        dec.decode(out.stderr).slice(-2000)
      }`,
    );
  }
  const line = dec.decode(out.stdout).trim().split("\n").pop() ?? "";
  const r = JSON.parse(line) as { peakRss: number; vmHwm: number | null; samples: number[] };
  return {
    seconds,
    peak: Math.max(r.peakRss, r.vmHwm ?? 0),
    sampledPeak: r.peakRss,
    vmHwm: r.vmHwm,
    samples: r.samples,
  };
}
