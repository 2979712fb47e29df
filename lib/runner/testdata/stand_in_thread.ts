/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// Worker of the stand-in machine (stand_in_machine.ts): one per context
// ("main", each IOThread) and one vCPU. Every 1 ms timer tick it records
// the tick's lateness (its jitter probe), takes the shared "BQL" word (the
// main context holds it 300 us per tick, as a main-loop chore would; the
// vCPU measures how long it waits for it), and completes one request of
// each device it hosts, recording the time since that device's previous
// completion as its latency. Fault modes (the placement's name): "stuck"
// blocks a context thread for good 200 ms into the workload; "throws"
// makes a device handler throw there. Test fixture; not part of the API.

import { SharedHistogram, type SharedHistogramHandle } from "../../measure/histogram.ts";

/** Control words (Int32) shared with the stand-in machine. */
export const CTL = {
  /** 0 idle, 1 workload running, 2 stop. Written by the machine. */
  STATE: 0,
  /** The "BQL": 0 free, 1 held. CAS by every thread. */
  LOCK: 1,
  /** First per-thread word: progress at FIRST + 2 * i, doing at FIRST + 2 * i + 1. */
  FIRST: 4,
} as const;

/** What `doing` codes mean. */
export const DOING = ["idle", "waiting for its timer", "dispatching", "blocked in Atomics.wait"];

export interface ThreadInit {
  name: string;
  index: number;
  role: "context" | "vcpu";
  fault: "none" | "stuck" | "throws";
  ctl: SharedArrayBuffer;
  /** Float64: [i] = BQL wait total of thread i, ns. */
  waits: SharedArrayBuffer;
  jitter: SharedHistogramHandle;
  devices: { name: string; hist: SharedHistogramHandle; counter: SharedArrayBuffer }[];
  holdUs: number;
}

let init: ThreadInit;
let ctl: Int32Array;
let waits: Float64Array;
let jitter: SharedHistogram;
const hosted = new Map<string, { hist: SharedHistogram; counter: Int32Array; last: number }>();
let expected = 0;
let runningSince = -1;
let stopped = false;

function spin(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) { /* hold */ }
}

function standInHandler(device: string, now: number): void {
  const d = hosted.get(device)!;
  if (init.fault === "throws" && init.role === "context" && now - runningSince > 200) {
    throw new Error(`stand-in handler of ${device} failed on purpose`);
  }
  d.hist.record((now - d.last) * 1e6);
  d.last = now;
  Atomics.add(d.counter, 0, 1);
}

function tick(): void {
  if (stopped) return;
  const base = CTL.FIRST + 2 * init.index;
  const now = performance.now();
  jitter.record(Math.max(0, now - expected) * 1e6);
  Atomics.add(ctl, base, 1);
  // Pairs with the machine's Atomics.store(STATE).
  const state = Atomics.load(ctl, CTL.STATE);
  if (state === 2) {
    stopped = true;
    postMessage({ type: "stopped" });
    self.close();
    return;
  }
  if (state === 1) {
    if (runningSince < 0) {
      runningSince = now;
      for (const d of hosted.values()) d.last = now;
    }
    Atomics.store(ctl, base + 1, 2);
    const t0 = performance.now();
    // The "BQL": pairs with the Atomics.store(LOCK, 0) of whichever thread held it.
    while (Atomics.compareExchange(ctl, CTL.LOCK, 0, 1) !== 0) Atomics.pause?.();
    if (init.role === "vcpu") waits[init.index] += (performance.now() - t0) * 1e6;
    if (init.holdUs > 0) spin(init.holdUs);
    Atomics.store(ctl, CTL.LOCK, 0);
    if (
      init.fault === "stuck" && init.role === "context" && hosted.size > 0 &&
      now - runningSince > 200
    ) {
      Atomics.store(ctl, base + 1, 3);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    try {
      for (const name of hosted.keys()) standInHandler(name, now);
    } catch (err) {
      const e = err as Error;
      postMessage({ type: "error", handler: "standInHandler", message: e.message, stack: e.stack });
      stopped = true;
      return;
    }
  }
  Atomics.store(ctl, base + 1, 1);
  expected = performance.now() + 1;
  setTimeout(tick, 1);
}

self.onmessage = (e: MessageEvent) => {
  const m = e.data;
  if (m.type === "init") {
    init = m.init as ThreadInit;
    ctl = new Int32Array(init.ctl);
    waits = new Float64Array(init.waits);
    jitter = SharedHistogram.fromHandle(init.jitter);
    for (const d of init.devices) {
      hosted.set(d.name, {
        hist: SharedHistogram.fromHandle(d.hist),
        counter: new Int32Array(d.counter),
        last: performance.now(),
      });
    }
    expected = performance.now();
    tick();
    postMessage({ type: "ready" });
  } else if (m.type === "host") {
    const d = m.device as ThreadInit["devices"][number];
    hosted.set(d.name, {
      hist: SharedHistogram.fromHandle(d.hist),
      counter: new Int32Array(d.counter),
      last: performance.now(),
    });
    postMessage({ type: "hosted", device: d.name });
  } else if (m.type === "drop") {
    hosted.delete(m.device as string);
    postMessage({ type: "dropped", device: m.device });
  }
};
