import assert from "node:assert/strict";
import { AioContext } from "./aio_context.ts";
import { aioWaitKick, aioWaitWhile } from "./aio_wait.ts";
import { IoThread } from "./io_thread.ts";
import { MainLoop } from "./main_loop.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { REGISTRY } from "../sync/layout.ts";
import { withCleanup } from "../testing/cleanup.ts";

const FIX = new URL("./testdata/iothread.ts", import.meta.url).href;
const ref = (name: string) => `${FIX}#${name}`;

Deno.test("aioWaitWhile: the home thread polls its own context until the condition clears", () => {
  const ctx = new AioContext({ name: "wait-home" });
  let steps = 0;
  const bh = ctx.bhNew(() => {
    steps++;
    if (steps < 3) bh.schedule();
  });
  bh.schedule();
  assert.equal(aioWaitWhile(ctx, () => steps < 3), true);
  assert.equal(steps, 3);
  assert.equal(aioWaitWhile(ctx, () => false), false, "no poll when already false");
  assert.equal(Atomics.load(defaultRegistry().words, REGISTRY.WAITERS), 0, "waiter count restored");
  bh.delete();
  ctx.poll(false);
  ctx.destroy();
});

Deno.test("aioWaitWhile: the waiter count is restored when the condition throws", () => {
  const ctx = new AioContext();
  assert.throws(() =>
    aioWaitWhile(ctx, () => {
      throw new Error("cond failed");
    }), /cond failed/);
  assert.equal(Atomics.load(defaultRegistry().words, REGISTRY.WAITERS), 0);
  ctx.destroy();
});

Deno.test("aioWaitWhile: the orchestrator may not wait on a context it does not run", () => {
  const other = new AioContext({ name: "wait-other" });
  assert.throws(
    () => aioWaitWhile(other.remote(), () => true),
    /orchestrator.*cannot wait for context "wait-other"/,
  );
  assert.throws(() => aioWaitWhile(null, () => true), /cannot wait for several contexts/);
  other.destroy();
});

Deno.test("aioWaitWhile: an IOThread waiting on another IOThread is refused", async () => {
  const a = await IoThread.create({ id: "w-a" });
  const b = await IoThread.create({ id: "w-b" });
  await withCleanup(async () => {
    const msg = await a.run<string>(ref("waitOn"), b.contextHandle);
    assert.match(
      msg,
      /IO w-a.*cannot wait for context "w-b".*IOThread waiting on another IOThread/,
    );
    assert.equal(await a.run<string>(ref("waitOn"), a.contextHandle), "waited", "own context: ok");
  }, async () => {
    a.stop();
    b.stop();
    await Promise.all([a.join(), b.join()]);
  });
});

for (const acquire of [false, true]) {
  Deno.test(`aioWaitWhile: the main loop waits for an IOThread, woken by aioWaitKick (acquire=${acquire})`, async () => {
    const main = await MainLoop.create();
    const iot = await IoThread.create({ id: `w-iot-${acquire}` });
    await withCleanup(async () => {
      const flag = new SharedArrayBuffer(8);
      const kicksBefore = Atomics.load(defaultRegistry().words, REGISTRY.KICKS);
      const waited = main.run<boolean>(ref("mainWaitForFlag"), iot.contextHandle, flag, acquire);
      // With acquire, the setter blocks on the context lock unless the waiter
      // drops it around each poll (the seed-era rule).
      await iot.run(ref("setFlagAndKick"), iot.contextHandle, flag, acquire);
      assert.equal(await waited, true);
      assert.ok(Atomics.load(defaultRegistry().words, REGISTRY.KICKS) > kicksBefore);
    }, async () => {
      iot.stop();
      main.stop();
      await Promise.all([iot.join(), main.join()]);
    });
  });
}

Deno.test("aioWaitKick: with nobody waiting it does nothing", () => {
  const before = Atomics.load(defaultRegistry().words, REGISTRY.KICKS);
  aioWaitKick();
  assert.equal(Atomics.load(defaultRegistry().words, REGISTRY.KICKS), before);
});
