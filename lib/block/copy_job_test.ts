import assert from "node:assert/strict";
import { AioContext } from "../runtime/aio_context.ts";
import { localContext } from "../runtime/thread_state.ts";
import { BlockGraph } from "./block_graph.ts";
import type { BlockRequest, DriverHooks, DriverNode, RequestResult } from "./driver.ts";
import { CopyJob } from "./copy_job.ts";
import { coDrainedBegin, coDrainedEnd } from "./co_drain.ts";
import { aioCoEnter, Coroutine } from "../runtime/coroutine.ts";

/** A test driver over a byte array; completes from a oneshot BH in the node's context. */
class MemDriver implements DriverHooks {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly completedIn: number[] = [];
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  submit(node: DriverNode, req: BlockRequest, done: (r: RequestResult) => void): void {
    const ctx = localContext(node.aioContext)!;
    ctx.scheduleOneshot(() => {
      this.completedIn.push(ctx.id);
      if (req.op === "read") {
        done({ ok: true, data: this.bytes.slice(req.offset, req.offset + req.bytes) });
      } else {
        if (req.op === "write") this.bytes.set(req.data!, req.offset);
        done({ ok: true });
      }
    });
  }
}

async function sha256(b: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", b));
  return [...d].map((x) => x.toString(16).padStart(2, "0")).join("");
}

Deno.test("copy job: survives a drained section and an AioContext move, copies every byte", async () => {
  const a = new AioContext({ name: "job-a" });
  const b = new AioContext({ name: "job-b" });
  const both = [a, b];
  const graph = new BlockGraph({
    mainContext: a.id,
    // Poll every context of this thread until the condition clears.
    waitWhile: (_ctx, cond) => {
      while (cond()) {
        let progress = false;
        for (const c of both) if (c.poll(false)) progress = true;
        if (!progress && cond()) throw new Error("drain stuck: nothing left to run");
      }
    },
  });
  const size = 1 << 20;
  const srcDrv = new MemDriver(size);
  crypto.getRandomValues(srcDrv.bytes.subarray(0, 65536));
  for (let off = 65536; off < size; off += 65536) srcDrv.bytes.copyWithin(off, 0, 65536);
  srcDrv.bytes[size - 1] ^= 0x5a; // make the tail unique too
  const dstDrv = new MemDriver(size);
  const src = graph.addNode({ nodeName: "src", driver: srcDrv, driverName: "mem" });
  const dst = graph.addNode({ nodeName: "dst", driver: dstDrv, driverName: "mem" });
  const job = new CopyJob(graph, { src, dst, length: size, chunk: 4096 });
  job.start();
  const step = () => both.forEach((c) => c.poll(false));
  while (job.progress < size / 4) step();

  // Drained section: the job parks at a pause point and makes no progress.
  graph.drainedBegin(src);
  assert.equal(job.paused, true);
  assert.equal(job.busy, false);
  assert.equal(src.inFlight + dst.inFlight, 0);
  const frozen = job.progress;
  for (let i = 0; i < 50; i++) step();
  assert.equal(job.progress, frozen, "no progress while drained");
  graph.drainedEnd(src);
  while (job.progress < size / 2) step();
  assert.ok(srcDrv.completedIn.every((id) => id === a.id), "all in context a so far");

  // Move both nodes (the job is a parent of both): the job follows.
  graph.trySetAioContext(src, b.id); // drains: what was in flight completes in a
  const before = srcDrv.completedIn.length;
  assert.deepEqual([src.aioContext, dst.aioContext, job.aioContext], [b.id, b.id, b.id]);
  assert.equal(job.moves, 1);
  while (!job.done && job.error === null) step();
  assert.equal(job.error, null);
  assert.ok(
    srcDrv.completedIn.slice(before).every((id) => id === b.id),
    "after the move, every request completes in context b",
  );
  assert.equal(job.progress, size);
  assert.equal(await sha256(dstDrv.bytes), await sha256(srcDrv.bytes), "every byte copied");
  a.destroy();
  b.destroy();
});

Deno.test("drain from a coroutine runs from a BH in the main context while the coroutine waits (1.15)", () => {
  const ctx = new AioContext({ name: "co-drain" });
  const graph = new BlockGraph({
    mainContext: ctx.id,
    waitWhile: (_c, cond) => {
      while (cond()) ctx.poll(false);
    },
  });
  const node = graph.addNode({ nodeName: "n", driver: new MemDriver(4096), driverName: "mem" });
  const log: string[] = [];
  const co = Coroutine.create(function* () {
    log.push("request");
    yield* coDrainedBegin(graph, node);
    log.push(`drained ${node.quiesceCounter}`);
    yield* coDrainedEnd(graph, node);
    log.push(`undrained ${node.quiesceCounter}`);
  }, null);
  aioCoEnter(ctx, co);
  assert.deepEqual(log, ["request"], "the coroutine waits; nothing drained inside it");
  assert.equal(node.quiesceCounter, 0);
  assert.equal(node.inFlight, 1, "an in-flight reference holds the node meanwhile");
  assert.equal(ctx.poll(false), true, "the BH in the main context did the drain");
  assert.deepEqual(log, ["request", "drained 1"]);
  ctx.poll(false);
  assert.deepEqual(log, ["request", "drained 1", "undrained 0"]);
  assert.equal(co.terminated, true);
  ctx.destroy();
});

Deno.test("copy job: created on nodes outside the main context, it runs there and leaves them there (block_job_create)", () => {
  const main = new AioContext({ name: "job-main" });
  const io = new AioContext({ name: "job-io" });
  const graph = new BlockGraph({ mainContext: main.id });
  const srcDrv = new MemDriver(8192);
  srcDrv.bytes.fill(3);
  const dstDrv = new MemDriver(8192);
  const src = graph.addNode({ nodeName: "src", driver: srcDrv, driverName: "mem", ctx: io.id });
  const dst = graph.addNode({ nodeName: "dst", driver: dstDrv, driverName: "mem", ctx: io.id });
  const job = new CopyJob(graph, { src, dst, length: 8192, chunk: 4096 });
  assert.deepEqual([src.aioContext, dst.aioContext, job.aioContext], [io.id, io.id, io.id]);
  assert.equal(job.moves, 0);
  job.start();
  assert.equal(main.poll(false), false, "nothing runs in the main context");
  while (!job.done && job.error === null) assert.equal(io.poll(false), true, "the job progresses");
  assert.equal(job.error, null);
  assert.ok(srcDrv.completedIn.every((id) => id === io.id));
  assert.deepEqual(dstDrv.bytes, srcDrv.bytes);
  main.destroy();
  io.destroy();
});
