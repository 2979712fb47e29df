import assert from "node:assert/strict";
import { AioContext } from "../runtime/aio_context.ts";
import { BlockGraph } from "./block_graph.ts";
import type { DriverHooks, DriverNode, RequestResult } from "./driver.ts";
import { NullDriver } from "./null_driver.ts";
import { withCleanup } from "../testing/cleanup.ts";

Deno.test("driver contract: a BlockNode is a DriverNode, and so is a plain { nodeName, aioContext }", async () => {
  const ctx = new AioContext();
  await withCleanup(() => {
    const drv = new NullDriver();
    const hooks: DriverHooks = drv;
    const node: DriverNode = new BlockGraph({ mainContext: ctx.id }).addNode({
      nodeName: "n",
      driver: hooks,
    });
    const plain: DriverNode = structuredClone({ nodeName: "p", aioContext: ctx.id });
    const results: RequestResult[] = [];
    for (const n of [node, plain]) {
      drv.submit(n, { op: "flush", offset: 0, bytes: 0 }, (r) => results.push(r));
    }
    assert.equal(results.length, 0, "done is never called inside submit");
    ctx.poll(false);
    assert.deepEqual(results.map((r) => r.ok), [true, true]);
    assert.throws(
      () =>
        drv.submit({ nodeName: "far", aioContext: ctx.id + 1000 }, {
          op: "flush",
          offset: 0,
          bytes: 0,
        }, () => {}),
      /not homed in this thread/,
    );
  }, () => {
    ctx.destroy();
  });
});
