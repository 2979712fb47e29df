/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// Test fixture: a bare Worker entry (no registry, no identity yet) that tries
// a list of setCurrentThread calls in order and posts what each did.

import { currentThreadId, currentThreadName, setCurrentThread } from "../thread_id.ts";

/** Outcome of one setCurrentThread attempt. */
export interface Attempt {
  ok: boolean;
  errorType: string | null;
  error: string | null;
  idAfter: number;
  nameAfter: string;
}

self.onmessage = (e: MessageEvent<{ attempts: [number, string][] }>) => {
  const out: Attempt[] = [{
    ok: true,
    errorType: null,
    error: null,
    idAfter: currentThreadId(),
    nameAfter: currentThreadName(),
  }];
  for (const [id, name] of e.data.attempts) {
    let ok = true;
    let error: string | null = null;
    let errorType: string | null = null;
    try {
      setCurrentThread(id, name);
    } catch (err) {
      ok = false;
      error = err instanceof Error ? err.message : String(err);
      errorType = err instanceof Error ? err.constructor.name : typeof err;
    }
    out.push({ ok, errorType, error, idAfter: currentThreadId(), nameAfter: currentThreadName() });
  }
  self.postMessage(out);
};
