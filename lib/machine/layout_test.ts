import assert from "node:assert/strict";
import { assertWords } from "../testing/layout.ts";
import {
  VIRTIO_BLK,
  VIRTIO_BLK_CPL,
  VIRTIO_BLK_EVENTS,
  VIRTIO_BLK_OP,
  VIRTIO_BLK_QUEUE,
  VIRTIO_BLK_REQ,
  virtioBlkWords,
} from "./layout.ts";

Deno.test("machine layout: device words come before the queue blocks, each on its own line", () => {
  const device = Object.keys(VIRTIO_BLK).filter((k) => k !== "QUEUES" && k !== "QUEUE_WORDS");
  assertWords(VIRTIO_BLK, device, 0, VIRTIO_BLK.QUEUES, "VIRTIO_BLK");
  // The node's in-flight counter must be word 0 (BlockNode reads the first Int32).
  assert.equal(VIRTIO_BLK.IN_FLIGHT, 0);
  assert.equal((VIRTIO_BLK.QUEUES * 4) % 64, 0, "queue blocks start on a 64-byte line");
  assert.equal(VIRTIO_BLK.QUEUE_WORDS * 4, 64, "one 64-byte line per queue");
  assertWords(VIRTIO_BLK_QUEUE, Object.keys(VIRTIO_BLK_QUEUE), 0, VIRTIO_BLK.QUEUE_WORDS, "queue");
  assert.equal(virtioBlkWords(3), VIRTIO_BLK.QUEUES + 3 * VIRTIO_BLK.QUEUE_WORDS);
});

Deno.test("machine layout: ring records fit four words; ops are distinct", () => {
  const req = Object.keys(VIRTIO_BLK_REQ).filter((k) => k !== "WORDS");
  assertWords(VIRTIO_BLK_REQ, req, 0, VIRTIO_BLK_REQ.WORDS, "VIRTIO_BLK_REQ");
  const cpl = Object.keys(VIRTIO_BLK_CPL).filter((k) => k !== "WORDS");
  assertWords(VIRTIO_BLK_CPL, cpl, 0, VIRTIO_BLK_CPL.WORDS, "VIRTIO_BLK_CPL");
  // SpscRing.push and drain carry at most four words.
  assert.ok(VIRTIO_BLK_REQ.WORDS <= 4 && VIRTIO_BLK_CPL.WORDS <= 4);
  assertWords(VIRTIO_BLK_OP, Object.keys(VIRTIO_BLK_OP), 0, 3, "VIRTIO_BLK_OP");
});

Deno.test("machine layout: each event-suppression flag has its own line", () => {
  assert.equal(VIRTIO_BLK_EVENTS.NO_NOTIFY, 0);
  assert.equal(VIRTIO_BLK_EVENTS.NO_INTERRUPT * 4, 64);
  assert.equal(VIRTIO_BLK_EVENTS.WORDS * 4, 128);
});
