import assert from "node:assert/strict";
import * as hdr from "hdr-histogram-js";
import { HLOG_FORMAT_VERSION, hlogFiles, type HlogInput, hlogTag } from "./hlog.ts";
import { defaultResult } from "./testdata/export_fixtures.ts";

interface ReadInterval {
  tag: string | undefined;
  count: number;
  p99: number;
  max: number;
  startMs: number;
  endMs: number;
}

function readBack(text: string): ReadInterval[] {
  const reader = new hdr.HistogramLogReader(text, 64);
  const out: ReadInterval[] = [];
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    out.push({
      tag: h.tag,
      count: h.totalCount,
      p99: h.getValueAtPercentile(99),
      max: h.maxValue,
      startMs: h.startTimeStampMsec,
      endMs: h.endTimeStampMsec,
    });
  }
  return out;
}

Deno.test("hlogFiles: the real result reads back with hdr-histogram-js, counts equal", async () => {
  const doc = await defaultResult();
  const files = hlogFiles(doc);
  assert.deepEqual(files.map((f) => [f.device, f.fileName]), [["disk0", "default.disk0.hlog"]]);
  const [file] = files;
  const lines = file.text.split("\n");
  assert.equal(lines[0], `#[Histogram log format version ${HLOG_FORMAT_VERSION}]`);
  const base = Date.parse(doc.manifest.startTime) / 1000;
  assert.equal(
    lines[1],
    `#[StartTime: ${base.toFixed(3)} (seconds since epoch), ${doc.manifest.startTime}]`,
  );
  assert.equal(lines[2], `#[BaseTime: ${base.toFixed(3)} (seconds since epoch)]`);
  assert.ok(
    lines.includes(
      '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    ),
  );
  assert.deepEqual(hdr.listTags(file.text), ["main.disk0", "iothread.disk0"]);

  const read = readBack(file.text);
  assert.equal(read.length, doc.runs.length);
  read.forEach((iv, i) => {
    const run = doc.runs[i];
    const row = doc.summary.find((s) =>
      s.placement === run.placement && s.repetition === run.repetition
    )!;
    assert.equal(iv.tag, `${run.placement}.disk0`);
    assert.equal(iv.count, row.completions, `run ${i}`);
    assert.equal(iv.count, run.report!.devices.disk0.latency.count);
    assert.equal(iv.p99, row.p99Ns, `run ${i}: the log's histogram is the result's`);
    // Interval placement: absolute start (base + offset), as long as the measured time.
    assert.ok(Math.abs(iv.startMs - Date.parse(run.startTime)) < 1, `run ${i} start`);
    assert.ok(
      Math.abs(iv.endMs - iv.startMs - run.report!.durationNs / 1e6) < 1,
      `run ${i} length`,
    );
    // Interval_Max is in ms, the histogram in ns.
    const line = file.text.split("\n").filter((l) => l.startsWith("Tag="))[i];
    assert.equal(
      Number(line.split(",")[3]),
      Number((run.report!.devices.disk0.latency.maxNs / 1e6).toFixed(3)),
    );
  });
});

Deno.test("hlogFiles: runs without a report or completions are comments; sweeps tag; files per device", () => {
  const doc: HlogInput = {
    manifest: { startTime: "2026-01-01T00:00:10.000Z", scenario: { name: "my scenario/1" } },
    runs: [
      {
        placement: "main",
        sweep: { qd: 4 },
        repetition: 1,
        startTime: "2026-01-01T00:00:11.500Z",
        status: "completed",
        report: {
          durationNs: 2e9,
          devices: {
            disk1: { latency: { hdr: "", count: 0, maxNs: 0 } },
            disk0: { latency: { hdr: "", count: 0, maxNs: 0 } },
          },
        },
      },
      {
        placement: "main",
        sweep: { qd: 4 },
        repetition: 2,
        startTime: "2026-01-01T00:00:14.000Z",
        status: "failed",
        report: null,
      },
    ],
  };
  const files = hlogFiles(doc);
  assert.deepEqual(files.map((f) => f.fileName), [
    "my_scenario_1.disk0.hlog",
    "my_scenario_1.disk1.hlog",
  ]);
  const body = files[0].text.split("\n").slice(5);
  assert.deepEqual(body, [
    "#main.disk0[qd=4] repetition 1: no completions",
    "#main.disk0[qd=4] repetition 2: failed, no report",
    "",
  ]);
  assert.deepEqual(readBack(files[0].text), []);
  assert.throws(
    () => hlogFiles({ ...doc, manifest: { ...doc.manifest, startTime: "yesterday" } }),
    /expected the manifest's startTime as an ISO 8601 time, found "yesterday"/,
  );
  assert.equal(hlogTag("a b", "c,d", { z: 1, a: 2 }), "a_b.c_d[a=2;z=1]");
});
