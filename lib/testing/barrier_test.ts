import assert from "node:assert/strict";
import { Barrier } from "./barrier.ts";
import { runInThread } from "./thread.ts";

const BARRIER = new URL("./barrier.ts", import.meta.url);

Deno.test("Barrier: nobody passes before the last party arrives", async () => {
  const b = new Barrier(3);
  const workers = [
    runInThread<number>(BARRIER, "arriveAt", b.handle),
    runInThread<number>(BARRIER, "arriveAt", b.handle),
  ];
  let settled = 0;
  for (const w of workers) w.then(() => settled++, () => settled++);
  // The workers are blocked in arrive(): however long they run, the round
  // cannot end without us. (A longer wait only makes this more certain.)
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(settled, 0);
  assert.equal(b.rounds(), 0);
  await b.arriveAsync({ watch: workers });
  assert.deepEqual(await Promise.all(workers), [1, 1]);
  assert.equal(b.rounds(), 1);
});

Deno.test("Barrier: it is reusable, round after round", async () => {
  const b = new Barrier(2);
  for (let round = 1; round <= 3; round++) {
    const w = runInThread<number>(BARRIER, "arriveAt", b.handle);
    await b.arriveAsync({ watch: w });
    assert.equal(await w, round);
  }
  assert.equal(b.rounds(), 3);
});

Deno.test("Barrier: a view from a handle shares the words", async () => {
  const b = new Barrier(2);
  const view = Barrier.fromHandle(b.handle);
  assert.equal(view.parties, 2);
  const first = b.arriveAsync();
  view.arrive(); // the second party: completes the round at once
  assert.equal(b.rounds(), 1);
  await first;
});

Deno.test("Barrier: a party that never comes trips the hang guard, naming the count", () => {
  const b = new Barrier(2);
  assert.throws(() => b.arrive(20), /1 of 2 parties arrived within 20 ms/);
});

Deno.test("Barrier: bad parties and bad handles are refused clearly", () => {
  assert.throws(() => new Barrier(1.5), /parties must be an integer >= 1, got 1.5/);
  assert.throws(
    () => new Barrier({ sab: new SharedArrayBuffer(4), parties: 2 }),
    /at least 8 bytes, got 4 bytes/,
  );
  assert.throws(
    () => new Barrier({ sab: new ArrayBuffer(8) as unknown as SharedArrayBuffer, parties: 2 }),
    /SharedArrayBuffer/,
  );
});
