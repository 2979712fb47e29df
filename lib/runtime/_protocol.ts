// Messages between an aiolab thread host (orchestrator side, _thread_host.ts)
// and its Worker entry (_worker.ts). Cold path only: hot paths use shared
// memory.

import type { EventNotifierHandle } from "../sync/event_notifier.ts";
import type { RegistryHandle } from "../sync/registry.ts";
import type { PollParams } from "./adaptive_poll.ts";
import type { AioContextStats } from "./aio_context.ts";
import type { AioContextHandle } from "./context_handle.ts";
import type { ErrorInfo } from "./aio_thread_error.ts";

/**
 * What a hosted thread runs: an event loop over its own AioContext
 * ("iothread", "main-loop"), or guest code with no context ("vcpu").
 */
export type HostedRole = "iothread" | "main-loop" | "vcpu";

/** Orchestrator → Worker: start. */
export interface InitMessage {
  type: "init";
  registry: RegistryHandle;
  threadId: number;
  threadName: string;
  role: HostedRole;
  /** The context an event-loop thread creates (validated poll parameters); null for a vCPU. */
  ctx: { name: string; poll: PollParams } | null;
  /** A vCPU's stop request (set by VcpuThread.stop); null for event-loop threads. */
  stop: EventNotifierHandle | null;
  main: AioContextHandle | null;
  preload: string[];
  /** The thread's status words (THREAD_STATUS in layout.ts). */
  status: SharedArrayBuffer;
}

/** Orchestrator → Worker: run handler `ref` with `args`, reply with `id`. */
export interface CallMessage {
  type: "call";
  id: number;
  ref: string;
  args: unknown[];
}

/**
 * Orchestrator → vCPU Worker: exit once the runs in flight have settled
 * (event-loop threads stop through a oneshot BH instead).
 */
export interface StopMessage {
  type: "stop";
}

/**
 * Orchestrator → Worker: leave at once (terminate()): no waiting for calls,
 * promises or module loads; free what the thread holds and exit.
 */
export interface TerminateMessage {
  type: "terminate";
}

/** Orchestrator → Worker messages. */
export type HostMessage = InitMessage | CallMessage | StopMessage | TerminateMessage;

/** Worker → orchestrator messages. */
export type WorkerMessage =
  | { type: "ready"; ctx: AioContextHandle | null }
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: ErrorInfo; handler: string }
  | { type: "fatal"; handler: string | null; error: ErrorInfo }
  | { type: "exited"; stats: AioContextStats | null };
