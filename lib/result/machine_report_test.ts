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
        perThread: [{
          thread: "vcpu0",
          acquisitions: 3,
          contended: 1,
          waitTotalNs: 10,
          holdTotalNs: 20,
        }],
      },
    },
    vcpus: [],
    timeSeries: { intervalNs: 1e8, rows: [{ device: "d" }], events: [] },
    measurementOverheadNs: 0,
    durationNs: 0,
    errors: [{ thread: "io0", handler: null, message: "m", stack: "" }],
  };
  assert.deepEqual(machineReportSchema.parse(r), r);
  const { vcpus: _, ...noVcpus } = r;
  assert.equal(machineReportSchema.safeParse(noVcpus).success, false);
});
