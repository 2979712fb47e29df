// A handler module whose import never completes (its top-level await never
// settles): a run() of its export keeps the thread's module load pending
// forever. Not part of the public API.

await new Promise<never>(() => {});

/** Never callable: the module never finishes loading. */
export function unreachable(): boolean {
  return true;
}
