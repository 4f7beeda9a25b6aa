import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { flashCommand } from "../../../../host-tools/field/flash/FlashCommand.ts";
import { PseudoTerminal } from "../../../../host-tools/field/hil/PseudoTerminal.ts";
import { AttachedRomLoader, EspRomLoaderModel } from "../../../../host-tools/board-sim/models/EspRomLoaderModel.ts";
import { writeFakeBuild, type FakeBuild } from "./fake-build.ts";

// esptool-js and serialport talk to the ROM loader model through a real tty pair, as to a board.

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let build: FakeBuild;
before(() => {
  build = writeFakeBuild();
});
after(() => rmSync(build.dir, { recursive: true, force: true }));

async function flashToModel(model: EspRomLoaderModel, args: (port: string) => string[], isTTY = false): Promise<Captured> {
  const pty = await PseudoTerminal.open();
  const board = await AttachedRomLoader.open(model, pty.deviceEnd);
  try {
    return await run(args(pty.hostEnd), isTTY);
  } finally {
    await board.close();
    pty.close();
  }
}

async function run(args: string[], isTTY = false): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const code = await flashCommand(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY });
  return { code, stdout, stderr };
}

function flashAt(model: EspRomLoaderModel, offset: number, length: number): Uint8Array {
  return model.flash.subarray(offset, offset + length);
}

test("a build is written at its offsets over the tty and verified by MD5", async () => {
  const model = new EspRomLoaderModel();
  const result = await flashToModel(model, (port) => ["--port", port, "--build", build.dir, "--baud", "921600"]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(flashAt(model, 0x1000, build.bootloader.length), build.bootloader);
  assert.deepEqual(flashAt(model, 0x8000, build.partitionTable.length), build.partitionTable);
  assert.deepEqual(flashAt(model, 0x10000, build.app.length), build.app);
  // esptool-js pads the 6147-byte app to 6148 with 0xFF; nothing past that is touched.
  assert.equal(model.flash[0x10000 + build.app.length], 0xff);
  assert.ok(
    flashAt(model, 0x3d0000, 0x2000).every((byte) => byte === 0xff),
    "otadata is erased, so the bootloader starts ota_0",
  );
  assert.equal(model.baudRate, 921600);
  const names = model.commands.map((command) => command.name);
  assert.equal(names.filter((name) => name === "FLASH_DEFL_BEGIN").length, 4);
  assert.equal(names.filter((name) => name === "SPI_FLASH_MD5").length, 4);
  assert.ok(names.indexOf("SPI_ATTACH") < names.indexOf("FLASH_DEFL_BEGIN"), "SPI flash attached before writing");
  assert.deepEqual(
    model.commands.filter((command) => command.name.startsWith("FLASH") || command.name === "SPI_FLASH_MD5").filter((command) => command.error !== 0),
    [],
  );
  for (const file of ["bootloader.bin", "partition-table.bin", "ota_data_initial.bin", "xs_esp32.bin"]) {
    assert.match(result.stdout, new RegExp(`\\n  ${file}: 100%\\n`));
    assert.match(result.stdout, new RegExp(`verified .*${file}: MD5 [0-9a-f]{32}`));
  }
  assert.match(
    result.stdout,
    /done: bootloader\.bin, partition-table\.bin, ota_data_initial\.bin, xs_esp32\.bin written to the ESP32 on .*, 4 verified by MD5/,
  );
});

test("on a terminal, progress is a bar redrawn in place up to 100 %", async () => {
  const model = new EspRomLoaderModel();
  const app = path.join(build.dir, "xs_esp32.bin");
  const result = await flashToModel(model, (port) => ["--port", port, "--image", `0x10000=${app}`], true);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.includes(`\r  [${"#".repeat(30)}] 100%  xs_esp32.bin\n`), result.stdout);
  assert.ok(result.stdout.includes(`\r  [${".".repeat(30)}]   0%  xs_esp32.bin`));
  assert.deepEqual(flashAt(model, 0x10000, build.app.length), build.app);
});

test("a byte corrupted in the board's flash fails verification with exit 1, naming the file", async () => {
  const model = new EspRomLoaderModel({ corruptFlashAt: 0x10000 + 100 });
  const result = await flashToModel(model, (port) => ["--port", port, "--build", build.dir]);
  assert.equal(result.code, 1);
  const app = path.join(build.dir, "xs_esp32.bin");
  assert.match(result.stderr, new RegExp(`verify failed for ${app.replace(/[.]/g, "\\.")} at 0x10000: flash MD5 [0-9a-f]{32}, file MD5 [0-9a-f]{32}`));
  // The images before it were verified; the corrupted one was never reported as done.
  assert.match(result.stdout, /verified .*partition-table\.bin/);
  assert.doesNotMatch(result.stdout, /verified .*xs_esp32\.bin|done:/);
});

test("--no-verify skips the MD5 check, so the same corruption goes unnoticed", async () => {
  const model = new EspRomLoaderModel({ corruptFlashAt: 0x10000 + 100 });
  const result = await flashToModel(model, (port) => ["--port", port, "--build", build.dir, "--no-verify"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(model.commands.filter((command) => command.name === "SPI_FLASH_MD5").length, 0);
  assert.match(result.stdout, /\(not verified\)/);
});

test("a port that does not exist exits 3 and names the path", async () => {
  const missing = "/dev/aqm-no-such-port";
  const result = await run(["--port", missing, "--build", build.dir]);
  assert.equal(result.code, 3);
  assert.match(result.stderr, /cannot open serial port \/dev\/aqm-no-such-port: No such file or directory/);
});

test("a tty with no bootloader answering fails with exit 1 and says how to enter download mode", async () => {
  const pty = await PseudoTerminal.open();
  try {
    const result = await run(["--port", pty.hostEnd, "--build", build.dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`no answer from an ESP32 ROM bootloader on ${pty.hostEnd}`));
    // A pseudo-terminal has no DTR/RTS, so the automatic reset into the bootloader cannot work.
    assert.match(result.stderr, /has no DTR\/RTS lines, so hold BOOT and press EN/);
  } finally {
    pty.close();
  }
});

test("bad usage exits 2 with the reason", async () => {
  const cases: [string[], RegExp][] = [
    [["--build", "x"], /--port PATH is required/],
    [["--port", "/dev/ttyUSB0"], /nothing to write/],
    [["--port", "/dev/ttyUSB0", "--build", "x", "--image", "0x10000=a.bin"], /not both/],
    [["--port", "/dev/ttyUSB0", "--image", "a.bin"], /--image a\.bin: expected OFFSET=FILE/],
    [["--port", "/dev/ttyUSB0", "--build", "x", "--baud", "fast"], /--baud must be a whole number/],
    [["--port", "/dev/ttyUSB0", "--bulid", "x"], /unknown argument --bulid/],
  ];
  for (const [args, reason] of cases) {
    const result = await run(args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, reason);
  }
});

test("an image that fails its check exits 1 before the port is opened", async () => {
  const result = await run(["--port", "/dev/aqm-no-such-port", "--image", `0x1000=${path.join(build.dir, "partition-table.bin")}`]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /partition-table\.bin: not an ESP image \(first byte 0xaa, expected 0xe9\)/);
});
