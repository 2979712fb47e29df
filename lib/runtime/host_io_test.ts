// HostIoSet on its own (AioContext's host-I/O part); the context-level
// behaviour (pollAsync, poll(true) refusing to sleep) is in aio_context_test.ts.

import assert from "node:assert/strict";
import { HostIoSet } from "./host_io.ts";

const macrotask = () => new Promise((r) => setTimeout(r, 0));

Deno.test("HostIoSet: a landed read kicks, then dispatch runs the handler once and reads again", async () => {
  const chunks = [new Uint8Array([1, 2]), null];
  const res = {
    read: (p: Uint8Array) => {
      const c = chunks.shift();
      if (c === null || c === undefined) return Promise.resolve(null);
      p.set(c);
      return Promise.resolve(c.length);
    },
  };
  let kicks = 0;
  const d = { current: null as string | number | null };
  const set = new HostIoSet("h", d, () => kicks++);
  const got: (number[] | null)[] = [];
  set.set(res, {
    read: function reader(x) {
      got.push(x === null ? null : [...x]);
    },
  });
  assert.equal(set.count, 1);
  assert.equal(set.anyReady(), false, "nothing landed yet");
  await macrotask();
  assert.equal(kicks, 1);
  assert.equal(set.anyReady(), true);
  assert.equal(set.dispatch(), true);
  assert.deepEqual(got, [[1, 2]]);
  assert.equal(set.dispatch(), false, "the next read has not landed");
  await macrotask();
  assert.equal(set.dispatch(), true);
  assert.deepEqual(got, [[1, 2], null], "end of stream");
  assert.equal(set.runs, 2);
  assert.equal(d.current, null, "restored after each handler");
  set.set(res, null);
  assert.equal(set.count, 0);
});

Deno.test("HostIoSet: a failed read throws from dispatch naming the context; close drops late I/O", async () => {
  let kicks = 0;
  const set = new HostIoSet("ctx-x", { current: null }, () => kicks++);
  set.set({ read: () => Promise.reject(new Error("EIO")) }, { read: () => {} });
  await macrotask();
  assert.throws(() => set.dispatch(), /host-I\/O read failed in context "ctx-x": Error: EIO/);
  let resolve!: (n: number | null) => void;
  set.set({ read: () => new Promise((r) => (resolve = r)) }, { read: () => {} });
  set.close();
  resolve(null);
  await macrotask();
  assert.equal(kicks, 1, "the read that landed after close() did not kick");
  assert.equal(set.count, 0);
});

Deno.test("HostIoSet: a writer runs while no write is in flight; a handler without read() is refused", async () => {
  const written: number[] = [];
  const res = {
    write: (p: Uint8Array) => {
      written.push(...p);
      return Promise.resolve(p.length);
    },
  };
  let kicks = 0;
  const set = new HostIoSet("w", { current: null }, () => kicks++);
  const out = [new Uint8Array([9, 8])];
  set.set(res, { write: () => out.shift() ?? null });
  assert.equal(set.anyReady(), true, "an idle writer is ready");
  assert.equal(set.dispatch(), true);
  assert.equal(set.anyReady(), false, "write in flight");
  await macrotask();
  assert.deepEqual(written, [9, 8]);
  assert.equal(kicks, 1);
  assert.equal(set.dispatch(), false, "nothing more to write");
  assert.throws(
    () => set.set({}, { read: () => {} }),
    /^Error: context "w": host-I\/O read handler registered for a resource without read\(\)$/,
  );
  set.close();
  // A writer whose resource has no write() is refused once it has data to write.
  const noWrite = new HostIoSet("nw", { current: null }, () => {});
  noWrite.set({}, { write: () => new Uint8Array([1]) });
  assert.throws(
    () => noWrite.dispatch(),
    /^Error: context "nw": host-I\/O write handler registered for a resource without write\(\)$/,
  );
  noWrite.close();
});
