// Per-thread runtime state (QEMU's qemu_get_current_aio_context /
// qemu_set_current_aio_context, QEMU_SEMANTICS.md §1.2). The orchestrator's
// own state is only read here; setting a current context is done inside a
// real Worker so that this test thread stays an orchestrator.

import assert from "node:assert/strict";
import { runInThread } from "../testing/thread.ts";
import { AioContext } from "./aio_context.ts";
import {
  currentRole,
  getCurrentAioContext,
  mainContextHandle,
  setMainContextHandle,
} from "./thread_state.ts";
import { withCleanup } from "../testing/cleanup.ts";

const REMOTE = new URL("./testdata/remote.ts", import.meta.url);

Deno.test("thread state: the orchestrator has no current context and no main handle", () => {
  assert.equal(currentRole(), "orchestrator");
  assert.equal(getCurrentAioContext(), null);
  assert.equal(mainContextHandle(), null);
});

Deno.test("thread state: creating a context does not make it current", () => {
  const ctx = new AioContext();
  assert.equal(getCurrentAioContext(), null);
  assert.equal(currentRole(), "orchestrator");
  ctx.destroy();
});

Deno.test("thread state: the main context handle is recorded and cleared", async () => {
  const ctx = new AioContext({ name: "main-ish" });
  await withCleanup(() => {
    setMainContextHandle(ctx.handle);
    assert.equal(mainContextHandle(), ctx.handle);
    assert.equal(mainContextHandle()?.name, "main-ish");
  }, () => {
    setMainContextHandle(null);
    ctx.destroy();
  });
  assert.equal(mainContextHandle(), null);
});

Deno.test("thread state: setCurrentAioContext sets role and context once per thread", async () => {
  const r = await runInThread<{
    before: { role: string; current: boolean; main: boolean };
    after: { role: string; same: boolean; name: string | null };
    again: string;
  }>(REMOTE, "threadStateInWorker");
  // A bare Worker starts with the module defaults.
  assert.deepEqual(r.before, { role: "orchestrator", current: false, main: false });
  assert.deepEqual(r.after, { role: "iothread", same: true, name: "state-ctx" });
  assert.match(r.again, /already runs context "state-ctx"/);
  // This thread is untouched.
  assert.equal(currentRole(), "orchestrator");
  assert.equal(getCurrentAioContext(), null);
});
