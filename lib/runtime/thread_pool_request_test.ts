import assert from "node:assert/strict";
import { POOL_SLOT_STATE } from "./layout.ts";
import { ThreadPoolRequest } from "./thread_pool_request.ts";

Deno.test("ThreadPoolRequest.status follows its slot's state word, then the delivered result", () => {
  let state: number = POOL_SLOT_STATE.QUEUED;
  const cancels: number[] = [];
  const owner = {
    slotState: (slot: number) => (assert.equal(slot, 3), state),
    cancel: <T>(r: ThreadPoolRequest<T>) => (cancels.push(r.id), true),
  };
  const req = new ThreadPoolRequest<number>(owner, 7, 1 << 20, undefined);
  assert.equal(req.status, "queued", "waiting for a table slot");
  req.slot = 3;
  assert.equal(req.status, "queued");
  state = POOL_SLOT_STATE.RUNNING;
  assert.equal(req.status, "running");
  state = POOL_SLOT_STATE.DONE;
  assert.equal(req.status, "done");
  assert.equal(req.cancel(), true);
  assert.deepEqual(cancels, [7]);
  req.deliver({ status: "ok", value: 1, workerThread: 9 });
  assert.equal(req.status, "completed");
  assert.deepEqual(req.result, { status: "ok", value: 1, workerThread: 9 });
});
