import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { updateCommand } from "../../../../host-tools/field/flash/UpdateCommand.ts";
import { PseudoTerminal } from "../../../../host-tools/field/hil/PseudoTerminal.ts";
import { ttyLink } from "../../../../host-tools/field/provision/ConsoleLink.ts";
import { ConsoleOnlyBoard } from "../../../../host-tools/board-sim/board/ConsoleOnlyBoard.ts";
import { NvsStore } from "../../../../host-tools/board-sim/board/NvsStore.ts";
import { SimOtaPartition } from "../../../../host-tools/board-sim/board/SimOtaPartition.ts";
import { espImage } from "./fake-build.ts";

// aqm update talks to the firmware's console (with its update receiver) through a real tty pair, as to a board.

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(args: string[], isTTY = false): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const code = await updateCommand(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY });
  return { code, stdout, stderr };
}

/** A console bench on the device end of a pty; `args` gets the host end. */
async function updateOverPty(ota: SimOtaPartition, args: (port: string) => string[]): Promise<Captured> {
  const pty = await PseudoTerminal.open();
  const device = ttyLink(pty.deviceEnd);
  const bench = new ConsoleOnlyBoard({ preferences: new NvsStore(), firmwareVersion: "0.1.0", ota });
  const stopIn = device.onData((bytes) => bench.uart.write(bytes));
  const stopOut = bench.uart.onData((bytes) => device.write(bytes));
  try {
    return await run(args(pty.hostEnd));
  } finally {
    stopIn();
    stopOut();
    device.close();
    pty.close();
  }
}

function imageFile(image: Uint8Array): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-update-"));
  const file = path.join(dir, "xs_esp32.bin");
  writeFileSync(file, image);
  return { file, dir };
}

test("aqm update sends the image over the console through a tty; the board completes it and is to be reset", async (t) => {
  const image = espImage(3000, 31);
  const { file, dir } = imageFile(image);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ota = new SimOtaPartition(64 * 1024);
  const result = await updateOverPty(ota, (port) => ["--port", port, "--image", file]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^aqm update: sending xs_esp32\.bin \(3000 bytes\) to the board on /);
  assert.match(result.stdout, /\n  xs_esp32\.bin: 0%\n(  xs_esp32\.bin: \d+%\n)+  xs_esp32\.bin: 100%\n/, "progress a tenth at a time");
  assert.match(result.stdout, /\n  xs_esp32\.bin: 100%\n/);
  assert.match(
    result.stdout,
    /aqm update: done: update complete bytes=3000 crc=[0-9a-f]{8} restart=required\naqm update: reset the board to start the new firmware\n$/,
  );
  assert.equal(ota.state, "completed");
  assert.deepEqual(ota.image, image);
});

test("an image the board refuses (larger than its OTA partition) exits 1 with the board's reason; nothing is activated", async (t) => {
  const image = espImage(5000, 32);
  const { file, dir } = imageFile(image);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ota = new SimOtaPartition(4096);
  const result = await updateOverPty(ota, (port) => ["--port", port, "--image", file]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /the board refused update: too-large an image of 5000 bytes does not fit the 4096-byte OTA partition; the board cancelled the update/,
  );
  assert.equal(ota.bootsNext, false);
});

test("a file that is not an ESP32 app image is refused before the port is opened; usage and missing ports have their exit codes", async (t) => {
  const image = espImage(100, 33);
  image[0] = 0x7f;
  const { file, dir } = imageFile(image);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const notImage = await run(["--port", "/dev/aqm-no-such-port", "--image", file]);
  assert.equal(notImage.code, 1);
  assert.match(notImage.stderr, /not an ESP image \(first byte 0x7f, expected 0xe9\)/);
  image[0] = 0xe9;
  writeFileSync(file, image);
  const missing = await run(["--port", "/dev/aqm-no-such-port", "--image", file]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no serial port \/dev\/aqm-no-such-port/);
  for (const [args, reason] of [
    [["--image", file], /--port PATH is required/],
    [["--port", "/dev/ttyUSB0"], /--image FILE is required/],
    [["--port", "/dev/ttyUSB0", "--image", file, "--timeout", "soon"], /--timeout must be a number/],
    [["--port", "/dev/ttyUSB0", "--imgae", file], /unknown argument --imgae/],
  ] as [string[], RegExp][]) {
    const result = await run(args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, reason);
  }
});
