// The coroutine core: registration of the schedule-record handler is
// explicit (importing registers nothing), ids are reused with a new
// generation, and a stale identity no longer resolves.

import assert from "node:assert/strict";
import { runInThread } from "../testing/thread.ts";
import { coEnter, Coroutine, coroutineStats, registerCoroutineHandlers } from "./co_core.ts";
import { HANDLER_ID } from "./handler_ids.ts";
import { lookupHandler } from "./handler_ref.ts";

/** A module run in a fresh Worker: what importing and creating register there. */
function probeModule(): string {
  const at = (f: string) => new URL(`./${f}`, import.meta.url).href;
  const src = `import { HANDLER_ID } from "${at("handler_ids.ts")}";
import { lookupHandler } from "${at("handler_ref.ts")}";
import { Coroutine, registerCoroutineHandlers } from "${at("coroutine.ts")}";
const has = () => lookupHandler(HANDLER_ID.CO_SCHEDULE) !== undefined;
export function afterImport() { return has(); }
export function afterCreate() {
  const before = has();
  Coroutine.create(function* () { yield; }, null);
  return [before, has()];
}
export function afterRegister() {
  const before = has();
  registerCoroutineHandlers();
  registerCoroutineHandlers();
  return [before, has()];
}`;
  return `data:application/typescript;base64,${btoa(src)}`;
}

Deno.test("importing the coroutine modules registers no handler; registration is explicit", async () => {
  const mod = probeModule();
  assert.equal(await runInThread<boolean>(mod, "afterImport"), false);
  assert.deepEqual(await runInThread<boolean[]>(mod, "afterRegister"), [false, true]);
  // A thread without an event-loop entry gets it with its first coroutine.
  assert.deepEqual(await runInThread<boolean[]>(mod, "afterCreate"), [false, true]);
});

Deno.test("registerCoroutineHandlers is idempotent", () => {
  registerCoroutineHandlers();
  const fn = lookupHandler(HANDLER_ID.CO_SCHEDULE);
  assert.equal(typeof fn, "function");
  registerCoroutineHandlers();
  assert.equal(lookupHandler(HANDLER_ID.CO_SCHEDULE), fn);
});

Deno.test("a terminated coroutine's id is reused with the next generation", () => {
  const a = Coroutine.create(function* () {
    yield* [];
  }, null);
  const { id, generation } = a;
  const live = coroutineStats().live;
  coEnter(a);
  assert.equal(a.terminated, true);
  assert.equal(coroutineStats().live, live - 1);
  assert.equal(Coroutine.lookup(id, generation), null);
  const b = Coroutine.create(function* () {
    yield;
  }, null);
  assert.equal(b.id, id, "the freed id is handed out first");
  assert.equal(b.generation, generation + 1);
  assert.equal(Coroutine.lookup(id, generation + 1), b);
  assert.equal(Coroutine.lookup(id, generation), null, "a stale identity does not resolve");
  coEnter(b);
  coEnter(b);
});
