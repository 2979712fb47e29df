// Cross-thread oneshots of one AioContext: records [handlerId, a0, a1, a2]
// that other threads push into the context's MPSC ring
// (RemoteAioContext.scheduleOneshot), run in the BH phase. A record naming a
// module handler not yet loaded in this thread is deferred: the module loads
// on the JavaScript event loop and the call then runs as a local oneshot BH.
// Home thread only.

import type { MpscRing } from "../sync/mpsc_ring.ts";
import { currentThreadId, currentThreadName } from "../sync/thread_id.ts";
import { HANDLER_NAME_BASE, handlerName, loadHandler, lookupHandler } from "./handler_ref.ts";
import { type DispatchState, handlerNameSafe } from "./_dispatch_state.ts";

/** Schedules a local oneshot BH (AioContext.scheduleOneshot). */
export type ScheduleLocal = (cb: () => void, name: string) => void;

/** The ring intake of one context. Home thread only. */
export class OneshotIntake {
  /** Oneshot handlers run. */
  runs = 0;
  readonly #ring: MpscRing;
  readonly #ctxName: string;
  readonly #dispatch: DispatchState;
  readonly #schedule: ScheduleLocal;
  /** Module loads of deferred records, not yet awaited by settle(). */
  #loads: Promise<void>[] = [];
  /** Module loads of deferred records still in flight (not settled). */
  #loading = 0;

  constructor(ring: MpscRing, ctxName: string, dispatch: DispatchState, schedule: ScheduleLocal) {
    this.#ring = ring;
    this.#ctxName = ctxName;
    this.#dispatch = dispatch;
    this.#schedule = schedule;
  }

  /** Whether records are waiting in the ring. */
  hasData(): boolean {
    return this.#ring.consumerPeek();
  }

  /**
   * Runs the records present now (later ones run in the next poll); true iff
   * a handler ran (a deferred record is not progress, QEMU_SEMANTICS.md 1.6).
   */
  drain(): boolean {
    if (!this.#ring.consumerPeek()) return false;
    const ran = this.runs;
    this.#ring.drain(this.#onRecord);
    return this.runs !== ran;
  }

  /**
   * What destroy() must not drop: oneshots pushed and not yet run (ring,
   * overflow and the batch taken from it) and module loads in flight.
   */
  pending(): { oneshots: number; loads: number } {
    return { oneshots: this.#ring.consumerPending(), loads: this.#loading };
  }

  /**
   * Whether handler modules are still loading: in flight, whether or not a
   * settle() already awaits them (the home thread must keep its JavaScript
   * event loop running until they have loaded, or the import never ends).
   */
  loading(): boolean {
    return this.#loading > 0;
  }

  /** Waits until the pending module loads have settled. */
  async settle(): Promise<void> {
    while (this.#loads.length > 0) {
      const loads = this.#loads;
      this.#loads = [];
      await Promise.all(loads);
    }
  }

  /** Runs one record. Created once: the ring's drain takes it by reference. */
  readonly #onRecord = (id: number, a0: number, a1: number, a2: number): void => {
    const fn = lookupHandler(id);
    if (fn === undefined) {
      if (id < HANDLER_NAME_BASE) {
        throw new Error(
          `context "${this.#ctxName}": oneshot for handler id ${id}, which is not registered ` +
            `in thread ${currentThreadId()} (${currentThreadName()}); call ` +
            `registerHandler(${id}, fn) in that thread first`,
        );
      }
      this.#defer(id, a0, a1, a2);
      return;
    }
    this.runs++;
    const d = this.#dispatch;
    const prev = d.current;
    d.current = id;
    fn(a0, a1, a2);
    d.current = prev;
  };

  #defer(id: number, a0: number, a1: number, a2: number): void {
    this.#loading++;
    // The count drops only once the call is scheduled as a local oneshot
    // BH, so that destroy() always sees one of the two.
    const p = loadHandler(id).then(
      (fn) => {
        this.#loading--;
        this.#schedule(() => fn(a0, a1, a2), handlerName(id));
      },
      (err: unknown) => {
        this.#loading--;
        this.#schedule(() => {
          throw err;
        }, `load ${handlerNameSafe(id)}`);
      },
    );
    this.#loads.push(p);
  }
}
