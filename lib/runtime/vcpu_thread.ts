/**
 * VcpuThread: a QEMU vCPU thread: a Deno Worker with an aiolab thread id and
 * the process registry that runs NO AioContext of its own. The orchestrator
 * runs guest code in it ({@link VcpuThread.run}: a module export, called
 * directly on the thread), asks it to stop ({@link VcpuThread.stop}) and
 * joins it.
 *
 * Inside the thread (QEMU_SEMANTICS.md 1.2): `getCurrentAioContext()` is
 * null and `currentRole()` is `"vcpu"`; `currentAioContext()` (main_loop.ts)
 * is the main context while the thread holds the BQL (device emulation
 * under `bqlLock()`), else null; other contexts are reached through their
 * handles. Guest code that loops checks {@link vcpuStopRequested} (QEMU's
 * `cpu->stop` / exit request); the thread exits once every run() call has
 * returned after a stop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VcpuThread } from "./vcpu_thread.ts";
 * const cpu = await VcpuThread.create({ index: 0 });
 * const ref = `${new URL("./thread_state.ts", import.meta.url).href}#currentRole`;
 * assert.equal(await cpu.run(ref), "vcpu");
 * cpu.stop();
 * await cpu.join();
 * ```
 *
 * @module
 */

import type { AioThreadError } from "./aio_thread_error.ts";
import { HostedThread, type JoinOptions } from "./hosted_thread.ts";
import { ThreadHost } from "./_thread_host.ts";
import { vcpuStop } from "./_vcpu_state.ts";

/** Options of {@link VcpuThread.create}. */
export interface VcpuThreadOptions {
  /** vCPU index (cpu_index); the thread is named `CPU <index>/aiolab`. */
  index: number;
  /** Module URLs to import in the thread before it starts (the guest code, its handlers). */
  preload?: (string | URL)[];
  /** Called in the orchestrator when the thread fails (an uncaught error). */
  onError?: (err: AioThreadError) => void;
}

/**
 * A vCPU thread. Methods are for the orchestrating thread that created it.
 * Create the MainLoop first if the guest code needs the main context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VcpuThread } from "./vcpu_thread.ts";
 * await using cpu = await VcpuThread.create({ index: 1 });
 * assert.equal(cpu.index, 1);
 * assert.equal(cpu.threadName, "CPU 1/aiolab");
 * ```
 */
export class VcpuThread extends HostedThread<void> {
  /** vCPU index. */
  readonly index: number;

  private constructor(index: number, host: ThreadHost) {
    super(host);
    this.index = index;
  }

  /**
   * Starts a vCPU thread and waits until it is ready. Throws a TypeError
   * for an index that is not a non-negative integer. Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { VcpuThread } from "./vcpu_thread.ts";
   * const cpu = await VcpuThread.create({ index: 2 });
   * cpu.stop();
   * await cpu.join();
   * await assert.rejects(VcpuThread.create({ index: -1 }), TypeError);
   * ```
   */
  static async create(options: VcpuThreadOptions): Promise<VcpuThread> {
    const index: unknown = options.index;
    if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0) {
      throw new TypeError(
        `VcpuThread index: expected a non-negative integer, got ${
          typeof index === "string" ? `the string ${JSON.stringify(index)}` : String(index)
        }`,
      );
    }
    const host = new ThreadHost({
      threadName: `CPU ${index}/aiolab`,
      role: "vcpu",
      ctx: null,
      preload: options.preload ?? [],
      onError: options.onError,
    });
    await host.start();
    return new VcpuThread(index, host);
  }

  /**
   * The thread's name (`CPU <index>/aiolab`). Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { VcpuThread } from "./vcpu_thread.ts";
   * await using cpu = await VcpuThread.create({ index: 3 });
   * assert.equal(cpu.threadName, "CPU 3/aiolab");
   * ```
   */
  get threadName(): string {
    return this.host.threadName;
  }

  /**
   * Asks the vCPU to stop: {@link vcpuStopRequested} turns true in the
   * thread at once (shared memory), and the thread exits once the run()
   * calls in flight have returned; later run() calls are refused.
   * Idempotent. Orchestrator.
   *
   * @example
   * ```ts
   * import { VcpuThread } from "./vcpu_thread.ts";
   * const cpu = await VcpuThread.create({ index: 4 });
   * cpu.stop();
   * cpu.stop();
   * await cpu.join();
   * ```
   */
  override stop(): void {
    this.host.stop();
  }

  /**
   * Waits for the thread to end; rejects with its error if it failed (an
   * uncaught error in the Worker) or was terminated, and with a
   * JoinTimeoutError after `timeoutMs` if given (see HostedThread.join).
   * Orchestrator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { VcpuThread } from "./vcpu_thread.ts";
   * const cpu = await VcpuThread.create({ index: 5 });
   * cpu.stop();
   * assert.equal(await cpu.join({ timeoutMs: 60_000 }), undefined);
   * ```
   */
  override async join(options: JoinOptions = {}): Promise<void> {
    await super.join(options);
  }
}

/**
 * Whether the calling vCPU thread was asked to stop (QEMU's `cpu->stop`):
 * guest code that loops checks it and returns. Throws outside a vCPU
 * thread. The vCPU thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { vcpuStopRequested } from "./vcpu_thread.ts";
 * assert.throws(() => vcpuStopRequested(), /only inside a vCPU thread/);
 * ```
 */
export function vcpuStopRequested(): boolean {
  const stop = vcpuStop();
  if (stop === null) {
    throw new Error("vcpuStopRequested() is available only inside a vCPU thread (VcpuThread)");
  }
  // Pairs with the orchestrator's set() (Atomics.add on the notifier count).
  return stop.isSet();
}
