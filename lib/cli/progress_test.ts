import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createProgress, formatMs, progressLine } from "./progress.ts";

function capture(isTTY: boolean): { stream: Writable; text: () => string } {
  let out = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  Object.assign(stream, { isTTY, columns: 200 });
  return { stream, text: () => out };
}

const run = {
  index: 1,
  total: 4,
  scenario: "polling",
  placement: "iothread",
  repetition: 1,
  label: { "placements.iothread.iothreads.io0.pollMaxNs": 4000 },
};

Deno.test("progress: the line names the run, the time and every device", () => {
  assert.equal(
    progressLine({ run }),
    "run 2/4 polling iothread rep 1 (placements.iothread.iothreads.io0.pollMaxNs=4000)",
  );
  const progress = {
    index: 1,
    total: 4,
    elapsedMs: 12_000,
    etaMs: 125_000,
    devices: { d0: { completions: 950, p99Ns: 1.5e6 }, d1: { completions: 2e6, p99Ns: 800 } },
  };
  assert.equal(
    progressLine({ run, progress }),
    "run 2/4 polling iothread rep 1 (placements.iothread.iothreads.io0.pollMaxNs=4000) | " +
      "12s / ETA 2m05s | d0 950 done p99 1.50ms, d1 2.00M done p99 800ns",
  );
  // progress of an earlier run is not shown against the current one
  assert.equal(progressLine({ run, progress: { ...progress, index: 0 } }), progressLine({ run }));
  assert.deepEqual([formatMs(999), formatMs(1500), formatMs(-1)], ["999ms", "1.5s", "?"]);
});

Deno.test("progress: drawn on a terminal, removed by stop, warnings printed above it", () => {
  const { stream, text } = capture(true);
  const p = createProgress({ draw: true, stream });
  p.hooks.onPlan?.({ runs: 4, estimatedMs: 8000, warnings: ["more busy threads than cores"] });
  p.hooks.onRunStart?.(run);
  p.hooks.onProgress?.({
    index: 1,
    total: 4,
    elapsedMs: 500,
    etaMs: 500,
    devices: { d0: { completions: 10, p99Ns: 1000 } },
  });
  p.hooks.onRunEnd?.({ index: 1, total: 4, status: "failed", error: "thread vcpu0 stalled" });
  p.stop();
  p.stop();
  const out = text();
  assert.match(out, /aiolab: warning: more busy threads than cores\n/);
  assert.match(out, /aiolab: run 2\/4 \(polling iothread rep 1\) failed: thread vcpu0 stalled\n/);
  assert.match(out, /run 2\/4 polling iothread rep 1/); // the drawn line
  assert.ok(out.includes("\x1b[?25l")); // the cursor was hidden while drawing
  assert.ok(out.includes("\x1b[?25h")); // and shown again by stop
});

Deno.test("progress: without a terminal (or with --quiet) only warnings and failures", () => {
  const { stream, text } = capture(false);
  const p = createProgress({ draw: false, stream });
  p.hooks.onPlan?.({ runs: 2, estimatedMs: 1000, warnings: [] });
  p.hooks.onRunStart?.({ ...run, index: 0, total: 2 });
  p.hooks.onProgress?.({ index: 0, total: 2, elapsedMs: 1, etaMs: 1, devices: {} });
  p.hooks.onRunEnd?.({ index: 0, total: 2, status: "completed" });
  assert.equal(text(), "");
  p.hooks.onRunEnd?.({ index: 1, total: 2, status: "stopped" });
  p.log("note");
  p.stop();
  assert.equal(text(), "aiolab: run 2/2 stopped\nnote\n");
});
