// Test fixture: handlers named by module reference (`{ module, name }`) and
// loaded by dynamic import in the thread that runs them. Each test uses its
// own export so that "not loaded yet" is true the first time it is named.

/** Calls received by the handlers below, as [export name, a0, a1, a2]. */
export const calls: [string, number, number, number][] = [];

/** Loaded by the deferred-load test in aio_context_test.ts. */
export function deferredRecord(a0: number, a1: number, a2: number): void {
  calls.push(["deferredRecord", a0, a1, a2]);
}

/** Loaded by the context_handle tests. */
export function remoteRecord(a0: number, a1: number, a2: number): void {
  calls.push(["remoteRecord", a0, a1, a2]);
}

/** Loaded by the handler_ref tests. */
export function loadMe(a0: number): number {
  return a0 * 2;
}

/** Not a function: loading it must fail clearly. */
export const notAFunction = 42;
