import assert from "node:assert/strict";
import { CSV_FIELDS, csvField, type CsvSummaryRow, summaryCsv } from "./csv.ts";
import { defaultResult, parseCsv } from "./testdata/export_fixtures.ts";

Deno.test("summaryCsv: the real default-suite result reads back row for row", async () => {
  const doc = await defaultResult();
  const text = summaryCsv([doc]);
  assert.ok(text.endsWith("\r\n"));
  const [head, ...records] = parseCsv(text);
  assert.deepEqual(head, [...CSV_FIELDS]);
  assert.equal(records.length, doc.summary.length);
  assert.equal(records.length, 4);
  records.forEach((rec, i) => {
    const row = doc.summary[i];
    const back = Object.fromEntries(head.map((h, j) => [h, rec[j]]));
    for (const f of CSV_FIELDS) {
      const v = row[f];
      if (typeof v === "number") assert.equal(Number(back[f]), v, `${i} ${f}`);
      else assert.equal(back[f], v, `${i} ${f}`);
    }
  });
  assert.deepEqual(records.map((r) => r[1]), ["main", "iothread", "main", "iothread"]);
});

Deno.test("summaryCsv: quotes, commas, line breaks and sweeps survive; several documents", () => {
  const row: CsvSummaryRow = {
    scenario: 'a "quoted", name',
    placement: "line\r\nbreak",
    sweep: { "devices[0].queueDepth": 4, seed: 2 },
    repetition: 1,
    device: "=cmd|x",
    status: "completed",
    completions: 10,
    dropped: 0,
    iops: 1234.5678901234,
    p50Ns: 1,
    p90Ns: 2,
    p99Ns: 3,
    p999Ns: 4,
    p9999Ns: 5,
    maxNs: 6,
    jitterNs: 2,
    bqlWaitShare: 0.125,
  };
  const plain = { ...row, scenario: "s", placement: "p", sweep: {} };
  const text = summaryCsv([{ summary: [row] }, { summary: [plain] }]);
  const [head, a, b] = parseCsv(text);
  assert.deepEqual(head.slice(0, 5), [
    "result",
    "scenario",
    "placement",
    "sweep.devices[0].queueDepth",
    "sweep.seed",
  ]);
  assert.deepEqual(a.slice(0, 7), [
    "1",
    'a "quoted", name',
    "line\r\nbreak",
    "4",
    "2",
    "1",
    "=cmd|x",
  ]);
  assert.deepEqual(b.slice(0, 5), ["2", "s", "p", "", ""]);
  assert.equal(a[head.indexOf("iops")], "1234.5678901234");
  assert.equal(a[head.indexOf("bqlWaitShare")], "0.125");
  assert.equal(summaryCsv([{ summary: [] }]), `${CSV_FIELDS.join(",")}\r\n`);
});

Deno.test("csvField: quoting follows RFC 4180 and nothing else is touched", () => {
  assert.equal(csvField(""), "");
  assert.equal(csvField("a b"), "a b");
  assert.equal(csvField('"'), '""""');
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField("a\rb"), '"a\rb"');
  assert.equal(csvField(NaN), "");
  assert.equal(csvField(1e21), "1e+21");
  assert.deepEqual(parseCsv(`${csvField('x"\n,y')},z\r\n`), [['x"\n,y', "z"]]);
});
