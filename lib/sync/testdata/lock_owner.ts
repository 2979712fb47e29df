// Fixture for the lock-ownership tests: runs inside a test thread
// (lib/sync tests' runInThread), one export per step.

import { Mutex, type MutexHandle } from "../mutex.ts";
import { RecMutex, type RecMutexHandle } from "../rec_mutex.ts";
import { currentThreadId } from "../thread_id.ts";

/** Locks the mutex and returns without unlocking: the thread then exits holding it. */
export function lockAndExit(h: MutexHandle): number {
  Mutex.fromHandle(h).lock();
  return currentThreadId();
}

/** Locks the rec-mutex (twice, nested) and exits holding it. */
export function recLockAndExit(h: RecMutexHandle): number {
  const r = RecMutex.fromHandle(h);
  r.lock();
  r.lock();
  return currentThreadId();
}

/** What a later thread sees of a lock left behind by an exited holder. */
export interface Inherited {
  id: number;
  tryLock: boolean;
  unlockError: string;
  lockError: string;
}

function messageOf(f: () => void): string {
  try {
    f();
    return "";
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Tries to take over a mutex left locked by an exited thread. */
export function tryInheritMutex(h: MutexHandle): Inherited {
  const m = Mutex.fromHandle(h);
  return {
    id: currentThreadId(),
    tryLock: m.tryLock(),
    unlockError: messageOf(() => m.unlock()),
    lockError: messageOf(() => m.lock()),
  };
}

/** Tries to take over a rec-mutex left locked by an exited thread. */
export function tryInheritRecMutex(h: RecMutexHandle): Inherited {
  const r = RecMutex.fromHandle(h);
  return {
    id: currentThreadId(),
    tryLock: r.tryLock(),
    unlockError: messageOf(() => r.unlock()),
    lockError: "",
  };
}
