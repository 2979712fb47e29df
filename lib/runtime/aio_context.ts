/**
 * AioContext: QEMU's event loop object, re-implemented on a Deno thread.
 *
 * An AioContext owns bottom halves, event-notifier handlers, host-I/O
 * handlers and a timer-list group, and runs them from {@link AioContext.poll}
 * with QEMU's contract: phase order BHs → ready handlers → expired timers;
 * the return value says whether progress was made (the context's own kick
 * and idle BHs are not progress); a blocking poll sleeps only when nothing
 * is pending, with a timeout computed from BHs and timers.
 *
 * This file holds the context itself: the notify protocol, `poll()`,
 * adaptive busy-polling and the public API. Its parts live beside it:
 * bottom halves in `_bh_list.ts`, cross-thread oneshots in
 * `_oneshot_intake.ts`, event-notifier handlers in `notifier_set.ts`,
 * host-I/O handlers in `host_io.ts`, timers in `timer.ts`.
 *
 * Threads. The thread that creates a context is its home thread: only it
 * polls the context and touches its BHs, handlers and timers. Every other
 * thread uses the context's {@link AioContext.handle} (see
 * `RemoteAioContext`): notify, schedule a oneshot handler by reference,
 * schedule a shared BH, set a bound event notifier, acquire/release.
 *
 * Wakeups (the notify protocol). The context sleeps on one Int32 wake word
 * in the process registry. A producer publishes its work, stores
 * `notified = 1` and pays for `Atomics.notify` only if `notify_me` is
 * non-zero. The home thread adds 2 to `notify_me` before it checks
 * `notified` and subtracts 2 after waking. Both sides use sequentially
 * consistent Atomics, the two full barriers of QEMU's Dekker argument: a
 * wakeup is never lost and an awake owner costs no futex call.
 *
 * Differences from QEMU worth knowing: there are no file descriptors, so an
 * event notifier's `set()` also kicks the context it is registered with (the
 * only way a single wake word can watch many sources); every event notifier
 * is userspace-pollable, so only host-I/O handlers disable busy-polling (QEMU's
 * `poll_disable_cnt`): busy-polling calls a notifier's io_poll when it has
 * one and otherwise reads its counter, where QEMU would have to take the
 * syscall path for a handler without io_poll; timers are home-thread only. Adaptive polling keeps one
 * polling time per context (the seed era's `ctx->poll_ns`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * const ctx = new AioContext({ name: "demo" });
 * let ran = 0;
 * ctx.scheduleOneshot(() => ran++);
 * assert.equal(ctx.poll(false), true); // the BH phase ran it
 * assert.equal(ran, 1);
 * assert.equal(ctx.poll(false), false); // nothing left
 * ctx.destroy();
 * ```
 *
 * @module
 */

import { describeValue } from "../sync/describe_value.ts";
import { CONTEXT } from "../sync/layout.ts";
import { MpscRing } from "../sync/mpsc_ring.ts";
import { RecMutex } from "../sync/rec_mutex.ts";
import { defaultRegistry, type Registry } from "../sync/registry.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import type { EventNotifier } from "../sync/event_notifier.ts";
import { adjustPollNs, POLL_OFF, type PollParams, resolvePollParams } from "./adaptive_poll.ts";
import { BH_FLAG } from "./layout.ts";
import {
  type BhCallback,
  type BhHost,
  BottomHalf,
  type ReentrancyGuard,
  type SharedBottomHalf,
} from "./bottom_half.ts";
import { Clocks, ClockType, Scale } from "./clock.ts";
import { type AioContextHandle, RemoteAioContext } from "./context_handle.ts";
import { soonestTimeout, type Timer, type TimerCallback, TimerListGroup } from "./timer.ts";
import { BhList } from "./_bh_list.ts";
import { type DispatchState, handlerNameSafe } from "./_dispatch_state.ts";
import { type HostIoHandlers, type HostIoResource, HostIoSet } from "./host_io.ts";
import { type NotifierPollHandler, type NotifierReadHandler, NotifierSet } from "./notifier_set.ts";
import { OneshotIntake } from "./_oneshot_intake.ts";

export type { HostIoHandlers, HostIoResource } from "./host_io.ts";
export type { NotifierPollHandler, NotifierReadHandler } from "./notifier_set.ts";

/** How long a blocking poll may sleep while only idle BHs are pending, ns. */
export const IDLE_BH_TIMEOUT_NS = 10_000_000;

/** Default {@link AioContextOptions.pollClockEvery}. */
export const DEFAULT_POLL_CLOCK_EVERY = 8;

/** Upper bound on {@link AioContextOptions.sharedBhCapacity}. */
const MAX_SHARED_BHS = 1 << 16;

/** poll() calls in a row without a busy-poll budget after which polling mode ends. */
const UNPOLLED_POLL_MODE_END = 8;

/**
 * An integer option in [min, max] (`fallback` when undefined); otherwise a
 * TypeError (not a number) or RangeError naming the option, what was
 * expected and what was found.
 */
function intOption(
  owner: string,
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) {
    return value;
  }
  const want = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  const msg = `${owner}: option ${option}: expected ${want}, got ${describeValue(value)}`;
  throw typeof value === "number" ? new RangeError(msg) : new TypeError(msg);
}

/**
 * Options of {@link AioContext}. The poll parameters ({@link PollParams}:
 * `pollMaxNs`, `pollGrow`, `pollShrink`) default to 0: polling off.
 */
export interface AioContextOptions extends Partial<PollParams> {
  /** Name for statistics and errors. Default `"ctx<id>"`. */
  name?: string;
  /** Clocks for timers and polling time (inject a ManualTimeSource in tests). */
  clocks?: Clocks;
  /** Capacity of the cross-thread oneshot ring, records: an integer in [1, 2^24] (rounded up to a power of two). Default 4096. */
  ringCapacity?: number;
  /** Capacity of the shared BH table: an integer in [1, 65536]. Default 256. */
  sharedBhCapacity?: number;
  /**
   * Busy-polling rounds between clock reads. QEMU reads the clock every
   * round (1), which tests with a manual clock rely on; the default reads it
   * every 8 rounds because a read costs ~120 ns in Deno, as much as 10 rounds.
   */
  pollClockEvery?: number;
}

/** Statistics of a context. */
export interface AioContextStats {
  /** Context name. */
  name: string;
  /** poll() calls. */
  polls: number;
  /** poll() calls that made progress. */
  progress: number;
  /** Blocking waits entered (the thread slept in Atomics.wait / waitAsync). */
  blockingWaits: number;
  /** Bottom-half callbacks run (idle ones included). */
  bhRuns: number;
  /** Cross-thread oneshot handlers run. */
  oneshotRuns: number;
  /** Event-notifier and host-I/O handler callbacks run. */
  handlerRuns: number;
  /** Timer callbacks run. */
  timerRuns: number;
  /** Busy-polling phases entered. */
  pollPhases: number;
  /** Busy-polling phases that found work. */
  pollHits: number;
  /** Total time spent busy-polling, ns. */
  pollTotalNs: number;
  /** Current adaptive polling time, ns. */
  pollNs: number;
  /** notify() calls that paid Atomics.notify. */
  notifyWakes: number;
  /** notify() calls that skipped Atomics.notify because the owner was awake. */
  notifySkips: number;
}

const NO_WAIT_HOOK = (): void => {};

/** Contexts homed in this thread, by id (written by their constructor and destroy). */
const localContexts = new Map<number, AioContext>();

/**
 * The AioContext with id `id` if it is homed in the calling thread, else
 * undefined (contexts of other threads are reached through their handles).
 * Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext, localContext } from "./aio_context.ts";
 * const ctx = new AioContext();
 * assert.equal(localContext(ctx.id), ctx);
 * ctx.destroy();
 * assert.equal(localContext(ctx.id), undefined);
 * ```
 */
export function localContext(id: number): AioContext | undefined {
  return localContexts.get(id);
}

/**
 * An event loop homed in the calling thread.
 *
 * Fields: all home thread only, except the shared words reached through
 * `#w` (the control block in the registry, see `CONTEXT` in
 * lib/sync/layout.ts) and the ring and BH table that other threads write.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./aio_context.ts";
 * const ctx = new AioContext();
 * let runs = 0;
 * const bh = ctx.bhNew(() => runs++);
 * bh.schedule();
 * assert.equal(ctx.poll(false), true);
 * assert.equal(runs, 1);
 * bh.delete();
 * ctx.poll(false);
 * ctx.destroy();
 * ```
 */
export class AioContext implements BhHost {
  /** Context id (its control block in the process registry). */
  readonly id: number;
  /** Name for statistics and errors. */
  readonly name: string;
  /** The clocks of this context's timers. */
  readonly clocks: Clocks;
  /** The timer-list group (QEMU's ctx->tlg). */
  readonly timers: TimerListGroup;

  readonly #reg: Registry;
  readonly #w: Int32Array;
  readonly #base: number;
  readonly #home: number;
  readonly #lock: RecMutex;
  readonly #handle: AioContextHandle;
  #remote: RemoteAioContext | null = null;

  // The parts (see the module doc). They share #dispatch.
  readonly #dispatch: DispatchState = { current: null };
  readonly #bhs: BhList;
  readonly #oneshots: OneshotIntake;
  readonly #notifiers: NotifierSet;
  readonly #host: HostIoSet;

  // poll state.
  #depth = 0;
  #pollParams: PollParams;
  #pollNs = 0;
  /** Time the current poll() spent busy-polling, ns (out-value of #tryPoll). */
  #polledNs = 0;
  /** Clock reading when the current poll()'s busy-polling started, or -1 (out-value of #tryPoll). */
  #pollStart = -1;
  /** poll() calls in a row that found no budget to busy-poll while polling mode was on. */
  #unpolled = 0;
  /** Busy-polling rounds between clock reads (QEMU: 1). */
  readonly #pollClockEvery: number;
  /** A home-thread kick not yet accepted (see #kick). */
  #kicked = false;
  #beforeWait: () => void = NO_WAIT_HOOK;
  #afterWait: () => void = NO_WAIT_HOOK;
  #bqlRequired = false;
  #destroyed = false;

  // Statistics.
  #polls = 0;
  #progress = 0;
  #pollPhases = 0;
  #pollHits = 0;
  #pollTotalNs = 0;
  #localSkips = 0;

  /**
   * Creates a context homed in the calling thread (aio_context_new). Throws
   * a TypeError or RangeError for invalid options, before claiming any
   * registry slot.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext({ name: "io0", pollMaxNs: 32768 });
   * assert.equal(ctx.pollParams().pollMaxNs, 32768);
   * ctx.destroy();
   * assert.throws(() => new AioContext({ pollMaxNs: -1 }), RangeError);
   * assert.throws(
   *   () => new AioContext({ sharedBhCapacity: -5 }),
   *   /option sharedBhCapacity: expected an integer in \[1, 65536\], got the number -5/,
   * );
   * ```
   */
  constructor(options: AioContextOptions = {}) {
    const name: unknown = options.name;
    if (name !== undefined && typeof name !== "string") {
      throw new TypeError(`AioContext option name: expected a string, got ${describeValue(name)}`);
    }
    const label = `AioContext${name === undefined ? "" : ` "${name}"`}`;
    const pollParams = resolvePollParams(options, POLL_OFF, label);
    const every = intOption(
      label,
      "pollClockEvery",
      options.pollClockEvery,
      DEFAULT_POLL_CLOCK_EVERY,
      1,
      Infinity,
    );
    const ringCapacity = intOption(label, "ringCapacity", options.ringCapacity, 4096, 1, 1 << 24);
    const sharedBhCapacity = intOption(
      label,
      "sharedBhCapacity",
      options.sharedBhCapacity,
      256,
      1,
      MAX_SHARED_BHS,
    );
    const clocks: unknown = options.clocks;
    if (clocks !== undefined && !(clocks instanceof Clocks)) {
      throw new TypeError(
        `${label}: option clocks: expected a Clocks instance, got ${describeValue(clocks)}`,
      );
    }
    this.#reg = defaultRegistry();
    this.#w = this.#reg.words;
    this.#home = currentThreadId();
    const ring = new MpscRing({ capacity: ringCapacity, recordWords: 4 });
    this.#bhs = new BhList(sharedBhCapacity, this.#dispatch);
    this.id = this.#reg.allocContext(this.#home);
    this.#base = this.#reg.contextBase(this.id);
    this.name = options.name ?? `ctx${this.id}`;
    this.#pollClockEvery = every;
    this.#pollParams = pollParams;
    this.clocks = (clocks as Clocks | undefined) ?? new Clocks();
    this.timers = new TimerListGroup(this.clocks, () => this.notify());
    this.#oneshots = new OneshotIntake(
      ring,
      this.name,
      this.#dispatch,
      (cb, name) => this.scheduleOneshot(cb, undefined, name),
    );
    this.#notifiers = new NotifierSet(this.#dispatch);
    this.#host = new HostIoSet(this.name, this.#dispatch, () => this.notify());
    this.#lock = new RecMutex({ name: `${this.name}.lock`, stats: true });
    this.#handle = {
      id: this.id,
      name: this.name,
      home: this.#home,
      generation: this.#reg.contextGeneration(this.id),
      registry: this.#reg.handle,
      ring: ring.handle,
      sharedBh: this.#bhs.table.buffer as SharedArrayBuffer,
      lock: this.#lock.handle,
    };
    localContexts.set(this.id, this);
  }

  /**
   * Structured-cloneable handle for other threads. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const h = ctx.handle; // postMessage(h) to a Worker
   * assert.equal(h.id, ctx.id);
   * ctx.destroy();
   * ```
   */
  get handle(): AioContextHandle {
    return this.#handle;
  }

  /**
   * A {@link RemoteAioContext} view of this context (the thread-safe
   * operations). Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.remote(), ctx.remote());
   * ctx.remote().notify();
   * ctx.destroy();
   * ```
   */
  remote(): RemoteAioContext {
    if (this.#remote === null) this.#remote = new RemoteAioContext(this.#handle);
    return this.#remote;
  }

  /**
   * Id of the home thread. Any thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.homeThread, 0); // the orchestrator
   * ctx.destroy();
   * ```
   */
  get homeThread(): number {
    return this.#home;
  }

  #assertHome(what: string): void {
    if (this.#destroyed) throw new Error(`${what} on destroyed context "${this.name}"`);
    if (currentThreadId() !== this.#home) {
      throw new Error(
        `${what} of context "${this.name}" from thread ${currentThreadId()} ` +
          `(${currentThreadName()}): only its home thread ${this.#home} may do this`,
      );
    }
  }

  // ---------------------------------------------------------------- notify

  /**
   * Kicks the context (aio_notify). From the home thread this only marks
   * `notified` (the owner is awake); other threads use the handle. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.notify();
   * assert.equal(ctx.poll(true), false); // woken by a kick only: no progress
   * ctx.destroy();
   * ```
   */
  notify(): void {
    // A plain field: the control block may already belong to another context.
    if (this.#destroyed) this.#assertHome("notify");
    const w = this.#w;
    const b = this.#base;
    // Same protocol as notifyContext(): publish, then check notify_me. The
    // home thread is awake, so when `notified` is already set there is
    // nothing to publish (a load is much cheaper than the barrier store).
    if (Atomics.load(w, b + CONTEXT.NOTIFIED) === 0) Atomics.store(w, b + CONTEXT.NOTIFIED, 1);
    if (Atomics.load(w, b + CONTEXT.NOTIFY_ME) !== 0) {
      // Only reachable from a host-I/O callback during pollAsync's wait.
      Atomics.add(w, b + CONTEXT.WAKE, 1);
      Atomics.notify(w, b + CONTEXT.WAKE);
      Atomics.add(w, b + CONTEXT.NOTIFY_WAKES, 1);
    } else {
      this.#localSkips++;
    }
  }

  /**
   * aio_notify from the home thread for its own BHs: the owner is awake, so
   * the kick only has to reach this thread's next poll; a plain field does
   * that without the shared word's barrier store (BH schedule + dispatch is
   * a hot path). The shared protocol still runs when the owner announced a
   * wait, which from the home thread happens only in pollAsync's await.
   */
  #kick(): void {
    this.#kicked = true;
    // NOTIFY_ME is written by this (the home) thread only: a plain read is exact.
    if (this.#w[this.#base + CONTEXT.NOTIFY_ME] !== 0) this.notify();
    else this.#localSkips++;
  }

  // ---------------------------------------------------------- bottom halves

  /**
   * Allocates a bottom half (aio_bh_new); it does not run until scheduled.
   * Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const seen: unknown[] = [];
   * const bh = ctx.bhNew((o) => seen.push(o), "arg", { name: "recorder" });
   * bh.schedule();
   * ctx.poll(false);
   * assert.deepEqual(seen, ["arg"]);
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  bhNew(
    cb: BhCallback,
    opaque?: unknown,
    options: { name?: string; guard?: ReentrancyGuard } = {},
  ): BottomHalf {
    this.#assertHome("bhNew");
    const bh = new BottomHalf(this, cb, opaque, options.name ?? (cb.name || "bh"), options.guard);
    this.#bhs.track(bh);
    return bh;
  }

  /**
   * Allocates a bottom half that other threads can schedule by its `index`
   * through the handle. Throws a RangeError when the shared BH table is
   * full. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const bh = ctx.sharedBhNew(() => {});
   * assert.equal(bh.index, 0);
   * bh.delete();
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  sharedBhNew(cb: BhCallback, opaque?: unknown, name?: string): SharedBottomHalf {
    this.#assertHome("sharedBhNew");
    return this.#bhs.newShared(this, cb, opaque, name ?? (cb.name || "shared-bh"));
  }

  /**
   * Schedules `cb` to run once in the next BH pass, then frees it
   * (aio_bh_schedule_oneshot in the home thread). Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * let runs = 0;
   * ctx.scheduleOneshot(() => runs++);
   * ctx.poll(false);
   * ctx.poll(false);
   * assert.equal(runs, 1);
   * ctx.destroy();
   * ```
   */
  scheduleOneshot(cb: BhCallback, opaque?: unknown, name?: string): void {
    this.#assertHome("scheduleOneshot");
    const bh = new BottomHalf(this, cb, opaque, name ?? (cb.name || "oneshot"));
    this.#bhs.track(bh);
    bh.orFlags(BH_FLAG.PENDING | BH_FLAG.SCHEDULED | BH_FLAG.ONESHOT);
    this.bhEnqueued(bh);
  }

  /** @internal BhHost: link a newly pending BH and kick. */
  bhEnqueued(bh: BottomHalf): void {
    this.#bhs.enqueue(bh);
    this.#kick();
  }

  /** @internal BhHost: kick only. */
  bhKick(): void {
    this.#kick();
  }

  /**
   * True while cross-thread oneshots wait for their handler module to load:
   * the home thread must let its JavaScript event loop run (see
   * {@link AioContext.settle}). Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.needsEventLoop(), false);
   * ctx.destroy();
   * ```
   */
  needsEventLoop(): boolean {
    return this.#oneshots.loading();
  }

  /**
   * Waits until pending handler modules have loaded; their calls are then
   * scheduled as oneshot BHs for the next poll. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * await ctx.settle();
   * assert.equal(ctx.needsEventLoop(), false);
   * ctx.destroy();
   * ```
   */
  settle(): Promise<void> {
    return this.#oneshots.settle();
  }

  /**
   * aio_compute_timeout: how long a blocking poll may sleep, ns: 0 when a
   * non-idle BH (or cross-thread oneshot) is pending, at most 10 ms when only
   * idle BHs are, else the soonest timer deadline; -1 means forever. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.computeTimeout(), -1);
   * ctx.scheduleOneshot(() => {});
   * assert.equal(ctx.computeTimeout(), 0);
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  computeTimeout(): number {
    const r = this.#bhs.timeout();
    if (r === 0 || this.#oneshots.hasData()) return 0;
    const bh = r > 0 ? IDLE_BH_TIMEOUT_NS : -1;
    return this.timers.armed === 0 ? bh : soonestTimeout(bh, this.timers.deadlineNs());
  }

  // ------------------------------------------------------ event notifiers

  /**
   * Registers (or replaces, or with `read` and `poll` both null removes) the
   * handler of an event notifier (aio_set_event_notifier). The notifier is
   * bound to this context, so `set()` from any thread kicks it. `poll`
   * (io_poll) without `pollReady` is dropped, as in QEMU; with it,
   * busy-polling calls `poll` and a hit runs `pollReady`. Without it,
   * busy-polling reads the notifier's counter (a notifier is a shared word,
   * so every one can be busy-polled) and a set one runs `read`. Throws if the notifier is
   * registered with another context. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { EventNotifier } from "../sync/event_notifier.ts";
   * const ctx = new AioContext();
   * const e = new EventNotifier();
   * ctx.setEventNotifier(e, (n) => n.testAndClear());
   * e.set();
   * assert.equal(ctx.poll(false), true);
   * ctx.setEventNotifier(e, null);
   * assert.equal(ctx.notifierCount(), 0);
   * ctx.destroy();
   * ```
   */
  setEventNotifier(
    notifier: EventNotifier,
    read: NotifierReadHandler | null,
    poll: NotifierPollHandler | null = null,
    pollReady: NotifierReadHandler | null = null,
  ): void {
    this.#assertHome("setEventNotifier");
    this.#notifiers.set(this.id, notifier, read, poll, pollReady);
    this.notify();
  }

  /**
   * Attaches io_poll_begin / io_poll_end callbacks to a registered notifier
   * (aio_set_event_notifier_poll): called when busy-polling starts and stops.
   * Throws if the notifier is not registered here. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { EventNotifier } from "../sync/event_notifier.ts";
   * const ctx = new AioContext({ pollMaxNs: 32768 });
   * const e = new EventNotifier();
   * ctx.setEventNotifier(e, (n) => n.testAndClear(), (n) => n.isSet(), (n) => n.testAndClear());
   * ctx.setEventNotifierPoll(e, () => {}, () => {});
   * assert.throws(() => ctx.setEventNotifierPoll(new EventNotifier(), null, null), /not registered/);
   * ctx.setEventNotifier(e, null);
   * ctx.destroy();
   * ```
   */
  setEventNotifierPoll(
    notifier: EventNotifier,
    begin: ((n: EventNotifier) => void) | null,
    end: ((n: EventNotifier) => void) | null,
  ): void {
    this.#assertHome("setEventNotifierPoll");
    const node = this.#notifiers.find(notifier);
    if (node === undefined) {
      throw new Error(`event notifier "${notifier.name}" is not registered with "${this.name}"`);
    }
    node.pollBegin = begin;
    node.pollEnd = end;
  }

  /**
   * Number of registered event-notifier handlers. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.notifierCount(), 0);
   * ctx.destroy();
   * ```
   */
  notifierCount(): number {
    return this.#notifiers.list.length;
  }

  // --------------------------------------------------------------- host I/O

  /**
   * Registers read/write handlers for a Deno resource (the counterpart of
   * aio_set_fd_handler); `null` handlers remove it. Atomics.wait cannot watch
   * Deno I/O, so a context with host-I/O handlers must be driven with
   * {@link AioContext.pollAsync}, which races `Atomics.waitAsync` on the wake
   * word with the resource's readiness; a blocking {@link AioContext.poll}
   * that would sleep throws instead of hanging. Contexts without host-I/O
   * handlers never pay for this. Host-I/O handlers disable busy-polling
   * (QEMU's poll_disable_cnt). Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const chunks = [new Uint8Array([1, 2, 3])];
   * const pipe = {
   *   read: (p: Uint8Array) => {
   *     const c = chunks.shift();
   *     if (c === undefined) return Promise.resolve(null);
   *     p.set(c);
   *     return Promise.resolve(c.length);
   *   },
   * };
   * const got: (number[] | null)[] = [];
   * ctx.setHostIoHandler(pipe, { read: (d) => got.push(d === null ? null : [...d]) });
   * while (got.length < 2) await ctx.pollAsync();
   * assert.deepEqual(got, [[1, 2, 3], null]); // the bytes, then end of stream
   * ctx.setHostIoHandler(pipe, null);
   * ctx.destroy();
   * ```
   */
  setHostIoHandler(resource: HostIoResource, handlers: HostIoHandlers | null): void {
    this.#assertHome("setHostIoHandler");
    this.#host.set(resource, handlers);
    this.notify();
  }

  /**
   * Number of host-I/O handlers registered. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.hostIoCount(), 0);
   * ctx.destroy();
   * ```
   */
  hostIoCount(): number {
    return this.#host.count;
  }

  // ------------------------------------------------------------------ timers

  /**
   * Creates a timer on this context's clocks (aio_timer_new). Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * const time = new ManualTimeSource();
   * const ctx = new AioContext({ clocks: new Clocks({ monotonic: time }) });
   * let ticks = 0;
   * const t = ctx.timerNew(ClockType.REALTIME, Scale.MS, () => ticks++);
   * t.mod(1); // at 1 ms
   * assert.equal(ctx.poll(false), false);
   * time.advance(1_000_000);
   * assert.equal(ctx.poll(false), true);
   * assert.equal(ticks, 1);
   * ctx.destroy();
   * ```
   */
  timerNew(
    type: ClockType,
    scale: Scale,
    cb: TimerCallback,
    opaque?: unknown,
    name?: string,
  ): Timer {
    this.#assertHome("timerNew");
    return this.timers.newTimer(type, scale, cb, opaque, name);
  }

  // ----------------------------------------------------------------- polling

  /**
   * Sets adaptive-polling parameters (aio_context_set_poll_params); fields
   * left out keep their value. Resets the current polling time to 0 and
   * kicks the loop. Throws a TypeError or RangeError, changing nothing, when
   * a value is not a non-negative integer. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.setPollParams({ pollMaxNs: 32768, pollGrow: 4 });
   * assert.deepEqual(ctx.pollParams(), { pollMaxNs: 32768, pollGrow: 4, pollShrink: 0 });
   * ctx.destroy();
   * ```
   */
  setPollParams(p: Partial<PollParams>): void {
    this.#assertHome("setPollParams");
    this.#pollParams = resolvePollParams(p, this.#pollParams, `AioContext "${this.name}"`);
    this.#pollNs = 0;
    this.notify();
  }

  /**
   * Current adaptive-polling parameters (a copy). Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext({ pollMaxNs: 1000 });
   * assert.equal(ctx.pollParams().pollMaxNs, 1000);
   * ctx.destroy();
   * ```
   */
  pollParams(): PollParams {
    return { ...this.#pollParams };
  }

  /**
   * Installs hooks run around the blocking wait of the outermost poll (the
   * main loop releases the BQL there and retakes it after). `bqlRequired`
   * makes poll refuse to run without the BQL (the main context's home is
   * "the main thread holding the BQL"). Home thread; aiolab's main loop.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.setWaitHooks(() => {}, () => {}, true);
   * assert.throws(() => ctx.poll(false), /without the BQL/);
   * ctx.setWaitHooks(() => {}, () => {}, false);
   * ctx.destroy();
   * ```
   */
  setWaitHooks(before: () => void, after: () => void, bqlRequired: boolean): void {
    this.#beforeWait = before;
    this.#afterWait = after;
    this.#bqlRequired = bqlRequired;
  }

  /**
   * Nesting depth of poll calls now running (0 outside poll). Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * let inside = -1;
   * ctx.scheduleOneshot(() => (inside = ctx.pollDepth()));
   * ctx.poll(false);
   * assert.equal(inside, 1);
   * assert.equal(ctx.pollDepth(), 0);
   * ctx.destroy();
   * ```
   */
  pollDepth(): number {
    return this.#depth;
  }

  /**
   * try_poll_mode: busy-polls up to the budget and returns the remaining
   * timeout (0 when work was found). Leaves the time spent in #polledNs and
   * the clock reading at its start, if one was taken, in #pollStart.
   */
  #tryPoll(timeout: number): number {
    if (this.#host.count > 0) return timeout;
    const budget = soonestTimeout(timeout, this.#pollNs);
    if (budget > 0) {
      this.#pollPhases++;
      this.#notifiers.setStarted(true);
      const w = this.#w;
      const notified = this.#base + CONTEXT.NOTIFIED;
      const pollers = this.#notifiers.pollers;
      const readers = this.#notifiers.readers;
      const clocks = this.clocks;
      const every = this.#pollClockEvery;
      // run_poll_handlers reads the clock before and after every round; a
      // read costs ~120 ns here (10 rounds), so it is read every
      // `pollClockEvery` rounds, the first time after that many rounds: an
      // event found sooner costs no clock read at all, and the budget may
      // overrun by up to `pollClockEvery` rounds.
      let start = every === 1 ? clocks.now(ClockType.REALTIME) : -1;
      let elapsed = 0;
      let found = false;
      let rounds = 0;
      for (;;) {
        // Pairs with a producer's Atomics.store(NOTIFIED, 1): a kick ends polling.
        if (Atomics.load(w, notified) !== 0 || this.#kicked) found = true;
        for (let i = 0; i < pollers.length; i++) {
          const n = pollers[i];
          if (!n.deleted && !n.running && n.poll!(n.notifier)) {
            n.polled = true;
            found = true;
          }
        }
        // Notifiers without io_poll: their counter is a shared word, so it
        // is polled directly (the handler phase runs their read handler).
        // Pairs with set()'s Atomics.add(COUNT).
        for (let i = 0; i < readers.length; i++) {
          const n = readers[i];
          if (!n.deleted && n.notifier.isSet()) found = true;
        }
        if (++rounds === every) {
          rounds = 0;
          const now = clocks.now(ClockType.REALTIME);
          if (start < 0) start = now;
          elapsed = now - start;
        }
        if (found || elapsed >= budget) break;
      }
      if (start >= 0) this.#pollStart = start;
      this.#polledNs = elapsed;
      this.#pollTotalNs += elapsed;
      if (found) {
        this.#pollHits++;
        return 0;
      }
      if (timeout > 0) timeout = Math.max(0, timeout - elapsed);
    }
    if (this.#notifiers.setStarted(false)) return 0;
    return timeout;
  }

  /**
   * With notify_me raised, whether work is already visible: a kick, a set
   * notifier, or an event found by the last io_poll after polling mode ends.
   */
  #workVisible(): boolean {
    // Pairs with the producers' store(NOTIFIED) + load(NOTIFY_ME) in
    // notifyContext() (Dekker).
    if (this.#kicked || Atomics.load(this.#w, this.#base + CONTEXT.NOTIFIED) !== 0) return true;
    if (this.#notifiers.anyReady()) return true;
    return this.#notifiers.pollStarted && this.#notifiers.setStarted(false);
  }

  /**
   * Refuses a blocking wait this thread cannot wake from by itself: handler
   * modules still loading, or host-I/O handlers with nothing ready (both
   * need the JavaScript event loop). Returns false when host I/O is ready.
   */
  #maySleep(): boolean {
    if (this.#oneshots.loading()) {
      throw new Error(
        `context "${this.name}": a blocking poll() would sleep while handler modules are ` +
          `still loading (they load on the JavaScript event loop); await settle() first`,
      );
    }
    if (this.#host.count === 0) return true;
    if (this.#host.anyReady()) return false;
    throw new Error(
      `context "${this.name}" has host-I/O handlers: a blocking poll() cannot watch ` +
        `Deno I/O; drive it with pollAsync()`,
    );
  }

  /**
   * Runs one iteration of the event loop (aio_poll). Phases: busy-poll (when
   * enabled) → maybe sleep → bottom halves and cross-thread oneshots → ready
   * handlers → expired timers. Returns true iff a non-idle BH, a oneshot, a
   * handler or a timer ran. With `blocking`, sleeps until work arrives when
   * none is pending (a bare kick makes it return false). Nested calls from
   * callbacks are allowed. An exception from a callback propagates after
   * the context has left the call (pollDepth drops, {@link
   * AioContext.currentHandler} names the culprit). Home thread only (others
   * get an error); for the main context, the home thread must hold the BQL.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.scheduleOneshot(() => {});
   * assert.equal(ctx.poll(true), true); // without sleeping: work was pending
   * ctx.scheduleOneshot(function boom() {
   *   throw new Error("boom");
   * });
   * assert.throws(() => ctx.poll(false), /boom/);
   * assert.equal(ctx.currentHandler(), "boom");
   * assert.equal(ctx.pollDepth(), 0);
   * ctx.destroy();
   * ```
   */
  poll(blocking: boolean): boolean {
    this.#assertHome("poll");
    if (this.#bqlRequired && !this.#reg.bql.heldByMe()) {
      throw new Error(
        `poll of main context "${this.name}" without the BQL (thread ${currentThreadId()})`,
      );
    }
    this.#depth++;
    this.#polls++;
    try {
      if (this.#depth === 1) {
        this.#dispatch.current = null;
        if (this.timers.failed !== null) this.timers.clearFailed();
      }
      const w = this.#w;
      const b = this.#base;
      const pollOn = this.#pollParams.pollMaxNs > 0;
      let timeout = blocking ? this.computeTimeout() : 0;
      // block_ns for adaptive polling: QEMU reads the clock at the start of
      // every aio_poll; a clock read costs ~120 ns here (as much as a whole
      // BH dispatch), so it is read only when the call may wait, and the
      // busy-poll phase's own start is reused. A call that never waits
      // blocks for ~0 ns.
      let blockStart = -1;
      let waited = false;
      this.#polledNs = 0;
      this.#pollStart = -1;
      if (pollOn && timeout !== 0) {
        this.#unpolled = 0;
        timeout = this.#tryPoll(timeout);
        blockStart = this.#pollStart;
      } else if (this.#notifiers.pollStarted && ++this.#unpolled >= UNPOLLED_POLL_MODE_END) {
        // QEMU's try_poll_mode ends polling mode (io_poll_end and a last
        // io_poll, whose hits the handler phase runs) on every call without
        // a budget; here after a few in a row, so that the one BH-only
        // iteration between two busy-polls (a request's completion) keeps
        // polling mode, while a poller that suppresses its notifications
        // while polled (a device's NO_NOTIFY) is never left unwatched by a
        // context that stopped busy-polling.
        this.#notifiers.setStarted(false);
      }

      if (timeout !== 0) {
        // "We might sleep": announce it, then look for work. The add pairs
        // with the producer's load(NOTIFY_ME) in notifyContext().
        Atomics.add(w, b + CONTEXT.NOTIFY_ME, 2);
        try {
          // Read the wake word before NOTIFIED: a wake that lands after this
          // load makes the Atomics.wait below return at once.
          const wake = Atomics.load(w, b + CONTEXT.WAKE);
          if (!this.#workVisible() && this.#maySleep()) {
            if (pollOn && blockStart < 0) blockStart = this.clocks.now(ClockType.REALTIME);
            this.#sleep(wake, timeout);
            waited = true;
          }
        } finally {
          Atomics.sub(w, b + CONTEXT.NOTIFY_ME, 2);
        }
      }
      // aio_notify_accept: kicks before this point are consumed; later ones
      // are seen by the next call. Pairs with producers' store(NOTIFIED, 1).
      // (A load first: the sequentially consistent store is a full barrier
      // and most calls find nothing to clear.)
      if (Atomics.load(w, b + CONTEXT.NOTIFIED) !== 0) Atomics.store(w, b + CONTEXT.NOTIFIED, 0);
      this.#kicked = false;

      let blockNs = this.#polledNs;
      if (blockStart >= 0 && waited) blockNs = this.clocks.now(ClockType.REALTIME) - blockStart;

      let progress = this.#bhs.poll();
      if (this.#oneshots.drain()) progress = true;
      if (this.#notifiers.dispatch()) progress = true;
      if (this.#host.count > 0 && this.#host.dispatch()) progress = true;
      if (this.timers.armed !== 0 && this.timers.run()) progress = true;

      if (pollOn) this.#pollNs = adjustPollNs(this.#pollNs, blockNs, this.#pollParams);
      if (progress) this.#progress++;
      return progress;
    } finally {
      this.#depth--;
    }
  }

  /** Sleeps in Atomics.wait on the wake word (read as `wake`) for `timeout` ns (-1: forever). */
  #sleep(wake: number, timeout: number): void {
    const w = this.#w;
    const b = this.#base;
    const outer = this.#depth === 1;
    if (outer) this.#beforeWait();
    try {
      // WAITS is written by the home thread only; Atomics so readers see whole values.
      Atomics.store(w, b + CONTEXT.WAITS, Atomics.load(w, b + CONTEXT.WAITS) + 1);
      // Pairs with the producer's Atomics.add(WAKE) + Atomics.notify(WAKE).
      Atomics.wait(w, b + CONTEXT.WAKE, wake, timeout < 0 ? Infinity : timeout / 1e6);
    } finally {
      if (outer) this.#afterWait();
    }
  }

  /**
   * poll(true) for contexts with host-I/O handlers: sleeps in
   * `Atomics.waitAsync` raced with host readiness, so the thread's
   * JavaScript event loop runs while it waits. Without host-I/O handlers it
   * is exactly `poll(true)`. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.scheduleOneshot(() => {});
   * assert.equal(await ctx.pollAsync(), true);
   * ctx.destroy();
   * ```
   */
  async pollAsync(): Promise<boolean> {
    if (this.#host.count === 0) return this.poll(true);
    if (this.poll(false)) return true;
    const w = this.#w;
    const b = this.#base;
    const timeout = this.computeTimeout();
    if (timeout !== 0 && !this.#host.anyReady()) {
      // Same announcement as poll(): pairs with notifyContext().
      Atomics.add(w, b + CONTEXT.NOTIFY_ME, 2);
      try {
        const wake = Atomics.load(w, b + CONTEXT.WAKE);
        const slept =
          this.#kicked || Atomics.load(w, b + CONTEXT.NOTIFIED) !== 0 || this.#notifiers.anyReady()
            ? null
            : this.#host.waitAsync(w, b + CONTEXT.WAKE, wake, timeout);
        if (slept !== null) {
          Atomics.store(w, b + CONTEXT.WAITS, Atomics.load(w, b + CONTEXT.WAITS) + 1);
          await slept;
        }
      } finally {
        Atomics.sub(w, b + CONTEXT.NOTIFY_ME, 2);
      }
    }
    return this.poll(false);
  }

  // ------------------------------------------------------ acquire / release

  /**
   * aio_context_acquire (seed era): recursive for the same thread, exclusive
   * across threads; nested acquisitions are counted. Any thread holding the
   * object (other threads use the handle).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.acquire();
   * assert.equal(ctx.lock.heldByMe(), true);
   * ctx.release();
   * ctx.destroy();
   * ```
   */
  acquire(): void {
    this.#lock.lock();
  }

  /**
   * aio_context_release. The thread that acquired.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.acquire();
   * ctx.release();
   * assert.equal(ctx.lock.heldByMe(), false);
   * ctx.destroy();
   * ```
   */
  release(): void {
    this.#lock.unlock();
  }

  /**
   * The context lock (statistics, depth). Any thread holding the object.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.lock.heldByMe(), false);
   * ctx.destroy();
   * ```
   */
  get lock(): RecMutex {
    return this.#lock;
  }

  // ---------------------------------------------------------- introspection

  /**
   * Name of the handler running now (BH, oneshot, notifier, host I/O or
   * timer), else null: after an exception escaped poll(), the culprit. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * assert.equal(ctx.currentHandler(), null);
   * let seen: string | null = null;
   * ctx.scheduleOneshot(() => (seen = ctx.currentHandler()), undefined, "probe");
   * ctx.poll(false);
   * assert.equal(seen, "probe");
   * ctx.destroy();
   * ```
   */
  currentHandler(): string | null {
    const t = this.timers.current ?? this.timers.failed;
    if (t !== null) return `timer ${t.name}`;
    const c = this.#dispatch.current;
    if (c === null) return null;
    return typeof c === "number" ? handlerNameSafe(c) : c;
  }

  /**
   * Statistics so far. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * ctx.poll(false);
   * assert.equal(ctx.stats().polls, 1);
   * ctx.destroy();
   * ```
   */
  stats(): AioContextStats {
    const w = this.#w;
    const b = this.#base;
    return {
      name: this.name,
      polls: this.#polls,
      progress: this.#progress,
      blockingWaits: Atomics.load(w, b + CONTEXT.WAITS),
      bhRuns: this.#bhs.runs,
      oneshotRuns: this.#oneshots.runs,
      handlerRuns: this.#notifiers.runs + this.#host.runs,
      timerRuns: this.timers.fired,
      pollPhases: this.#pollPhases,
      pollHits: this.#pollHits,
      pollTotalNs: this.#pollTotalNs,
      pollNs: this.#pollNs,
      notifyWakes: Atomics.load(w, b + CONTEXT.NOTIFY_WAKES),
      notifySkips: Atomics.load(w, b + CONTEXT.NOTIFY_SKIPS) + this.#localSkips,
    };
  }

  /**
   * Destroys the context (the last aio_context_unref). Refuses, naming
   * them, while work is pending, as QEMU's finalize does for live BHs:
   * bottom halves still alive (QEMU's "BH leaked" check, local oneshots
   * included), cross-thread oneshots not yet run (in the ring or its
   * overflow) and handler-module loads in flight (their calls would reach
   * the destroyed context). Then unbinds notifiers and frees its control
   * block. Home thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AioContext } from "./aio_context.ts";
   * const ctx = new AioContext();
   * const bh = ctx.bhNew(() => {}, undefined, { name: "kept" });
   * assert.throws(() => ctx.destroy(), /live bottom half.*kept/);
   * bh.delete();
   * ctx.remote().scheduleOneshot(1); // the built-in no-op handler
   * assert.throws(() => ctx.destroy(), /1 cross-thread oneshot/);
   * ctx.poll(false);
   * ctx.destroy();
   * ```
   */
  destroy(): void {
    this.#assertHome("destroy");
    if (this.#depth > 0) throw new Error(`destroy of context "${this.name}" inside its poll()`);
    const leaked = this.#bhs.leaked();
    const { oneshots, loads } = this.#oneshots.pending();
    if (leaked.length > 0 || oneshots > 0 || loads > 0) {
      const what: string[] = [];
      if (leaked.length > 0) {
        what.push(
          `${leaked.length} live bottom half(s): ${leaked.join(", ")} (delete them first)`,
        );
      }
      if (oneshots > 0) {
        what.push(`${oneshots} cross-thread oneshot(s) not yet run (poll until they have run)`);
      }
      if (loads > 0) {
        what.push(`${loads} handler-module load(s) in flight (await settle(), then poll)`);
      }
      throw new Error(`context "${this.name}" destroyed with ${what.join("; ")}`);
    }
    this.#notifiers.clear();
    this.#host.close();
    this.#destroyed = true;
    if (localContexts.get(this.id) === this) localContexts.delete(this.id);
    this.#reg.freeContext(this.id);
  }
}
