// Per-thread state of a vCPU thread: its stop request. Set once by the
// thread entry (_worker.ts); read by guest code through vcpu_thread.ts.

import type { EventNotifier } from "../sync/event_notifier.ts";

let stop: EventNotifier | null = null;

/** Installs the stop request of the calling vCPU thread. Thread entry only. */
export function installVcpuStop(n: EventNotifier): void {
  stop = n;
}

/** The calling thread's stop request, or null when it is not a vCPU thread. */
export function vcpuStop(): EventNotifier | null {
  return stop;
}
