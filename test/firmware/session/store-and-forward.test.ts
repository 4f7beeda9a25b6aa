import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { crc32 } from "../../../firmware/update/Crc32";
import { StoreAndForward } from "../../../firmware/session/StoreAndForward";
import { flashOf } from "./partitionFlash.ts";
import { FlashPartition, PowerLossError } from "../../../host-tools/board-sim/board/FlashPartition.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const payload = (s: string) => new TextEncoder().encode(s);

function boot(partition: FlashPartition, onDrop?: (n: number) => void) {
  const store = new StoreAndForward({ flash: flashOf(partition), ...(onDrop ? { onDrop } : {}) });
  return { store, report: store.recover() };
}

test('CRC-32 is the IEEE one (the check value of "123456789" is 0xCBF43926)', () => {
  assert.equal(crc32(payload("123456789")), 0xcbf43926);
});

test("stored readings survive a reboot, acknowledged ones are not sent again, and ids keep rising", () => {
  const partition = new FlashPartition({ name: "log", size: 4 * 4096 });
  const first = boot(partition).store;
  const ids = ["a", "b", "c", "d"].map((s) => first.append(payload(s)));
  assert.deepEqual(ids, [1, 2, 3, 4]);
  assert.equal(first.acknowledge(2), true);
  assert.equal(first.acknowledge(2), false, "a second PUBACK for the same record changes nothing");
  const { store, report } = boot(partition);
  assert.deepEqual(report, { pending: 3, torn: 0, corrupt: 0 });
  assert.deepEqual(
    store.oldest(10).map((r) => [r.id, text(r.payload)]),
    [
      [1, "a"],
      [3, "c"],
      [4, "d"],
    ],
  );
  assert.equal(store.append(payload("e")), 5);
});

test("when the partition is full the oldest sector goes, and every dropped reading is counted and reported", () => {
  const partition = new FlashPartition({ name: "log", size: 2 * 4096 });
  const drops: number[] = [];
  const { store } = boot(partition, (n) => drops.push(n));
  const big = new Uint8Array(1000).fill(7);
  for (let i = 0; i < 12; i++) store.append(big);
  assert.ok(drops.length > 0);
  assert.equal(
    store.dropped,
    drops.reduce((a, b) => a + b, 0),
  );
  assert.equal(store.pending + store.dropped, 12, "every reading is either still pending or counted as dropped");
  const ids = store.oldest(100).map((r) => r.id);
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
    "still oldest first",
  );
  assert.equal(ids.at(-1), 12);
  assert.throws(() => store.append(new Uint8Array(5000)), /over the 4076-byte record limit/);
});

test("a record whose bytes changed in flash is left out and counted as corrupt", () => {
  const partition = new FlashPartition({ name: "log", size: 2 * 4096 });
  const { store } = boot(partition);
  store.append(payload("good"));
  store.append(payload("will rot"));
  partition.write(8 + 16 + 12, Uint8Array.of(0x00));
  const after = boot(partition);
  assert.deepEqual(after.report, { pending: 1, torn: 0, corrupt: 1 });
  assert.equal(text(after.store.oldest(1)[0]!.payload), "good");
});

test("a power cut at any byte of any write loses no stored reading and invents none", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.nat(),
      fc.nat(400),
      (messages, ackPicks, cutAt, cutByte) => {
        const partition = new FlashPartition({ name: "log", size: 3 * 4096 });
        const { store } = boot(partition);
        const committed = new Map<number, string>();
        const cutIndex = cutAt % messages.length;
        let dropped = 0;
        for (let i = 0; i < messages.length; i++) {
          if (i === cutIndex) {
            partition.cutPowerDuringNextWrite(cutByte);
            assert.throws(() => store.append(payload(messages[i]!)), PowerLossError);
            break;
          }
          committed.set(store.append(payload(messages[i]!)), messages[i]!);
          for (const pick of ackPicks.filter((p) => p % messages.length === i)) {
            const ids = [...committed.keys()];
            const id = ids[pick % ids.length]!;
            if (store.acknowledge(id)) committed.delete(id);
          }
        }
        dropped = store.dropped;
        const { store: recovered, report } = boot(partition);
        assert.equal(report.corrupt, 0);
        assert.ok(report.torn <= 1);
        const got = recovered.oldest(1000).map((r) => [r.id, text(r.payload)] as const);
        const expected = [...committed.entries()].sort((a, b) => a[0] - b[0]);
        const droppedIds = expected.filter(([id]) => !got.some(([g]) => g === id));
        assert.ok(droppedIds.length <= dropped, "only readings already counted as dropped may be missing");
        for (const [id, value] of got) assert.equal(committed.get(id), value, `record ${id} is one that was stored, unchanged`);
        const next = recovered.append(payload("after the cut"));
        assert.ok(
          got.every(([id]) => id < next),
          "ids keep rising after recovery",
        );
        assert.equal(text(boot(partition).store.oldest(1000).at(-1)!.payload), "after the cut");
      },
    ),
    { numRuns: 150 },
  );
});

test("the next record to send is found without reading the ones already in flight from flash", () => {
  const partition = new FlashPartition({ name: "log", size: 2 * 4096 });
  const { store } = boot(partition);
  for (const s of ["a", "b", "c"]) store.append(payload(s));
  const reads: number[] = [];
  const counting = new StoreAndForward({
    flash: { ...flashOf(partition), read: (offset, length) => (reads.push(offset), partition.read(offset, length).buffer as ArrayBuffer) },
  });
  counting.recover();
  reads.length = 0;
  const next = counting.oldestExcept(new Set([1, 2]));
  assert.deepEqual(next && [next.id, text(next.payload)], [3, "c"]);
  assert.equal(reads.length, 1, "one flash read, for the record returned");
  assert.equal(counting.oldestExcept(new Set([1, 2, 3])), undefined);
});

test("fill says how much of the room before a drop is used: 0 when all is acknowledged, 1 just before the oldest sector goes, and it survives a reboot", () => {
  const partition = new FlashPartition({ name: "log", size: 4 * 4096 });
  const { store } = boot(partition);
  assert.equal(store.fill, 0);
  const record = payload("x".repeat(1000));
  const ids: number[] = [];
  let last = 0;
  // Three sectors of room (four, less the one erased to move on): about 12 records of 1 KB.
  while (store.dropped === 0) {
    ids.push(store.append(record));
    assert.ok(store.fill >= last || store.dropped > 0, "fill only grows while nothing is acknowledged");
    last = store.fill;
  }
  assert.ok(last > 0.9 && last <= 1, `fill ${last} just before the first drop`);
  const before = store.fill;
  assert.ok(Math.abs(boot(partition).store.fill - before) < 1e-9, "the same after a reboot");
  for (const id of ids) store.acknowledge(id);
  assert.equal(store.fill, 0);
});
