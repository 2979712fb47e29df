/**
 * The `file` block driver: real reads and writes of a host file through the
 * node's context's thread pool (QEMU's file-posix with aio=threads). The
 * file is opened, or created when `create` is set, at construction; it is
 * truncated only when `truncate` asks for it, never otherwise. Requests run
 * in pool Workers; their completions run in the node's context, one at a
 * time, from the pool's completion bottom half.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "../runtime/aio_context.ts";
 * import { BlockGraph } from "./block_graph.ts";
 * import { BlockBackend } from "./block_backend.ts";
 * import { FileDriver } from "./file_driver.ts";
 * const path = await Deno.makeTempFile();
 * const ctx = new AioContext();
 * const drv = new FileDriver({ filename: path, size: 4096 });
 * const g = new BlockGraph({ mainContext: ctx.id });
 * const blk = new BlockBackend(g, { name: "f" });
 * blk.insert(g.addNode({ nodeName: "file0", driver: drv, driverName: "file" }));
 * let done = false;
 * blk.write(0, new TextEncoder().encode("hello"), (r) => (done = r.ok));
 * while (!done) ctx.poll(true);
 * let text = "";
 * blk.read(0, 5, (r) => (text = new TextDecoder().decode(r.data!)));
 * while (text === "") ctx.poll(true);
 * assert.equal(text, "hello");
 * await drv.close(ctx);
 * ctx.destroy();
 * await Deno.remove(path);
 * ```
 *
 * @module
 */

import { ClockType } from "../runtime/clock.ts";
import { localContext } from "../runtime/thread_state.ts";
import { threadPoolFor } from "../runtime/thread_pool.ts";
import type { AioContext } from "../runtime/aio_context.ts";
import type { BlockRequest, DriverHooks, DriverNode, IoDriver, RequestResult } from "./driver.ts";

const JOBS = new URL("./_file_jobs.ts", import.meta.url).href;

/** Options of {@link FileDriver}. */
export interface FileDriverOptions {
  /** Host path. */
  filename: string;
  /** Create the file if it does not exist. Default false. */
  create?: boolean;
  /** Truncate it to `size` (or 0) when opening. Default false: never truncated. */
  truncate?: boolean;
  /** Reported size; default: the file's size at open. */
  size?: number;
}

/**
 * A file driver instance. Opening happens in the constructor (any thread
 * with file permissions); I/O runs in the node's context's home thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileDriver } from "./file_driver.ts";
 * const path = await Deno.makeTempFile();
 * assert.equal(new FileDriver({ filename: path }).size, 0);
 * assert.equal(new FileDriver({ filename: path, size: 8192, truncate: true }).size, 8192);
 * assert.equal((await Deno.stat(path)).size, 8192);
 * await Deno.remove(path);
 * ```
 */
export class FileDriver implements DriverHooks, IoDriver {
  /** Host path. */
  readonly filename: string;
  /** Reported size, bytes. */
  readonly size: number;
  /** Requests completed (statistic). */
  completed = 0;
  /** Total time from submit to completion, ns (statistic). */
  latencyTotalNs = 0;

  /**
   * Opens (and maybe creates or truncates) the file, as the options say.
   * Throws a clear error naming the file when it cannot.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FileDriver } from "./file_driver.ts";
   * const dir = await Deno.makeTempDir();
   * assert.throws(
   *   () => new FileDriver({ filename: `${dir}/disk.img` }),
   *   /file driver: cannot open .*disk\.img \(it must exist; set create to make it\)/,
   * );
   * await Deno.remove(dir);
   * ```
   */
  constructor(options: FileDriverOptions) {
    this.filename = options.filename;
    let f: Deno.FsFile;
    try {
      f = Deno.openSync(options.filename, {
        read: true,
        write: true,
        create: options.create ?? false,
        truncate: false,
      });
    } catch (err) {
      const hint = err instanceof Deno.errors.NotFound && !options.create
        ? " (it must exist; set create to make it)"
        : "";
      throw new Error(`file driver: cannot open ${options.filename}${hint}: ${String(err)}`, {
        cause: err,
      });
    }
    try {
      if (options.truncate) f.truncateSync(options.size ?? 0);
      this.size = options.size ?? f.statSync().size;
    } finally {
      f.close();
    }
  }

  /**
   * Starts `req` in the thread pool of the node's context; `done` runs in
   * that context from the pool's completion BH. Node's context's home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "../runtime/aio_context.ts";
   * import { FileDriver } from "./file_driver.ts";
   * const path = await Deno.makeTempFile();
   * const ctx = new AioContext();
   * const drv = new FileDriver({ filename: path }); // empty: 0 bytes
   * let why = "";
   * // Any { nodeName, aioContext } will do as the node.
   * drv.submit({ nodeName: "f", aioContext: ctx.id }, { op: "read", offset: 0, bytes: 512 }, (r) => {
   *   why = r.error?.message ?? "";
   * });
   * ctx.poll(false);
   * assert.match(why, /beyond the size 0/);
   * ctx.destroy();
   * await Deno.remove(path);
   * ```
   */
  submit(node: DriverNode, req: BlockRequest, done: (r: RequestResult) => void): void {
    const ctx = localContext(node.aioContext);
    if (ctx === undefined) {
      throw new Error(
        `file driver: node "${node.nodeName}" is in context ${node.aioContext}, which is not ` +
          `homed in this thread`,
      );
    }
    if (req.op !== "flush" && req.offset + req.bytes > this.size) {
      ctx.scheduleOneshot(() =>
        done({
          ok: false,
          error: new RangeError(
            `file driver: ${req.op} of ${req.bytes} bytes at ${req.offset} is beyond the size ${this.size} of ${this.filename}`,
          ),
        })
      );
      return;
    }
    const start = ctx.clocks.now(ClockType.REALTIME);
    // Data travels through a shared staging buffer (passed by reference,
    // one copy each way) instead of being serialised into the request.
    const buf = req.op === "flush" ? null : this.#takeBuffer(req.bytes);
    if (req.op === "write") new Uint8Array(buf!, 0, req.bytes).set(req.data!);
    const job = req.op === "read"
      ? { fn: `${JOBS}#filePreadInto`, args: [this.filename, req.offset, req.bytes, buf] }
      : req.op === "write"
      ? { fn: `${JOBS}#filePwriteFrom`, args: [this.filename, req.offset, req.bytes, buf] }
      : { fn: `${JOBS}#fileFlush`, args: [this.filename] };
    threadPoolFor(ctx).submit<number | boolean>(job, {
      onComplete: (r) => {
        this.completed++;
        this.latencyTotalNs += ctx.clocks.now(ClockType.REALTIME) - start;
        const data = req.op === "read" && r.status === "ok"
          ? new Uint8Array(buf!, 0, req.bytes).slice()
          : undefined;
        if (buf !== null) this.#free.push(buf);
        if (r.status === "ok") {
          done(req.op === "read" ? { ok: true, data } : { ok: true });
        } else if (r.status === "error") {
          done({ ok: false, error: r.error });
        } else {
          done({ ok: false, error: new Error("cancelled") });
        }
      },
    });
  }

  /** Free staging buffers (reused: the pool keeps every buffer it has seen). */
  readonly #free: SharedArrayBuffer[] = [];

  #takeBuffer(bytes: number): SharedArrayBuffer {
    for (let i = this.#free.length - 1; i >= 0; i--) {
      if (this.#free[i].byteLength >= bytes) return this.#free.splice(i, 1)[0];
    }
    let size = 4096;
    while (size < bytes) size *= 2;
    return new SharedArrayBuffer(size);
  }

  /**
   * Releases the pool of context `ctx` once nothing is in flight (the
   * workers' open files close with them). The context's home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "../runtime/aio_context.ts";
   * import { threadPoolFor } from "../runtime/thread_pool.ts";
   * import { FileDriver } from "./file_driver.ts";
   * const path = await Deno.makeTempFile();
   * const ctx = new AioContext();
   * const drv = new FileDriver({ filename: path });
   * const pool = threadPoolFor(ctx);
   * await drv.close(ctx);
   * assert.equal(pool.destroyed, true);
   * ctx.destroy();
   * await Deno.remove(path);
   * ```
   */
  async close(ctx: AioContext): Promise<void> {
    const pool = threadPoolFor(ctx);
    if (pool.outstanding === 0 && !pool.destroyed) await pool.destroy();
  }
}
