import assert from "node:assert/strict";
import { TIME_BASE } from "./layout.ts";
import { measureClockResolution, TimeBase } from "./time_base.ts";
import { runInThread } from "../testing/thread.ts";
import { type AttachReport, HANDOFF } from "./testdata/time_base.ts";

const FIXTURE = new URL("./testdata/time_base.ts", import.meta.url);

Deno.test("TimeBase: the orchestrator's base is its own clock in ns, resolution measured", async () => {
  const tb = TimeBase.create();
  try {
    const before = performance.now() * 1e6;
    const t = tb.now();
    const after = performance.now() * 1e6;
    assert.ok(before <= t && t <= after, `${before} <= ${t} <= ${after}`);
    assert.equal(tb.offsetNs, 0);
    assert.equal(tb.uncertaintyNs, 0);
    assert.ok(tb.resolutionNs > 0 && Number.isFinite(tb.resolutionNs));
    assert.equal(tb.fromLocalMs(2), 2e6);
    assert.ok(measureClockResolution(10) > 0);
  } finally {
    await tb.close();
  }
});

Deno.test("TimeBase.attach: refuses a foreign buffer and a closed base", async () => {
  assert.throws(() => TimeBase.attach({ sab: new SharedArrayBuffer(64) }), {
    name: "TypeError",
    message: /expected the buffer of a TimeBase/,
  });
  const tb = TimeBase.create();
  await tb.close();
  assert.throws(() => TimeBase.attach(tb.handle), { message: /closed by the orchestrator/ });
});

Deno.test("TimeBase: Workers attach with a finite bound; offsets differ per Worker", async () => {
  const tb = TimeBase.create();
  try {
    const reports = await Promise.all(
      [0, 1, 2].map(() => runInThread<AttachReport>(FIXTURE, "attachOnly", tb.handle)),
    );
    for (const r of reports) {
      assert.ok(Number.isFinite(r.offsetNs));
      assert.ok(r.uncertaintyNs >= 0 && Number.isFinite(r.uncertaintyNs));
      assert.equal(r.resolutionNs, tb.resolutionNs);
      // Each Worker's performance.now() starts at its own creation, after ours.
      assert.ok(r.offsetNs > 0, `offset ${r.offsetNs} should be positive`);
    }
    const w = new Int32Array(tb.handle.sab);
    assert.equal(Atomics.load(w, TIME_BASE.CLAIM), 0);
    assert.equal(Atomics.load(w, TIME_BASE.REQUEST), 0);
  } finally {
    await tb.close();
  }
});

Deno.test("TimeBase: handoffs orchestrator -> A -> B -> orchestrator ... stamp in order", async () => {
  const tb = TimeBase.create();
  const parties = 3;
  const turns = parties * 100;
  const sab = new SharedArrayBuffer((HANDOFF.STAMPS + turns) * 8);
  const w = new Int32Array(sab);
  const f = new Float64Array(sab);
  try {
    f[HANDOFF.UNCERTAINTY] = 0; // the orchestrator is the base
    Atomics.add(w, HANDOFF.READY, 1);
    const workers = [1, 2].map((me) =>
      runInThread<AttachReport>(FIXTURE, "handoff", tb.handle, sab, me, parties, turns)
    );
    // Party 0: the orchestrator never blocks; it waits for its turns asynchronously.
    const failed = Promise.all(workers).then(() => {}, (e) => e);
    for (let t = 0; t < turns; t += parties) {
      for (;;) {
        const turn = Atomics.load(w, HANDOFF.TURN);
        if (turn === t) break;
        const r = Atomics.waitAsync(w, HANDOFF.TURN, turn, 100);
        if (r.async) {
          const e = await Promise.race([r.value, failed]);
          if (e instanceof Error) throw e;
        }
      }
      const ms = performance.now();
      f[HANDOFF.STAMPS + t] = tb.fromLocalMs(ms);
      const until = ms + f[HANDOFF.UNCERTAINTY + 1] / 1e6;
      while (performance.now() < until);
      Atomics.store(w, HANDOFF.TURN, t + 1);
      Atomics.notify(w, HANDOFF.TURN);
    }
    const reports = await Promise.all(workers);
    for (let t = 1; t < turns; t++) {
      const a = f[HANDOFF.STAMPS + t - 1];
      const b = f[HANDOFF.STAMPS + t];
      assert.ok(
        a <= b,
        `turn ${t - 1} (party ${(t - 1) % parties}) stamped ${a} ns, after turn ${t} ` +
          `(party ${t % parties}) at ${b} ns; uncertainties ${
            reports.map((r) => r.uncertaintyNs).join(", ")
          } ns`,
      );
    }
  } finally {
    await tb.close();
  }
});
