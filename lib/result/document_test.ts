import assert from "node:assert/strict";
import {
  bqlWaitShare,
  loadResult,
  RESULT_SCHEMA_VERSION,
  type ResultDocument,
  ResultError,
  type RunRecord,
  sha256Hex,
  summarize,
  writeResult,
} from "./document.ts";
import { emptyHistogramReport, type MachineReport } from "./machine_report.ts";
import type { ResultInput } from "../analysis/input.ts";

function report(completions: number, durationNs: number, bqlWaitNs: number): MachineReport {
  const latency = {
    ...emptyHistogramReport(),
    count: completions,
    p50Ns: 100,
    p90Ns: 150,
    p99Ns: 400,
    p999Ns: 900,
    p9999Ns: 990,
    maxNs: 1000,
    minNs: 50,
    meanNs: 120,
  };
  const e = emptyHistogramReport();
  return {
    placement: "main",
    devices: {
      disk0: {
        issued: completions + 2,
        completions,
        dropped: 2,
        inFlight: 0,
        latency,
        stages: { queued: e, dispatch: e, service: e, completion: e },
        stageSampleEvery: 16,
        contexts: ["main"],
        futureField: { kept: true },
      },
    },
    contexts: {},
    locks: {},
    vcpus: [{ thread: "vcpu0", computeNs: 0, bqlWaitNs, ioWaitNs: 0 }],
    timeSeries: { intervalNs: 100e6, rows: [], events: [], rowsDropped: 0 },
    measurementOverheadNs: 30,
    lockMeasurementNs: 0,
    durationNs,
    errors: [],
  };
}

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    index: 0,
    scenario: "s",
    placement: "main",
    sweepIndex: 0,
    sweep: { "devices[0].queueDepth": 4 },
    repetition: 1,
    seed: 1,
    status: "completed",
    error: null,
    startTime: "2025-01-01T00:00:00.000Z",
    elapsedMs: 1200,
    exitCode: 0,
    lastProgress: { disk0: { completions: 10, p99Ns: 400 } },
    report: report(2000, 2e9, 5e8),
    ...over,
  };
}

async function doc(runs: RunRecord[]): Promise<ResultDocument> {
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    manifest: {
      aiolabVersion: "0.1.0",
      gitCommit: null,
      deno: "2.9.6",
      v8: "x",
      typescript: "y",
      os: "linux",
      arch: "x86_64",
      cpu: "unknown",
      cores: 2,
      clockResolutionNs: 20,
      noiseFloor: null,
      scenario: { name: "s", file: "s.json", text: "{}", sha256: await sha256Hex("{}") },
      seed: 1,
      overrides: { duration: 1e9 },
      commandLine: ["aiolab", "run"],
      startTime: "2025-01-01T00:00:00.000Z",
      endTime: "2025-01-01T00:00:05.000Z",
      partial: false,
      interrupted: false,
      plannedRuns: runs.length,
      warnings: [],
    },
    runs,
    summary: summarize(runs),
  };
}

Deno.test("summarize: one row per run with a report and device, with the definitions of the README", () => {
  const rows = summarize([
    record(),
    record({ index: 1, status: "failed", report: null }),
    record({
      index: 2,
      placement: "iothread",
      repetition: 2,
      status: "stopped",
      report: report(10, 1e9, 0),
    }),
  ]);
  assert.deepEqual(rows, [
    {
      scenario: "s",
      placement: "main",
      sweep: { "devices[0].queueDepth": 4 },
      repetition: 1,
      device: "disk0",
      completions: 2000,
      dropped: 2,
      iops: 1000,
      p50Ns: 100,
      p90Ns: 150,
      p99Ns: 400,
      p999Ns: 900,
      p9999Ns: 990,
      maxNs: 1000,
      jitterNs: 300,
      bqlWaitShare: 0.25,
      status: "completed",
    },
    {
      scenario: "s",
      placement: "iothread",
      sweep: { "devices[0].queueDepth": 4 },
      repetition: 2,
      device: "disk0",
      completions: 10,
      dropped: 2,
      iops: 10,
      p50Ns: 100,
      p90Ns: 150,
      p99Ns: 400,
      p999Ns: 900,
      p9999Ns: 990,
      maxNs: 1000,
      jitterNs: 300,
      bqlWaitShare: 0,
      status: "stopped",
    },
  ]);
});

Deno.test("bqlWaitShare: mean over vCPUs, clamped, 0 without vCPUs or time", () => {
  const v = (bqlWaitNs: number) => ({ thread: "v", computeNs: 0, bqlWaitNs, ioWaitNs: 0 });
  assert.equal(bqlWaitShare({ vcpus: [v(100), v(300)], durationNs: 1000 }), 0.2);
  assert.equal(bqlWaitShare({ vcpus: [v(5000)], durationNs: 1000 }), 1);
  assert.equal(bqlWaitShare({ vcpus: [v(5)], durationNs: 0 }), 0);
});

Deno.test("loadResult: a written document loads back equal, unknown fields of reports kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-doc-" });
  try {
    const d = await doc([record()]);
    const path = await writeResult(`${dir}/a/b`, d);
    assert.equal(path, `${dir}/a/b/result.json`);
    const back = loadResult(await Deno.readTextFile(path), path);
    assert.deepEqual(back, d);
    assert.deepEqual(back.runs[0].report?.devices.disk0.futureField, { kept: true });
    assert.deepEqual([...Deno.readDirSync(`${dir}/a/b`)].map((e) => e.name), ["result.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadResult: refuses unknown versions, non-documents and broken documents clearly", async () => {
  const refuses = (text: string, message: string) =>
    assert.throws(() => loadResult(text, "r.json"), (e: unknown) => {
      assert.ok(e instanceof ResultError);
      assert.equal(e.file, "r.json");
      assert.equal(e.message, message);
      return true;
    });
  refuses(
    JSON.stringify({ ...(await doc([])), schemaVersion: 2 }),
    "r.json: result schema version 2 is not one this aiolab reads (it reads version 1). " +
      "Load it with the aiolab that wrote it, or re-run the scenario with this one.",
  );
  refuses(
    "{}",
    'r.json: expected a result document with "schemaVersion": 1, found no schemaVersion field.',
  );
  refuses(
    '{"schemaVersion": "1"}',
    'r.json: expected a result document with "schemaVersion": 1, found "1".',
  );
  refuses(
    "[]",
    'r.json: expected a result document (a JSON object with "schemaVersion"), found an array.',
  );
  assert.throws(
    () => loadResult("nope", "r.json"),
    /^ResultError: r.json: expected a result document in JSON, found text that does not parse/,
  );
  const broken = await doc([record()]);
  (broken.runs[0] as unknown as Record<string, unknown>).status = "exploded";
  assert.throws(
    () => loadResult(JSON.stringify(broken), "r.json"),
    /^ResultError: r.json: expected a result document of schema version 1, found one that breaks it at runs\.0\.status: /,
  );
  const noHist = await doc([record()]);
  delete (noHist.runs[0].report!.devices.disk0 as Partial<MachineReport["devices"][string]>)
    .latency;
  assert.throws(
    () => loadResult(JSON.stringify(noHist)),
    /<inline>: .*runs\.0\.report\.devices\.disk0\.latency/,
  );
});

Deno.test("document: a ResultDocument is what analysis reads (ResultInput), by type and by value", async () => {
  // Compile-time: lib/analysis's structural subset stays a subset of the contract.
  const asInput = (d: ResultDocument): ResultInput => d;
  const loaded = loadResult(JSON.stringify(await doc([record({ report: report(10, 1e9, 0) })])));
  const input = asInput(loaded);
  assert.equal(input.runs[0].report?.devices.disk0.completions, 10);
  assert.equal(input.summary[0].bqlWaitShare, 0);
});
