import assert from "node:assert/strict";
import { AioContext } from "../runtime/aio_context.ts";
import { aioWaitWhile } from "../runtime/aio_wait.ts";
import { type BdrvChild, BlockGraph, type ChildClass } from "./block_graph.ts";
import type { DriverNode } from "./driver.ts";
import { BlockBackend } from "./block_backend.ts";
import { NullDriver } from "./null_driver.ts";

/**
 * AIO_WAIT_WHILE for several contexts homed in this one thread: poll them
 * all without blocking, and block in the condition's context only when none
 * made progress.
 */
function waitAll(contexts: AioContext[]) {
  return (ctxId: number | null, cond: () => boolean): void => {
    const home = contexts.find((c) => c.id === ctxId) ?? contexts[0];
    aioWaitWhile(home, () => {
      for (const c of contexts) if (c !== home) c.poll(false);
      return cond();
    });
  };
}

/** A graph whose drains poll `contexts`, plus a log of driver and parent callbacks. */
function rig(ctx: AioContext, ...more: AioContext[]) {
  const log: string[] = [];
  const graph = new BlockGraph({ mainContext: ctx.id, waitWhile: waitAll([ctx, ...more]) });
  const hooks = (name: string) => ({
    drainBegin: () => log.push(`${name}.drainBegin`),
    drainEnd: () => log.push(`${name}.drainEnd`),
    detachAioContext: () => log.push(`${name}.detach`),
    attachAioContext: (_n: DriverNode, c: number) => log.push(`${name}.attach(${c})`),
  });
  return { graph, log, hooks };
}

/** A parent class that logs and can refuse context changes. */
function loggingParent(log: string[], name: string, refuse?: string): ChildClass {
  return {
    name,
    drainedBegin: () => log.push(`${name}.parentBegin`),
    drainedEnd: () => log.push(`${name}.parentEnd`),
    canSetAioCtx: () => refuse ?? null,
    setAioCtx: (_e: BdrvChild, c: number) => log.push(`${name}.setCtx(${c})`),
  };
}

Deno.test("drain: nesting counts; callbacks only on 0->1 and 1->0; parents first, driver first at end (inv. 29)", () => {
  const ctx = new AioContext();
  const { graph, log, hooks } = rig(ctx);
  const n = graph.addNode({ nodeName: "n", driver: hooks("drv") });
  graph.attachParent(n, loggingParent(log, "dev"), {}, "root");
  graph.drainedBegin(n);
  assert.equal(n.quiesceCounter, 1);
  assert.deepEqual(log, ["dev.parentBegin", "drv.drainBegin"]);
  graph.drainedBegin(n);
  graph.drainedBegin(n);
  assert.equal(n.quiesceCounter, 3);
  assert.equal(log.length, 2, "nested begins: no callbacks");
  graph.drainedEnd(n);
  graph.drainedEnd(n);
  assert.equal(log.length, 2, "inner ends: no callbacks");
  graph.drainedEnd(n);
  assert.equal(n.quiesceCounter, 0);
  assert.deepEqual(log.slice(2), ["drv.drainEnd", "dev.parentEnd"]);
  assert.throws(() => graph.drainedEnd(n), /without a matching drainedBegin/);
  ctx.destroy();
});

Deno.test("drain: ancestors are quiesced, descendants are not (inv. 30)", () => {
  const ctx = new AioContext();
  const { graph } = rig(ctx);
  const file = graph.addNode({ nodeName: "file" });
  const fmt = graph.addNode({ nodeName: "fmt" });
  const top = graph.addNode({ nodeName: "top" });
  graph.attachChild(fmt, file, "file");
  graph.attachChild(top, fmt, "backing");
  graph.drainedBegin(fmt);
  assert.deepEqual([file.quiesceCounter, fmt.quiesceCounter, top.quiesceCounter], [0, 1, 1]);
  graph.drainedEnd(fmt);
  assert.deepEqual([file.quiesceCounter, fmt.quiesceCounter, top.quiesceCounter], [0, 0, 0]);
  ctx.destroy();
});

Deno.test("drain: begin really waits for requests in flight; end never polls (inv. 30, 31)", () => {
  const ctx = new AioContext();
  const { graph } = rig(ctx);
  // 1 ms per request on a real timer: drainedBegin must poll the context.
  const drv = new NullDriver({ latencyNs: 1_000_000 });
  const n = graph.addNode({ nodeName: "slow", driver: drv, driverName: "null" });
  const blk = new BlockBackend(graph, { name: "b" });
  blk.insert(n);
  const done: number[] = [];
  for (let i = 0; i < 4; i++) blk.read(0, 512, () => done.push(i));
  assert.equal(n.inFlight, 4);
  const polls = ctx.stats().polls;
  graph.drainedBegin(n);
  assert.equal(n.inFlight, 0, "nothing in flight once begin returns");
  assert.deepEqual(done, [0, 1, 2, 3]);
  assert.ok(ctx.stats().polls > polls, "begin polled the context");
  const before = ctx.stats().polls;
  graph.drainedEnd(n);
  assert.equal(ctx.stats().polls, before, "end did not poll");
  ctx.destroy();
});

Deno.test("drain: the BlockBackend queues requests while drained and replays them in order (1.15)", () => {
  const ctx = new AioContext();
  const { graph } = rig(ctx);
  // Record the order in which requests reach the driver (completions run
  // from oneshot BHs, whose order within a batch is not defined).
  const submittedOffsets: number[] = [];
  const drv = new (class extends NullDriver {
    override submit(...args: Parameters<NullDriver["submit"]>): void {
      submittedOffsets.push(args[1].offset / 512);
      super.submit(...args);
    }
  })();
  const n = graph.addNode({ nodeName: "n", driver: drv, driverName: "null" });
  const blk = new BlockBackend(graph, { name: "b" });
  const dev: string[] = [];
  blk.attachDevice({ drainedBegin: () => dev.push("begin"), drainedEnd: () => dev.push("end") });
  blk.insert(n);
  const order: number[] = [];
  graph.drainedBegin(n);
  graph.drainedBegin(n);
  assert.deepEqual(dev, ["begin"], "device told once");
  for (let i = 0; i < 5; i++) blk.read(i * 512, 512, () => order.push(i));
  assert.equal(blk.queuedTotal, 5);
  assert.equal(n.inFlight, 0, "queued, not submitted");
  ctx.poll(false);
  assert.deepEqual(order, []);
  graph.drainedEnd(n);
  assert.equal(n.inFlight, 0, "still drained: nothing restarted");
  graph.drainedEnd(n);
  assert.deepEqual(dev, ["begin", "end"]);
  assert.equal(n.inFlight, 5, "restarted at the last end");
  assert.deepEqual(submittedOffsets, [0, 1, 2, 3, 4], "replayed in submission order");
  assert.equal(ctx.poll(false), true);
  assert.deepEqual(order.toSorted(), [0, 1, 2, 3, 4], "all completed once");
  ctx.destroy();
});

Deno.test("drain_all: every node +1, propagation makes a drained child's parent 2, new nodes born drained (inv. 33)", () => {
  const ctx = new AioContext();
  const { graph } = rig(ctx);
  const child = graph.addNode({ nodeName: "child" });
  const parent = graph.addNode({ nodeName: "parent" });
  graph.attachChild(parent, child, "file");
  graph.drainAllBegin();
  assert.equal(child.quiesceCounter, 1);
  assert.equal(parent.quiesceCounter, 2);
  const late = graph.addNode({ nodeName: "late" });
  assert.equal(late.quiesceCounter, 1);
  graph.drainAllEnd();
  assert.deepEqual([child.quiesceCounter, parent.quiesceCounter, late.quiesceCounter], [0, 0, 0]);
  assert.throws(() => graph.drainAllEnd(), /without drainAllBegin/);
  ctx.destroy();
});

Deno.test("graph: attaching a parent to a drained node drains the parent; detaching undrains it", () => {
  const ctx = new AioContext();
  const { graph, log } = rig(ctx);
  const n = graph.addNode({ nodeName: "n" });
  graph.drainedBegin(n);
  const edge = graph.attachParent(n, loggingParent(log, "late"), {}, "root");
  assert.equal(edge.quiescedParent, true);
  assert.deepEqual(log, ["late.parentBegin"]);
  graph.detachChild(edge);
  assert.deepEqual(log, ["late.parentBegin", "late.parentEnd"]);
  graph.drainedEnd(n);
  assert.throws(() => graph.attachChild(n, n, "self"), /cycle/);
  ctx.destroy();
});

Deno.test("move: the whole component moves; detach notifiers before attach, driver attach before notifier attach (inv. 34)", () => {
  const a = new AioContext({ name: "a" });
  const b = new AioContext({ name: "b" });
  const { graph, log, hooks } = rig(a);
  const file = graph.addNode({ nodeName: "file", driver: hooks("file") });
  const fmt = graph.addNode({ nodeName: "fmt", driver: hooks("fmt") });
  graph.attachChild(fmt, file, "file");
  graph.attachParent(fmt, loggingParent(log, "user"), {}, "root");
  for (const n of [file, fmt]) {
    n.addAioContextNotifier({
      attached: (c) => log.push(`${n.nodeName}.notifier.attached(${c})`),
      detached: () => log.push(`${n.nodeName}.notifier.detached`),
      opaque: null,
    });
  }
  log.length = 0;
  graph.trySetAioContext(file, b.id);
  assert.equal(file.aioContext, b.id);
  assert.equal(fmt.aioContext, b.id, "the parent followed");
  const detachIdx = log.filter((l) => l.includes("detach")).map((l) => log.indexOf(l));
  const attachIdx = log.filter((l) => l.includes("attach")).map((l) => log.indexOf(l));
  assert.ok(Math.max(...detachIdx) < Math.min(...attachIdx), `detaches before attaches: ${log}`);
  for (const n of ["file", "fmt"]) {
    assert.ok(
      log.indexOf(`${n}.notifier.detached`) < log.indexOf(`${n}.detach`),
      "notifier detach before driver detach",
    );
    assert.ok(
      log.indexOf(`${n}.attach(${b.id})`) < log.indexOf(`${n}.notifier.attached(${b.id})`),
      "driver attach before notifier attach",
    );
  }
  assert.ok(log.includes(`user.setCtx(${b.id})`));
  assert.equal(file.quiesceCounter + fmt.quiesceCounter, 0, "drained during the move only");
  a.destroy();
  b.destroy();
});

Deno.test("move: a refusing parent changes nothing (all or nothing)", () => {
  const a = new AioContext({ name: "a" });
  const b = new AioContext({ name: "b" });
  const { graph, log, hooks } = rig(a);
  const file = graph.addNode({ nodeName: "file", driver: hooks("file") });
  const fmt = graph.addNode({ nodeName: "fmt", driver: hooks("fmt") });
  graph.attachChild(fmt, file, "file");
  const stubborn = graph.attachParent(
    fmt,
    loggingParent(log, "stubborn", "busy elsewhere"),
    {},
    "root",
  );
  assert.throws(
    () => graph.trySetAioContext(file, b.id),
    /cannot move node "file".*busy elsewhere.*nothing was changed/,
  );
  assert.deepEqual([file.aioContext, fmt.aioContext], [a.id, a.id]);
  assert.deepEqual(log, [], "no drain, detach or attach happened");
  // A parent without a context-change callback refuses with QEMU's message.
  graph.detachChild(stubborn);
  graph.attachParent(file, { name: "legacy-user" }, {}, "other");
  assert.throws(() => graph.trySetAioContext(file, b.id), /not supported by legacy-user/);
  a.destroy();
  b.destroy();
});

Deno.test("move: a BlockBackend with a device refuses unless allowed; the request's own edge is ignored", () => {
  const a = new AioContext({ name: "a" });
  const b = new AioContext({ name: "b" });
  const { graph } = rig(a);
  const n = graph.addNode({ nodeName: "n", driver: new NullDriver(), driverName: "null" });
  const blk = new BlockBackend(graph, { name: "blk" });
  blk.insert(n);
  blk.attachDevice({});
  assert.throws(
    () => graph.trySetAioContext(n, b.id),
    /Cannot change iothread of active block backend/,
  );
  blk.setAioContext(b.id); // from the backend itself: its edge is ignored
  assert.deepEqual([n.aioContext, blk.aioContext], [b.id, b.id]);
  const other = new BlockBackend(graph, { name: "" });
  const n2 = graph.addNode({ nodeName: "n2" });
  other.insert(n2);
  other.attachDevice({});
  assert.throws(() => graph.trySetAioContext(n2, b.id), /active block backend/);
  other.allowAioContextChange = true;
  graph.trySetAioContext(n2, b.id);
  assert.equal(other.aioContext, b.id);
  a.destroy();
  b.destroy();
});

Deno.test("move: requests keep flowing; each completes in the context that owns the node", () => {
  const a = new AioContext({ name: "a" });
  const b = new AioContext({ name: "b" });
  const { graph } = rig(a, b);
  const n = graph.addNode({ nodeName: "n", driver: new NullDriver(), driverName: "null" });
  const blk = new BlockBackend(graph, { name: "b", allowAioContextChange: true });
  blk.insert(n);
  const completedIn: string[] = [];
  const target = [a, b];
  let submitted = 0;
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 10; i++) {
      submitted++;
      blk.read(0, 512, () => {
        // The completion runs from the context that owns the node now.
        completedIn.push(n.aioContext === a.id ? "a" : "b");
      });
    }
    // Move while requests are in flight: the move drains them first.
    blk.setAioContext(target[(round + 1) % 2].id);
    for (const c of target) while (c.poll(false));
  }
  assert.equal(completedIn.length, submitted, "none lost, none twice");
  assert.equal(n.inFlight, 0);
  a.destroy();
  b.destroy();
});

Deno.test("drain_all: a node born drained gets its driver's drainBegin once (bdrv_open_driver), so drainAllEnd balances it; deletion undrains it", () => {
  const ctx = new AioContext();
  const { graph, log, hooks } = rig(ctx);
  let drained = 0;
  const counting = { drainBegin: () => drained++, drainEnd: () => drained-- };
  graph.drainAllBegin();
  graph.drainAllBegin();
  const late = graph.addNode({ nodeName: "late", driver: counting });
  assert.equal(late.quiesceCounter, 2, "born with the drain_all count");
  assert.equal(drained, 1, "the driver was told at creation, once (callbacks follow transitions)");
  graph.drainAllEnd();
  assert.equal(drained, 1, "still drained: no callback");
  graph.drainAllEnd();
  assert.equal(late.quiesceCounter, 0);
  assert.equal(drained, 0, "the last drainAllEnd balanced the creation's drainBegin");
  // A node created and deleted inside the section is undrained by its deletion.
  graph.drainAllBegin();
  const brief = graph.addNode({ nodeName: "brief", driver: hooks("brief") });
  assert.deepEqual(log, ["brief.drainBegin"]);
  graph.removeNode(brief);
  assert.deepEqual(log, ["brief.drainBegin", "brief.drainEnd"]);
  assert.equal(brief.quiesceCounter, 0);
  graph.drainAllEnd();
  assert.equal(log.length, 2, "drainAllEnd does not reach a deleted node");
  ctx.destroy();
});

/** A parent that pins its child's context: it has a context and refuses to move (a device). */
function pinningParent(log: string[], name: string, ctx: number): ChildClass {
  return {
    ...loggingParent(log, name, `${name} is pinned to context ${ctx}`),
    parentAioContext: () => ctx,
  };
}

Deno.test("attach: a child in another context moves into the parent's context (bdrv_attach_child)", () => {
  const a = new AioContext({ name: "a" });
  const b = new AioContext({ name: "b" });
  const { graph, log, hooks } = rig(a, b);
  const parent = graph.addNode({ nodeName: "parent", driver: hooks("parent") });
  const base = graph.addNode({ nodeName: "base", driver: hooks("base"), ctx: b.id });
  const file = graph.addNode({ nodeName: "file", driver: hooks("file"), ctx: b.id });
  graph.attachChild(base, file, "file");
  log.length = 0;
  graph.attachChild(parent, base, "backing");
  assert.deepEqual(
    [parent.aioContext, base.aioContext, file.aioContext],
    [a.id, a.id, a.id],
    "the child's whole subtree joined the parent",
  );
  assert.ok(log.includes(`base.attach(${a.id})`) && log.includes(`file.attach(${a.id})`), `${log}`);
  assert.ok(!log.some((l) => l.startsWith("parent.")), `the parent did not move: ${log}`);
  assert.equal(parent.children[0].child, base);
  assert.equal(base.quiesceCounter + file.quiesceCounter + parent.quiesceCounter, 0);
  a.destroy();
  b.destroy();
});

Deno.test("attach: a child that cannot move keeps its context and the parent moves to it instead", () => {
  const a = new AioContext({ name: "a" });
  const b = new AioContext({ name: "b" });
  const { graph, log, hooks } = rig(a, b);
  const top = graph.addNode({ nodeName: "top", driver: hooks("top") });
  const user = graph.attachParent(top, loggingParent(log, "user"), {}, "root");
  const disk = graph.addNode({ nodeName: "disk", driver: hooks("disk"), ctx: b.id });
  graph.attachParent(disk, pinningParent(log, "dev", b.id), {}, "root");
  log.length = 0;
  graph.attachChild(top, disk, "file");
  assert.deepEqual([top.aioContext, disk.aioContext], [b.id, b.id]);
  assert.ok(log.includes(`top.attach(${b.id})`), `${log}`);
  assert.ok(log.includes(`user.setCtx(${b.id})`), `the parent's own parents followed: ${log}`);
  assert.ok(!log.some((l) => l.startsWith("disk.")), `the child did not move: ${log}`);
  assert.equal(disk.parents.length, 2);
  assert.equal(user.child, top);
  a.destroy();
  b.destroy();
});

Deno.test("attach: refused, with nothing attached or moved, when neither the child nor the parent can move", () => {
  const a = new AioContext({ name: "a" });
  const b = new AioContext({ name: "b" });
  const { graph, log, hooks } = rig(a, b);
  const top = graph.addNode({ nodeName: "top", driver: hooks("top") });
  graph.attachParent(top, pinningParent(log, "dev0", a.id), {}, "root");
  const disk = graph.addNode({ nodeName: "disk", driver: hooks("disk"), ctx: b.id });
  graph.attachParent(disk, pinningParent(log, "dev1", b.id), {}, "root");
  log.length = 0;
  assert.throws(
    () => graph.attachChild(top, disk, "file"),
    (err: Error) => {
      assert.match(err.message, /cannot attach "disk" \(context \d+\) under "top" \(context \d+\)/);
      assert.match(err.message, /dev1 is pinned to context/);
      assert.match(err.message, /dev0 is pinned to context/);
      assert.match(err.message, /nothing was changed/);
      return true;
    },
  );
  assert.deepEqual([top.aioContext, disk.aioContext], [a.id, b.id]);
  assert.deepEqual(top.children, [], "no edge was left behind");
  assert.equal(disk.parents.length, 1);
  assert.deepEqual(log, [], "nothing drained, detached or attached");
  a.destroy();
  b.destroy();
});

Deno.test("detach: a child whose context-giving parent goes returns to the main context unless another parent keeps it", () => {
  const a = new AioContext({ name: "main" });
  const b = new AioContext({ name: "io" });
  const { graph, log, hooks } = rig(a, b);
  const top = graph.addNode({ nodeName: "top", ctx: b.id });
  const file = graph.addNode({ nodeName: "file", driver: hooks("file"), ctx: b.id });
  const edge = graph.attachChild(top, file, "file");
  graph.detachChild(edge);
  assert.equal(file.aioContext, a.id, "back to the main context (bdrv_root_unref_child)");
  assert.equal(top.aioContext, b.id, "the former parent stays");
  assert.ok(log.includes(`file.attach(${a.id})`), `${log}`);
  // A remaining parent that refuses keeps the child where it is; that is no error.
  const again = graph.addNode({ nodeName: "again", ctx: b.id });
  graph.trySetAioContext(file, b.id);
  graph.attachParent(file, pinningParent(log, "dev", b.id), {}, "root");
  graph.detachChild(graph.attachChild(again, file, "file"));
  assert.equal(file.aioContext, b.id);
  a.destroy();
  b.destroy();
});

Deno.test("attach/detach: a parent class that states no context moves nothing (aiolab; QEMU requires get_parent_aio_context)", () => {
  const a = new AioContext({ name: "main" });
  const b = new AioContext({ name: "io" });
  const { graph, log, hooks } = rig(a, b);
  const n = graph.addNode({ nodeName: "n", driver: hooks("n"), ctx: b.id });
  const edge = graph.attachParent(n, loggingParent(log, "observer"), {}, "watch");
  assert.equal(n.aioContext, b.id, "attach did not move the node");
  graph.detachChild(edge);
  assert.equal(n.aioContext, b.id, "detach did not send it to the main context");
  assert.deepEqual(log, [], "nothing drained, detached or attached");
  a.destroy();
  b.destroy();
});
