/**
 * The types of a scenario at its three stages:
 *
 * 1. {@link ScenarioInput}: what a person writes (units as strings, optional
 *    fields, lists where a numeric field is swept). `defineScenario` takes it.
 * 2. {@link ResolvedScenario}: validated, every default filled in, every
 *    quantity an integer (ns, bytes, per second); a swept field holds a
 *    {@link Sweep}.
 * 3. {@link RunScenario}: one point of the sweep's cartesian product, with
 *    device groups numbered and every placement resolved to a context per
 *    queue. The runner executes these.
 *
 * The defaults and units of every field are listed in `schema.ts`
 * (its module documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ScenarioInput } from "./types.ts";
 * const s: ScenarioInput = {
 *   name: "tiny",
 *   devices: [{ id: "disk0" }],
 *   placements: { main: {} },
 * };
 * assert.equal(s.devices.length, 1);
 * ```
 *
 * @module
 */

/** A unit accepted in a duration string. */
export type DurationUnit = "ns" | "us" | "µs" | "ms" | "s" | "min";
/** A duration: `"5s"`, `"250ms"`, `"50us"`, `"100ns"`, or the plain number `0`. */
export type Duration = `${number}${DurationUnit}` | 0;
/** A duration or plain nanoseconds (fields whose name ends in `Ns`). */
export type Nanoseconds = `${number}${DurationUnit}` | number;
/** A size: plain bytes, or `"4KiB"`, `"1MiB"`, `"1GiB"`, `"512B"`. */
export type Size = `${number}${"B" | "KiB" | "MiB" | "GiB"}` | number;
/** A rate: plain events per second, or `"20000/s"`, `"20k/s"`, `"2/ms"`. */
export type Rate = `${number}${"" | "k" | "M"}/${"s" | "ms" | "us"}` | number;
/** A numeric field's value, or a non-empty list of values to sweep. */
export type Sweepable<T> = T | readonly T[];

/** The host notification model (see QEMU_SEMANTICS.md §1.17). */
export type Accel = "kvm" | "tcg";
/** AioContext locking: `seed` takes the AioContext lock (2019 QEMU); `modern` has none (QEMU 9.0+). */
export type Locking = "seed" | "modern";
/** Shape of the distribution of a vCPU's compute bursts. */
export type BurstDistribution = "fixed" | "exponential" | "uniform";

/** A vCPU's compute burst between two requests. */
export interface ComputeInput {
  /** `fixed`: always `mean`; `exponential`; `uniform` over [0, 2 × mean]. Default `"exponential"`. */
  distribution?: BurstDistribution;
  /** Mean burst length. Default `"20us"`. */
  mean?: Sweepable<Duration>;
}

/** vCPU exits that take the BQL (MMIO/PIO emulation), per vCPU. */
export interface ExitsInput {
  /** Exits per second per vCPU (Poisson). Default `0` (none). */
  rate?: Sweepable<Rate>;
  /** Time each exit holds the BQL. Default `"5us"`. */
  length?: Sweepable<Duration>;
}

/** The guest machine. */
export interface MachineInput {
  /** Notification model: `kvm` (ioeventfd + irqfd) or `tcg` (kick and completion under the BQL). Default `"kvm"`. */
  accel?: Accel;
  /** Number of vCPU threads, 1 to 64. Default `1`. */
  vcpus?: Sweepable<number>;
  /** Compute between requests. Default exponential, mean 20 us. */
  compute?: ComputeInput;
  /** BQL-taking exits. Default none. */
  exits?: ExitsInput;
}

/** The null driver: completes every request after `latency`. */
export interface NullDriverInput {
  /** Driver kind. */
  kind: "null";
  /** Completion delay. Default `0`. */
  latency?: Sweepable<Duration>;
}

/** The file driver: real reads and writes through the thread pool. */
export interface FileDriverInput {
  /** Driver kind. */
  kind: "file";
  /** The backing file (created with `size` bytes if missing). */
  path: string;
  /** File size. Default `"4MiB"`. */
  size?: Sweepable<Size>;
}

/** How requests arrive. */
export type ArrivalInput =
  | {
    /** Closed loop: each slot issues its next request when the previous completes. */
    kind: "closed";
  }
  | {
    /** Open loop at a fixed (`constant`) or exponential (`poisson`) interval; latency counts from the intended issue time. */
    kind: "constant" | "poisson";
    /** Requests per second per device. Default `"1000/s"`. */
    rate?: Sweepable<Rate>;
  };

/** A virtio-blk-like device, or a numbered group of identical ones. */
export interface DeviceInput {
  /** Device id (`disk0`); with `count`, the group name (`disk` gives `disk0`, `disk1`, ...). */
  id: string;
  /** Number of identical devices named `<id>0` ... `<id>N-1`, 1 to 64. Absent: one device named `id`. */
  count?: Sweepable<number>;
  /** Device model. Default `"virtio-blk"`. */
  kind?: "virtio-blk";
  /** Virtqueues, 1 to 64. Default `1`. */
  queues?: Sweepable<number>;
  /** Requests in flight per queue (closed loop) or the queue's capacity (open loop), 1 to 1024. Default `1`. */
  queueDepth?: Sweepable<number>;
  /** Bytes per request. Default `"4KiB"`. */
  requestSize?: Sweepable<Size>;
  /** Share of reads, 0 to 1. Default `1`. */
  readFraction?: Sweepable<number>;
  /** Kick through an ioeventfd (true) or as an MMIO exit in which the vCPU runs the handler under the BQL (false). Default `true`. */
  ioeventfd?: boolean;
  /** Backend driver. Default `{ kind: "null" }`. */
  driver?: NullDriverInput | FileDriverInput;
  /** Arrival process. Default `{ kind: "closed" }`. */
  arrival?: ArrivalInput;
}

/** A periodic job in the main loop under the BQL. */
export interface PeriodicJobInput {
  /** Interval between runs. Default `"30ms"` for VNC, `"10ms"` for timers. */
  period?: Sweepable<Duration>;
  /** CPU work per run, under the BQL. Default `"1ms"` for VNC, `"10us"` for timers. */
  work?: Sweepable<Duration>;
}

/** A QMP-like monitor command stream. */
export interface QmpInput {
  /** Commands per second (Poisson). Default `"50/s"`. */
  rate?: Sweepable<Rate>;
  /** Work per command under the BQL (and, seed era, the device's AioContext lock). Default `"100us"`. */
  work?: Sweepable<Duration>;
  /** Share of commands that drain the device they touch, 0 to 1. Default `0`. */
  drainFraction?: Sweepable<number>;
}

/** A long monitor command holding the BQL (as pmemsave does). */
export interface BqlHogInput {
  /** How long the BQL is held. Default `"20ms"`. */
  hold?: Sweepable<Duration>;
  /** Interval between holds. Default `"1s"`. */
  every?: Sweepable<Duration>;
}

/** Main-loop chores. */
export interface MainLoopInput {
  /** VNC-like frame job. Default off (`null`). */
  vnc?: PeriodicJobInput | null;
  /** QMP-like command stream. Default off (`null`). */
  qmp?: QmpInput | null;
  /** BQL hog. Default off (`null`). */
  bqlHog?: BqlHogInput | null;
  /** Extra main-loop timers. Default `[]`. */
  timers?: PeriodicJobInput[];
}

/** An IOThread's polling options (QEMU's poll-max-ns, poll-grow, poll-shrink). */
export interface IothreadInput {
  /** Longest busy-poll; plain numbers are ns. 0 disables polling. Default `32768`. */
  pollMaxNs?: Sweepable<Nanoseconds>;
  /** Poll-time growth factor; 0 means QEMU's default (2). Default `0`. */
  pollGrow?: Sweepable<number>;
  /** Poll-time shrink divisor; 0 means reset to 0. Default `0`. */
  pollShrink?: Sweepable<number>;
}

/**
 * Where a device's queues run: `"main"`, an IOThread id of the placement,
 * `"own"` (an IOThread of the device's own, `io-<device>`), or a list of
 * IOThread ids over which the queues are spread round-robin (QEMU's
 * iothread-vq-mapping).
 */
export type ContextChoice = string | readonly string[];

/** One placement to compare: which context runs each device or queue. */
export interface PlacementInput {
  /** What this placement is. Default `""`. */
  description?: string;
  /** AioContext locking. Default `"seed"`. */
  locking?: Locking;
  /** Notification model for this placement, overriding `machine.accel` (to compare kvm with tcg). Default the machine's. */
  accel?: Accel | null;
  /** IOThreads of this placement by id (not `main`, not `own`). Default `{}`. */
  iothreads?: Record<string, IothreadInput>;
  /** Options of the IOThreads that `"own"` creates. Default the IOThread defaults. */
  ownIothreads?: IothreadInput;
  /**
   * Keys: a device id, a device group id (all its devices) or `<device>.q<N>`
   * (one queue). Values: see {@link ContextChoice}. Unmapped devices run in
   * `main`. Default `{}`.
   */
  map?: Record<string, ContextChoice>;
  /**
   * CPU pinning, as libvirt's emulatorpin, vcpupin and iothreadpin (or
   * `taskset` on QEMU's threads): keys `"main"` (the main loop's thread),
   * `"vcpus"` (every vCPU thread) or an IOThread id of this placement (an
   * `"own"` one is `io-<device>`); values the CPU indices that thread may
   * run on. Threads not named are not pinned (the host places them), nor are
   * the runtime's helper threads. Needs a host with those CPUs. Default `{}`.
   */
  cpus?: Record<string, readonly number[]>;
}

/** A timed event: moves a device to another context (a drained AioContext change). */
export interface EventInput {
  /** Time after the end of the warm-up. Required. */
  at: Sweepable<Duration>;
  /** Device id to move (all its queues). */
  move: string;
  /** Target: `"main"` or an IOThread id. */
  to: string;
  /** Placements the event applies to. Default all. */
  placements?: string[];
}

/** Measurement probes. */
export interface ProbesInput {
  /** Jitter probe timer period in every context; 0 disables. Default `"1ms"`. */
  jitterPeriod?: Sweepable<Duration>;
  /** Per-context override of the jitter period, by context id (`main`, `io0`). Default `{}`. */
  jitterPeriodByContext?: Record<string, Sweepable<Duration>>;
  /** Time-series bucket. Default `"100ms"`. */
  timeSeriesInterval?: Sweepable<Duration>;
  /** Record the per-stage latency split for one request in N, 1 to 1000000. Default `16`. */
  stageSampleEvery?: Sweepable<number>;
}

/** A scenario as a person writes it: the argument of `defineScenario`. */
export interface ScenarioInput {
  /** JSON files only: the schema reference, ignored. */
  $schema?: string;
  /** Name: lower case letters, digits, `-`, `_`, `.`. Required. */
  name: string;
  /** What the scenario shows and what to look for. Default `""`. */
  description?: string;
  /** Measured time per repetition. Default `"3s"`. */
  duration?: Sweepable<Duration>;
  /** Unmeasured time before it. Default `"500ms"`. */
  warmup?: Sweepable<Duration>;
  /** Repetitions per placement, 1 to 1000. Default `3`. */
  repetitions?: Sweepable<number>;
  /** Seed of every random choice (arrivals, bursts), 0 to 2^32-1. Default `1`. */
  seed?: Sweepable<number>;
  /** The guest. Default one kvm vCPU. */
  machine?: MachineInput;
  /** Devices, 1 to 16 entries. Required. */
  devices: DeviceInput[];
  /** Main-loop chores. Default none. */
  mainLoop?: MainLoopInput;
  /** Placements to compare, by name, at least one. Required. */
  placements: Record<string, PlacementInput>;
  /** Timed events. Default `[]`. */
  events?: EventInput[];
  /** Probes. Default as in {@link ProbesInput}. */
  probes?: ProbesInput;
  /** Pass/fail checks such as `"iothread.disk0.p99 < 0.5 * main.disk0.p99"`. Default `[]`. */
  thresholds?: string[];
}

/** A swept field after validation: its values in order, resolved to integers. */
export interface Sweep {
  /** The values, at least one. */
  readonly sweep: readonly number[];
}

/** A numeric field of a {@link ResolvedScenario}: one value or a {@link Sweep}. */
export type Axis = number | Sweep;

/** Resolved {@link ComputeInput}; `mean` in ns. */
export interface ResolvedCompute<N = Axis> {
  /** See {@link ComputeInput.distribution}. */
  distribution: BurstDistribution;
  /** ns. */
  mean: N;
}

/** Resolved {@link MachineInput}. */
export interface ResolvedMachine<N = Axis> {
  /** See {@link MachineInput.accel}. */
  accel: Accel;
  /** vCPU count. */
  vcpus: N;
  /** Compute bursts. */
  compute: ResolvedCompute<N>;
  /** BQL exits: `rate` per second, `length` ns. */
  exits: { rate: N; length: N };
}

/** Resolved driver: null (`latency` ns) or file (`size` bytes). */
export type ResolvedDriver<N = Axis> =
  | { kind: "null"; latency: N }
  | { kind: "file"; path: string; size: N };

/** Resolved arrival process (`rate` per second). */
export type ResolvedArrival<N = Axis> =
  | { kind: "closed" }
  | { kind: "constant" | "poisson"; rate: N };

/** Resolved {@link DeviceInput}; `requestSize` in bytes. */
export interface ResolvedDevice<N = Axis> {
  /** Device id, or group name when `numbered`. */
  id: string;
  /** Device count (1 when not `numbered`). */
  count: N;
  /** Whether `count` was given, so the devices are `<id>0` ... */
  numbered: boolean;
  /** Device model. */
  kind: "virtio-blk";
  /** Virtqueues. */
  queues: N;
  /** Requests in flight per queue. */
  queueDepth: N;
  /** Bytes. */
  requestSize: N;
  /** 0 to 1. */
  readFraction: N;
  /** ioeventfd on or off. */
  ioeventfd: boolean;
  /** Backend. */
  driver: ResolvedDriver<N>;
  /** Arrival process. */
  arrival: ResolvedArrival<N>;
}

/** A resolved periodic job, ns. */
export interface ResolvedPeriodicJob<N = Axis> {
  /** ns. */
  period: N;
  /** ns. */
  work: N;
}

/** Resolved main-loop chores; an absent chore is `null`. */
export interface ResolvedMainLoop<N = Axis> {
  /** VNC-like frames. */
  vnc: ResolvedPeriodicJob<N> | null;
  /** QMP-like commands: `rate` per second, `work` ns, `drainFraction` 0 to 1. */
  qmp: { rate: N; work: N; drainFraction: N } | null;
  /** BQL hog: `hold` and `every` ns. */
  bqlHog: { hold: N; every: N } | null;
  /** Extra timers. */
  timers: ResolvedPeriodicJob<N>[];
}

/** Resolved {@link IothreadInput}; `pollMaxNs` in ns. */
export interface ResolvedIothread<N = Axis> {
  /** ns. */
  pollMaxNs: N;
  /** Growth factor. */
  pollGrow: N;
  /** Shrink divisor. */
  pollShrink: N;
}

/** Resolved {@link PlacementInput}; map values are lists of context ids (one item: the whole device). */
export interface ResolvedPlacement<N = Axis> {
  /** Description. */
  description: string;
  /** Locking era. */
  locking: Locking;
  /** Notification model override, or null for the machine's. */
  accel: Accel | null;
  /** IOThreads by id. */
  iothreads: Record<string, ResolvedIothread<N>>;
  /** Options of the IOThreads `"own"` creates. */
  ownIothreads: ResolvedIothread<N>;
  /** Key -> contexts (`["main"]`, `["io0"]`, `["own"]`, `["io0", "io1"]`). */
  map: Record<string, string[]>;
  /** Thread (`main`, `vcpus`, IOThread id) -> CPU indices it is pinned to. */
  cpus: Record<string, number[]>;
}

/** Resolved {@link EventInput}; `at` in ns, `placements` null for all. */
export interface ResolvedEvent<N = Axis> {
  /** ns after the warm-up. */
  at: N;
  /** Device id. */
  move: string;
  /** Target context. */
  to: string;
  /** Placement names, or null for all. */
  placements: string[] | null;
}

/** Resolved {@link ProbesInput}; periods in ns. */
export interface ResolvedProbes<N = Axis> {
  /** ns; 0 off. */
  jitterPeriod: N;
  /** ns by context id. */
  jitterPeriodByContext: Record<string, N>;
  /** ns. */
  timeSeriesInterval: N;
  /** One request in N. */
  stageSampleEvery: N;
}

/**
 * A validated scenario: defaults filled, durations in ns, sizes in bytes,
 * rates per second. `N` is {@link Axis} while sweeps are still lists and
 * `number` in a run.
 */
export interface ResolvedScenario<N = Axis> {
  /** Name. */
  name: string;
  /** Description. */
  description: string;
  /** ns. */
  duration: N;
  /** ns. */
  warmup: N;
  /** Repetitions per placement. */
  repetitions: N;
  /** Seed. */
  seed: N;
  /** Machine. */
  machine: ResolvedMachine<N>;
  /** Devices as written (groups not yet numbered). */
  devices: ResolvedDevice<N>[];
  /** Main-loop chores. */
  mainLoop: ResolvedMainLoop<N>;
  /** Placements by name. */
  placements: Record<string, ResolvedPlacement<N>>;
  /** Events. */
  events: ResolvedEvent<N>[];
  /** Probes. */
  probes: ResolvedProbes<N>;
  /** Threshold expressions, shape-checked, not evaluated. */
  thresholds: string[];
}

/** One device of a run (groups numbered): its final id and the group it came from. */
export interface RunDevice extends Omit<ResolvedDevice<number>, "count" | "numbered"> {
  /** The group id it came from (its own id when not numbered). */
  group: string;
  /** Index in its group (0 when not numbered). */
  index: number;
}

/** A placement of a run: every IOThread it needs and the context of every queue. */
export interface RunPlacement extends Omit<ResolvedPlacement<number>, "map" | "accel"> {
  /** The notification model of this placement (its override, else the machine's). */
  accel: Accel;
  /** Every IOThread, including those `"own"` created (`io-<device>`). */
  iothreads: Record<string, ResolvedIothread<number>>;
  /** Device id -> context id of each queue (index = queue). */
  queueContexts: Record<string, string[]>;
}

/** One point of a sweep: a scenario with single values, devices numbered, placements resolved. */
export interface RunScenario extends Omit<ResolvedScenario<number>, "devices" | "placements"> {
  /** Devices, numbered. */
  devices: RunDevice[];
  /** Placements by name, resolved. */
  placements: Record<string, RunPlacement>;
}

/** The label of a run: the path of every swept field and its value in this run. */
export type RunLabel = Record<string, number>;

/** One run of an expanded scenario. */
export interface ScenarioRun {
  /** 0-based position in the cartesian product (last axis fastest). */
  index: number;
  /** Swept paths and their values (`{ "placements.iothread.iothreads.io0.pollMaxNs": 4000 }`). */
  label: RunLabel;
  /** The scenario at this point. */
  scenario: RunScenario;
}
