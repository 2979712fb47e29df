/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// Raw JavaScript hand-off between two Workers on a SharedArrayBuffer: what a
// JS programmer would write without aiolab. Mode "wait": Atomics.wait /
// Atomics.notify on one word per side; mode "spin": busy-wait on the word.
// Ping measures batches and posts the samples (ns per round trip).

interface Init {
  sab: SharedArrayBuffer;
  role: "ping" | "pong";
  roundTrips: number;
  spin: boolean;
}

self.onmessage = (e: MessageEvent<Init>) => {
  const { sab, role, roundTrips, spin } = e.data;
  const w = new Int32Array(sab);
  // Words 0 and 16: one cache line per side. Word 32: start flag.
  const mine = role === "ping" ? 0 : 16;
  const other = role === "ping" ? 16 : 0;
  const take = (): void => {
    while (Atomics.load(w, mine) === 0) if (!spin) Atomics.wait(w, mine, 0);
    Atomics.store(w, mine, 0);
  };
  const give = (): void => {
    Atomics.store(w, other, 1);
    if (!spin) Atomics.notify(w, other);
  };
  const batch = Math.max(1, Math.min(1000, Math.floor(roundTrips / 100)));
  const warmup = Math.max(1, Math.floor(roundTrips / 10));
  const total = warmup + Math.floor(roundTrips / batch) * batch;
  Atomics.add(w, 32, 1);
  while (Atomics.load(w, 32) < 2) { /* both started */ }
  if (role === "pong") {
    for (let i = 0; i < total; i++) {
      take();
      give();
    }
    self.postMessage({ samples: [] });
    return;
  }
  for (let i = 0; i < warmup; i++) {
    give();
    take();
  }
  const samples: number[] = [];
  for (let done = warmup; done < total; done += batch) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      give();
      take();
    }
    samples.push(((performance.now() - t0) * 1e6) / batch);
  }
  self.postMessage({ samples, batch });
};
