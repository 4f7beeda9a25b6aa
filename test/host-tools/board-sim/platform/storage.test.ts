import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { FlashPartition, PowerLossError } from "../../../../host-tools/board-sim/board/FlashPartition.ts";
import { NvsStore } from "../../../../host-tools/board-sim/board/NvsStore.ts";
import { BoardHardware } from "../../../../host-tools/board-sim/board/BoardHardware.ts";

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), "aqm-storage-"));
}

test("flash behaves like NOR: erased reads 0xFF, a write only clears bits, erase is per sector", () => {
  const flash = new FlashPartition({ name: "log", size: 8192 });
  assert.deepEqual([...flash.read(0, 4)], [0xff, 0xff, 0xff, 0xff]);
  flash.write(0, Uint8Array.of(0xf0, 0x0f));
  flash.write(0, Uint8Array.of(0x3c, 0xff));
  assert.deepEqual([...flash.read(0, 2)], [0x30, 0x0f], "a second write ANDs into what is there");
  flash.write(4096, Uint8Array.of(0));
  flash.erase(0);
  assert.deepEqual([...flash.read(0, 2)], [0xff, 0xff]);
  assert.deepEqual([...flash.read(4096, 1)], [0], "erasing sector 0 leaves sector 1 alone");
  assert.throws(() => flash.read(8190, 4), /read of 4 bytes at 8190 is outside the 8192-byte partition/);
  assert.throws(() => flash.erase(2), /no sector 2/);
});

test("a power cut during a write leaves exactly the bytes that reached the chip, and they survive a restart", () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "log.bin");
    const flash = new FlashPartition({ name: "log", size: 4096, file });
    flash.write(0, Uint8Array.of(1, 2, 3, 4));
    flash.cutPowerDuringNextWrite(3);
    assert.throws(() => flash.write(16, Uint8Array.of(9, 9, 9, 9, 9, 9)), PowerLossError);
    const reopened = new FlashPartition({ name: "log", size: 4096, file });
    assert.deepEqual([...reopened.read(0, 4)], [1, 2, 3, 4]);
    assert.deepEqual([...reopened.read(16, 6)], [9, 9, 9, 0xff, 0xff, 0xff]);
    reopened.write(100, Uint8Array.of(7));
    assert.deepEqual([...reopened.read(16, 6)], [9, 9, 9, 0xff, 0xff, 0xff], "the cut applies to one write only");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("after a power cut the simulated board refuses every request until it is booted again", () => {
  const flash = new FlashPartition({ name: "log", size: 4096 });
  const board = new BoardHardware({ config: {}, epochAtBoot: 0, flash: [flash] });
  flash.cutPowerDuringNextWrite(1);
  const cut = board.request({ op: "flash.write", partition: "log", offset: 0, data: Uint8Array.of(0, 0) });
  assert.equal(cut.ok, false);
  assert.equal(!cut.ok && cut.code, "power-lost");
  const after = board.request({ op: "tick", now: 10 });
  assert.equal(!after.ok && after.code, "power-lost");
});

test("preferences persist across restarts, bytes included, and a corrupt file is named", () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "nvs.json");
    const store = new NvsStore({ file });
    store.set("tls", "cert", { bytes: Uint8Array.of(0x30, 0x82, 0x01) });
    store.set("aqm", "boot", 7);
    const again = new NvsStore({ file });
    assert.deepEqual(again.get("aqm", "boot"), 7);
    const cert = again.get("tls", "cert");
    assert.ok(cert && typeof cert === "object");
    assert.deepEqual([...cert.bytes], [0x30, 0x82, 0x01]);
    assert.deepEqual(again.keys("tls"), ["cert"]);
    again.delete("tls", "cert");
    assert.equal(new NvsStore({ file }).get("tls", "cert"), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the simulated board answers a read from an empty I2C address with a NACK error, not data", () => {
  const board = new BoardHardware({ config: {}, epochAtBoot: 0 });
  const reply = board.request({ op: "i2c.read", bus: 0, address: 0x44, length: 6, stop: true });
  assert.deepEqual(reply, { ok: false, code: "nack", error: "no acknowledge from 0x44" });
  assert.equal(board.i2c(0).transactions.length, 1);
  assert.equal(board.i2c(0).transactions[0]!.acked, false);
});
