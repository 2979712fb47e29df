// Test fixtures for registry_test.ts: functions that run inside real
// Workers (via runInThread), which share the spawner's registry.

import { REGISTRY } from "../layout.ts";
import {
  defaultRegistry,
  installRegistry,
  Registry,
  registryFor,
  type RegistryHandle,
} from "../registry.ts";
import { currentThreadId } from "../thread_id.ts";
import { Barrier, type BarrierHandle } from "../../testing/barrier.ts";

/** Interns each name in this thread's registry; returns the ids. */
export function internNames(names: string[]): number[] {
  const reg = defaultRegistry();
  return names.map((n) => reg.intern(n));
}

/** Looks the ids up in this thread's registry. */
export function namesOf(ids: number[]): string[] {
  const reg = defaultRegistry();
  return ids.map((id) => reg.nameOf(id));
}

/**
 * Waits for all participants at the `start` barrier, then interns `names` in
 * the given order (reversed when `reverse`); returns the ids in the order
 * of `names`.
 */
export function internConcurrently(
  names: string[],
  start: BarrierHandle,
  reverse: boolean,
): number[] {
  const reg = defaultRegistry();
  Barrier.fromHandle(start).arrive();
  const order = names.map((_, i) => i);
  if (reverse) order.reverse();
  const ids = new Array<number>(names.length);
  for (const i of order) ids[i] = reg.intern(names[i]);
  return ids;
}

/** What {@link installChecks} reports. */
export interface InstallChecks {
  token: number;
  installSameIsCurrent: boolean;
  registryForSameIsCurrent: boolean;
  differentError: string | null;
  stillCurrentAfterError: boolean;
  registryForOtherIsView: boolean;
  otherToken: number;
}

/** How installRegistry and registryFor behave in a Worker. */
export function installChecks(other: RegistryHandle, same: RegistryHandle): InstallChecks {
  const current = defaultRegistry();
  let differentError: string | null = null;
  try {
    installRegistry(other);
  } catch (err) {
    differentError = err instanceof Error ? err.message : String(err);
  }
  const view = registryFor(other);
  return {
    token: current.words[REGISTRY.TOKEN],
    installSameIsCurrent: installRegistry(same) === current,
    registryForSameIsCurrent: registryFor(same) === current,
    differentError,
    stillCurrentAfterError: defaultRegistry() === current,
    registryForOtherIsView: view instanceof Registry && view !== current,
    otherToken: view.words[REGISTRY.TOKEN],
  };
}

/** Locks and unlocks the process BQL once; returns this thread's id. */
export function touchBql(): number {
  const bql = defaultRegistry().bql;
  bql.lock();
  bql.unlock();
  return currentThreadId();
}

/** Allocates a context homed in this thread (left allocated). */
export function allocContextHere(): { ctx: number; thread: number } {
  return { ctx: defaultRegistry().allocContext(currentThreadId()), thread: currentThreadId() };
}

/** Marks a word of context `ctx` (for the reset check). */
export function dirtyContext(ctx: number, word: number, value: number): void {
  const reg = defaultRegistry();
  Atomics.store(reg.words, reg.contextBase(ctx) + word, value);
}
