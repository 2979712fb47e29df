/**
 * Host-I/O handlers of an AioContext (the counterpart of aio_set_fd_handler
 * for Deno resources). Atomics.wait cannot watch Deno I/O, so reads and
 * writes run as promises on the thread's JavaScript event loop; a landed
 * read or write marks its node ready and wakes the context (notify, and the
 * signal `AioContext.pollAsync` races with its Atomics.waitAsync). Used
 * through `AioContext.setHostIoHandler`; {@link HostIoSet} is the context's
 * part. Home thread only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HostIoSet } from "./host_io.ts";
 * let kicks = 0;
 * const set = new HostIoSet("demo", { current: null }, () => kicks++);
 * const got: (Uint8Array | null)[] = [];
 * set.set({ read: () => Promise.resolve(null) }, { read: (d) => got.push(d) });
 * await new Promise((r) => setTimeout(r, 0)); // the read lands
 * assert.equal(kicks, 1);
 * assert.equal(set.dispatch(), true);
 * assert.deepEqual(got, [null]); // end of stream
 * set.close();
 * ```
 *
 * @module
 */

import type { DispatchState } from "./_dispatch_state.ts";

/** A Deno resource that host-I/O handlers watch (a `Deno.Conn`, a pipe...). */
export interface HostIoResource {
  /** Reads into `p`; resolves to the byte count or null at end of stream. */
  read?(p: Uint8Array): Promise<number | null>;
  /** Writes from `p`; resolves to the byte count written. */
  write?(p: Uint8Array): Promise<number>;
}

/** Handlers for a host-I/O resource (aio_set_fd_handler's io_read / io_write). */
export interface HostIoHandlers {
  /** Called with the bytes read, or null at end of stream. */
  read?: (data: Uint8Array | null) => void;
  /**
   * Called while the resource is writable (no write in flight); returns
   * bytes to write, or null when there is nothing to write now.
   */
  write?: () => Uint8Array | null;
}

/** Read buffer per resource, bytes. */
const READ_BUFFER_BYTES = 64 * 1024;

interface HostNode {
  resource: HostIoResource;
  handlers: HostIoHandlers;
  buf: Uint8Array;
  /** A read landed and its handler has not run yet. */
  readReady: boolean;
  readData: Uint8Array | null;
  readError: unknown;
  /** A read is in flight. */
  reading: boolean;
  eof: boolean;
  /** A write is in flight. */
  writing: boolean;
  writeError: unknown;
  deleted: boolean;
}

/**
 * The host-I/O handlers of one context: the part of an AioContext behind
 * `setHostIoHandler`, `hostIoCount` and `pollAsync`. Home thread only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HostIoSet } from "./host_io.ts";
 * const set = new HostIoSet("demo", { current: null }, () => {});
 * assert.equal(set.count, 0);
 * ```
 */
export class HostIoSet {
  /** Handler callbacks run. */
  runs = 0;
  readonly #ctxName: string;
  readonly #dispatch: DispatchState;
  readonly #notify: () => void;
  /** Replaced on change (copy on write), like the notifier list. */
  #nodes: HostNode[] = [];
  /** Resolves pollAsync's race when host I/O lands first. */
  #signal: (() => void) | null = null;
  #closed = false;

  /** `notify` kicks the owning context (AioContext.notify). */
  constructor(ctxName: string, dispatch: DispatchState, notify: () => void) {
    this.#ctxName = ctxName;
    this.#dispatch = dispatch;
    this.#notify = notify;
  }

  /** Number of resources watched. */
  get count(): number {
    return this.#nodes.length;
  }

  /** Registers, replaces or (null, or no handler) removes the handlers of `resource`. */
  set(resource: HostIoResource, handlers: HostIoHandlers | null): void {
    const old = this.#nodes.find((h) => h.resource === resource && !h.deleted);
    const remove = handlers === null ||
      (handlers.read === undefined && handlers.write === undefined);
    if (old !== undefined && !remove) {
      old.handlers = handlers!;
      this.#pump(old);
    } else if (old !== undefined) {
      old.deleted = true;
      this.#nodes = this.#nodes.filter((h) => h !== old);
    } else if (!remove) {
      const node: HostNode = {
        resource,
        handlers: handlers!,
        buf: new Uint8Array(READ_BUFFER_BYTES),
        readReady: false,
        readData: null,
        readError: undefined,
        reading: false,
        eof: false,
        writing: false,
        writeError: undefined,
        deleted: false,
      };
      this.#nodes = [...this.#nodes, node];
      this.#pump(node);
    }
  }

  /** Whether a handler can run now (a read landed, a write failed, or a writer is idle). */
  anyReady(): boolean {
    for (const h of this.#nodes) {
      if (h.deleted) continue;
      if (h.readReady || h.writeError !== undefined) return true;
      if (h.handlers.write !== undefined && !h.writing) return true;
    }
    return false;
  }

  /**
   * Sleeps (asynchronously: the JavaScript event loop runs meanwhile) until
   * word `w[index]` moves from `wake`, `timeoutNs` passes (-1: forever) or
   * host I/O lands. Returns null without waiting when the word already moved.
   * The caller raised notify_me first (AioContext.pollAsync).
   */
  waitAsync(w: Int32Array, index: number, wake: number, timeoutNs: number): Promise<void> | null {
    // Pairs with the producer's Atomics.add(WAKE) + Atomics.notify(WAKE).
    const r = Atomics.waitAsync(w, index, wake, timeoutNs < 0 ? Infinity : timeoutNs / 1e6);
    if (!r.async) return null;
    const landed = new Promise<void>((resolve) => (this.#signal = resolve));
    return Promise.race([r.value, landed]).then(() => {
      this.#signal = null;
      // Releases this thread's own async waiter if host I/O won the race.
      Atomics.notify(w, index);
    });
  }

  /** Forgets every resource; in-flight I/O that lands later is dropped. */
  close(): void {
    this.#closed = true;
    this.#nodes = [];
  }

  /** Runs the ready handlers; true iff one made progress. Throws on a failed read or write. */
  dispatch(): boolean {
    const d = this.#dispatch;
    let progress = false;
    for (const h of this.#nodes) {
      if (h.deleted) continue;
      if (h.readReady && h.handlers.read !== undefined) {
        h.readReady = false;
        const data = h.readData;
        const err = h.readError;
        h.readData = null;
        h.readError = undefined;
        this.runs++;
        progress = true;
        if (err !== undefined) {
          throw new Error(`host-I/O read failed in context "${this.#ctxName}": ${String(err)}`, {
            cause: err,
          });
        }
        const prev = d.current;
        d.current = h.handlers.read.name || "host-io-read";
        h.handlers.read(data);
        d.current = prev;
        if (!h.deleted) this.#pump(h);
      }
      if (h.writeError !== undefined) {
        const err = h.writeError;
        h.writeError = undefined;
        throw new Error(`host-I/O write failed in context "${this.#ctxName}": ${String(err)}`, {
          cause: err,
        });
      }
      if (!h.deleted && h.handlers.write !== undefined && !h.writing) {
        const prev = d.current;
        d.current = h.handlers.write.name || "host-io-write";
        const data = h.handlers.write();
        d.current = prev;
        this.runs++;
        if (data !== null && data.length > 0) {
          progress = true;
          this.#write(h, data);
        }
      }
    }
    return progress;
  }

  /** The error of a handler registered for a resource that lacks the method it needs. */
  #missingMethod(method: "read" | "write"): Error {
    return new Error(
      `context "${this.#ctxName}": host-I/O ${method} handler registered for a resource ` +
        `without ${method}()`,
    );
  }

  /** Starts a read unless one is in flight, one landed, or the stream ended. */
  #pump(h: HostNode): void {
    if (h.reading || h.eof || h.readReady || h.handlers.read === undefined) return;
    const read = h.resource.read;
    if (read === undefined) throw this.#missingMethod("read");
    h.reading = true;
    read.call(h.resource, h.buf).then(
      (n) => this.#readLanded(h, n === null ? null : h.buf.slice(0, n), undefined),
      (err: unknown) => this.#readLanded(h, null, err),
    );
  }

  #readLanded(h: HostNode, data: Uint8Array | null, err: unknown): void {
    h.reading = false;
    if (h.deleted || this.#closed) return;
    h.readReady = true;
    h.readData = data;
    h.readError = err;
    if (data === null && err === undefined) h.eof = true;
    this.#wake();
  }

  #write(h: HostNode, data: Uint8Array): void {
    const write = h.resource.write;
    if (write === undefined) throw this.#missingMethod("write");
    h.writing = true;
    const all = async (): Promise<void> => {
      let off = 0;
      while (off < data.length) off += await write.call(h.resource, data.subarray(off));
    };
    all().then(
      () => {
        h.writing = false;
        if (!h.deleted && !this.#closed) this.#wake();
      },
      (err: unknown) => {
        h.writing = false;
        h.writeError = err;
        if (!this.#closed) this.#wake();
      },
    );
  }

  #wake(): void {
    this.#notify();
    const s = this.#signal;
    this.#signal = null;
    s?.();
  }
}
