/**
 * The event-loop runtime: AioContext (bottom halves, event notifiers,
 * host-I/O handlers, timers, poll, notify, adaptive polling), clocks,
 * IoThread, vCPU threads, the main loop and the BQL, AIO_WAIT_WHILE, handler references
 * and the legacy main-loop helpers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AioContext } from "./mod.ts";
 * const ctx = new AioContext();
 * let ran = false;
 * ctx.scheduleOneshot(() => (ran = true));
 * assert.equal(ctx.poll(false), true); // the BH phase ran it: progress
 * assert.equal(ran, true);
 * ctx.destroy();
 * ```
 *
 * @module
 */

export {
  adjustPollNs,
  POLL_OFF,
  POLL_START_NS,
  type PollParams,
  resolvePollParams,
} from "./adaptive_poll.ts";
export {
  AioContext,
  type AioContextOptions,
  type AioContextStats,
  DEFAULT_POLL_CLOCK_EVERY,
  type HostIoHandlers,
  type HostIoResource,
  IDLE_BH_TIMEOUT_NS,
  type NotifierPollHandler,
  type NotifierReadHandler,
} from "./aio_context.ts";
export { aioWaitKick, aioWaitWhile } from "./aio_wait.ts";
export {
  type BhCallback,
  type BhHost,
  BottomHalf,
  type ReentrancyGuard,
  SharedBottomHalf,
} from "./bottom_half.ts";
export {
  Clocks,
  ClockType,
  ManualTimeSource,
  monotonicTimeSource,
  Scale,
  type TimeSource,
  wallTimeSource,
} from "./clock.ts";
export { type AioContextHandle, type NotifyStats, RemoteAioContext } from "./context_handle.ts";
export {
  FIRST_USER_HANDLER,
  type Handler,
  handlerId,
  handlerName,
  type HandlerRef,
  registerHandler,
  unregisterHandler,
} from "./handler_ref.ts";
export { HANDLER_ID } from "./handler_ids.ts";
export {
  DEFAULT_IOTHREAD_POLL,
  DEFAULT_POLL_MAX_NS,
  IoThread,
  type IoThreadOptions,
} from "./io_thread.ts";
export { EventLoopThread } from "./event_loop_thread.ts";
export {
  HostedThread,
  type JoinOptions,
  JoinTimeoutError,
  type TerminateOptions,
} from "./hosted_thread.ts";
export { vcpuStopRequested, VcpuThread, type VcpuThreadOptions } from "./vcpu_thread.ts";
export { AioThreadError, type ErrorInfo, errorInfo } from "./aio_thread_error.ts";
export { qemuAioSetEventNotifier, qemuAioWait, qemuBhNew, timerNew, timerNewMs } from "./legacy.ts";
export {
  bqlLock,
  bqlLocked,
  bqlStats,
  bqlUnlock,
  currentAioContext,
  getMainAioContext,
  MainLoop,
  type MainLoopOptions,
} from "./main_loop.ts";
export { currentRole, getCurrentAioContext, type ThreadRole } from "./thread_state.ts";
export { soonestTimeout, Timer, type TimerCallback, TimerListGroup } from "./timer.ts";
export {
  DEFAULT_POOL_CAPACITY,
  DEFAULT_POOL_DESTROY_TIMEOUT_MS,
  DEFAULT_POOL_IDLE_TIMEOUT_MS,
  DEFAULT_POOL_MAX_PAYLOAD_BYTES,
  DEFAULT_POOL_MAX_WORKERS,
  DEFAULT_POOL_MIN_WORKERS,
  POOL_COMPLETION_BH,
  POOL_SPAWN_BH,
  ThreadPool,
  threadPoolFor,
  type ThreadPoolJob,
  type ThreadPoolOptions,
  ThreadPoolRequest,
  type ThreadPoolRequestOwner,
  type ThreadPoolRequestStatus,
  type ThreadPoolResult,
  type ThreadPoolStats,
  type ThreadPoolSubmitOptions,
  validatePoolMinMax,
} from "./thread_pool.ts";
export {
  aioCoEnter,
  aioCoRescheduleSelf,
  aioCoSchedule,
  aioCoScheduleRemote,
  aioCoTryScheduleRemote,
  aioCoWake,
  type Co,
  coEnter,
  coEnterIfInactive,
  Coroutine,
  CoroutineError,
  type CoroutineFn,
  type CoroutineRef,
  type CoroutineStats,
  coroutineStats,
  coSelf,
  inCoroutine,
  qemuCoroutineEnter,
  registerCoroutineHandlers,
  requireCoroutine,
} from "./coroutine.ts";
export {
  CO_MUTEX_DEFAULT_CAPACITY,
  CO_MUTEX_DEFAULT_CONTEXTS,
  CO_MUTEX_DEFAULT_SPIN,
  CoMutex,
  type CoMutexHandle,
  type CoMutexOptions,
  type CoMutexStats,
} from "./co_mutex.ts";
export { CoQueue, coSleep } from "./co_queue.ts";
