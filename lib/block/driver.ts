/**
 * The driver contract: what a block driver instance is given and what it
 * must do. The graph calls a driver's {@link DriverHooks} on drains and
 * AioContext changes; I/O reaches it through {@link IoDriver.submit}. A
 * driver sees a node only through {@link DriverNode} (its name and its
 * current context), so code that runs a driver outside the graph's thread
 * (a device hosted in an IOThread) can hand it a plain object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BlockRequest, DriverNode, IoDriver, RequestResult } from "./driver.ts";
 * // A driver that fails every request, completing it on a microtask.
 * const broken: IoDriver = {
 *   submit(_node: DriverNode, req: BlockRequest, done: (r: RequestResult) => void) {
 *     queueMicrotask(() => done({ ok: false, error: new Error(`${req.op} refused`) }));
 *   },
 * };
 * const r = await new Promise<RequestResult>((resolve) =>
 *   broken.submit({ nodeName: "n", aioContext: 0 }, { op: "read", offset: 0, bytes: 512 }, resolve)
 * );
 * assert.equal(r.error?.message, "read refused");
 * ```
 *
 * @module
 */

/** Identifies an AioContext (its id in the process registry). */
export type ContextId = number;

/**
 * The node as a driver sees it: enough to find the node's context in the
 * calling thread (`localContext(node.aioContext)`) and to name it in errors.
 * A BlockNode is one; so is `{ nodeName, aioContext }`.
 */
export interface DriverNode {
  /** Node name (for errors). */
  readonly nodeName: string;
  /** The context the node's requests run and complete in. */
  readonly aioContext: ContextId;
}

/** One request's outcome. */
export interface RequestResult {
  /** True when it succeeded. */
  ok: boolean;
  /** Data read (reads only; null when the driver leaves the buffer untouched). */
  data?: Uint8Array | null;
  /** Why it failed. */
  error?: Error;
}

/** A request as drivers receive it. */
export interface BlockRequest {
  /** Operation. */
  op: "read" | "write" | "flush";
  /** Byte offset. */
  offset: number;
  /** Byte count. */
  bytes: number;
  /** Data to write (writes only). */
  data?: Uint8Array;
}

/** The I/O side of a driver: runs requests in the node's AioContext thread. */
export interface IoDriver {
  /** Starts `req` on `node`; calls `done` exactly once, never synchronously inside submit. */
  submit(node: DriverNode, req: BlockRequest, done: (r: RequestResult) => void): void;
}

/** Callbacks of a driver instance (QEMU's BlockDriver hooks we model). */
export interface DriverHooks {
  /** bdrv_drain_begin: called on the quiesce counter's 0→1 transition (after parents). */
  drainBegin?(node: DriverNode): void;
  /** bdrv_drain_end: called on the 1→0 transition (before parents). */
  drainEnd?(node: DriverNode): void;
  /** bdrv_detach_aio_context: runs in the old context, after the notifiers' detach. */
  detachAioContext?(node: DriverNode): void;
  /** bdrv_attach_aio_context: runs in the new context, before the notifiers' attach. */
  attachAioContext?(node: DriverNode, ctx: ContextId): void;
  /** The I/O entry point, as {@link IoDriver.submit}; a node without it cannot take requests. */
  submit?(node: DriverNode, req: BlockRequest, done: (r: RequestResult) => void): void;
}
