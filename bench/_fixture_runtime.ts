// Benchmark bodies that run inside aiolab threads (IoThreads), called with
// IoThread.run(). Each returns plain data (samples in ns per operation).

import { EventNotifier, type EventNotifierHandle } from "../lib/sync/event_notifier.ts";
import { Mutex, type MutexHandle } from "../lib/sync/mutex.ts";
import { type AioContextHandle, RemoteAioContext } from "../lib/runtime/context_handle.ts";
import { registerHandler, unregisterHandler } from "../lib/runtime/handler_ref.ts";
import { getCurrentAioContext } from "../lib/runtime/thread_state.ts";
import type { AioContext } from "../lib/runtime/aio_context.ts";
import { HANDLER_ID } from "../lib/runtime/handler_ids.ts";

function here(): AioContext {
  const ctx = getCurrentAioContext();
  if (ctx === null) throw new Error("benchmark fixture must run in an aiolab event-loop thread");
  return ctx;
}

const servers = new Map<number, { n: EventNotifier; close?: () => void }>();

/**
 * Server side of the event round trip: in context B, the handler of `ping`
 * clears it and sets `pong`. With `hostIo`, the context also watches an idle
 * loopback TCP connection, which makes its thread wait in Atomics.waitAsync.
 */
export async function rtServerSetup(
  ping: EventNotifierHandle,
  pong: EventNotifierHandle,
  polling: boolean,
  hostIo: boolean,
): Promise<boolean> {
  const ctx = here();
  const n1 = EventNotifier.fromHandle(ping);
  const n2 = EventNotifier.fromHandle(pong);
  const onPing = (n: EventNotifier): void => {
    n.testAndClear();
    n2.set();
  };
  if (polling) ctx.setEventNotifier(n1, onPing, (n) => n.isSet(), onPing);
  else ctx.setEventNotifier(n1, onPing);
  let close: (() => void) | undefined;
  if (hostIo) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const server = await listener.accept();
    ctx.setHostIoHandler(server, { read: () => {} });
    close = () => {
      ctx.setHostIoHandler(server, null);
      client.close();
      server.close();
      listener.close();
    };
  }
  servers.set(n1.id, { n: n1, close });
  return true;
}

/** Removes what rtServerSetup registered. */
export function rtServerTeardown(ping: EventNotifierHandle): boolean {
  const id = EventNotifier.fromHandle(ping).id;
  const s = servers.get(id);
  if (s === undefined) return false;
  here().setEventNotifier(s.n, null);
  s.close?.();
  servers.delete(id);
  return true;
}

/**
 * Client side: `roundTrips` times, set `ping` (bound to B) and wait for
 * `pong` by polling this thread's own context (blocking, or busy-polling
 * when the context has pollMaxNs). Returns ns per round trip of each batch.
 */
export function rtClient(
  ping: EventNotifierHandle,
  pong: EventNotifierHandle,
  roundTrips: number,
  batch: number,
  polling: boolean,
): number[] {
  const rt = roundTripper(ping, pong, polling);
  const samples: number[] = [];
  try {
    // Warm up.
    for (let i = 0; i < Math.min(batch, 1000); i++) rt.roundTrip();
    for (let done = 0; done < roundTrips; done += batch) {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) rt.roundTrip();
      samples.push(((performance.now() - t0) * 1e6) / batch);
    }
  } finally {
    rt.close();
  }
  return samples;
}

/**
 * The client side of one round trip at a time, in this thread's context:
 * `roundTrip` sets `ping` (bound to the server's context) and polls this
 * context (blocking, or busy-polling when it has pollMaxNs and `polling`)
 * until `pong` fires; `close` unregisters `pong`. This thread.
 */
export function roundTripper(
  ping: EventNotifierHandle,
  pong: EventNotifierHandle,
  polling: boolean,
): { roundTrip: () => void; close: () => void } {
  const ctx = here();
  const n1 = EventNotifier.fromHandle(ping);
  const n2 = EventNotifier.fromHandle(pong);
  let got = false;
  const onPong = (n: EventNotifier): void => {
    n.testAndClear();
    got = true;
  };
  if (polling) ctx.setEventNotifier(n2, onPong, (n) => n.isSet(), onPong);
  else ctx.setEventNotifier(n2, onPong);
  return {
    roundTrip: () => {
      got = false;
      n1.set();
      while (!got) ctx.poll(true);
    },
    close: () => ctx.setEventNotifier(n2, null),
  };
}

/** Handler id used by the oneshot-throughput benchmark. */
export const ONESHOT_BENCH_HANDLER: number = HANDLER_ID.BENCH_ONESHOT;

let counter: Int32Array | null = null;
let times: Float64Array | null = null;

/**
 * Consumer side of the oneshot throughput benchmark: registers handler 700,
 * which counts calls in `sab` (Int32 word 0) and records the time of the
 * first and the `target`-th call (Float64 words 1 and 2, ms).
 */
export function oneshotConsumerSetup(sab: SharedArrayBuffer): boolean {
  counter = new Int32Array(sab, 0, 2);
  times = new Float64Array(sab, 8, 2);
  registerHandler(ONESHOT_BENCH_HANDLER, (_seq: number) => {
    const c = counter!;
    const n = ++c[0];
    if (n === 1) times![0] = performance.now();
    if (n === c[1]) {
      times![1] = performance.now();
      Atomics.notify(c, 0);
    }
  }, "oneshot-bench");
  return true;
}

/** Removes handler 700. */
export function oneshotConsumerTeardown(): boolean {
  unregisterHandler(ONESHOT_BENCH_HANDLER);
  return true;
}

/** Producer side: n cross-thread oneshots into `target`; returns ns per schedule. */
export function oneshotProducer(target: AioContextHandle, n: number): number {
  const remote = RemoteAioContext.fromHandle(target);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) remote.scheduleOneshot(ONESHOT_BENCH_HANDLER, i);
  return ((performance.now() - t0) * 1e6) / n;
}

/**
 * One side of the contended mutex benchmark: announce readiness in
 * `flags[0]`, spin until `flags[1]` is set, then `iters` times lock,
 * increment the plain counter `flags[2]`, unlock. Returns elapsed ns.
 */
export function mutexHammer(handle: MutexHandle, flagsSab: SharedArrayBuffer, iters: number) {
  const m = Mutex.fromHandle(handle);
  const flags = new Int32Array(flagsSab);
  Atomics.add(flags, 0, 1);
  while (Atomics.load(flags, 1) === 0) {
    // spin until the orchestrator says go
  }
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) {
    m.lock();
    flags[2]++;
    m.unlock();
  }
  return (performance.now() - t0) * 1e6;
}
