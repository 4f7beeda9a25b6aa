import assert from "node:assert/strict";
import { test } from "node:test";
import { FlashOutbox } from "../../../firmware/session/FlashOutbox";
import { OutboundQueue } from "../../../firmware/session/OutboundQueue";
import type { Outbox } from "../../../firmware/session/Outbox";
import { StoreAndForward } from "../../../firmware/session/StoreAndForward";
import { flashOf } from "./partitionFlash.ts";
import { FlashPartition } from "../../../host-tools/board-sim/board/FlashPartition.ts";

const TOPIC = "dt/aqm/aqm-x/telemetry";
const bytes = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;
const text = (payload: ArrayBuffer | undefined) => (payload === undefined ? undefined : new TextDecoder().decode(payload));
const upper = (payload: ArrayBuffer) => bytes(text(payload)!.toUpperCase());

function flashOutbox(partition: FlashPartition): FlashOutbox {
  const store = new StoreAndForward({ flash: flashOf(partition) });
  store.recover();
  return new FlashOutbox({ store, topic: TOPIC });
}

/** a in flight, b and c waiting; the rewrite turns b into B and keeps c. */
function restampAll(outbox: Outbox): number {
  for (const s of ["a", "b", "c"]) outbox.push(TOPIC, bytes(s));
  outbox.nextUnsent()!.packetId = 7;
  return outbox.restamp((payload) => (text(payload) === "c" ? undefined : upper(payload)));
}

const waiting = (outbox: Outbox) => Array.from({ length: outbox.length }, (_, i) => text(outbox.payloadAt(i)));

test("the RAM queue rewrites waiting messages in place and leaves one in flight alone", () => {
  const queue = new OutboundQueue(10);
  assert.equal(restampAll(queue), 1);
  assert.deepEqual(waiting(queue), ["a", "B", "c"]);
  assert.equal(queue.acknowledge(7), true, "the message in flight is still the one its PUBACK acknowledges");
});

test("the flash outbox stores a rewritten message anew and marks the old one done, so a reboot finds only the new one", () => {
  const partition = new FlashPartition({ name: "outbox", size: 4 * 4096 });
  const outbox = flashOutbox(partition);
  assert.equal(restampAll(outbox), 1);
  assert.deepEqual(waiting(outbox), ["a", "c", "B"]);
  assert.deepEqual(waiting(flashOutbox(partition)), ["a", "c", "B"], "after a reboot");
  assert.equal(outbox.acknowledge(7), true);
  assert.deepEqual(waiting(outbox), ["c", "B"]);
});
