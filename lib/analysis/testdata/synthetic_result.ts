// Result documents of known distributions for the analysis tests, recorded
// the way the lab records them: real SharedHistograms drained per interval
// by a real TimeSeries on a manual clock, encoded with lib/measure
// encodeHdr. Each device is a closed loop at queue depth 1: within every
// interval it completes requests until their latencies fill the interval,
// so iops is 1 / mean latency.

import { type EncodedHistogram, encodeHistogram } from "../../measure/hdr_export.ts";
import { type HistogramSnapshot, SharedHistogram } from "../../measure/histogram.ts";
import { TimeSeries } from "../../measure/time_series.ts";
import type { NoiseFloorInput, ResultInput, RunInput } from "../input.ts";
import { SeededRandom } from "../random.ts";

/** One placement of a synthetic result. */
export interface SyntheticPlacement {
  /** Mean of the exponential part of every device's latency, ns. */
  meanNs: number;
  /** Constant added to every latency, ns (default 0). */
  offsetNs?: number;
  /** Mean of the exponential jitter-probe lateness of every context, ns (default 20 us). */
  jitterMeanNs?: number;
  /** Contexts (default ["main"]). */
  contexts?: string[];
  /** bqlWaitShare of every run (default 0.1). */
  bqlWaitShare?: number;
  /** Standard deviation of a per-repetition log-normal factor on every latency (default 0). */
  drift?: number;
}

/** Options of {@link syntheticResult}. */
export interface SyntheticOptions {
  /** Seed of every draw. */
  seed: number;
  /** Repetitions per placement. */
  repetitions: number;
  /** Placements by name. */
  placements: Record<string, SyntheticPlacement>;
  /** Devices (default ["disk0"]). */
  devices?: string[];
  /** Intervals per run (default 10). */
  intervals?: number;
  /** Interval length, ns (default 20 ms). */
  intervalNs?: number;
  /** Scenario name (default "synthetic"). */
  scenario?: string;
  /** Sweep points (default one point without a label). */
  sweeps?: Record<string, number>[];
  /** The manifest's noise floor (default null). */
  noiseFloor?: NoiseFloorInput | null;
  /** Runs that fail (placement and repetition): they carry no report. */
  failed?: { placement: string; repetition: number }[];
}

/** A histogram report (the contract's fields) of a snapshot: lib/measure's `encodeHistogram`. */
export const histogramReport: (s: HistogramSnapshot) => EncodedHistogram = encodeHistogram;

/** A result document whose runs recorded the given distributions. */
export function syntheticResult(o: SyntheticOptions): ResultInput {
  const rng = new SeededRandom(o.seed);
  const devices = o.devices ?? ["disk0"];
  const intervals = o.intervals ?? 10;
  const intervalNs = o.intervalNs ?? 20e6;
  const scenario = o.scenario ?? "synthetic";
  const runs: RunInput[] = [];
  const summary: ResultInput["summary"] = [];
  for (const sweep of o.sweeps ?? [{}]) {
    for (let repetition = 1; repetition <= o.repetitions; repetition++) {
      for (const [placement, p] of Object.entries(o.placements)) {
        const factor = Math.exp((p.drift ?? 0) * rng.normal());
        const hists = Object.fromEntries(devices.map((d) => [d, new SharedHistogram()]));
        let now = 0;
        const ts = new TimeSeries(hists, { clock: () => now, intervalNs });
        for (let k = 0; k < intervals; k++) {
          for (const d of devices) {
            for (let used = 0; used < intervalNs;) {
              const v = factor * ((p.offsetNs ?? 0) + rng.exponential(p.meanNs));
              hists[d].record(v);
              used += v;
            }
          }
          now += intervalNs;
          ts.tick();
        }
        const contexts = Object.fromEntries((p.contexts ?? ["main"]).map((c) => {
          const j = new SharedHistogram();
          for (let i = 0; i < 500; i++) j.record(rng.exponential(p.jitterMeanNs ?? 20_000));
          return [c, { thread: c, jitter: histogramReport(j.snapshot()) }];
        }));
        const durationNs = intervals * intervalNs;
        const failed = (o.failed ?? []).some((f) =>
          f.placement === placement && f.repetition === repetition
        );
        const report = {
          placement,
          devices: Object.fromEntries(devices.map((d) => {
            const total = ts.total(d);
            return [d, {
              completions: total.totalCount,
              latency: histogramReport(total),
              contexts: [placement],
            }];
          })),
          contexts,
          timeSeries: { intervalNs, rows: ts.drainRows(), events: [] },
          durationNs,
        };
        runs.push({
          scenario,
          placement,
          sweep,
          repetition,
          status: failed ? "failed" : "completed",
          report: failed ? null : report,
        });
        if (failed) continue;
        for (const d of devices) {
          const c = report.devices[d].completions;
          summary.push(
            {
              scenario,
              placement,
              sweep,
              repetition,
              device: d,
              bqlWaitShare: p.bqlWaitShare ?? 0.1,
              completions: c,
              iops: c / (durationNs / 1e9),
              p99Ns: report.devices[d].latency.p99Ns,
            } as ResultInput["summary"][number],
          );
        }
      }
    }
  }
  return { manifest: { noiseFloor: o.noiseFloor ?? null }, runs, summary };
}
