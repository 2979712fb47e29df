import assert from "node:assert/strict";
import { AioContext } from "../runtime/aio_context.ts";
import { BlockGraph } from "./block_graph.ts";
import { BlockBackend } from "./block_backend.ts";
import type { RequestResult } from "./driver.ts";
import { FileDriver } from "./file_driver.ts";
import { withCleanup } from "../testing/cleanup.ts";

function stack(ctx: AioContext, drv: FileDriver) {
  const g = new BlockGraph({ mainContext: ctx.id });
  const blk = new BlockBackend(g, { name: "f" });
  blk.insert(g.addNode({ nodeName: "file0", driver: drv, driverName: "file" }));
  const run = (start: (cb: (r: RequestResult) => void) => void): RequestResult => {
    let got: RequestResult | null = null;
    start((r) => (got = r));
    while (got === null) ctx.poll(true); // completion from the pool's BH
    return got;
  };
  return { blk, run };
}

Deno.test("file driver: data written through the pool reads back the same, in the file too", async () => {
  const path = await Deno.makeTempFile({ prefix: "aiolab-file-" });
  const ctx = new AioContext({ name: "file-ctx" });
  await withCleanup(async () => {
    const drv = new FileDriver({ filename: path, size: 1 << 20, truncate: true });
    const { blk, run } = stack(ctx, drv);
    const data = new Uint8Array(64 * 1024).map((_, i) => (i * 131) & 255);
    assert.equal(run((cb) => blk.write(4096, data, cb)).ok, true);
    assert.equal(run((cb) => blk.flush(cb)).ok, true);
    const r = run((cb) => blk.read(4096, data.length, cb));
    assert.equal(r.ok, true);
    assert.deepEqual(r.data, data);
    const onDisk = await Deno.readFile(path);
    assert.equal(onDisk.length, 1 << 20, "truncate set the size");
    assert.deepEqual(onDisk.subarray(4096, 4096 + data.length), data);
    const beyond = run((cb) => blk.read((1 << 20) - 10, 512, cb));
    assert.equal(beyond.ok, false);
    assert.match(beyond.error!.message, /beyond the size/);
    assert.equal(drv.completed, 3);
    await drv.close(ctx);
  }, async () => {
    ctx.destroy();
    await Deno.remove(path);
  });
});

Deno.test("file driver: never truncates unless asked; create only when asked", async () => {
  const path = await Deno.makeTempFile({ prefix: "aiolab-file-" });
  try {
    await Deno.writeFile(path, new Uint8Array(10_000).fill(7));
    const drv = new FileDriver({ filename: path });
    assert.equal(drv.size, 10_000);
    assert.equal((await Deno.stat(path)).size, 10_000, "opening kept the data");
    const missing = `${path}.absent`;
    assert.throws(() => new FileDriver({ filename: missing }), /cannot open .*it must exist/);
    const created = new FileDriver({ filename: missing, create: true });
    assert.equal(created.size, 0);
    await Deno.remove(missing);
  } finally {
    await Deno.remove(path);
  }
});
