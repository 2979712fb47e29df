// Handler references: how a function is named across Workers (DESIGN.md
// "Threads"): registered small ids, interned module references, lazy loading.

import assert from "node:assert/strict";
import { runInThread } from "../testing/thread.ts";
import {
  BUILTIN_HANDLER,
  FIRST_USER_HANDLER,
  HANDLER_NAME_BASE,
  handlerId,
  handlerName,
  loadHandler,
  lookupHandler,
  registerBuiltinHandler,
  registerHandler,
  unregisterHandler,
} from "./handler_ref.ts";

const HANDLERS = new URL("./testdata/handlers.ts", import.meta.url);
const REMOTE = new URL("./testdata/remote.ts", import.meta.url);

Deno.test("registerHandler: ids must be integers in [16, 2^20)", () => {
  assert.equal(FIRST_USER_HANDLER, 16);
  assert.equal(HANDLER_NAME_BASE, 2 ** 20);
  for (const bad of [15, 0, -1, HANDLER_NAME_BASE, HANDLER_NAME_BASE + 1, 16.5, NaN, Infinity]) {
    assert.throws(
      () => registerHandler(bad, () => {}),
      (e: Error) => e instanceof RangeError && e.message.includes(String(bad)),
      `id ${bad}`,
    );
    assert.equal(lookupHandler(bad), undefined);
  }
  const lo = () => "lo";
  const hi = () => "hi";
  registerHandler(FIRST_USER_HANDLER, lo);
  registerHandler(HANDLER_NAME_BASE - 1, hi);
  try {
    assert.equal(lookupHandler(FIRST_USER_HANDLER), lo);
    assert.equal(lookupHandler(HANDLER_NAME_BASE - 1), hi);
  } finally {
    unregisterHandler(FIRST_USER_HANDLER);
    unregisterHandler(HANDLER_NAME_BASE - 1);
  }
  assert.equal(lookupHandler(FIRST_USER_HANDLER), undefined);
});

Deno.test("registerHandler: a duplicate id throws; after unregister it is free again", () => {
  const first = () => 1;
  registerHandler(3001, first);
  try {
    assert.throws(() => registerHandler(3001, () => 2), /3001 is already registered/);
    assert.equal(lookupHandler(3001), first, "the first registration stays");
    unregisterHandler(3001);
    const second = () => 2;
    registerHandler(3001, second);
    assert.equal(lookupHandler(3001), second);
  } finally {
    unregisterHandler(3001);
  }
  unregisterHandler(3001); // unknown id: no-op
});

Deno.test("registerBuiltinHandler: only reserved ids [1, 16), replacing", () => {
  assert.deepEqual(BUILTIN_HANDLER, { NOOP: 1, STOP: 2 });
  assert.throws(() => registerBuiltinHandler(0, () => {}, "zero"), RangeError);
  assert.throws(() => registerBuiltinHandler(16, () => {}, "user"), RangeError);
  const a = () => "a";
  const b = () => "b";
  registerBuiltinHandler(15, a, "builtin-a");
  try {
    registerBuiltinHandler(15, b, "builtin-b");
    assert.equal(lookupHandler(15), b);
    assert.equal(handlerName(15), "builtin-b");
  } finally {
    unregisterHandler(15);
  }
});

Deno.test("handlerName: the registered name, else the function name, else handler#id", () => {
  registerHandler(3002, function tick() {});
  registerHandler(3003, () => {}, "explicit");
  const anon = [() => {}][0]; // no inferred name
  registerHandler(3004, anon);
  try {
    assert.equal(handlerName(3002), "tick");
    assert.equal(handlerName(3003), "explicit");
    assert.equal(handlerName(3004), "handler#3004");
    assert.equal(handlerName(3999), "handler#3999", "unregistered");
  } finally {
    unregisterHandler(3002);
    unregisterHandler(3003);
    unregisterHandler(3004);
  }
});

Deno.test("handlerId: numbers pass through, non-positive or fractional ones are refused", () => {
  assert.equal(handlerId(1), 1);
  assert.equal(handlerId(3005), 3005);
  for (const bad of [0, -3, 2.5, NaN]) assert.throws(() => handlerId(bad), RangeError);
});

Deno.test("handlerId: module references are interned to a stable id >= 2^20", () => {
  const obj = handlerId({ module: HANDLERS.href, name: "loadMe" });
  assert.ok(obj >= HANDLER_NAME_BASE);
  assert.equal(handlerId({ module: HANDLERS, name: "loadMe" }), obj, "URL object, same id");
  assert.equal(handlerId(`${HANDLERS.href}#loadMe`), obj, "string form, same id");
  assert.equal(handlerId(`${HANDLERS.href}#loadMe`), obj, "stable on repeat");
  assert.equal(handlerName(obj), `${HANDLERS.href}#loadMe`);
  const other = handlerId({ module: HANDLERS.href, name: "remoteRecord" });
  assert.notEqual(other, obj);
  // Normalised through URL parsing.
  const odd = new URL("./testdata/sub/../handlers.ts", import.meta.url).href.replace(
    "/handlers.ts",
    "/./handlers.ts",
  );
  assert.equal(handlerId(`${odd}#loadMe`), obj);
});

Deno.test("handlerId: interned ids are the same in another thread", async () => {
  const ref = { module: HANDLERS.href, name: "notAFunction" };
  const here = handlerId(ref);
  const there = await runInThread<number>(REMOTE, "idOf", ref);
  assert.equal(there, here);
  // A name interned first by the other thread is found here too.
  const fresh = { module: HANDLERS.href, name: "internedElsewhere" };
  const id = await runInThread<number>(REMOTE, "idOf", fresh);
  assert.equal(handlerName(id), `${HANDLERS.href}#internedElsewhere`);
  assert.equal(handlerId(fresh), id);
});

Deno.test("handlerId: malformed string / object references are TypeErrors naming the problem", () => {
  assert.throws(
    () => handlerId("file:///x.ts"),
    (e: Error) => e instanceof TypeError && /<module url>#<export name>/.test(e.message),
  );
  assert.throws(
    () => handlerId("./relative.ts#run"),
    (e: Error) =>
      e instanceof TypeError && /"\.\/relative\.ts" must be an absolute URL/.test(e.message),
  );
  assert.throws(
    () => handlerId({ module: "relative.ts", name: "run" }),
    /absolute URL/,
  );
  for (const name of ["1abc", "a-b", "", "a b", "a.b"]) {
    assert.throws(
      () => handlerId(`file:///x.ts#${name}`),
      (e: Error) => e instanceof TypeError && /is not an identifier/.test(e.message),
      `export name "${name}"`,
    );
  }
  // The last '#' separates the export: a '#' inside the URL is allowed.
  assert.ok(handlerId("file:///dir%23/x.ts#$ok_1") >= HANDLER_NAME_BASE);
});

Deno.test("loadHandler: registered ids resolve at once; unknown small ids reject clearly", async () => {
  const fn = () => 7;
  registerHandler(3006, fn);
  try {
    assert.equal(await loadHandler(3006), fn);
  } finally {
    unregisterHandler(3006);
  }
  await assert.rejects(loadHandler(3998), /no handler registered with id 3998 in this thread/);
});

Deno.test("loadHandler: imports the module once, caches, and makes it available synchronously", async () => {
  const id = handlerId({ module: HANDLERS.href, name: "loadMe" });
  assert.equal(lookupHandler(id), undefined, "not loaded yet");
  const p1 = loadHandler(id);
  const p2 = loadHandler(id);
  assert.equal(p1, p2, "one load in flight");
  const fn = await p1;
  assert.equal(fn(21), 42);
  assert.equal(lookupHandler(id), fn);
  assert.equal(await loadHandler(id), fn);
  assert.equal(handlerName(id), `${HANDLERS.href}#loadMe`);
});

Deno.test("loadHandler: a missing export or a non-function export rejects clearly", async () => {
  await assert.rejects(
    loadHandler(handlerId({ module: HANDLERS.href, name: "noSuchExport" })),
    (e: Error) =>
      e instanceof TypeError && e.message.includes(HANDLERS.href) &&
      /no exported function "noSuchExport"/.test(e.message),
  );
  await assert.rejects(
    loadHandler(handlerId({ module: HANDLERS.href, name: "notAFunction" })),
    /no exported function "notAFunction"/,
  );
  assert.equal(
    lookupHandler(handlerId({ module: HANDLERS.href, name: "notAFunction" })),
    undefined,
  );
});

Deno.test("loadHandler: a module that cannot be imported rejects naming it", async () => {
  const missing = new URL("./_fixture_not_there.ts", import.meta.url).href;
  const id = handlerId({ module: missing, name: "run" });
  const first = loadHandler(id);
  await assert.rejects(
    first,
    (e: Error) =>
      /cannot load module/.test(e.message) && e.message.includes(missing) &&
      e.cause !== undefined,
  );
  // Not cached as a failure: a later attempt imports again (and fails again).
  const second = loadHandler(id);
  assert.notEqual(second, first, "a new attempt, not the cached rejection");
  await assert.rejects(second, /cannot load module/);
  assert.equal(lookupHandler(id), undefined);
});
