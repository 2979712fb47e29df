/**
 * The guest code of a vCPU thread ({@link vcpuGuestRun}, run inside a
 * `VcpuThread` by module reference): compute bursts, BQL-taking exits,
 * requests on the queues the plan gives this vCPU, and the wait for their
 * completions.
 *
 * - Compute (closed loop): between two requests the vCPU spins for a burst
 *   drawn from the scenario's distribution (seeded: every placement replays
 *   the same bursts). Exits come as a Poisson process of the scenario's
 *   rate: the vCPU takes the BQL, spins for the exit's length (MMIO/PIO
 *   emulation) and releases it.
 * - Requests: closed loop keeps `queueDepth` requests in flight per queue;
 *   open loop issues at the intended times of a constant or Poisson
 *   schedule, measures latency from the intended time (coordinated
 *   omission), and counts an arrival that finds the queue full as dropped.
 * - Kick: `kvm` with ioeventfd sets the queue's kick notifier without the
 *   BQL; `tcg`, or ioeventfd off, is an MMIO exit: the kick is set while the
 *   vCPU holds the BQL (QEMU's io_writex).
 * - Completions: `kvm`, the device's interrupt notifier wakes the vCPU
 *   (irqfd); `tcg`, the main loop reads it under the BQL and raises the
 *   queue's interrupt line (tcg_interrupts.ts), which wakes the vCPU.
 * - Waiting: the vCPU blocks (it halts, as a guest waiting for an interrupt
 *   does) in a private AioContext watching its interrupt sources, with a
 *   timer for the next open-loop arrival or exit; it does not busy-poll.
 *
 * The clock is read once per event and the value passed on. Every
 * histogram and counter of a queue is written by its vCPU only; at an epoch
 * change (resetMeasurements) the vCPU empties them and counts the requests
 * in flight as issued in the new epoch, then acknowledges the epoch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VCPU_GUEST_MODULE } from "./vcpu_guest.ts";
 * assert.match(VCPU_GUEST_MODULE, /vcpu_guest\.ts$/);
 * ```
 *
 * @module
 */

import { EventNotifier } from "../sync/event_notifier.ts";
import { AioContext } from "../runtime/aio_context.ts";
import { ClockType, Scale } from "../runtime/clock.ts";
import { bqlLock, bqlUnlock } from "../runtime/main_loop.ts";
import { vcpuStopRequested } from "../runtime/vcpu_thread.ts";
import { SharedHistogram } from "../measure/histogram.ts";
import { TimeBase } from "../measure/time_base.ts";
import { assertThreadAffinity } from "../runtime/thread_affinity.ts";
import {
  MACHINE_CTL,
  QUEUE_STAT,
  VCPU_CTL,
  VCPU_DOING,
  VCPU_TIME,
  VIRTIO_BLK_OP,
  VIRTIO_BLK_STAMP,
  VIRTIO_BLK_STAMP_BIT,
} from "./layout.ts";
import type { MachinePlan } from "./machine_plan.ts";
import { installLockSinks, removeLockSinks } from "./lock_sinks.ts";
import { Prng } from "./prng.ts";
import { type VirtioBlkCompletionFn, VirtioBlkGuest } from "./virtio_blk_guest.ts";
import { spinUntil } from "./_spin.ts";

/** This module's URL (for `${VCPU_GUEST_MODULE}#vcpuGuestRun`). */
export const VCPU_GUEST_MODULE: string = import.meta.url;

/** What {@link vcpuGuestRun} returns when the vCPU stops. */
export interface VcpuGuestResult {
  /** vCPU index. */
  index: number;
  /** Requests still in flight when the vCPU gave up waiting for them at stop. */
  abandoned: number;
}

/** One queue as its vCPU drives it. */
interface DrivenQueue {
  readonly slot: number;
  readonly guest: VirtioBlkGuest;
  readonly depth: number;
  readonly size: number;
  readonly span: number;
  readonly readFraction: number;
  /** Kick under the BQL (tcg, or ioeventfd off). */
  readonly exitKick: boolean;
  readonly open: boolean;
  readonly poisson: boolean;
  readonly intervalNs: number;
  readonly free: number[];
  /** Per slot: intended issue time and actual issue time. */
  readonly intended: Float64Array;
  readonly issued: Float64Array;
  readonly sampled: Uint8Array;
  readonly arrivals: Prng;
  readonly ops: Prng;
  readonly stamps: Float64Array | null;
  readonly stampBase: number;
  readonly stampMask: number;
  readonly hTotal: SharedHistogram;
  readonly hQueued: SharedHistogram;
  readonly hDispatch: SharedHistogram;
  readonly hService: SharedHistogram;
  readonly hCompletion: SharedHistogram;
  nextArrival: number;
  sampleCount: number;
  issuedN: number;
  completedN: number;
  droppedN: number;
}

/**
 * Runs vCPU `index` of `plan` until the orchestrator stops it (MACHINE_CTL.STOP
 * or a VcpuThread stop); idle until MACHINE_CTL.GO. At stop it waits up to
 * `drainMs` for the requests in flight. The vCPU thread (through
 * `VcpuThread.run`).
 *
 * @example
 * ```ts ignore
 * // Run by the Machine in a VcpuThread:
 * await cpu.run(`${VCPU_GUEST_MODULE}#vcpuGuestRun`, plan, 0, 500);
 * ```
 */
export function vcpuGuestRun(plan: MachinePlan, index: number, drainMs = 500): VcpuGuestResult {
  assertThreadAffinity(`vcpu${index}`, plan.vcpuCpus);
  const tb = TimeBase.attach(plan.timeBase!);
  const ctl = new Int32Array(plan.ctl);
  const my = new Int32Array(plan.vcpuCtl, index * VCPU_CTL.WORDS * 4, VCPU_CTL.WORDS);
  const times = new Float64Array(plan.vcpuTime, index * VCPU_TIME.WORDS * 8, VCPU_TIME.WORDS);
  times[VCPU_TIME.CLOCK_UNCERTAINTY_NS] = tb.uncertaintyNs;
  const qstat = new Int32Array(plan.queueStat);
  installLockSinks(plan.lockTiming.locks, plan.lockTiming.vcpus[index]);
  const ctx = new AioContext({ name: `vcpu${index}` });
  const wake = EventNotifier.fromHandle(plan.vcpuWake[index]);
  const clear = (n: EventNotifier): void => void n.testAndClear();
  ctx.setEventNotifier(wake, clear);
  const every = plan.stageSampleEvery;
  const queues: DrivenQueue[] = [];
  for (const q of plan.queues) {
    if (q.vcpu !== index) continue;
    const d = plan.devices[q.device];
    const guest = new VirtioBlkGuest(d.handle, q.queue);
    const tcg = plan.accel === "tcg";
    // kvm: the device's irq notifier is the irqfd; tcg: the main loop raises our line.
    const line = tcg ? EventNotifier.fromHandle(q.irqLine) : guest.interrupt;
    ctx.setEventNotifier(line, clear);
    const depth = d.queueDepth;
    const open = d.arrival.kind !== "closed";
    const rate = d.arrival.kind === "closed" ? 0 : d.arrival.rate;
    const perQueueRate = rate / d.handle.queues.length;
    queues.push({
      slot: q.slot,
      guest,
      depth,
      size: d.requestSize,
      span: Math.max(1, Math.floor(d.span / d.requestSize)),
      readFraction: d.readFraction,
      exitKick: tcg || !d.ioeventfd,
      open,
      poisson: d.arrival.kind === "poisson",
      intervalNs: perQueueRate > 0 ? 1e9 / perQueueRate : Infinity,
      free: Array.from({ length: depth }, (_, i) => depth - 1 - i),
      intended: new Float64Array(depth),
      issued: new Float64Array(depth),
      sampled: new Uint8Array(depth),
      arrivals: new Prng(plan.seed, 0x10000 + q.slot),
      ops: new Prng(plan.seed, 0x20000 + q.slot),
      stamps: d.handle.stamps === null ? null : new Float64Array(d.handle.stamps),
      stampBase: q.queue * d.handle.queueSize,
      stampMask: d.handle.queueSize - 1,
      hTotal: SharedHistogram.fromHandle(q.hist.total),
      hQueued: SharedHistogram.fromHandle(q.hist.queued),
      hDispatch: SharedHistogram.fromHandle(q.hist.dispatch),
      hService: SharedHistogram.fromHandle(q.hist.service),
      hCompletion: SharedHistogram.fromHandle(q.hist.completion),
      nextArrival: 0,
      sampleCount: 0,
      issuedN: 0,
      completedN: 0,
      droppedN: 0,
    });
  }
  const bursts = new Prng(plan.seed, 0x30000 + index);
  const exitDraws = new Prng(plan.seed, 0x40000 + index);
  const exitMeanNs = plan.exits.rate > 0 ? 1e9 / plan.exits.rate : Infinity;
  const exitLen = plan.exits.length;
  // One timer wakes the halted vCPU for the next arrival or exit (REALTIME
  // is this thread's performance.now() in ns: the time base minus its offset).
  let timerFired = false;
  const timer = ctx.timerNew(ClockType.REALTIME, Scale.NS, () => (timerFired = true));
  const toLocal = (sharedNs: number): number => sharedNs - tb.offsetNs;
  const clock = (): number => tb.now();
  const doing = (v: number): void => void Atomics.store(my, VCPU_CTL.DOING, v);
  const stopped = (): boolean => Atomics.load(ctl, MACHINE_CTL.STOP) !== 0 || vcpuStopRequested();

  // Pairs with Machine.start's Atomics.load(READY).
  Atomics.store(my, VCPU_CTL.READY, 1);
  // Idle until begin(): pairs with the orchestrator's store + notify of GO.
  while (Atomics.load(ctl, MACHINE_CTL.GO) === 0 && !stopped()) {
    Atomics.wait(ctl, MACHINE_CTL.GO, 0, 50);
  }
  let epoch = -1;
  const publish = (dq: DrivenQueue): void => {
    const b = dq.slot * QUEUE_STAT.WORDS;
    Atomics.store(qstat, b + QUEUE_STAT.ISSUED, dq.issuedN);
    Atomics.store(qstat, b + QUEUE_STAT.COMPLETED, dq.completedN);
    Atomics.store(qstat, b + QUEUE_STAT.DROPPED, dq.droppedN);
    Atomics.store(qstat, b + QUEUE_STAT.OUTSTANDING, dq.depth - dq.free.length);
  };
  const restart = (e: number): void => {
    for (const dq of queues) {
      for (const h of [dq.hTotal, dq.hQueued, dq.hDispatch, dq.hService, dq.hCompletion]) {
        h.reset();
      }
      dq.issuedN = dq.depth - dq.free.length;
      dq.completedN = 0;
      dq.droppedN = 0;
      publish(dq);
    }
    times.fill(0);
    times[VCPU_TIME.CLOCK_UNCERTAINTY_NS] = tb.uncertaintyNs;
    epoch = e;
    // Publishes the restart: pairs with the orchestrator's load before it drains.
    Atomics.store(my, VCPU_CTL.EPOCH_ACK, e);
  };

  let now = tb.now();
  let nextExit = now + exitDraws.exponential(exitMeanNs);
  for (const dq of queues) {
    if (dq.open) dq.nextArrival = now + (dq.poisson ? dq.arrivals.exponential(dq.intervalNs) : 0);
  }

  /** An exit: take the BQL, emulate for the exit's length, release. Returns the clock after. */
  const exit = (t0: number): number => {
    doing(VCPU_DOING.BQL_WAIT);
    bqlLock();
    const t1 = tb.now();
    doing(VCPU_DOING.EXIT);
    const t = spinUntil(clock, t1 + exitLen);
    bqlUnlock();
    times[VCPU_TIME.BQL_WAIT_NS] += t1 - t0;
    nextExit = t + exitDraws.exponential(exitMeanNs);
    return t;
  };

  /** A compute burst from `t0`, with the exits that fall in it. Returns the clock after. */
  const compute = (t0: number): number => {
    doing(VCPU_DOING.COMPUTE);
    let end = t0 + bursts.draw(plan.compute.distribution, plan.compute.mean);
    let t = t0;
    while (t < end) {
      t = spinUntil(clock, Math.min(end, nextExit));
      if (t >= nextExit) {
        const after = exit(t);
        end += after - t; // the exit does not count as compute
        t = after;
        doing(VCPU_DOING.COMPUTE);
      }
    }
    times[VCPU_TIME.COMPUTE_NS] += t - t0;
    return t;
  };

  /** Submits one request on `dq` (a free slot exists) intended at `intendedAt`, issued at `t`. */
  const submit = (dq: DrivenQueue, intendedAt: number, t: number): void => {
    const slot = dq.free.pop()!;
    dq.intended[slot] = intendedAt;
    dq.issued[slot] = t;
    const sample = ++dq.sampleCount >= every;
    if (sample) dq.sampleCount = 0;
    dq.sampled[slot] = sample ? 1 : 0;
    const op = dq.ops.next() < dq.readFraction ? VIRTIO_BLK_OP.READ : VIRTIO_BLK_OP.WRITE;
    const offset = Math.floor(dq.ops.next() * dq.span) * dq.size;
    dq.guest.submit(sample ? slot | VIRTIO_BLK_STAMP_BIT : slot, op, offset, dq.size);
    dq.issuedN++;
  };

  /** Notifies the device of `dq` (ioeventfd, or an MMIO exit under the BQL). */
  const kick = (dq: DrivenQueue, t0: number): number => {
    if (!dq.exitKick) {
      dq.guest.kick();
      return t0;
    }
    doing(VCPU_DOING.BQL_WAIT);
    bqlLock();
    const t1 = tb.now();
    dq.guest.kick();
    bqlUnlock();
    times[VCPU_TIME.BQL_WAIT_NS] += t1 - t0;
    return t1;
  };

  /**
   * The clock at which the reap in progress saw its completions (-1: not read yet): read
   * once, at the first completion found, so that a completion found after a preemption is
   * not stamped with an older time. A box, not a captured variable: storing a double in a
   * closure's context allocates.
   */
  const reapSeen = new Float64Array(1);
  /** One completion callback per queue, made once: a reap allocates nothing. */
  const completionOf = (dq: DrivenQueue): VirtioBlkCompletionFn => (reqId) => {
    if (reapSeen[0] < 0) reapSeen[0] = tb.now();
    const t = reapSeen[0];
    const slot = reqId & dq.stampMask;
    dq.hTotal.record(t - dq.intended[slot]);
    if (dq.sampled[slot] !== 0 && dq.stamps !== null) {
      const s = (dq.stampBase + slot) * VIRTIO_BLK_STAMP.WORDS;
      const issued = dq.issued[slot];
      // The serving thread's stamps are on the shared time base only to within its
      // offset's uncertainty (wide on a loaded host): kept in causal order inside
      // [issued, t], so that the four stages add up to the request's total.
      const picked = Math.min(Math.max(dq.stamps[s + VIRTIO_BLK_STAMP.PICKED_UP], issued), t);
      const done = Math.min(Math.max(dq.stamps[s + VIRTIO_BLK_STAMP.BACKEND_DONE], picked), t);
      dq.hQueued.record(issued - dq.intended[slot]);
      dq.hDispatch.record(picked - issued);
      dq.hService.record(done - picked);
      dq.hCompletion.record(t - done);
    }
    dq.free.push(slot);
    dq.completedN++;
  };
  const completions = queues.map(completionOf);

  /** Reaps every completion of queue `k` seen at `seenAt` (-1: now, see reapSeen); returns how many. */
  const reap = (k: number, seenAt: number): number => {
    reapSeen[0] = seenAt;
    return queues[k].guest.reap(completions[k]);
  };

  const reapAll = (t: number): number => {
    let n = 0;
    for (let k = 0; k < queues.length; k++) {
      const got = reap(k, t);
      if (got > 0) {
        n += got;
        publish(queues[k]);
      }
    }
    return n;
  };

  /** Halts until an interrupt, the wake notifier or the timer (at shared time `until`). */
  const halt = (t0: number, until: number): number => {
    doing(VCPU_DOING.IO_WAIT);
    if (until < Infinity) timer.modNs(toLocal(until));
    timerFired = false;
    // Arming the timer kicks this context (QEMU's timerlist_notify), and a
    // bare kick makes poll(true) return at once with no progress: poll until
    // something ran (an interrupt, the wake notifier or the timer).
    while (!ctx.poll(true)) {
      // woken by the kick only
    }
    if (until < Infinity && !timerFired) timer.del();
    const t = tb.now();
    times[VCPU_TIME.IO_WAIT_NS] += t - t0;
    return t;
  };

  const anyOpen = queues.some((dq) => dq.open);
  let rr = 0;
  while (!stopped()) {
    Atomics.add(my, VCPU_CTL.PROGRESS, 1);
    // Pairs with the orchestrator's Atomics.add(EPOCH).
    const e = Atomics.load(ctl, MACHINE_CTL.EPOCH);
    if (e !== epoch) restart(e);
    // `now` may be old (the last kick did not read the clock): the reap reads it if it finds work.
    reapAll(-1);
    if (queues.length === 0) {
      // A vCPU without queues only computes (and exits); compute returns the clock after.
      now = compute(now);
      continue;
    }
    let next = nextExit;
    let issuedAny = false;
    for (let k = 0; k < queues.length; k++) {
      const dq = queues[(rr + k) % queues.length];
      if (dq.open) {
        let pushed = false;
        while (dq.nextArrival <= now) {
          if (dq.free.length > 0) {
            submit(dq, dq.nextArrival, now);
            pushed = true;
          } else {
            dq.issuedN++;
            dq.droppedN++;
          }
          dq.nextArrival += dq.poisson ? dq.arrivals.exponential(dq.intervalNs) : dq.intervalNs;
        }
        if (pushed) now = kick(dq, now);
        publish(dq);
        if (dq.nextArrival < next) next = dq.nextArrival;
      } else if (dq.free.length > 0 && !issuedAny) {
        now = compute(now);
        submit(dq, now, now);
        now = kick(dq, now);
        publish(dq);
        issuedAny = true;
        rr = (rr + k + 1) % queues.length;
      }
    }
    if (issuedAny) continue;
    if (anyOpen && now >= nextExit) {
      now = exit(now);
      continue;
    }
    // Nothing to issue now: halt until a completion (or the next open-loop event).
    now = halt(now, anyOpen ? next : Infinity);
  }

  // Stop: let the requests in flight complete (bounded), then leave.
  doing(VCPU_DOING.IO_WAIT);
  const deadline = tb.now() + drainMs * 1e6;
  let inFlight = queues.reduce((n, dq) => n + dq.depth - dq.free.length, 0);
  while (inFlight > 0) {
    now = tb.now();
    if (now >= deadline) break;
    inFlight -= reapAll(now);
    if (inFlight > 0) halt(now, Math.min(deadline, now + 10e6));
  }
  for (const dq of queues) publish(dq);
  timer.del();
  timer.deinit();
  ctx.destroy();
  doing(VCPU_DOING.STOPPED);
  removeLockSinks(plan.lockTiming.locks);
  return { index, abandoned: inFlight };
}
