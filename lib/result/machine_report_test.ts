import assert from "node:assert/strict";
import {
  emptyHistogramReport,
  histogramReportSchema,
  machineReportSchema,
} from "./machine_report.ts";

Deno.test("histogramReportSchema: keeps added fields, refuses negative figures", () => {
  const h = { ...emptyHistogramReport(), p999Ns: 5, bucketsNs: [1, 2] };
  assert.deepEqual(histogramReportSchema.parse(h), h);
  assert.equal(histogramReportSchema.safeParse({ ...h, p99Ns: -1 }).success, false);
  assert.equal(histogramReportSchema.safeParse({ ...h, count: 1.5 }).success, false);
});

Deno.test("machineReportSchema: an empty run's report passes; a missing section does not", () => {
  const r = {
    placement: "main",
    devices: {},
    contexts: {},
    locks: {
      bql: {
        acquisitions: 3,
        contended: 1,
        contendedShare: 1 / 3,
        waitTotalNs: 10,
        holdTotalNs: 20,
        wait: null,
        hold: emptyHistogramReport(),
        byThread: {
          "CPU 0/aiolab": {
            acquisitions: 3,
            contended: 1,
            waitTotalNs: 10,
            holdTotalNs: 20,
            wait: null,
            hold: emptyHistogramReport(),
          },
        },
      },
    },
    vcpus: [],
    timeSeries: { intervalNs: 1e8, rows: [{ device: "d" }], events: [], rowsDropped: 0 },
    measurementOverheadNs: 0,
    lockMeasurementNs: 0,
    durationNs: 0,
    errors: [{ thread: "io0", handler: null, message: "m", stack: "" }],
  };
  assert.deepEqual(machineReportSchema.parse(r), r);
  const { vcpus: _, ...noVcpus } = r;
  assert.equal(machineReportSchema.safeParse(noVcpus).success, false);
  const { byThread: _b, ...noByThread } = r.locks.bql;
  assert.equal(
    machineReportSchema.safeParse({ ...r, locks: { bql: noByThread } }).success,
    false,
    "a lock without its per-thread figures",
  );
});
