// Test fixture (runs inside a runInThread Worker): reports and probes the
// thread identity that lib/testing/thread_worker.ts assigned.

import { currentThreadId, currentThreadName, setCurrentThread } from "../thread_id.ts";

/** The calling thread's identity. */
export function identity(): { id: number; name: string } {
  return { id: currentThreadId(), name: currentThreadName() };
}

/** Tries to set the identity a second time; reports the error and the identity after. */
export function setAgain(
  id: number,
  name: string,
): { error: string | null; errorType: string | null; id: number; name: string } {
  let error: string | null = null;
  let errorType: string | null = null;
  try {
    setCurrentThread(id, name);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
    errorType = err instanceof Error ? err.constructor.name : typeof err;
  }
  return { error, errorType, id: currentThreadId(), name: currentThreadName() };
}
