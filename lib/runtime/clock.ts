/**
 * Clocks for aiolab timers, after QEMU's `QEMUClockType` (QEMU_SEMANTICS.md
 * §1.5). Four clock types, whose numeric values define the order in which
 * timer lists run:
 *
 * - `REALTIME` (0): host monotonic time; always enabled.
 * - `VIRTUAL` (1): guest time; created DISABLED. While disabled, virtual time
 *   is frozen, its timers never fire and report no deadline. Virtual time is
 *   realtime minus the total time the clock was disabled.
 * - `HOST` (2): host wall clock (can jump with system-time changes); always
 *   enabled.
 * - `VIRTUAL_RT` (3): equals `VIRTUAL` here (no icount): same time, and it
 *   shares VIRTUAL's enabled state.
 *
 * Time comes from injectable {@link TimeSource}s so tests can use a
 * {@link ManualTimeSource} and never sleep.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Clocks, ClockType, ManualTimeSource } from "./clock.ts";
 * const mono = new ManualTimeSource(1_000);
 * const clocks = new Clocks({ monotonic: mono });
 * mono.advance(500);
 * assert.equal(clocks.now(ClockType.REALTIME), 1500);
 * assert.equal(clocks.now(ClockType.VIRTUAL), 1000); // frozen: disabled
 * clocks.enable(ClockType.VIRTUAL, true);
 * mono.advance(100);
 * assert.equal(clocks.now(ClockType.VIRTUAL), 1100); // runs on, minus the time it was stopped
 * ```
 *
 * @module
 */

/**
 * Clock types; numeric values are QEMU's and define run order. Any thread
 * (constants).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClockType } from "./clock.ts";
 * assert.equal(ClockType.REALTIME, 0);
 * assert.equal(ClockType.VIRTUAL, 1);
 * ```
 */
export const ClockType = {
  /** Host monotonic time; always enabled. */
  REALTIME: 0,
  /** Guest time; starts disabled (frozen, its timers do not fire). */
  VIRTUAL: 1,
  /** Host wall-clock time; always enabled. */
  HOST: 2,
  /** Equals VIRTUAL (no icount in aiolab); shares its enabled state. */
  VIRTUAL_RT: 3,
} as const;

/**
 * One of the {@link ClockType} values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClockType } from "./clock.ts";
 * const t: ClockType = ClockType.HOST;
 * assert.equal(t, 2);
 * ```
 */
export type ClockType = typeof ClockType[keyof typeof ClockType];

/**
 * Scales: a timer's expiry unit in ns. Any thread (constants).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Scale } from "./clock.ts";
 * assert.equal(5 * Scale.MS, 5_000_000); // ns
 * ```
 */
export const Scale = {
  /** Nanoseconds. */
  NS: 1,
  /** Microseconds. */
  US: 1000,
  /** Milliseconds. */
  MS: 1_000_000,
} as const;

/**
 * One of the {@link Scale} values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Scale } from "./clock.ts";
 * const s: Scale = Scale.US;
 * assert.equal(s, 1000);
 * ```
 */
export type Scale = typeof Scale[keyof typeof Scale];

/**
 * A monotonic source of nanoseconds (injectable for tests).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Clocks, ClockType, type TimeSource } from "./clock.ts";
 * const fixed: TimeSource = { nowNs: () => 42 };
 * assert.equal(new Clocks({ monotonic: fixed }).now(ClockType.REALTIME), 42);
 * ```
 */
export interface TimeSource {
  /** Current time in ns. Calling thread only (each thread has its own sources). */
  nowNs(): number;
}

/**
 * Default monotonic source: `performance.now() * 1e6` (ns since the calling
 * thread's time origin). Any thread (each realm reads its own `performance`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { monotonicTimeSource } from "./clock.ts";
 * const a = monotonicTimeSource.nowNs();
 * assert.ok(monotonicTimeSource.nowNs() >= a); // never goes back
 * ```
 */
export const monotonicTimeSource: TimeSource = {
  nowNs(): number {
    return performance.now() * 1e6;
  },
};

/**
 * Default wall-clock source for the HOST clock:
 * `(performance.timeOrigin + performance.now()) * 1e6` ns since the Unix
 * epoch. The value exceeds 2^53, so it is exact only to a few hundred ns.
 * Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wallTimeSource } from "./clock.ts";
 * // Tolerance 60 s: it only shows the unit (ns since the epoch).
 * assert.ok(Math.abs(wallTimeSource.nowNs() / 1e6 - Date.now()) < 60_000);
 * ```
 */
export const wallTimeSource: TimeSource = {
  nowNs(): number {
    return (performance.timeOrigin + performance.now()) * 1e6;
  },
};

/**
 * A manual source for deterministic tests: starts at `start` ns and only
 * moves when told to. Thread that owns it only (plain object).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualTimeSource } from "./clock.ts";
 * const src = new ManualTimeSource(10);
 * src.advance(5);
 * assert.equal(src.nowNs(), 15);
 * src.set(100);
 * assert.equal(src.nowNs(), 100);
 * ```
 */
export class ManualTimeSource implements TimeSource {
  #now: number;

  /**
   * Creates a source reading `start` ns (default 0); throws RangeError if
   * `start` is not finite. Owning thread only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ManualTimeSource } from "./clock.ts";
   * assert.equal(new ManualTimeSource().nowNs(), 0);
   * ```
   */
  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`invalid start time ${start}`);
    this.#now = start;
  }

  /**
   * The current manual time in ns. Owning thread only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ManualTimeSource } from "./clock.ts";
   * assert.equal(new ManualTimeSource(7).nowNs(), 7);
   * ```
   */
  nowNs(): number {
    return this.#now;
  }

  /**
   * Moves time forward by `ns` (>= 0; a negative or non-finite step throws
   * RangeError, keeping the source monotonic). Owning thread only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ManualTimeSource } from "./clock.ts";
   * const src = new ManualTimeSource();
   * src.advance(1_000);
   * assert.equal(src.nowNs(), 1000);
   * ```
   */
  advance(ns: number): void {
    if (!(ns >= 0) || !Number.isFinite(ns)) throw new RangeError(`invalid advance ${ns}`);
    this.#now += ns;
  }

  /**
   * Sets time to `ns` (any finite value; may go backwards, e.g. to simulate a
   * wall-clock step). Throws RangeError if not finite. Owning thread only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ManualTimeSource } from "./clock.ts";
   * const src = new ManualTimeSource(50);
   * src.set(20);
   * assert.equal(src.nowNs(), 20);
   * ```
   */
  set(ns: number): void {
    if (!Number.isFinite(ns)) throw new RangeError(`invalid time ${ns}`);
    this.#now = ns;
  }
}

function checkType(type: number): void {
  if (type !== 0 && type !== 1 && type !== 2 && type !== 3) {
    throw new RangeError(`invalid clock type ${type}`);
  }
}

/**
 * The clocks of one thread/context: REALTIME and VIRTUAL(_RT) read the
 * monotonic source, HOST reads the wall source. VIRTUAL starts disabled.
 * Home thread of the owning context only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Clocks, ClockType } from "./clock.ts";
 * const clocks = new Clocks();
 * assert.equal(clocks.isEnabled(ClockType.VIRTUAL), false);
 * assert.ok(clocks.now(ClockType.REALTIME) > 0);
 * ```
 */
export class Clocks {
  readonly #mono: TimeSource;
  readonly #wall: TimeSource;
  #virtualEnabled = false;
  /** Total ns the virtual clock has been disabled, up to the last enable. */
  #stoppedTotal = 0;
  /** Monotonic time when the virtual clock was last disabled. */
  #disabledAt: number;

  /**
   * Creates the clocks, reading `monotonic` (default
   * {@link monotonicTimeSource}) and `wall` (default {@link wallTimeSource}).
   * Virtual time starts frozen at the current monotonic time. Home thread of
   * the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource } from "./clock.ts";
   * const mono = new ManualTimeSource(5);
   * const clocks = new Clocks({ monotonic: mono, wall: new ManualTimeSource(9) });
   * assert.equal(clocks.now(ClockType.REALTIME), 5);
   * assert.equal(clocks.now(ClockType.HOST), 9);
   * ```
   */
  constructor(options: { monotonic?: TimeSource; wall?: TimeSource } = {}) {
    this.#mono = options.monotonic ?? monotonicTimeSource;
    this.#wall = options.wall ?? wallTimeSource;
    this.#disabledAt = this.#mono.nowNs();
  }

  /**
   * Current time of clock `type` in ns. VIRTUAL and VIRTUAL_RT are
   * realtime minus total disabled time, frozen while disabled. Throws
   * RangeError for an unknown type. Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType, ManualTimeSource } from "./clock.ts";
   * const clocks = new Clocks({ monotonic: new ManualTimeSource(3) });
   * assert.equal(clocks.now(ClockType.REALTIME), 3);
   * assert.throws(() => clocks.now(7 as ClockType), RangeError);
   * ```
   */
  now(type: ClockType): number {
    switch (type) {
      case 0:
        return this.#mono.nowNs();
      case 2:
        return this.#wall.nowNs();
      case 1:
      case 3:
        return this.#virtualEnabled
          ? this.#mono.nowNs() - this.#stoppedTotal
          : this.#disabledAt - this.#stoppedTotal;
      default:
        checkType(type);
        return 0; // unreachable
    }
  }

  /**
   * Enables or disables a clock. VIRTUAL (and VIRTUAL_RT, which equals
   * VIRTUAL here and shares its state) start DISABLED: virtual time is frozen
   * and its timers never fire and report no deadline. `enable(VIRTUAL, true)`
   * resumes virtual time from where it stopped (virtual = realtime minus total
   * stopped time). Enabling an enabled clock or disabling a disabled one does
   * nothing. REALTIME and HOST are always enabled; disabling them throws
   * RangeError. Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType } from "./clock.ts";
   * const clocks = new Clocks();
   * clocks.enable(ClockType.VIRTUAL, true);
   * assert.equal(clocks.isEnabled(ClockType.VIRTUAL_RT), true); // shares VIRTUAL's state
   * assert.throws(() => clocks.enable(ClockType.REALTIME, false), RangeError);
   * ```
   */
  enable(type: ClockType, on: boolean): void {
    checkType(type);
    if (type === 0 || type === 2) {
      if (!on) throw new RangeError(`clock type ${type} cannot be disabled`);
      return;
    }
    if (on === this.#virtualEnabled) return;
    const now = this.#mono.nowNs();
    if (on) {
      this.#stoppedTotal += now - this.#disabledAt;
    } else {
      this.#disabledAt = now;
    }
    this.#virtualEnabled = on;
  }

  /**
   * Whether clock `type` is enabled (REALTIME and HOST always are). Throws
   * RangeError for an unknown type. Home thread of the owning context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clocks, ClockType } from "./clock.ts";
   * assert.equal(new Clocks().isEnabled(ClockType.HOST), true);
   * ```
   */
  isEnabled(type: ClockType): boolean {
    if (type === 1 || type === 3) return this.#virtualEnabled;
    checkType(type);
    return true;
  }
}
