// NotifierSet on its own (AioContext's event-notifier part); the context-level
// behaviour (binding kicks, busy-polling budgets) is in aio_context_test.ts.

import assert from "node:assert/strict";
import { EventNotifier } from "../sync/event_notifier.ts";
import { NotifierSet } from "./notifier_set.ts";

Deno.test("NotifierSet: set binds, replace keeps one node, remove unbinds; copy on write", () => {
  const set = new NotifierSet({ current: null });
  const e = new EventNotifier({ name: "e" });
  set.set(5, e, (n) => n.testAndClear(), null, null);
  assert.equal(e.boundContext(), 5);
  const first = set.list;
  set.set(5, e, (n) => n.testAndClear(), null, null);
  assert.equal(set.list.length, 1);
  assert.notEqual(set.list, first, "a walk over the old snapshot is undisturbed");
  assert.equal(first[0].deleted, true);
  assert.throws(() => set.set(6, e, () => {}, null, null), /already registered with context 5/);
  set.set(5, e, null, null, null);
  assert.equal(set.list.length, 0);
  assert.equal(e.boundContext(), -1);
});

Deno.test("NotifierSet: io_poll without io_poll_ready is dropped; pollers take part in setStarted", () => {
  const set = new NotifierSet({ current: null });
  const a = new EventNotifier({ name: "a" });
  const b = new EventNotifier({ name: "b" });
  set.set(1, a, (n) => n.testAndClear(), (n) => n.isSet(), null);
  assert.equal(set.pollers.length, 0, "dropped, as in QEMU");
  assert.deepEqual(set.readers.map((n) => n.key), [a.id], "busy-polled by its counter instead");
  const calls: string[] = [];
  set.set(1, b, null, (n) => n.isSet(), (n) => n.testAndClear());
  assert.deepEqual(set.readers.map((n) => n.key), [a.id], "a poller is not a reader");
  set.find(b)!.pollBegin = () => calls.push("begin");
  set.find(b)!.pollEnd = () => calls.push("end");
  assert.equal(set.setStarted(true), false);
  assert.equal(set.setStarted(true), false, "already started: no second begin");
  b.set();
  assert.equal(set.setStarted(false), true, "the last io_poll after io_poll_end found work");
  assert.deepEqual(calls, ["begin", "end"]);
  assert.equal(set.find(b)!.polled, true);
  assert.equal(set.dispatch(), true);
  assert.equal(b.isSet(), false, "pollReady ran");
  set.clear();
});

Deno.test("NotifierSet: dispatch runs only set notifiers and names the running one", () => {
  const d = { current: null as string | number | null };
  const set = new NotifierSet(d);
  const e = new EventNotifier({ name: "named" });
  let seen: unknown = undefined;
  set.set(
    2,
    e,
    (n) => {
      seen = d.current;
      n.testAndClear();
    },
    null,
    null,
  );
  assert.equal(set.dispatch(), false);
  e.set();
  assert.equal(set.anyReady(), true);
  assert.equal(set.dispatch(), true);
  assert.equal(seen, "named");
  assert.equal(d.current, null);
  assert.equal(set.runs, 1);
  set.clear();
});
