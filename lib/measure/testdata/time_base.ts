// Test fixtures for time_base_test.ts: threads that attach to the shared
// time base and take part in handoffs ordered by a shared counter.

import { TimeBase, type TimeBaseHandle } from "../time_base.ts";

/** Words of the handoff buffer (Int32), then Float64 stamps from byte 64. */
export const HANDOFF = {
  /** The turn counter: the thread whose turn it is stamps, then adds 1. */
  TURN: 0,
  /** Threads attached (each stores its uncertainty first). */
  READY: 1,
  /** Float64 index of participant i's uncertainty, ns: UNCERTAINTY + i. */
  UNCERTAINTY: 8,
  /** Float64 index of stamp for turn t: STAMPS + t. */
  STAMPS: 16,
} as const;

/** What a participant reports. */
export interface AttachReport {
  /** Offset found, ns. */
  offsetNs: number;
  /** Its bound, ns. */
  uncertaintyNs: number;
  /** Resolution read from the base, ns. */
  resolutionNs: number;
}

/** Attaches and reports the calibration (no handoffs). */
export function attachOnly(h: TimeBaseHandle): AttachReport {
  const tb = TimeBase.attach(h);
  return { offsetNs: tb.offsetNs, uncertaintyNs: tb.uncertaintyNs, resolutionNs: tb.resolutionNs };
}

/**
 * Participant `me` of `parties` (turns go round-robin me, me + parties,
 * ...; turn t belongs to party t % parties): attaches, publishes its
 * uncertainty, waits for all to be ready, then for each of its turns stamps
 * the shared time, spins until its own clock has advanced by its own plus
 * the next party's uncertainty (so that the next stamp is certainly later
 * on the shared base, whatever the machine's speed) and passes the turn on.
 * Stamps end at `turns`.
 */
export function handoff(
  tbh: TimeBaseHandle,
  sab: SharedArrayBuffer,
  me: number,
  parties: number,
  turns: number,
): AttachReport {
  const tb = TimeBase.attach(tbh);
  const w = new Int32Array(sab);
  const f = new Float64Array(sab);
  f[HANDOFF.UNCERTAINTY + me] = tb.uncertaintyNs;
  Atomics.add(w, HANDOFF.READY, 1); // publishes the uncertainty slot
  const deadline = Date.now() + 60_000;
  while (Atomics.load(w, HANDOFF.READY) < parties) {
    if (Date.now() > deadline) throw new Error(`party ${me}: the others never attached`);
    Atomics.wait(w, HANDOFF.READY, Atomics.load(w, HANDOFF.READY), 1);
  }
  const spinNs = tb.uncertaintyNs + f[HANDOFF.UNCERTAINTY + (me + 1) % parties];
  for (let t = me; t < turns; t += parties) {
    for (
      let turn = Atomics.load(w, HANDOFF.TURN);
      turn !== t;
      turn = Atomics.load(w, HANDOFF.TURN)
    ) {
      if (Date.now() > deadline) throw new Error(`party ${me} never got turn ${t}`);
      Atomics.wait(w, HANDOFF.TURN, turn, 100); // woken by the previous party's notify
    }
    const ms = performance.now();
    f[HANDOFF.STAMPS + t] = tb.fromLocalMs(ms);
    const until = ms + spinNs / 1e6;
    while (performance.now() < until);
    Atomics.store(w, HANDOFF.TURN, t + 1); // publishes the stamp
    Atomics.notify(w, HANDOFF.TURN);
  }
  return { offsetNs: tb.offsetNs, uncertaintyNs: tb.uncertaintyNs, resolutionNs: tb.resolutionNs };
}
