// Messages between an aiolab thread host (orchestrator side) and its Worker
// entry (_worker.ts). Cold path only: hot paths use shared memory.

import type { RegistryHandle } from "../sync/registry.ts";
import type { AioContextStats } from "./aio_context.ts";
import type { AioContextHandle } from "./context_handle.ts";
import type { ErrorInfo } from "./aio_thread_error.ts";

/** Orchestrator → Worker: start. */
export interface InitMessage {
  type: "init";
  registry: RegistryHandle;
  threadId: number;
  threadName: string;
  role: "iothread" | "main-loop";
  ctx: { name: string; pollMaxNs: number; pollGrow: number; pollShrink: number };
  main: AioContextHandle | null;
  preload: string[];
}

/** Orchestrator → Worker: run handler `ref` with `args`, reply with `id`. */
export interface CallMessage {
  type: "call";
  id: number;
  ref: string;
  args: unknown[];
}

/** Worker → orchestrator messages. */
export type WorkerMessage =
  | { type: "ready"; ctx: AioContextHandle }
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: ErrorInfo; handler: string }
  | { type: "fatal"; handler: string | null; error: ErrorInfo }
  | { type: "exited"; stats: AioContextStats | null };
