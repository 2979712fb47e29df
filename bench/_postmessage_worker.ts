/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Worker for the postMessage ping-pong baseline (see `runPostMessagePingPong`
 * in `./_baselines.ts`). Two instances are started: "ping" and "pong". They
 * exchange messages directly over a transferred MessagePort; only "ping"
 * measures time and reports the samples to the orchestrator.
 *
 * Protocol with the orchestrator:
 *  - in:  `{ type: "init", role: "ping" | "pong", port: MessagePort, roundTrips: number }`
 *  - out: `{ type: "ready" }`
 *  - in (ping only):  `{ type: "go" }`
 *  - out (ping only): `{ type: "done", samples: number[], batch: number }`
 *  - out on failure:  `{ type: "error", message: string }`
 *
 * @module
 */

interface InitMsg {
  type: "init";
  role: "ping" | "pong";
  port: MessagePort;
  roundTrips: number;
}

function fail(e: unknown): void {
  self.postMessage({
    type: "error",
    message: e instanceof Error ? e.stack ?? e.message : String(e),
  });
}

function runPong(port: MessagePort): void {
  // Echo every message straight back.
  port.onmessage = (ev: MessageEvent<number>) => port.postMessage(ev.data);
  port.start();
  self.postMessage({ type: "ready" });
}

function runPing(port: MessagePort, roundTrips: number): void {
  const batch = Math.min(1000, Math.max(1, Math.floor(roundTrips / 100)));
  const nbatches = Math.floor(roundTrips / batch);
  const warmup = Math.max(1, Math.floor(roundTrips / 10));
  const samples: number[] = [];
  let i = 0; // round trips completed in the current phase
  let phase: "warmup" | "timed" = "warmup";
  let t0 = 0;

  port.onmessage = () => {
    try {
      i++;
      if (phase === "warmup") {
        if (i < warmup) {
          port.postMessage(i);
          return;
        }
        phase = "timed";
        i = 0;
        t0 = performance.now();
        port.postMessage(0);
        return;
      }
      if (i % batch === 0) {
        const t1 = performance.now();
        samples.push(((t1 - t0) * 1e6) / batch);
        if (samples.length === nbatches) {
          port.onmessage = null;
          port.close();
          self.postMessage({ type: "done", samples, batch });
          return;
        }
        t0 = performance.now();
      }
      port.postMessage(i);
    } catch (e) {
      fail(e);
    }
  };
  port.start();

  self.onmessage = (ev: MessageEvent<{ type: string }>) => {
    if (ev.data.type === "go") port.postMessage(0); // first warm-up round trip
  };
  self.postMessage({ type: "ready" });
}

self.onmessage = (ev: MessageEvent<InitMsg>) => {
  try {
    const msg = ev.data;
    if (msg.type !== "init") throw new Error(`unexpected message ${JSON.stringify(msg)}`);
    if (msg.role === "pong") runPong(msg.port);
    else runPing(msg.port, msg.roundTrips);
  } catch (e) {
    fail(e);
  }
};
