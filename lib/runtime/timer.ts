/**
 * Timers and timer-list groups, after QEMU's `QEMUTimer` /
 * `QEMUTimerListGroup` (QEMU_SEMANTICS.md §1.5, invariants 21-23).
 *
 * A {@link TimerListGroup} holds one list per {@link ClockType}, each sorted
 * by expiry with FIFO order on ties. {@link TimerListGroup.run} fires expired
 * timers list by list in clock-type order (REALTIME, VIRTUAL, HOST,
 * VIRTUAL_RT); a fired timer is disarmed before its callback runs. Timers of a
 * disabled clock (VIRTUAL until enabled) never fire and report no deadline.
 *
 * Unlike QEMU (whose lists have a mutex), a group is not thread-safe: timers
 * are only used from the home thread of the owning context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
 * import { TimerListGroup } from "./timer.ts";
 * const mono = new ManualTimeSource(0);
 * const group = new TimerListGroup(new Clocks({ monotonic: mono }), () => {});
 * let fired = 0;
 * const t = group.newTimer(ClockType.REALTIME, Scale.MS, () => fired++);
 * t.mod(2); // 2 ms
 * assert.equal(group.deadlineNs(), 2_000_000);
 * mono.advance(2_000_000);
 * assert.equal(group.run(), true);
 * assert.equal(fired, 1);
 * ```
 *
 * @module
 */

import { type Clocks, ClockType, Scale } from "./clock.ts";

/**
 * A timer callback; receives the timer's `opaque` value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TimerCallback } from "./timer.ts";
 * const seen: unknown[] = [];
 * const cb: TimerCallback = (opaque) => seen.push(opaque);
 * cb(1);
 * assert.deepEqual(seen, [1]);
 * ```
 */
export type TimerCallback = (opaque: unknown) => void;

/** Per-group state shared by the group's lists. */
interface GroupState {
  readonly clocks: Clocks;
  readonly notify: () => void;
  armed: number;
  fired: number;
  current: Timer | null;
  failed: Timer | null;
}

/** A timer's mutable state, stored in its list. */
class Entry {
  /** Expiry in ns on the list's clock; -1 when not pending. */
  expire = -1;
  constructor(
    readonly timer: Timer,
    readonly list: TimerList,
    readonly cb: TimerCallback,
    readonly opaque: unknown,
  ) {}
}

/**
 * One clock's timers. `items` is sorted by DESCENDING expiry so the head
 * (soonest; among ties, the earliest armed) is the last element and firing
 * is a `pop()`.
 */
class TimerList {
  readonly items: Entry[] = [];
  constructor(readonly type: ClockType, readonly state: GroupState) {}

  /** First index whose expiry is <= `x` (descending order). */
  lowerBound(x: number): number {
    const items = this.items;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid].expire > x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Unlinks a pending entry and marks it not pending. */
  remove(e: Entry): void {
    const items = this.items;
    const last = items.length - 1;
    if (items[last] === e) {
      items.pop();
    } else {
      const x = e.expire;
      let i = this.lowerBound(x);
      while (items[i] !== e) i++;
      items.splice(i, 1);
    }
    e.expire = -1;
    this.state.armed--;
  }

  /**
   * Links a non-pending entry at `ns` (already clamped) after every entry
   * whose expiry is <= `ns`. Returns true if it became the head.
   */
  insert(e: Entry, ns: number): boolean {
    const items = this.items;
    const n = items.length;
    e.expire = ns;
    this.state.armed++;
    if (n === 0 || items[n - 1].expire > ns) {
      items.push(e);
      return true;
    }
    items.splice(this.lowerBound(ns), 0, e);
    return false;
  }
}

let listsOf: (group: TimerListGroup) => readonly TimerList[];

function checkNs(ns: number): number {
  if (!(ns < Infinity)) throw new RangeError(`invalid timer expiry ${ns} ns`);
  return ns < 0 ? 0 : ns;
}

/**
 * A timer bound to one clock of a {@link TimerListGroup}; expiries are given
 * in units of its {@link Scale}. Home thread of the owning context only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
 * import { Timer, TimerListGroup } from "./timer.ts";
 * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
 * const t = new Timer(group, ClockType.REALTIME, Scale.US, () => {}, undefined, "poll");
 * t.mod(3);
 * assert.equal(t.name, "poll");
 * assert.equal(t.expireTimeNs(), 3000);
 * t.del();
 * ```
 */
export class Timer {
  /** The clock this timer runs on. */
  readonly type: ClockType;
  /** Expiry unit in ns. */
  readonly scale: Scale;
  /** Name for diagnostics (defaults to the callback's name, else "timer"). */
  readonly name: string;
  readonly #e: Entry;
  #deinited = false;

  /**
   * Creates a stopped timer on `group`'s list for clock `type` (QEMU
   * `timer_init_full`); prefer {@link TimerListGroup.newTimer}. Throws
   * RangeError for an unknown type or scale. Home thread of the owning context
   * only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, Scale } from "./clock.ts";
   * import { Timer, TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks(), () => {});
   * const t = new Timer(group, ClockType.HOST, Scale.MS, function flush() {});
   * assert.equal(t.name, "flush"); // the callback's name when none is given
   * assert.equal(t.pending(), false);
   * ```
   */
  constructor(
    group: TimerListGroup,
    type: ClockType,
    scale: Scale,
    cb: TimerCallback,
    opaque?: unknown,
    name?: string,
  ) {
    if (type !== 0 && type !== 1 && type !== 2 && type !== 3) {
      throw new RangeError(`invalid clock type ${type}`);
    }
    if (scale !== Scale.NS && scale !== Scale.US && scale !== Scale.MS) {
      throw new RangeError(`invalid timer scale ${scale}`);
    }
    if (typeof cb !== "function") throw new TypeError("timer callback must be a function");
    this.type = type;
    this.scale = scale;
    this.name = name ?? (cb.name || "timer");
    this.#e = new Entry(this, listsOf(group)[type], cb, opaque);
  }

  /**
   * Arms at `expire * scale` ns on its clock (QEMU `timer_mod`); negative
   * clamps to 0. Removes then inserts; equal expiries keep arming order. If
   * the timer becomes the head of its list, the group's `onDeadlineChanged`
   * callback runs. Throws RangeError for NaN/+Infinity and Error after
   * {@link Timer.deinit}. Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * const t = group.newTimer(ClockType.REALTIME, Scale.MS, () => {});
   * t.mod(-4); // in the past: clamped to 0, due at once
   * assert.equal(t.expireTimeNs(), 0);
   * t.del();
   * ```
   */
  mod(expire: number): void {
    this.modNs(expire * this.scale);
  }

  /**
   * Like {@link Timer.mod} with the expiry in ns regardless of scale (QEMU
   * `timer_mod_ns`). Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * const t = group.newTimer(ClockType.REALTIME, Scale.MS, () => {});
   * t.modNs(1500); // ns, whatever the timer's scale
   * assert.equal(t.expireTimeNs(), 1500);
   * t.del();
   * ```
   */
  modNs(expireNs: number): void {
    const ns = checkNs(expireNs);
    if (this.#deinited) throw new Error(`timer ${this.name}: mod after deinit`);
    const e = this.#e;
    const list = e.list;
    if (e.expire >= 0) list.remove(e);
    if (list.insert(e, ns)) list.state.notify();
  }

  /**
   * Only moves the expiry earlier, or arms a stopped timer (QEMU
   * `timer_mod_anticipate`); `expire` is in units of the timer's scale. Home
   * thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * const t = group.newTimer(ClockType.REALTIME, Scale.US, () => {});
   * t.mod(10);
   * t.modAnticipate(20); // later: ignored
   * t.modAnticipate(5);
   * assert.equal(t.expireTimeNs(), 5000);
   * t.del();
   * ```
   */
  modAnticipate(expire: number): void {
    this.modAnticipateNs(expire * this.scale);
  }

  /**
   * Like {@link Timer.modAnticipate} with the expiry in ns (QEMU
   * `timer_mod_anticipate_ns`). Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * const t = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
   * t.modAnticipateNs(70); // not pending: armed as by modNs
   * assert.equal(t.expireTimeNs(), 70);
   * t.del();
   * ```
   */
  modAnticipateNs(expireNs: number): void {
    checkNs(expireNs);
    const cur = this.#e.expire;
    if (cur === -1 || cur > expireNs) this.modNs(expireNs);
  }

  /**
   * Stops the timer: expire = -1, unlinked (QEMU `timer_del`). No effect on
   * a stopped timer. Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * const t = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
   * t.mod(9);
   * t.del();
   * assert.equal(t.pending(), false);
   * assert.equal(t.expireTimeNs(), -1);
   * ```
   */
  del(): void {
    const e = this.#e;
    if (e.expire >= 0) e.list.remove(e);
  }

  /**
   * Whether the timer is armed (expire >= 0; QEMU `timer_pending`). Home
   * thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks(), () => {});
   * const t = group.newTimer(ClockType.HOST, Scale.MS, () => {});
   * assert.equal(t.pending(), false);
   * t.mod(1_000);
   * assert.equal(t.pending(), true);
   * t.del();
   * ```
   */
  pending(): boolean {
    return this.#e.expire >= 0;
  }

  /**
   * The expiry in ns on the timer's clock, -1 when not pending (QEMU
   * `timer_expire_time_ns`). Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * const t = group.newTimer(ClockType.REALTIME, Scale.US, () => {});
   * assert.equal(t.expireTimeNs(), -1); // not pending
   * t.mod(2);
   * assert.equal(t.expireTimeNs(), 2000);
   * t.del();
   * ```
   */
  expireTimeNs(): number {
    return this.#e.expire;
  }

  /**
   * Detaches the timer from its group (QEMU `timer_deinit`). Throws if the
   * timer is pending (QEMU's assertion); afterwards `mod*` throws. Home
   * thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks(), () => {});
   * const t = group.newTimer(ClockType.REALTIME, Scale.MS, () => {});
   * t.mod(1);
   * assert.throws(() => t.deinit(), /pending/);
   * t.del();
   * t.deinit();
   * assert.throws(() => t.mod(1));
   * ```
   */
  deinit(): void {
    if (this.#e.expire >= 0) throw new Error(`timer_deinit: timer ${this.name} is pending`);
    this.#deinited = true;
  }
}

/**
 * The timer lists of one context, one per clock type (QEMU
 * `QEMUTimerListGroup`). Not thread-safe: home thread of the owning context
 * only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
 * import { TimerListGroup } from "./timer.ts";
 * let kicks = 0;
 * const clocks = new Clocks({ monotonic: new ManualTimeSource() });
 * const group = new TimerListGroup(clocks, () => kicks++);
 * const t = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
 * t.mod(10); // a new earliest deadline: the owner is told
 * assert.equal(kicks, 1);
 * assert.equal(group.armed, 1);
 * t.del();
 * ```
 */
export class TimerListGroup {
  /** The clocks the lists read. */
  readonly clocks: Clocks;
  readonly #state: GroupState;
  readonly #lists: readonly TimerList[];

  static {
    listsOf = (group) => group.#lists;
  }

  /**
   * Creates empty lists reading `clocks`; `onDeadlineChanged` runs whenever
   * an armed timer becomes the head of its list (for a context: `aio_notify`).
   * Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks(), () => {});
   * assert.equal(group.deadlineNs(), -1); // no timer: wait forever
   * ```
   */
  constructor(clocks: Clocks, onDeadlineChanged: () => void) {
    this.clocks = clocks;
    const state: GroupState = {
      clocks,
      notify: onDeadlineChanged,
      armed: 0,
      fired: 0,
      current: null,
      failed: null,
    };
    this.#state = state;
    this.#lists = [
      new TimerList(ClockType.REALTIME, state),
      new TimerList(ClockType.VIRTUAL, state),
      new TimerList(ClockType.HOST, state),
      new TimerList(ClockType.VIRTUAL_RT, state),
    ];
  }

  /**
   * Creates a stopped timer on this group (QEMU `aio_timer_new`). `name`
   * defaults to `cb.name || "timer"`. Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks(), () => {});
   * const t = group.newTimer(ClockType.REALTIME, Scale.MS, () => {}, "payload", "log");
   * assert.equal(t.name, "log");
   * assert.equal(t.pending(), false); // created idle
   * ```
   */
  newTimer(
    type: ClockType,
    scale: Scale,
    cb: TimerCallback,
    opaque?: unknown,
    name?: string,
  ): Timer {
    return new Timer(this, type, scale, cb, opaque, name);
  }

  /**
   * ns until the soonest timer over all ENABLED clocks; -1 = none
   * (infinite); 0 = already expired (QEMU `timerlistgroup_deadline_ns`).
   * Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const mono = new ManualTimeSource(100);
   * const group = new TimerListGroup(new Clocks({ monotonic: mono }), () => {});
   * const t = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
   * t.mod(150);
   * assert.equal(group.deadlineNs(), 50); // ns from now
   * mono.advance(60);
   * assert.equal(group.deadlineNs(), 0); // overdue
   * t.del();
   * ```
   */
  deadlineNs(): number {
    const lists = this.#lists;
    const clocks = this.clocks;
    let deadline = -1;
    for (let t = 0; t < 4; t++) {
      const items = lists[t].items;
      const n = items.length;
      if (n === 0) continue;
      const type = t as ClockType;
      if (!clocks.isEnabled(type)) continue;
      const delta = items[n - 1].expire - clocks.now(type);
      if (delta <= 0) return 0;
      if (deadline < 0 || delta < deadline) deadline = delta;
    }
    return deadline;
  }

  /**
   * Runs expired timers, lists in clock order 0,1,2,3 (QEMU
   * `timerlistgroup_run_timers`). Per list: samples now ONCE; while the
   * head's expiry <= that sample, unlinks it, sets its expiry to -1 and calls
   * `cb(opaque)`; a callback that re-arms a timer to <= the sample makes it
   * run again in this pass. Disabled clocks' lists do not run. Returns true
   * iff any callback ran (progress). A throwing callback's error propagates
   * unchanged; its timer stays disarmed and later timers wait for the next
   * call. Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource(5) }), () => {});
   * const seen: unknown[] = [];
   * group.newTimer(ClockType.REALTIME, Scale.NS, (o) => seen.push(o), "ran").mod(5);
   * assert.equal(group.run(), true);
   * assert.equal(group.run(), false); // nothing left to fire
   * assert.deepEqual(seen, ["ran"]);
   * ```
   */
  run(): boolean {
    const lists = this.#lists;
    const clocks = this.clocks;
    const state = this.#state;
    let progress = false;
    for (let t = 0; t < 4; t++) {
      const list = lists[t];
      const items = list.items;
      if (items.length === 0) continue;
      const type = t as ClockType;
      if (!clocks.isEnabled(type)) continue;
      const now = clocks.now(type);
      for (;;) {
        const n = items.length;
        if (n === 0) break;
        const e = items[n - 1];
        if (e.expire > now) break;
        items.pop();
        e.expire = -1;
        state.armed--;
        state.fired++;
        progress = true;
        const prev = state.current;
        state.current = e.timer;
        try {
          e.cb(e.opaque);
        } catch (err) {
          state.failed = e.timer;
          throw err;
        } finally {
          state.current = prev;
        }
      }
    }
    return progress;
  }

  /**
   * The timer whose callback is running now, else null (used to name a
   * failing handler). Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * let during: string | undefined;
   * const cb = () => (during = group.current?.name);
   * group.newTimer(ClockType.REALTIME, Scale.NS, cb, undefined, "t").mod(0);
   * group.run();
   * assert.equal(during, "t");
   * assert.equal(group.current, null); // outside a callback
   * ```
   */
  get current(): Timer | null {
    return this.#state.current;
  }

  /**
   * The timer whose callback last threw out of {@link TimerListGroup.run},
   * else null; {@link TimerListGroup.clearFailed} resets it. Home thread of
   * the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * assert.equal(group.failed, null);
   * const t = group.newTimer(ClockType.REALTIME, Scale.NS, () => {
   *   throw new Error("boom");
   * });
   * t.mod(0);
   * assert.throws(() => group.run(), /boom/);
   * assert.equal(group.failed, t);
   * ```
   */
  get failed(): Timer | null {
    return this.#state.failed;
  }

  /**
   * Forgets {@link TimerListGroup.failed}. Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * group.newTimer(ClockType.REALTIME, Scale.NS, () => {
   *   throw new Error("boom");
   * }).mod(0);
   * assert.throws(() => group.run(), /boom/);
   * group.clearFailed(); // the error was reported
   * assert.equal(group.failed, null);
   * ```
   */
  clearFailed(): void {
    this.#state.failed = null;
  }

  /**
   * Number of armed timers (all clocks). Home thread of the owning context
   * only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks(), () => {});
   * const t = group.newTimer(ClockType.VIRTUAL, Scale.MS, () => {});
   * t.mod(1);
   * assert.equal(group.armed, 1); // armed even while VIRTUAL is stopped
   * t.del();
   * assert.equal(group.armed, 0);
   * ```
   */
  get armed(): number {
    return this.#state.armed;
  }

  /**
   * Statistics: timers fired (callbacks started) since creation. Home thread
   * of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
   * import { TimerListGroup } from "./timer.ts";
   * const group = new TimerListGroup(new Clocks({ monotonic: new ManualTimeSource() }), () => {});
   * assert.equal(group.fired, 0);
   * group.newTimer(ClockType.REALTIME, Scale.NS, () => {}).mod(0);
   * group.run();
   * assert.equal(group.fired, 1);
   * ```
   */
  get fired(): number {
    return this.#state.fired;
  }
}

/**
 * -1 means infinite; minimum otherwise (QEMU `qemu_soonest_timeout`, which
 * compares as unsigned so any negative value counts as infinite). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { soonestTimeout } from "./timer.ts";
 * assert.equal(soonestTimeout(-1, 5), 5); // -1 = no timeout
 * assert.equal(soonestTimeout(3, 5), 3);
 * assert.equal(soonestTimeout(-1, -1), -1);
 * ```
 */
export function soonestTimeout(a: number, b: number): number {
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}
