// Entry module of one run's own Deno process, started by runProcess()
// (run_process.ts) as `deno run <narrow permissions> _child.ts '<spec JSON>'`.
// It reports line-delimited JSON on stdout: progress messages, then one
// result (or one error, then exit code 1). The placement is minimal: a main
// loop or one IOThread that runs `ops` oneshots scheduled from this
// process's main thread; the report shows the process registry before,
// during and after, so the orchestrator can see that every run starts from
// a fresh registry and leaves no thread or context behind. Not part of the
// public API.

import { CONTEXT, MAX_CONTEXTS, REGISTRY } from "../sync/layout.ts";
import { defaultRegistry } from "../sync/registry.ts";
import { IoThread } from "../runtime/io_thread.ts";
import { MainLoop } from "../runtime/main_loop.ts";
import type { EventLoopThread } from "../runtime/event_loop_thread.ts";

/** The run spec this child accepts. */
export interface ChildSpec {
  /** Where the work runs: the main loop, or one IOThread. */
  placement: "main-loop" | "iothread";
  /** Oneshots to schedule into the placement's context. */
  ops: number;
  /** Test aid: after reporting "running", block this process's main thread forever. */
  hang?: boolean;
}

/** Process-registry state the child reports. */
export interface RegistrySnapshot {
  /** aiolab thread ids in use (the orchestrator's, 1, included). */
  threadIdsInUse: number;
  /** Thread ids handed out since the registry was created. */
  threadsStarted: number;
  /** AioContext control blocks in use. */
  contextsAlive: number;
  /** Whether a main loop has registered its main context. */
  mainContextSet: boolean;
}

/** The child's final report (the `report` of its `result` message). */
export interface ChildReport {
  /** The spec's placement. */
  placement: ChildSpec["placement"];
  /** Oneshots scheduled. */
  ops: number;
  /** Oneshots that ran. */
  completed: number;
  /** Registry before the placement started. */
  before: RegistrySnapshot;
  /** Registry while the placement's thread ran. */
  during: RegistrySnapshot;
  /** Registry after the thread was stopped and joined. */
  after: RegistrySnapshot;
}

const JOBS = new URL("./_child_jobs.ts", import.meta.url).href;
const encoder = new TextEncoder();

/** Writes one message line to stdout, all of it, synchronously (nothing is lost on exit). */
function emit(msg: Record<string, unknown>): void {
  const bytes = encoder.encode(JSON.stringify(msg) + "\n");
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

function parseSpec(text: string | undefined): ChildSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? "");
  } catch {
    throw new TypeError(
      `the run child expects its spec as one JSON argument, e.g. ` +
        `'{"placement":"iothread","ops":100}'; found ${JSON.stringify(text)}`,
    );
  }
  const s = raw as Partial<ChildSpec> | null;
  if (
    s === null || typeof s !== "object" ||
    (s.placement !== "main-loop" && s.placement !== "iothread") ||
    !Number.isInteger(s.ops) || (s.ops as number) < 0 ||
    (s.hang !== undefined && typeof s.hang !== "boolean")
  ) {
    throw new TypeError(
      `run spec: expected { placement: "main-loop" | "iothread", ops: a non-negative ` +
        `integer, hang?: boolean }; found ${JSON.stringify(raw)}`,
    );
  }
  return s as ChildSpec;
}

function snapshot(): RegistrySnapshot {
  const reg = defaultRegistry();
  let contextsAlive = 0;
  for (let id = 0; id < MAX_CONTEXTS; id++) {
    // Pairs with the home thread's Atomics.store / compareExchange of HOME.
    if (Atomics.load(reg.words, reg.contextBase(id) + CONTEXT.HOME) !== 0) contextsAlive++;
  }
  return {
    threadIdsInUse: reg.threadsInUse(),
    threadsStarted: Atomics.load(reg.words, REGISTRY.THREADS_STARTED),
    contextsAlive,
    // Pairs with the main loop thread's Atomics.store(MAIN_CONTEXT) at start and stop.
    mainContextSet: Atomics.load(reg.words, REGISTRY.MAIN_CONTEXT) !== 0,
  };
}

/** Waits, without blocking this thread's event loop, until `counter[0]` reaches `n`. */
async function waitForCount(counter: Int32Array, n: number): Promise<void> {
  for (let seen = Atomics.load(counter, 0); seen < n; seen = Atomics.load(counter, 0)) {
    // Pairs with countOneshot's Atomics.add + Atomics.notify.
    const w = Atomics.waitAsync(counter, 0, seen, 1000);
    if (w.async) await w.value;
  }
}

async function main(): Promise<void> {
  const spec = parseSpec(Deno.args[0]);
  const before = snapshot();
  emit({ type: "progress", phase: "start", registry: before });
  const thread: EventLoopThread = spec.placement === "main-loop"
    ? await MainLoop.create()
    : await IoThread.create({ id: "run-iothread" });
  let joined = false;
  try {
    const during = snapshot();
    emit({ type: "progress", phase: "running", registry: during });
    if (spec.hang === true) {
      // A stuck run: this thread sleeps forever and runs no JavaScript.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    const counter = new Int32Array(new SharedArrayBuffer(4));
    await thread.run(`${JOBS}#counterSetup`, counter.buffer);
    const ctx = thread.getAioContext();
    for (let i = 0; i < spec.ops; i++) ctx.scheduleOneshot(`${JOBS}#countOneshot`, i);
    await waitForCount(counter, spec.ops);
    await thread.run(`${JOBS}#counterTeardown`);
    const completed = Atomics.load(counter, 0);
    thread.stop();
    await thread.join();
    joined = true;
    const report: ChildReport = {
      placement: spec.placement,
      ops: spec.ops,
      completed,
      before,
      during,
      after: snapshot(),
    };
    emit({ type: "result", report });
  } finally {
    if (!joined) {
      thread.stop();
      // The error that got here is reported by the caller; a failed join is reported too.
      await thread.join().catch((e: unknown) =>
        emit({ type: "error", message: `joining the placement's thread failed: ${String(e)}` })
      );
    }
  }
}

try {
  await main();
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  emit({ type: "error", message: e.message, stack: e.stack ?? null });
  Deno.exitCode = 1;
}
