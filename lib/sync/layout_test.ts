import assert from "node:assert/strict";
import { assertWords } from "../testing/layout.ts";
import {
  CONTEXT,
  MAX_CONTEXTS,
  MAX_THREADS,
  MUTEX,
  MUTEX_STAT,
  NAMES,
  NOTIFIER,
  REC_MUTEX,
  REGISTRY,
  RING,
} from "./layout.ts";

Deno.test("layout: thread and context bounds fit the registry's id bitmaps", () => {
  assert.ok(Number.isInteger(MAX_THREADS) && MAX_THREADS >= 2);
  // Two 32-bit bitmap words (THREAD_BITS_LO / HI) hold every thread id.
  assert.ok(MAX_THREADS <= 64, `MAX_THREADS ${MAX_THREADS} exceeds the 64 bitmap bits`);
  assert.ok(Number.isInteger(MAX_CONTEXTS) && MAX_CONTEXTS >= 1);
});

Deno.test("layout: MUTEX_STAT slots are distinct and COUNT covers them", () => {
  const slots = Object.keys(MUTEX_STAT).filter((k) => k !== "COUNT");
  assert.equal(slots.length, MUTEX_STAT.COUNT);
  assertWords(MUTEX_STAT, slots, 0, MUTEX_STAT.COUNT, "MUTEX_STAT");
});

Deno.test("layout: MUTEX header words, 8-aligned statistics area and BYTES", () => {
  assert.equal(MUTEX.STATS_BYTE % 8, 0, "Float64 statistics need 8-byte alignment");
  assert.equal(MUTEX.STATS_BYTE % 4, 0);
  assertWords(
    MUTEX,
    ["STATE", "OWNER", "STATS_ON", "SPIN", "TIMING_SLOT"],
    0,
    MUTEX.STATS_BYTE / 4,
    "MUTEX",
  );
  assert.equal(MUTEX.BYTES, MUTEX.STATS_BYTE + MAX_THREADS * MUTEX_STAT.COUNT * 8);
  assert.equal(MUTEX.BYTES % 8, 0, "consecutive mutex blocks stay 8-aligned");
  // The statistics area really fits: a Float64Array of every slot builds.
  const sab = new SharedArrayBuffer(MUTEX.BYTES);
  const f = new Float64Array(sab, MUTEX.STATS_BYTE, MAX_THREADS * MUTEX_STAT.COUNT);
  assert.equal(f.byteOffset + f.byteLength, MUTEX.BYTES);
});

Deno.test("layout: REC_MUTEX words follow the embedded mutex block", () => {
  assert.equal(REC_MUTEX.REC_BYTE, MUTEX.BYTES);
  assert.equal(REC_MUTEX.REC_BYTE % 4, 0);
  // RecMutex views 4 Int32 words at REC_BYTE.
  assertWords(REC_MUTEX, ["OWNER", "DEPTH", "NESTED"], 0, 4, "REC_MUTEX");
  assert.ok(REC_MUTEX.BYTES >= REC_MUTEX.REC_BYTE + 4 * 4);
  assert.equal(REC_MUTEX.BYTES, MUTEX.BYTES + 16);
});

Deno.test("layout: NOTIFIER words fit in BYTES", () => {
  assert.equal(NOTIFIER.BYTES % 4, 0);
  const words = Object.keys(NOTIFIER).filter((k) => k !== "BYTES");
  for (const k of ["COUNT", "BOUND", "SETS", "ID"]) assert.ok(words.includes(k), k);
  assertWords(NOTIFIER, words, 0, NOTIFIER.BYTES / 4, "NOTIFIER");
});

Deno.test("layout: RING header words are distinct and precede the slots", () => {
  assertWords(
    RING,
    Object.keys(RING).filter((k) => k !== "SLOTS"),
    0,
    RING.SLOTS,
    "RING",
  );
  // HEAD and TAIL are hammered by different threads: keep them distinct words.
  assert.notEqual(RING.HEAD, RING.TAIL);
  // The overflow words share no 64-byte line with HEAD/TAIL (the fast path
  // loads OVF_COUNT on every push), and the slots start on a fresh line.
  for (const k of ["OVF_LOCK", "OVF_COUNT", "OVF_READ", "OVF_SLOTS", "OVF_LIMIT", "OVF_PEAK"]) {
    const v = RING[k as keyof typeof RING];
    assert.equal(Math.floor(v / 16), 1, `RING.${k} = ${v} is not on the second line`);
  }
  assert.equal(RING.SLOTS % 16, 0);
});

Deno.test("layout: REGISTRY header words precede the context blocks", () => {
  const header = Object.keys(REGISTRY).filter((k) =>
    !["CONTEXTS", "CONTEXT_WORDS", "THREAD_GENS", "WORDS"].includes(k)
  );
  for (
    const k of [
      "THREADS_STARTED",
      "NEXT_CONTEXT",
      "WAITERS",
      "MAIN_CONTEXT",
      "KICKS",
      "TOKEN",
      "THREAD_BITS_LO",
      "THREAD_BITS_HI",
      "NEXT_NOTIFIER",
    ]
  ) assert.ok(header.includes(k), `REGISTRY.${k} missing`);
  assertWords(REGISTRY, header, 0, REGISTRY.CONTEXTS, "REGISTRY");
});

Deno.test("layout: REGISTRY.WORDS covers MAX_CONTEXTS control blocks", () => {
  assert.ok(REGISTRY.CONTEXT_WORDS >= 1);
  assert.ok(
    REGISTRY.WORDS >= REGISTRY.CONTEXTS + MAX_CONTEXTS * REGISTRY.CONTEXT_WORDS,
    "last context block runs past the registry",
  );
  assert.equal(REGISTRY.THREAD_GENS, REGISTRY.CONTEXTS + MAX_CONTEXTS * REGISTRY.CONTEXT_WORDS);
  assert.equal(REGISTRY.WORDS, REGISTRY.THREAD_GENS + MAX_THREADS);
  const lastWord = REGISTRY.CONTEXTS + (MAX_CONTEXTS - 1) * REGISTRY.CONTEXT_WORDS +
    REGISTRY.CONTEXT_WORDS - 1;
  assert.ok(lastWord < REGISTRY.WORDS);
});

Deno.test("layout: CONTEXT words are distinct and below CONTEXT_WORDS", () => {
  assertWords(
    CONTEXT,
    Object.keys(CONTEXT),
    0,
    REGISTRY.CONTEXT_WORDS,
    "CONTEXT",
  );
  assert.equal(Object.keys(CONTEXT).length, 9);
});

Deno.test("layout: NAMES header, offset table and UTF-8 area do not overlap", () => {
  assertWords(NAMES, ["LOCK", "COUNT", "BYTES_USED"], 0, NAMES.OFFSETS, "NAMES");
  // Offset table: 2 words per name, ending at or before the data area.
  const tableEndWord = NAMES.OFFSETS + 2 * NAMES.MAX_NAMES;
  assert.ok(tableEndWord * 4 <= NAMES.DATA_BYTE, "offset table runs into the UTF-8 area");
  assert.equal(NAMES.DATA_BYTE, tableEndWord * 4);
  assert.equal(NAMES.DATA_BYTE % 4, 0);
  assert.ok(NAMES.DATA_BYTES > 0);
  assert.ok(NAMES.MAX_NAMES > 0);
});
