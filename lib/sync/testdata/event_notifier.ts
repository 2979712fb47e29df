// Test fixtures for event_notifier_test.ts: functions that run inside real
// Workers (via runInThread).

import { EventNotifier, type EventNotifierHandle } from "../event_notifier.ts";
import { CONTEXT } from "../layout.ts";
import { defaultRegistry } from "../registry.ts";

/** Creates notifiers in this thread; returns their ids and handles. */
export function createNotifiers(n: number): { ids: number[]; handles: EventNotifierHandle[] } {
  const list = Array.from({ length: n }, (_, i) => new EventNotifier({ name: `w${i}` }));
  return { ids: list.map((e) => e.id), handles: list.map((e) => e.handle) };
}

/** Sets the notifier `n` times; returns its set count afterwards. */
export function setTimes(h: EventNotifierHandle, n: number): number {
  const e = EventNotifier.fromHandle(h);
  for (let i = 0; i < n; i++) e.set();
  return e.sets();
}

/** What a worker sees of a notifier: isSet, then testAndClear twice. */
export function observe(
  h: EventNotifierHandle,
): { isSet: boolean; first: boolean; second: boolean; bound: number; name: string; id: number } {
  const e = EventNotifier.fromHandle(h);
  return {
    id: e.id,
    isSet: e.isSet(),
    first: e.testAndClear(),
    second: e.testAndClear(),
    bound: e.boundContext(),
    name: e.name,
  };
}

/**
 * The consumer side of the notify protocol for context `ctxId`: announce a
 * possible sleep (NOTIFY_ME += 2), tell the main thread through `ready`,
 * and sleep on the context's WAKE word unless already notified.
 */
export function sleepOnContext(
  ctxId: number,
  ready: SharedArrayBuffer,
): { wait: string; notified: number; wake: number } {
  const reg = defaultRegistry();
  const w = reg.words;
  const base = reg.contextBase(ctxId);
  const r = new Int32Array(ready);
  const wake0 = Atomics.load(w, base + CONTEXT.WAKE);
  Atomics.add(w, base + CONTEXT.NOTIFY_ME, 2);
  let wait = "notified-before-sleep";
  Atomics.store(r, 0, 1);
  Atomics.notify(r, 0);
  if (Atomics.load(w, base + CONTEXT.NOTIFIED) === 0) {
    wait = Atomics.wait(w, base + CONTEXT.WAKE, wake0, 30_000);
  }
  Atomics.sub(w, base + CONTEXT.NOTIFY_ME, 2);
  return {
    wait,
    notified: Atomics.load(w, base + CONTEXT.NOTIFIED),
    wake: Atomics.load(w, base + CONTEXT.WAKE),
  };
}
