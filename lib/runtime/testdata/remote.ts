// Test fixtures for the event-loop core tests: functions that run inside real
// Workers (started with runInThread from lib/testing/thread.ts) and use an
// AioContext from another thread through its handle, exactly as aiolab's
// threads do. Arguments and results are structured-cloneable.

import { EventNotifier, type EventNotifierHandle } from "../../sync/event_notifier.ts";
import { MUTEX } from "../../sync/layout.ts";
import { RecMutex } from "../../sync/rec_mutex.ts";
import { currentThreadId } from "../../sync/thread_id.ts";
import { AioContext } from "../aio_context.ts";
import { type AioContextHandle, RemoteAioContext } from "../context_handle.ts";
import { handlerId, type HandlerRef } from "../handler_ref.ts";
import {
  currentRole,
  getCurrentAioContext,
  mainContextHandle,
  setCurrentAioContext,
} from "../thread_state.ts";

/** Words of the small handshake buffer shared with the test thread. */
export const SYNC = {
  /** Set to 1 by the worker once it runs (the main thread may then block). */
  READY: 0,
  /** Set to 1 by the main thread to make a waiting worker give up. */
  CANCEL: 1,
  /** Set to 1 by the worker right after it acted. */
  ACTED: 2,
  /** Phase word for lock hand-offs. */
  PHASE: 3,
  /** Total Int32 words. */
  WORDS: 4,
} as const;

/** A fresh handshake buffer. */
export function newSync(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(SYNC.WORDS * 4));
}

/** Upper bound on any wait in a fixture; only reached when the test is failing. */
const GIVE_UP_MS = 60_000;

function publish(a: Int32Array, i: number, v: number): void {
  Atomics.store(a, i, v);
  Atomics.notify(a, i);
}

/** Schedules shared BH `index` of the context `times` times. */
export function scheduleBh(h: AioContextHandle, index: number, times = 1): number {
  const r = RemoteAioContext.fromHandle(h);
  for (let i = 0; i < times; i++) r.scheduleBh(index);
  return currentThreadId();
}

/** Deletes shared BH `index` of the context. */
export function deleteBh(h: AioContextHandle, index: number): void {
  RemoteAioContext.fromHandle(h).deleteBh(index);
}

/** Schedules a cross-thread oneshot `times` times with the same arguments. */
export function scheduleOneshot(
  h: AioContextHandle,
  ref: HandlerRef,
  a0: number,
  a1: number,
  a2: number,
  times = 1,
): number {
  const r = RemoteAioContext.fromHandle(h);
  for (let i = 0; i < times; i++) r.scheduleOneshot(ref, a0, a1, a2);
  return currentThreadId();
}

/** Kicks the context once; returns whether a futex wake was paid. */
export function notify(h: AioContextHandle): boolean {
  return RemoteAioContext.fromHandle(h).notify();
}

/** Sets an event notifier from this thread. */
export function setNotifier(n: EventNotifierHandle): void {
  EventNotifier.fromHandle(n).set();
}

/** The interned id of a handler reference, computed in this thread. */
export function idOf(ref: HandlerRef): number {
  return handlerId(ref);
}

/** What {@link kickWhenAsleep} does once the owner sleeps. */
export type Kick =
  | { kind: "notify" }
  | { kind: "oneshot"; ref: HandlerRef; args: [number, number, number] }
  | { kind: "bh"; index: number }
  | { kind: "notifier"; notifier: EventNotifierHandle };

/**
 * Signals READY, then waits until the context's home thread has entered a
 * blocking wait (its WAITS counter exceeds `waitsBefore`: the counter is
 * bumped right before `Atomics.wait`, after `notify_me` was raised) and
 * performs `kick`. Because it acts only once the owner is committed to
 * sleeping, the kick must pay a futex wake: the result does not depend on
 * how fast either thread runs. Gives up when CANCEL is set.
 */
export function kickWhenAsleep(
  h: AioContextHandle,
  sync: SharedArrayBuffer,
  waitsBefore: number,
  kick: Kick,
): { kicked: boolean; paidWake: boolean | null; thread: number } {
  const s = new Int32Array(sync);
  const r = RemoteAioContext.fromHandle(h);
  publish(s, SYNC.READY, 1);
  const deadline = Date.now() + GIVE_UP_MS;
  while (r.notifyStats().waits <= waitsBefore) {
    if (Atomics.load(s, SYNC.CANCEL) !== 0) {
      return { kicked: false, paidWake: null, thread: currentThreadId() };
    }
    if (Date.now() > deadline) throw new Error("the owner never entered a blocking wait");
    Atomics.wait(s, SYNC.CANCEL, 0, 1);
  }
  let paidWake: boolean | null = null;
  switch (kick.kind) {
    case "notify":
      paidWake = r.notify();
      break;
    case "oneshot":
      r.scheduleOneshot(kick.ref, ...kick.args);
      break;
    case "bh":
      r.scheduleBh(kick.index);
      break;
    case "notifier":
      EventNotifier.fromHandle(kick.notifier).set();
      break;
  }
  publish(s, SYNC.ACTED, 1);
  return { kicked: true, paidWake, thread: currentThreadId() };
}

/** Calls RemoteAioContext.poll from this (foreign) thread; returns the error message. */
export function remotePoll(h: AioContextHandle): string {
  try {
    RemoteAioContext.fromHandle(h).poll(false);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return "no error";
}

/**
 * Creates a context homed in this worker, drives it with poll like a home
 * thread does, and destroys it.
 */
export function ownContext(): {
  thread: number;
  home: number;
  first: boolean;
  second: boolean;
  ran: number;
} {
  const ctx = new AioContext({ name: "worker-own" });
  let ran = 0;
  ctx.scheduleOneshot(() => ran++);
  const first = ctx.poll(false);
  const second = ctx.poll(false);
  const home = ctx.homeThread;
  ctx.destroy();
  return { thread: currentThreadId(), home, first, second, ran };
}

/**
 * Acquires the context lock, signals PHASE 1, holds it until another thread
 * is about to sleep on it (the inner futex word reads 2 = locked with
 * waiters), then releases it.
 */
export function holdLockUntilContended(
  h: AioContextHandle,
  sync: SharedArrayBuffer,
): { thread: number; heldByMe: boolean; depth: number; peerTry: boolean } {
  const s = new Int32Array(sync);
  const r = RemoteAioContext.fromHandle(h);
  r.acquire();
  r.acquire(); // recursive in this thread too
  const heldByMe = r.acquiredByMe();
  const depth = r.acquireDepth();
  // A second view of the same lock from this thread also sees it held by us.
  const peerTry = RecMutex.fromHandle(h.lock).tryLock();
  if (peerTry) RecMutex.fromHandle(h.lock).unlock();
  publish(s, SYNC.PHASE, 1);
  const state = new Int32Array(h.lock.sab, 0, MUTEX.STATS_BYTE / 4);
  const deadline = Date.now() + GIVE_UP_MS;
  while (Atomics.load(state, MUTEX.STATE) !== 2) {
    if (Date.now() > deadline) throw new Error("no contender showed up");
    Atomics.wait(s, SYNC.CANCEL, 0, 1);
  }
  r.release();
  r.release();
  return { thread: currentThreadId(), heldByMe, depth, peerTry };
}

/** Thread state of a fresh aiolab worker, then after setCurrentAioContext. */
export function threadStateInWorker(): {
  before: { role: string; current: boolean; main: boolean };
  after: { role: string; same: boolean; name: string | null };
  again: string;
} {
  const before = {
    role: currentRole(),
    current: getCurrentAioContext() !== null,
    main: mainContextHandle() !== null,
  };
  const ctx = new AioContext({ name: "state-ctx" });
  setCurrentAioContext("iothread", ctx);
  const after = {
    role: currentRole(),
    same: getCurrentAioContext() === ctx,
    name: getCurrentAioContext()?.name ?? null,
  };
  let again = "no error";
  try {
    setCurrentAioContext("main-loop", ctx);
  } catch (err) {
    again = err instanceof Error ? err.message : String(err);
  }
  ctx.destroy();
  return { before, after, again };
}
