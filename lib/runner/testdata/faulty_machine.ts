// The real guest model (lib/machine/machine.ts) with a fault injected
// during the measured time, for the lab's fault tests: the runner starts it
// through its `machineModule` option, so the threads, handlers, watchdog
// and process handling are the real ones. The placement's name selects the
// fault, injected `FAULT_AFTER_MS` after the warm-up ends, as a oneshot in
// the real main loop's context (fault_handlers.ts):
// - "throws": a handler that throws (the main-loop thread fails);
// - "stuck": a handler that spins synchronously forever;
// - "stuck-at-stop": nothing while the run measures; when stop() is called, a
//   handler that blocks forever (the main loop never finishes stopping);
// any other placement runs unchanged. Test fixture; not part of the API.
// Run-child main thread.

import { Machine as RealMachine, type MachineOptions } from "../../machine/machine.ts";
import { getMainAioContext } from "../../runtime/main_loop.ts";

/** How long after the warm-up the fault is injected, ms. */
export const FAULT_AFTER_MS = 300;

const HANDLERS = new URL("./fault_handlers.ts", import.meta.url).href;
const FAULTS: Record<string, string> = {
  throws: `${HANDLERS}#faultThrowingHandler`,
  stuck: `${HANDLERS}#faultSpinningHandler`,
};

/** The fault a placement injects when stop() is called, instead of during the measured time. */
const STOP_FAULTS: Record<string, string> = {
  "stuck-at-stop": `${HANDLERS}#faultBlockingHandler`,
};

/** The real Machine, with a fault scheduled by resetMeasurements() or injected by stop(). */
export class Machine {
  readonly #real: RealMachine;
  readonly #fault: string | undefined;
  readonly #stopFault: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  private constructor(real: RealMachine, placement: string) {
    this.#real = real;
    this.#fault = FAULTS[placement];
    this.#stopFault = STOP_FAULTS[placement];
  }

  /** Starts the real machine. */
  static async start(opts: MachineOptions): Promise<Machine> {
    return new Machine(await RealMachine.start(opts), opts.placement);
  }

  begin(): void {
    this.#real.begin();
  }

  resetMeasurements(): void {
    this.#real.resetMeasurements();
    const fault = this.#fault;
    if (fault !== undefined && this.#timer === undefined) {
      this.#timer = setTimeout(() => getMainAioContext().scheduleOneshot(fault), FAULT_AFTER_MS);
    }
  }

  sample(nowNs: number): ReturnType<RealMachine["sample"]> {
    return this.#real.sample(nowNs);
  }

  move(device: string, to: string): Promise<void> {
    return this.#real.move(device, to);
  }

  heartbeat(): ReturnType<RealMachine["heartbeat"]> {
    return this.#real.heartbeat();
  }

  failure(): ReturnType<RealMachine["failure"]> {
    return this.#real.failure();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    // Queued beside the stop's first calls into the main loop: it blocks before or just after
    // the first of them, and the next never runs.
    if (this.#stopFault !== undefined) getMainAioContext().scheduleOneshot(this.#stopFault);
    await this.#real.stop();
  }

  collect(): ReturnType<RealMachine["collect"]> {
    return this.#real.collect();
  }
}
