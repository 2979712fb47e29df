/**
 * The event-notifier handlers of an AioContext (aio_set_event_notifier and
 * its io_poll / io_poll_ready / io_poll_begin / io_poll_end callbacks), used
 * through `AioContext.setEventNotifier`; {@link NotifierSet} is the
 * context's part. Home thread only. Busy-polling checks every notifier:
 * through its io_poll callback when it has one ({@link NotifierSet.pollers}),
 * else by reading its counter ({@link NotifierSet.readers}). The arrays are replaced on change (copy
 * on write), so a walk in progress keeps its snapshot and skips nodes
 * marked deleted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventNotifier } from "../sync/event_notifier.ts";
 * import { NotifierSet } from "./notifier_set.ts";
 * const set = new NotifierSet({ current: null });
 * const e = new EventNotifier({ name: "ev" });
 * set.set(7, e, (n) => n.testAndClear(), null, null);
 * assert.equal(set.anyReady(), false);
 * e.set();
 * assert.equal(set.anyReady(), true);
 * assert.equal(set.dispatch(), true);
 * assert.equal(set.runs, 1);
 * set.clear();
 * ```
 *
 * @module
 */

import type { EventNotifier } from "../sync/event_notifier.ts";
import type { DispatchState } from "./_dispatch_state.ts";

/** Read handler of an event notifier: receives the notifier (it should `testAndClear()` it). */
export type NotifierReadHandler = (notifier: EventNotifier) => void;
/** io_poll: returns true when the source has work (called while busy-polling). */
export type NotifierPollHandler = (notifier: EventNotifier) => boolean;

/** One registered notifier. */
export interface NotifierNode {
  notifier: EventNotifier;
  key: number;
  read: NotifierReadHandler | null;
  poll: NotifierPollHandler | null;
  pollReady: NotifierReadHandler | null;
  pollBegin: ((n: EventNotifier) => void) | null;
  pollEnd: ((n: EventNotifier) => void) | null;
  /** Found ready by busy-polling. */
  polled: boolean;
  /** Its pollReady callback is running: skipped by busy-polling meanwhile. */
  running: boolean;
  deleted: boolean;
}

/**
 * The notifier handlers of one context: the part of an AioContext behind
 * `setEventNotifier`, `setEventNotifierPoll` and busy-polling. Home thread only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotifierSet } from "./notifier_set.ts";
 * const set = new NotifierSet({ current: null });
 * assert.equal(set.list.length, 0);
 * ```
 */
export class NotifierSet {
  /** Handler callbacks run. */
  runs = 0;
  /** Every registered node (snapshot; replaced on change). */
  list: NotifierNode[] = [];
  /** The nodes with an io_poll callback (snapshot; replaced on change). */
  pollers: NotifierNode[] = [];
  /**
   * The nodes without io_poll (snapshot; replaced on change): busy-polling
   * checks their counter itself, a shared word any thread sets, where QEMU
   * would have to fall back to the syscall path (poll_disable_cnt).
   */
  readers: NotifierNode[] = [];
  /** Whether io_poll_begin was called last (busy-polling mode is on). */
  pollStarted = false;
  readonly #dispatch: DispatchState;

  constructor(dispatch: DispatchState) {
    this.#dispatch = dispatch;
  }

  /** Registers, replaces or (both null) removes the handler of `notifier` for context `ctxId`. */
  set(
    ctxId: number,
    notifier: EventNotifier,
    read: NotifierReadHandler | null,
    poll: NotifierPollHandler | null,
    pollReady: NotifierReadHandler | null,
  ): void {
    const key = notifier.id;
    const old = this.list.find((n) => n.key === key && !n.deleted);
    const next = this.list.filter((n) => n !== old);
    // io_poll without io_poll_ready is dropped, as in QEMU.
    if (poll !== null && pollReady === null) poll = null;
    if (read === null && poll === null) {
      if (old !== undefined) notifier.bind(-1);
    } else {
      const bound = notifier.boundContext();
      if (bound >= 0 && bound !== ctxId) {
        throw new Error(
          `event notifier "${notifier.name}" is already registered with context ${bound}; ` +
            `remove it there first`,
        );
      }
      next.push({
        notifier,
        key,
        read,
        poll,
        pollReady,
        pollBegin: old?.pollBegin ?? null,
        pollEnd: old?.pollEnd ?? null,
        polled: false,
        running: false,
        deleted: false,
      });
      notifier.bind(ctxId);
    }
    if (old !== undefined) old.deleted = true;
    this.list = next;
    this.pollers = next.filter((n) => n.poll !== null);
    this.readers = next.filter((n) => n.poll === null && n.read !== null);
  }

  /** The live node of `notifier`, if registered. */
  find(notifier: EventNotifier): NotifierNode | undefined {
    return this.list.find((n) => n.key === notifier.id && !n.deleted);
  }

  /** Unbinds every notifier and forgets them (the context is destroyed). */
  clear(): void {
    for (const n of this.list) n.notifier.bind(-1);
    this.list = [];
    this.pollers = [];
    this.readers = [];
  }

  /**
   * Whether a registered notifier is set. Runs after notify_me was raised:
   * these loads pair with set()'s Atomics.add(COUNT) followed by its load of
   * notify_me (wakeContextIfWaiting), which is what makes skipping the
   * `notified` store in set() lossless.
   */
  anyReady(): boolean {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const n = list[i];
      if (!n.deleted && n.notifier.isSet()) return true;
    }
    return false;
  }

  /**
   * Switches busy-polling mode (poll_set_started): calls every poller's
   * io_poll_begin or io_poll_end; when stopping, one last io_poll closes the
   * race with an event that arrived meanwhile. Returns true iff that found work.
   */
  setStarted(started: boolean): boolean {
    if (started === this.pollStarted) return false;
    this.pollStarted = started;
    let progress = false;
    for (const n of this.pollers) {
      if (n.deleted || n.running) continue;
      const cb = started ? n.pollBegin : n.pollEnd;
      if (cb !== null) cb(n.notifier);
      if (!started && n.poll!(n.notifier)) {
        n.polled = true;
        progress = true;
      }
    }
    return progress;
  }

  /** Runs the ready handlers (the handler phase of aio_poll); true iff one ran. */
  dispatch(): boolean {
    const list = this.list;
    const d = this.#dispatch;
    let progress = false;
    for (let i = 0; i < list.length; i++) {
      const n = list[i];
      if (n.deleted) continue;
      if (n.polled && n.pollReady !== null) {
        n.polled = false;
        progress = true;
        this.#runPollReady(n, n.pollReady);
      } else if (n.read === null && n.pollReady !== null && n.notifier.isSet()) {
        // A poll-only handler whose notifier is set but was not found by
        // busy-polling (polling off or out of budget): run its pollReady,
        // or the loop could never sleep again (the notifier stays set).
        progress = true;
        this.#runPollReady(n, n.pollReady);
      } else if (n.read !== null && n.notifier.isSet()) {
        n.polled = false;
        this.runs++;
        progress = true;
        const prev = d.current;
        d.current = n.notifier.name;
        n.read(n.notifier);
        d.current = prev;
      }
    }
    return progress;
  }

  #runPollReady(n: NotifierNode, pollReady: NotifierReadHandler): void {
    this.runs++;
    // Out of busy-polling while it runs (QEMU takes the node off the polling
    // list), so a nested poll cannot re-poll it and recurse.
    n.running = true;
    const d = this.#dispatch;
    const prev = d.current;
    d.current = n.notifier.name;
    try {
      pollReady(n.notifier);
    } finally {
      n.running = false;
    }
    d.current = prev;
  }
}
