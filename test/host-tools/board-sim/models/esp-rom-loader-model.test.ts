import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { deflateSync } from "node:zlib";
import { EspRomLoaderModel } from "../../../../host-tools/board-sim/models/EspRomLoaderModel.ts";

// Byte-level checks of the model against the ESP32 ROM protocol, without esptool-js in between.

function slip(bytes: number[]): Uint8Array {
  const out = [0xc0];
  for (const byte of bytes) out.push(...(byte === 0xc0 ? [0xdb, 0xdc] : byte === 0xdb ? [0xdb, 0xdd] : [byte]));
  return Uint8Array.from([...out, 0xc0]);
}

function le32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function command(op: number, data: number[], checksum = 0): Uint8Array {
  return slip([0x00, op, data.length & 0xff, data.length >> 8, ...le32(checksum), ...data]);
}

function xorChecksum(data: number[]): number {
  return data.reduce((state, byte) => state ^ byte, 0xef);
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

test("SYNC is answered eight times with the ESP32 ROM's framing and four status bytes", () => {
  const model = new EspRomLoaderModel();
  const reply = model.receive(command(0x08, [0x07, 0x07, 0x12, 0x20, ...new Array(32).fill(0x55)]));
  assert.equal(hex(reply), "c0010804000720555500000000c0".repeat(8));
});

test("READ_REG of 0x40001000 returns the ESP32 chip magic in the value field", () => {
  const model = new EspRomLoaderModel();
  assert.equal(hex(model.receive(command(0x0a, le32(0x40001000)))), "c0010a0400831df00000000000c0");
});

test("a command the ROM lacks gets status 1, error 0x05", () => {
  const model = new EspRomLoaderModel();
  assert.equal(hex(model.receive(command(0x14, []))), "c0011404000000000001050000c0");
  assert.deepEqual(model.commands.at(-1), { op: 0x14, name: "UNKNOWN_0x14", size: 0, error: 0x05 });
});

test("FLASH_DATA bytes that need SLIP escapes land unescaped, and a wrong checksum is error 0x07", () => {
  const model = new EspRomLoaderModel();
  const payload = [0xc0, 0xdb, 0x01, 0xc0];
  model.receive(command(0x02, [...le32(0x1000), ...le32(1), ...le32(0x400), ...le32(0x3000), ...le32(0)]));
  const header = [...le32(payload.length), ...le32(0), ...le32(0), ...le32(0)];
  const bad = model.receive(command(0x03, [...header, ...payload], xorChecksum(payload) ^ 1));
  assert.equal(hex(bad), "c0010304000000000001070000c0");
  const good = model.receive(command(0x03, [...header, ...payload], xorChecksum(payload)));
  assert.equal(hex(good), "c0010304000000000000000000c0");
  assert.equal(hex(model.flash.subarray(0x3000, 0x3005)), "c0db01c0ff");
});

test("compressed data is inflated block by block and SPI_FLASH_MD5 answers 32 ASCII hex digits", () => {
  const model = new EspRomLoaderModel();
  const image = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
  const stream = [...deflateSync(image)];
  const blocks = [stream.slice(0, 40), stream.slice(40)];
  model.receive(command(0x10, [...le32(0x1000), ...le32(blocks.length), ...le32(0x400), ...le32(0x20000)]));
  blocks.forEach((block, seq) => {
    const reply = model.receive(command(0x11, [...le32(block.length), ...le32(seq), ...le32(0), ...le32(0), ...block], xorChecksum(block)));
    assert.deepEqual([reply[9], reply[10]], [0, 0], `block ${seq}: status and error bytes`);
  });
  assert.deepEqual(model.flash.subarray(0x20000, 0x20000 + image.length), image);
  const reply = model.receive(command(0x13, [...le32(0x20000), ...le32(image.length), ...le32(0), ...le32(0)]));
  const md5 = createHash("md5").update(image).digest("hex");
  assert.equal(hex(reply), "c00113" + "2400" + "00000000" + Buffer.from(md5, "ascii").toString("hex") + "00000000" + "c0");
});
