// What the parts of an AioContext share while it dispatches: the name of the
// handler running now. Home thread only (the object never leaves it).

import { handlerName } from "./handler_ref.ts";

/**
 * The handler running now: a name, a handler id (named lazily, off the hot
 * path), or null. A part that runs a callback saves `current`, sets it, and
 * restores it only when the callback returns: after an exception escaped
 * poll() it still names the culprit (AioContext.currentHandler).
 */
export interface DispatchState {
  current: string | number | null;
}

/** The registered name of handler `id`, or `handler#<id>` when it has none. */
export function handlerNameSafe(id: number): string {
  try {
    return handlerName(id);
  } catch {
    return `handler#${id}`;
  }
}
