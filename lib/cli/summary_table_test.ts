import assert from "node:assert/strict";
import {
  aggregateSummary,
  formatCount,
  formatNs,
  median,
  summaryTable,
  type SummaryTableRow,
} from "./summary_table.ts";

const doc: { summary: SummaryTableRow[] } = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/result.json", import.meta.url)),
);

Deno.test("summary table: repetitions aggregate by median, ratios against the first placement", () => {
  const groups = aggregateSummary(doc.summary);
  assert.deepEqual(groups.map((g) => [g.scenario, g.sweep, g.basePlacement]), [
    ["default", {}, "main"],
    ["polling", { "placements.iothread.iothreads.io0.pollMaxNs": 0 }, "main"],
    ["polling", { "placements.iothread.iothreads.io0.pollMaxNs": 4000 }, "main"],
  ]);
  const [main, io] = groups[0].lines;
  assert.deepEqual(
    [main.placement, main.repetitions, main.iops, main.p99Ns, main.maxNs, main.bqlWaitShare],
    ["main", 3, 14000, 1950000, 2200000, 0.12],
  );
  assert.deepEqual([io.placement, io.iops, io.p50Ns, io.p99Ns, io.p999Ns], [
    "iothread",
    17000,
    51500,
    60000,
    95000,
  ]);
  assert.equal(io.jitterNs, 9000); // the median of the jitters, not p99 - p50 of the medians
  assert.equal(main.p99Ratio, 1);
  assert.equal(io.p99Ratio, 60000 / 1950000);
  assert.equal(io.iopsRatio, 17000 / 14000);
  const polling = groups[1].lines;
  assert.deepEqual(polling.map((l) => `${l.placement}/${l.device}`), [
    "main/disk0",
    "main/disk1",
    "iothread/disk0",
    "iothread/disk1",
  ]);
  assert.deepEqual(polling.map((l) => l.p99Ratio), [1, 1, 0.5, 0.5]);
});

Deno.test("summary table: the rendered text, one table per scenario and sweep point", () => {
  const text = summaryTable(doc.summary);
  const lines = text.split("\n");
  assert.equal(
    lines[0],
    "default: median of 3 repetitions per placement; jitter = p99 - p50; ratios against main",
  );
  assert.match(
    lines[2],
    /placement .*IOPS .*p50 .*p99 .*p99\.9 .*max .*jitter .*BQL wait .*IOPS vs main .*p99 vs main/,
  );
  const main = lines.find((l) => l.startsWith("│ main "))!;
  const io = lines.find((l) => l.startsWith("│ iothread "))!;
  assert.deepEqual(main.split("│").map((c) => c.trim()).filter(Boolean), [
    "main",
    "14.0k",
    "53.0us",
    "1.95ms",
    "2.02ms",
    "2.20ms",
    "1.90ms",
    "12.0%",
    "1.00x",
    "1.00x",
  ]);
  assert.deepEqual(io.split("│").map((c) => c.trim()).filter(Boolean), [
    "iothread",
    "17.0k",
    "51.5us",
    "60.0us",
    "95.0us",
    "310us",
    "9.00us",
    "1.0%",
    "1.21x",
    "0.03x",
  ]);
  assert.match(
    text,
    /\n\npolling \(placements\.iothread\.iothreads\.io0\.pollMaxNs=4000\): median of 1 repetition per placement and device;/,
  );
  assert.match(text, /│ iothread +│ disk1 +│ +20\.0k │/);
  assert.ok(!text.includes("\x1b["), "no colour codes");
  assert.equal(summaryTable([]), "");
});

Deno.test("summary table: formats and median", () => {
  assert.deepEqual([formatNs(850), formatNs(51234), formatNs(1.2e9), formatNs(NaN)], [
    "850ns",
    "51.2us",
    "1.20s",
    "-",
  ]);
  assert.deepEqual([formatCount(950), formatCount(1.234e6)], ["950", "1.23M"]);
  assert.ok(Number.isNaN(median([])));
});
