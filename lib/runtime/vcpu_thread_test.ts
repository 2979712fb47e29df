// VcpuThread: a Worker with a thread id and the registry but no AioContext
// (QEMU_SEMANTICS.md 1.2), running guest code sent by run(), stopped and
// joined. Real Workers throughout.

import assert from "node:assert/strict";
import { defaultRegistry } from "../sync/registry.ts";
import { AioThreadError } from "./aio_thread_error.ts";
import { IoThread } from "./io_thread.ts";
import { MainLoop } from "./main_loop.ts";
import { vcpuStopRequested, VcpuThread } from "./vcpu_thread.ts";
import { JoinTimeoutError } from "./hosted_thread.ts";
import { waitFor } from "../testing/wait.ts";
import { withCleanup } from "../testing/cleanup.ts";

const FIX = new URL("./testdata/iothread.ts", import.meta.url).href;
const ref = (name: string) => `${FIX}#${name}`;

const threadsInUse = (): number => defaultRegistry().threadsInUse();

/** Awaits, without blocking this thread, until a[i] >= want (60 s bound: a hang, not slowness). */
async function untilAtLeast(a: Int32Array, i: number, want: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Atomics.load(a, i) < want) {
    if (Date.now() > deadline) throw new Error(`timed out: word ${i} < ${want}`);
    const r = Atomics.waitAsync(a, i, Atomics.load(a, i), 20);
    if (r.async) await Promise.race([r.value, new Promise((res) => setTimeout(res, 25))]);
  }
}

Deno.test("VcpuThread: runs guest code with its own thread id, no context, the main context only under the BQL", async () => {
  const before = threadsInUse();
  const main = await MainLoop.create();
  const cpu = await VcpuThread.create({ index: 0, preload: [FIX] });
  await withCleanup(async () => {
    assert.equal(threadsInUse(), before + 2);
    assert.equal(await cpu.run(ref("add"), 2, 3), 5);
    const who = await cpu.run<Record<string, unknown>>(ref("vcpuWhoAmI"));
    assert.deepEqual(who, {
      threadId: cpu.threadId,
      threadName: "CPU 0/aiolab",
      role: "vcpu",
      own: null,
      unlocked: null,
      locked: "main",
      lockedHeld: true,
      stopRequested: false,
    });
  }, async () => {
    cpu.stop();
    main.stop();
    await Promise.all([cpu.join(), main.join()]);
  });
  assert.equal(threadsInUse(), before, "thread ids returned to the pool");
  await assert.rejects(cpu.run(ref("add"), 1, 1), /not running|exited/);
});

Deno.test("VcpuThread: guest code sees stop() through shared memory; the thread exits when it returns", async () => {
  const cpu = await VcpuThread.create({ index: 1 });
  const sab = new SharedArrayBuffer(8);
  const a = new Int32Array(sab);
  const spin = cpu.run<number>(ref("vcpuSpinUntilStopped"), sab);
  await untilAtLeast(a, 0, 3);
  // The guest code is busy (its JavaScript event loop is blocked): only the
  // shared stop request can reach it.
  cpu.stop();
  const rounds = await spin;
  assert.ok(rounds >= 3, `${rounds} rounds`);
  await cpu.join();
  assert.equal(cpu.error, null);
});

Deno.test("VcpuThread: a throwing guest call rejects with thread and handler; the vCPU lives on", async () => {
  await using cpu = await VcpuThread.create({ index: 2 });
  const err = await cpu.run(ref("fail"), "bad input").then(
    () => assert.fail("should reject"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AioThreadError);
  assert.equal(err.thread, "CPU 2/aiolab");
  assert.match(err.handler ?? "", /#fail$/);
  assert.equal(await cpu.run(ref("add"), 1, 2), 3);
});

Deno.test("VcpuThread: guest code kicks a device context in an IOThread", async () => {
  const iot = await IoThread.create({ id: "vcpu-dev", preload: [FIX] });
  const cpu = await VcpuThread.create({ index: 3, preload: [FIX] });
  await withCleanup(async () => {
    const rec = new SharedArrayBuffer(32);
    const r = new Int32Array(rec);
    await iot.run(ref("registerTestHandlers"), rec);
    assert.equal(await cpu.run(ref("vcpuKick"), iot.contextHandle, 77), true);
    await untilAtLeast(r, 0, 1);
    assert.equal(r[1], 77);
    assert.equal(r[4], iot.threadId, "the handler ran in the IOThread");
  }, async () => {
    cpu.stop();
    iot.stop();
    await Promise.all([cpu.join(), iot.join()]);
  });
});

Deno.test("VcpuThread: bad index refused before a thread starts; vcpuStopRequested only inside a vCPU", async () => {
  const before = threadsInUse();
  await assert.rejects(VcpuThread.create({ index: -1 }), {
    name: "TypeError",
    message: /expected a non-negative integer, got -1/,
  });
  await assert.rejects(VcpuThread.create({ index: "0" as unknown as number }), {
    name: "TypeError",
    message: /got the string "0"/,
  });
  assert.equal(threadsInUse(), before);
  assert.throws(() => vcpuStopRequested(), /only inside a vCPU thread/);
});

/** Awaits `p` under waitFor's hang guard: a hang fails the test instead of hanging it. */
async function settles<T>(p: Promise<T>, what: string): Promise<T> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await waitFor(() => done, what);
  return p;
}

Deno.test("VcpuThread: guest code that never returns: join({ timeoutMs }) names it; terminate() frees the thread id once the code returns (Deno cannot end synchronous code)", async () => {
  const before = threadsInUse();
  const cpu = await VcpuThread.create({ index: 6 });
  const a = new Int32Array(new SharedArrayBuffer(8));
  try {
    const call = cpu.run(ref("spinUntilReleased"), a.buffer).then(() => "returned", String);
    await waitFor({ words: a, index: 0, equals: 1 }, "the guest code to run", { watch: cpu });
    const err = await settles(cpu.join({ timeoutMs: 100 }), "join with a timeout").then(
      () => assert.fail("join should time out"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof JoinTimeoutError);
    assert.match(
      err.message,
      /thread CPU 6\/aiolab did not end within 100 ms of join\(\) \(stop\(\) was not called\): it is running run\(\) of .*#spinUntilReleased/,
    );
    assert.equal(await settles(cpu.terminate({ graceMs: 50 }), "terminate"), false);
    assert.match(await call, /CPU 6\/aiolab.*terminated/);
    await assert.rejects(cpu.join(), /terminated/);
    assert.equal(threadsInUse(), before + 1, "its code still runs: its id stays reserved");
  } finally {
    Atomics.store(a, 1, 1);
  }
  await waitFor(() => threadsInUse() === before, "the thread id to be freed");
});

Deno.test("VcpuThread: terminate() ends a vCPU whose async guest code never settles, at once (stop() would wait for it)", async () => {
  const before = threadsInUse();
  const cpu = await VcpuThread.create({ index: 7 });
  const a = new Int32Array(new SharedArrayBuffer(8));
  const call = cpu.run(ref("neverSettles"), a.buffer).then(() => "returned", String);
  await waitFor({ words: a, index: 0, equals: 1 }, "the guest code to run", { watch: cpu });
  cpu.stop();
  await assert.rejects(settles(cpu.join({ timeoutMs: 50 }), "join"), JoinTimeoutError);
  assert.equal(await settles(cpu.terminate(), "terminate"), true);
  assert.match(await call, /terminated/);
  assert.equal(threadsInUse(), before);
});
