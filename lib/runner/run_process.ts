/**
 * One run in its own Deno process, as JMH forks: the orchestrator starts
 * `deno run` with narrow permissions on a child entry module, passes it a
 * JSON run spec, and reads the line-delimited JSON messages the child
 * prints on stdout (progress, then one `result`) without ever blocking. A
 * run that outlives its time is killed with SIGKILL and marked `stopped`;
 * the messages it had sent are kept. No process-wide state (thread and
 * context registry, BQL, main loop) can leak from one run into the next.
 *
 * Needs `--allow-run` (the Deno executable) in the orchestrator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runProcess } from "./run_process.ts";
 * const run = await runProcess({ placement: "iothread", ops: 10 });
 * assert.equal(run.status, "completed");
 * assert.equal(run.exitCode, 0);
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** Run processes started by {@linkcode runProcess} that have not exited yet. Orchestrator thread. */
const live = new Set<Deno.ChildProcess>();

/**
 * Kills (SIGKILL) every run process of this orchestrator still running, at
 * once: for a second Ctrl-C, which quits without waiting for anything. The
 * runs' {@linkcode runProcess} calls still settle (as `failed`, by SIGKILL)
 * if the process lives on. Returns how many were killed. Orchestrator thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { killRunProcesses, runProcess } from "./run_process.ts";
 * const run = runProcess({ placement: "iothread", ops: 1, hang: true }); // started at once
 * assert.equal(killRunProcesses(), 1);
 * assert.equal((await run).signal, "SIGKILL");
 * assert.equal(killRunProcesses(), 0);
 * ```
 */
export function killRunProcesses(): number {
  let n = 0;
  for (const child of live) {
    try {
      child.kill("SIGKILL");
      n++;
    } catch (err) {
      // It exited and its status is not collected yet: nothing to kill.
      if (!(err instanceof TypeError)) throw err;
    }
  }
  return n;
}

/** One message a child printed: a JSON object with a string `type` on its own line. */
export interface RunMessage {
  /** `"progress"`, `"result"` (its `report` is the run's report), `"error"`, or the child's own kinds. */
  readonly type: string;
  /** The message's other fields. */
  readonly [field: string]: unknown;
}

/** How a run ended. */
export type RunStatus =
  /** Exited 0 after sending a `result` message. */
  | "completed"
  /** Exited non-zero, by a signal not sent by the orchestrator, or without a result. */
  | "failed"
  /** Stopped by the orchestrator (timeout, abort or interruption); see {@linkcode RunOutcome.stopReason}. */
  | "stopped";

/** What the orchestrator keeps of one run, however it ended. */
export interface RunOutcome<R = unknown> {
  /** How the run ended. */
  status: RunStatus;
  /**
   * Why the orchestrator stopped it; `null` unless `status` is `"stopped"`.
   * `"interrupted"`: asked to stop by {@linkcode RunProcessOptions.interrupt}
   * (the child may have sent its result before it exited).
   */
  stopReason: "start-timeout" | "timeout" | "aborted" | "interrupted" | null;
  /** The `report` of the last `result` message, or `null` when none arrived. */
  report: R | null;
  /** Every message received, in order (the `result` included). */
  messages: RunMessage[];
  /** Lines of stdout that were not a JSON object with a string `type`. */
  malformed: string[];
  /** The child's stderr (its last 64 KiB). */
  stderr: string;
  /** Exit code (128 + signal number when killed by a signal). */
  exitCode: number;
  /** The signal that ended the child, or `null`. */
  signal: Deno.Signal | null;
  /** Wall time from spawn to exit, ms. */
  elapsedMs: number;
}

/** Options of {@linkcode runProcess}. */
export interface RunProcessOptions {
  /** The child's entry module. Default: `_child.ts` beside this module. */
  entry?: URL;
  /**
   * Paths the child may read (`--allow-read`). Default: aiolab's `lib/`
   * directory (the child's Workers and handler modules load from there).
   */
  allowRead?: string[];
  /** Further `deno run` flags for the child (more permissions, V8 flags). */
  flags?: string[];
  /**
   * Longest time the run may take after its first message, ms: then it is
   * killed. Default: no limit. Deno's own start-up and module loading are
   * not counted; they are bounded by `startTimeoutMs`.
   */
  timeoutMs?: number;
  /** Longest wait for the child's first message, ms (then it is killed). Default 60000. */
  startTimeoutMs?: number;
  /** Kills the run (SIGKILL) when aborted. */
  signal?: AbortSignal;
  /**
   * A polite stop: when `signal` aborts, the child is sent `notify`
   * (default `"SIGTERM"`) so that it can stop, report what it measured and
   * exit; if it has not exited `graceMs` later (default 1500), it is
   * killed with SIGKILL. Either way the run ends `"stopped"` with
   * `stopReason` `"interrupted"`.
   */
  interrupt?: { signal: AbortSignal; notify?: Deno.Signal; graceMs?: number };
  /** Called for every message as it arrives (progress display). */
  onMessage?: (msg: RunMessage) => void;
}

const STDERR_KEEP = 64 * 1024;

function checkMs(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${v}`);
  }
}

function isMessage(x: unknown): x is RunMessage {
  return typeof x === "object" && x !== null && !Array.isArray(x) &&
    typeof (x as { type?: unknown }).type === "string";
}

/** Splits a byte stream into lines and calls `onLine` for each (the last one even without "\n"). */
async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
  if (buf.length > 0) onLine(buf);
}

async function readTail(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (text.length > 2 * STDERR_KEEP) text = text.slice(-STDERR_KEEP);
  }
  return text.slice(-STDERR_KEEP);
}

/**
 * Runs `spec` in a new Deno process (`Deno.execPath() run --no-prompt
 * --allow-read=<lib> <flags> <entry> <spec as JSON>`), collects its
 * messages and waits for it to exit, killing it with SIGKILL when
 * `startTimeoutMs` passes without a first message, when `timeoutMs` passes
 * after it, or when `signal` aborts. Never rejects because of the child:
 * every ending is described by the returned {@linkcode RunOutcome}.
 * Orchestrator.
 *
 * @throws {RangeError} for a timeout that is not a positive number.
 * @throws {Deno.errors.NotCapable} without run permission for the Deno executable.
 * @throws what `onMessage` threw (the run is killed first and has exited).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runProcess } from "./run_process.ts";
 * const run = await runProcess({ placement: "iothread", ops: 1, hang: true }, { timeoutMs: 200 });
 * assert.equal(run.status, "stopped");
 * assert.equal(run.stopReason, "timeout");
 * assert.equal(run.messages[0].type, "progress"); // what it said before it hung is kept
 * ```
 */
export async function runProcess<R = unknown>(
  spec: unknown,
  options: RunProcessOptions = {},
): Promise<RunOutcome<R>> {
  checkMs("timeoutMs", options.timeoutMs);
  checkMs("startTimeoutMs", options.startTimeoutMs);
  checkMs("interrupt.graceMs", options.interrupt?.graceMs);
  const entry = options.entry ?? new URL("./_child.ts", import.meta.url);
  const allowRead = options.allowRead ?? [fileURLToPath(new URL("../", import.meta.url))];
  const args = [
    "run",
    "--no-prompt",
    ...(allowRead.length > 0 ? [`--allow-read=${allowRead.join(",")}`] : []),
    ...(options.flags ?? []),
    fileURLToPath(entry),
    JSON.stringify(spec),
  ];
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  live.add(child);

  const messages: RunMessage[] = [];
  const malformed: string[] = [];
  let report: R | null = null;
  let stopReason: RunOutcome["stopReason"] = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let callbackError: { err: unknown } | undefined;
  const kill = (why: NonNullable<RunOutcome["stopReason"]>): void => {
    // A run being interrupted may still be killed (it keeps "interrupted" as its reason).
    if (stopReason !== null && stopReason !== "interrupted") return;
    const before = stopReason;
    stopReason = before ?? why;
    try {
      child.kill("SIGKILL");
    } catch (err) {
      // The child exited between its last message and the kill: nothing to stop.
      if (!(err instanceof TypeError)) throw err;
      stopReason = before;
    }
  };
  const interrupt = (): void => {
    if (stopReason !== null) return;
    stopReason = "interrupted";
    try {
      child.kill(options.interrupt?.notify ?? "SIGTERM");
    } catch (err) {
      // The child already exited: it stopped on its own.
      if (!(err instanceof TypeError)) throw err;
      stopReason = null;
      return;
    }
    graceTimer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch (err) {
        if (!(err instanceof TypeError)) throw err;
      }
    }, options.interrupt?.graceMs ?? 1500);
  };
  const arm = (ms: number | undefined, why: "start-timeout" | "timeout"): void => {
    clearTimeout(timer);
    timer = ms === undefined ? undefined : setTimeout(() => kill(why), ms);
  };
  arm(options.startTimeoutMs ?? 60_000, "start-timeout");
  const onAbort = () => kill("aborted");
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort);
  const interruptSignal = options.interrupt?.signal;
  if (interruptSignal?.aborted) interrupt();
  interruptSignal?.addEventListener("abort", interrupt);

  const onLine = (line: string): void => {
    if (line.trim() === "") return;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      malformed.push(line);
      return;
    }
    if (!isMessage(msg)) {
      malformed.push(line);
      return;
    }
    if (messages.length === 0) arm(options.timeoutMs, "timeout");
    messages.push(msg);
    if (msg.type === "result") report = (msg.report ?? null) as R | null;
    try {
      options.onMessage?.(msg);
    } catch (err) {
      // The caller's callback failed: stop the run, then rethrow once it has exited.
      callbackError ??= { err };
      kill("aborted");
    }
  };

  try {
    const [status, , stderr] = await Promise.all([
      child.status,
      readLines(child.stdout, onLine),
      readTail(child.stderr),
    ]);
    const elapsedMs = performance.now() - t0;
    if (callbackError !== undefined) throw callbackError.err;
    const outcome: RunStatus = stopReason !== null
      ? "stopped"
      : status.success && report !== null
      ? "completed"
      : "failed";
    return {
      status: outcome,
      stopReason,
      report,
      messages,
      malformed,
      stderr,
      exitCode: status.code,
      signal: status.signal,
      elapsedMs,
    };
  } finally {
    live.delete(child);
    clearTimeout(timer);
    clearTimeout(graceTimer);
    options.signal?.removeEventListener("abort", onAbort);
    interruptSignal?.removeEventListener("abort", interrupt);
  }
}
