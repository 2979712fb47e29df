// Measurement bodies of the runtime micro-benchmarks. Each returns
// Measurements in ns per operation; verdicts (lib/analysis) and reporting
// live in micro.ts.

import { AioContext } from "../lib/runtime/aio_context.ts";
import { ClockType, Scale } from "../lib/runtime/clock.ts";
import { IoThread } from "../lib/runtime/io_thread.ts";
import { EventNotifier } from "../lib/sync/event_notifier.ts";
import { Mutex } from "../lib/sync/mutex.ts";
import { BlockBackend } from "../lib/block/block_backend.ts";
import { BlockGraph } from "../lib/block/block_graph.ts";
import { createVirtioBlk, type VirtioBlkHandle } from "../lib/machine/virtio_blk.ts";
import { NullDriver } from "../lib/block/null_driver.ts";
import { FileDriver } from "../lib/block/file_driver.ts";
import { median } from "../lib/analysis/statistics.ts";
import { type Measurement, measurement } from "../lib/result/measurement.ts";

const FIXTURE = new URL("./_fixture_runtime.ts", import.meta.url).href;
const ref = (name: string) => `${FIXTURE}#${name}`;

/** Runs `body` (which performs `ops` operations) `reps` times; ns/op samples. */
function sampleLocal(reps: number, ops: number, body: () => void): number[] {
  body(); // warm up
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    body();
    out.push(((performance.now() - t0) * 1e6) / ops);
  }
  return out;
}

/**
 * (a) Event round trip A → B → A through event notifiers, both sides
 * AioContexts in IoThreads. `pollMaxNs` 0 = blocking waits; otherwise both
 * contexts busy-poll first. `hostIo` makes B watch an idle TCP connection
 * (its thread then waits in Atomics.waitAsync instead of Atomics.wait).
 */
export async function eventRoundTrip(
  name: string,
  roundTrips: number,
  pollMaxNs: number,
  hostIo = false,
): Promise<Measurement> {
  const a = await IoThread.create({ id: `${name}-A`, pollMaxNs });
  const b = await IoThread.create({ id: `${name}-B`, pollMaxNs });
  try {
    const ping = new EventNotifier({ name: "ping" });
    const pong = new EventNotifier({ name: "pong" });
    const polling = pollMaxNs > 0;
    await b.run(ref("rtServerSetup"), ping.handle, pong.handle, polling, hostIo);
    const batch = Math.max(100, Math.floor(roundTrips / 50));
    const samples = await a.run<number[]>(
      ref("rtClient"),
      ping.handle,
      pong.handle,
      roundTrips,
      batch,
      polling,
    );
    await b.run(ref("rtServerTeardown"), ping.handle);
    const bs = b.getAioContext().notifyStats();
    return measurement(name, samples, { serverWakes: bs.wakes, serverWaits: bs.waits });
  } finally {
    a.stop();
    b.stop();
    await Promise.all([a.join(), b.join()]);
  }
}

/** (b) Local BH schedule + dispatch in one context: one BH per poll, and 64 per poll. */
export function bhLocal(reps: number): Measurement[] {
  const ctx = new AioContext({ name: "bench-bh" });
  let runs = 0;
  const bh = ctx.bhNew(() => runs++);
  const OPS = 100_000;
  const single = sampleLocal(reps, OPS, () => {
    for (let i = 0; i < OPS; i++) {
      bh.schedule();
      ctx.poll(false);
    }
  });
  const many = Array.from({ length: 64 }, () => ctx.bhNew(() => runs++));
  const batched = sampleLocal(reps, OPS, () => {
    for (let i = 0; i < OPS; i += 64) {
      for (let k = 0; k < 64; k++) many[k].schedule();
      ctx.poll(false);
    }
  });
  bh.delete();
  for (const m of many) m.delete();
  ctx.poll(false);
  ctx.destroy();
  return [
    measurement("bh_schedule_poll", single),
    measurement("bh_schedule_x64_poll", batched),
  ];
}

/** (c) Cross-thread oneshots through the ring into an IoThread: ns per oneshot. */
export async function oneshotThroughput(reps: number, n: number): Promise<Measurement> {
  const consumer = await IoThread.create({ id: "bench-consumer" });
  const producer = await IoThread.create({ id: "bench-producer" });
  const samples: number[] = [];
  const producerNs: number[] = [];
  try {
    for (let r = 0; r < reps; r++) {
      const sab = new SharedArrayBuffer(24);
      const counter = new Int32Array(sab, 0, 2);
      const times = new Float64Array(sab, 8, 2);
      counter[1] = n;
      await consumer.run(ref("oneshotConsumerSetup"), sab);
      const t0 = performance.now();
      const pNs = await producer.run<number>(ref("oneshotProducer"), consumer.contextHandle, n);
      // Wait (without blocking the orchestrator) until every oneshot ran.
      while (Atomics.load(counter, 0) < n) {
        const w = Atomics.waitAsync(counter, 0, Atomics.load(counter, 0), 1000);
        if (w.async) await w.value;
      }
      const endToEnd = performance.now() - t0;
      await consumer.run(ref("oneshotConsumerTeardown"));
      // Consumer-side span first call → last call, in the consumer's clock.
      const span = times[1] - times[0];
      samples.push(((span > 0 ? span : endToEnd) * 1e6) / n);
      producerNs.push(pNs);
    }
  } finally {
    consumer.stop();
    producer.stop();
    await Promise.all([consumer.join(), producer.join()]);
  }
  return measurement("oneshot_cross_thread", samples, { producerNsPerOp: median(producerNs) });
}

/** (d) Uncontended Mutex lock+unlock in one thread, stats off. */
export function mutexUncontended(reps: number): Measurement {
  const m = new Mutex();
  const OPS = 1_000_000;
  const samples = sampleLocal(reps, OPS, () => {
    for (let i = 0; i < OPS; i++) {
      m.lock();
      m.unlock();
    }
  });
  return measurement("mutex_uncontended", samples);
}

/** (d) Two threads contending on one Mutex: ns per increment (all threads). */
export async function mutexContended(reps: number, iters: number): Promise<Measurement> {
  const t1 = await IoThread.create({ id: "bench-m1", pollMaxNs: 0 });
  const t2 = await IoThread.create({ id: "bench-m2", pollMaxNs: 0 });
  const samples: number[] = [];
  try {
    for (let r = 0; r < reps; r++) {
      const m = new Mutex();
      const sab = new SharedArrayBuffer(12);
      const flags = new Int32Array(sab);
      const p1 = t1.run<number>(ref("mutexHammer"), m.handle, sab, iters);
      const p2 = t2.run<number>(ref("mutexHammer"), m.handle, sab, iters);
      while (Atomics.load(flags, 0) < 2) await new Promise((r) => setTimeout(r, 1));
      Atomics.store(flags, 1, 1);
      const [e1, e2] = await Promise.all([p1, p2]);
      if (flags[2] !== 2 * iters) {
        throw new Error(`mutex benchmark lost increments: ${flags[2]} != ${2 * iters}`);
      }
      samples.push(Math.max(e1, e2) / (2 * iters));
    }
  } finally {
    t1.stop();
    t2.stop();
    await Promise.all([t1.join(), t2.join()]);
  }
  return measurement("mutex_contended", samples);
}

/** (e) Timer arm + fire in one context: one timer per poll, and 64 per poll. */
export function timerArmFire(reps: number): Measurement[] {
  const ctx = new AioContext({ name: "bench-timer" });
  let fired = 0;
  const t = ctx.timerNew(ClockType.REALTIME, Scale.NS, () => fired++);
  const OPS = 100_000;
  const single = sampleLocal(reps, OPS, () => {
    for (let i = 0; i < OPS; i++) {
      t.modNs(0);
      ctx.poll(false);
    }
  });
  const many = Array.from(
    { length: 64 },
    () => ctx.timerNew(ClockType.REALTIME, Scale.NS, () => fired++),
  );
  const batched = sampleLocal(reps, OPS, () => {
    for (let i = 0; i < OPS; i += 64) {
      for (let k = 0; k < 64; k++) many[k].modNs(k);
      ctx.poll(false);
    }
  });
  ctx.destroy();
  return [
    measurement("timer_arm_fire", single),
    measurement("timer_arm_x64_fire", batched),
  ];
}

/** Block layer: null-driver read round trip through a BlockBackend in one context. */
export function nullReadLocal(reps: number): Measurement {
  const ctx = new AioContext({ name: "bench-null" });
  const graph = new BlockGraph({ mainContext: ctx.id });
  const blk = new BlockBackend(graph, { name: "b" });
  blk.insert(graph.addNode({ nodeName: "null0", driver: new NullDriver(), driverName: "null" }));
  const OPS = 50_000;
  let done = 0;
  const cb = () => done++;
  const samples = sampleLocal(reps, OPS, () => {
    for (let i = 0; i < OPS; i++) {
      blk.read(0, 512, cb);
      ctx.poll(false);
    }
  });
  ctx.destroy();
  return measurement("null_read_local", samples);
}

/**
 * Block layer: a vCPU-like thread reads at depth 1 from a null node whose
 * device runs in an IoThread, and waits for the interrupt: blocking (both
 * pollMaxNs 0) or polling (both 32768).
 */
export async function nullReadCrossThread(
  name: string,
  total: number,
  pollMaxNs: number,
): Promise<Measurement> {
  const fixture = new URL("./_fixture_block.ts", import.meta.url).href;
  const io = await IoThread.create({ id: `${name}-io`, pollMaxNs });
  const vcpu = await IoThread.create({ id: `${name}-vcpu`, pollMaxNs });
  try {
    const dev = createVirtioBlk({ name: "vda", driver: { kind: "null", latencyNs: 0 } });
    await io.run(`${fixture}#deviceUp`, dev);
    const samples = await vcpu.run<number[]>(
      `${fixture}#guestLatency`,
      dev,
      total,
      Math.max(100, Math.floor(total / 50)),
      pollMaxNs > 0,
    );
    await io.run(`${fixture}#deviceDown`, dev);
    return measurement(name, samples);
  } finally {
    io.stop();
    vcpu.stop();
    await Promise.all([io.join(), vcpu.join()]);
  }
}

/**
 * Block layer: file-driver write throughput through the thread pool
 * (`depth` writes in flight, completions polled in this thread) and, as the
 * baseline in the same run, a plain synchronous Deno write loop. Samples are
 * ns per block; `extra.mbps` gives MB/s (10^6 bytes per second).
 */
export async function fileWrites(
  blockSize: number,
  totalBytes: number,
  depth: number,
): Promise<Measurement[]> {
  const path = await Deno.makeTempFile({ prefix: "aiolab-bench-" });
  const blocks = Math.max(1, Math.floor(totalBytes / blockSize));
  const data = new Uint8Array(blockSize).fill(0x5a);
  const ctx = new AioContext({ name: "bench-file" });
  try {
    const drv = new FileDriver({ filename: path, size: blocks * blockSize, truncate: true });
    const graph = new BlockGraph({ mainContext: ctx.id });
    const blk = new BlockBackend(graph, { name: "f" });
    blk.insert(graph.addNode({ nodeName: "file0", driver: drv, driverName: "file" }));
    const poolRun = (): number => {
      let next = 0;
      let done = 0;
      const t0 = performance.now();
      const submit = (): void => {
        const i = next++;
        blk.write(i * blockSize, data, () => {
          done++;
          if (next < blocks) submit();
        });
      };
      for (let k = 0; k < Math.min(depth, blocks); k++) submit();
      while (done < blocks) ctx.poll(true);
      return ((performance.now() - t0) * 1e6) / blocks;
    };
    const syncRun = (): number => {
      const f = Deno.openSync(path, { write: true });
      const t0 = performance.now();
      for (let i = 0; i < blocks; i++) {
        let off = 0;
        while (off < blockSize) off += f.writeSync(data.subarray(off));
      }
      const ns = ((performance.now() - t0) * 1e6) / blocks;
      f.close();
      return ns;
    };
    const pool: number[] = [];
    const sync: number[] = [];
    poolRun();
    syncRun();
    for (let r = 0; r < 5; r++) {
      pool.push(poolRun());
      sync.push(syncRun());
    }
    await drv.close(ctx);
    const kib = blockSize >= 1 << 20 ? `${blockSize >> 20}m` : `${blockSize >> 10}k`;
    const mbps = (xs: number[]) => blockSize / (median(xs) / 1e3);
    return [
      measurement(`file_write_${kib}_pool`, pool, { mbps: mbps(pool), depth }),
      measurement(`file_write_${kib}_sync`, sync, { mbps: mbps(sync) }),
    ];
  } finally {
    ctx.destroy();
    await Deno.remove(path);
  }
}

/**
 * Starts a device in an IoThread and a vCPU-like thread (both pollMaxNs
 * `pollMaxNs`), runs `body` in the vCPU thread, takes the device down.
 */
async function withDevice<T>(
  name: string,
  pollMaxNs: number,
  body: (vcpu: IoThread, dev: VirtioBlkHandle, io: IoThread) => Promise<T>,
): Promise<T> {
  const fixture = new URL("./_fixture_block.ts", import.meta.url).href;
  const io = await IoThread.create({ id: `${name}-io`, pollMaxNs });
  const vcpu = await IoThread.create({ id: `${name}-vcpu`, pollMaxNs });
  try {
    const dev = createVirtioBlk({ name: "vda", driver: { kind: "null", latencyNs: 0 } });
    await io.run(`${fixture}#deviceUp`, dev);
    const out = await body(vcpu, dev, io);
    await io.run(`${fixture}#deviceDown`, dev);
    return out;
  } finally {
    io.stop();
    vcpu.stop();
    await Promise.all([io.join(), vcpu.join()]);
  }
}

/**
 * (f) The full request path vCPU → IOThread → vCPU at queue depth 1 on a
 * zero-latency null driver, polling on: the IOThread busy-polls (pollMaxNs
 * 32768) and the vCPU busy-waits on its completion ring. Measured paired
 * with its baseline: the same two threads also run bare polled round trips
 * (the vCPU thread as rtClient, the IOThread as the server of
 * {@link eventRoundTrip}), batch for batch, so that a host state (where the
 * VM's vCPUs sit, what runs beside them) that lasts a few milliseconds hits
 * both alike. Returns the request path ("blk_path_qd1_polling") and the
 * round trips ("rt_polling_paired"), ns per operation; each IOThread also
 * carries the other's idle handler.
 */
export function requestPathQd1(total: number): Promise<Measurement[]> {
  const fixture = new URL("./_fixture_block.ts", import.meta.url).href;
  return withDevice("blk-qd1", 32768, async (vcpu, dev, io) => {
    const ping = new EventNotifier({ name: "ping" });
    const pong = new EventNotifier({ name: "pong" });
    await io.run(ref("rtServerSetup"), ping.handle, pong.handle, true, false);
    const batch = 1000;
    const r = await vcpu.run<{ rt: number[]; path: number[] }>(
      `${fixture}#guestPairedLatency`,
      dev,
      ping.handle,
      pong.handle,
      Math.max(1, Math.floor(total / batch)),
      batch,
    );
    await io.run(ref("rtServerTeardown"), ping.handle);
    return [
      measurement("blk_path_qd1_polling", r.path),
      measurement("rt_polling_paired", r.rt),
    ];
  });
}

/**
 * (g) Queue depth `depth` through one vCPU and one IOThread (zero-latency
 * null driver, polling on as in {@link requestPathQd1}): ns per completion;
 * `extra.perReap` is the mean completions the vCPU reaped at once.
 */
export function requestPathThroughput(depth: number, total: number): Promise<Measurement> {
  const fixture = new URL("./_fixture_block.ts", import.meta.url).href;
  return withDevice(`blk-qd${depth}`, 32768, async (vcpu, dev) => {
    const r = await vcpu.run<{ samples: number[]; perReap: number }>(
      `${fixture}#guestThroughput`,
      dev,
      depth,
      total,
      Math.max(1000, Math.floor(total / 50)),
    );
    return measurement(`blk_qd${depth}_polling`, r.samples, { perReap: r.perReap, depth });
  });
}
