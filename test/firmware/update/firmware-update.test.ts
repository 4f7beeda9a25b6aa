import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "../../../firmware/update/Crc32";
import { FirmwareUpdate, UPDATE_CHUNK_BYTES } from "../../../firmware/update/FirmwareUpdate";
import { SimOtaPartition } from "../../../host-tools/board-sim/board/SimOtaPartition.ts";
import { espImage } from "../../host-tools/field/flash/fake-build.ts";
import { consoleRig } from "../console/consoleRig.ts";

const PARTITION_BYTES = 64 * 1024;
const IDLE_MS = 60_000;

/** The receiver on a simulated OTA partition, with its log events, LED calls and timers recorded. */
function updateRig(options: { maxBytes?: number } = {}) {
  const ota = new SimOtaPartition(PARTITION_BYTES);
  const events: { code: string; fields: Readonly<Record<string, unknown>> }[] = [];
  const active: boolean[] = [];
  let timers: { id: number; at: number; callback: () => void }[] = [];
  let now = 0;
  let nextId = 1;
  const update = new FirmwareUpdate({
    open: () => ota.open(),
    log: { event: (code, fields = {}) => events.push({ code, fields }) },
    timer: {
      set: (callback, ms) => {
        timers.push({ id: nextId, at: now + ms, callback });
        return nextId++;
      },
      clear: (id) => {
        timers = timers.filter((timer) => timer.id !== id);
      },
    },
    maxBytes: options.maxBytes ?? PARTITION_BYTES,
    onActive: (on) => active.push(on),
    idleTimeoutMs: IDLE_MS,
  });
  const run = (line: string): string =>
    update.command(
      line
        .split(" ")
        .filter((word) => word !== "")
        .slice(1),
    );
  return {
    ota,
    update,
    events,
    active,
    run,
    codes: () => events.map((event) => event.code),
    advance(ms: number): void {
      now += ms;
      for (const timer of timers.filter((t) => t.at <= now)) {
        timers = timers.filter((t) => t !== timer);
        timer.callback();
      }
    },
    /** `update data` replies for `image` in console-sized chunks, from `from`. */
    sendData(image: Uint8Array, from = 0): string[] {
      const replies: string[] = [];
      for (let at = from; at < image.length; at += UPDATE_CHUNK_BYTES) {
        const reply = run(`update data ${Buffer.from(image.subarray(at, at + UPDATE_CHUNK_BYTES)).toString("base64")}`);
        replies.push(reply);
        if (reply.startsWith("ERR")) break;
      }
      return replies;
    },
  };
}

const hexCrc = (bytes: Uint8Array): string => crc32(bytes).toString(16).padStart(8, "0");

/** Nothing activated: the partition does not boot next, and its session was closed. */
function assertNothingActivated(rig: ReturnType<typeof updateRig>): void {
  assert.equal(rig.ota.bootsNext, false);
  assert.notEqual(rig.ota.state, "writing", "the OTA session was cancelled");
  assert.equal(rig.update.receiving, false);
  assert.deepEqual(rig.active, [true, false], "the LED state was taken and given back");
}

test("a good image is written chunk by chunk, checked, and completed; the board is told to reset", () => {
  const rig = updateRig();
  const image = espImage(1000, 7);
  assert.equal(rig.run(`update begin ${image.length} ${hexCrc(image)}`), `OK update ready bytes=1000 chunk=${UPDATE_CHUNK_BYTES}`);
  assert.equal(rig.run("update"), "OK update receiving received=0 of=1000");
  const data = rig.sendData(image);
  assert.equal(data.length, 6);
  assert.equal(data[0], "OK update data received=192 of=1000");
  assert.equal(data.at(-1), "OK update data received=1000 of=1000");
  assert.equal(rig.run("update end"), `OK update complete bytes=1000 crc=${hexCrc(image)} restart=required`);
  assert.equal(rig.ota.state, "completed");
  assert.ok(rig.ota.bootsNext);
  assert.deepEqual(rig.ota.image, image, "the partition holds exactly the image sent");
  assert.deepEqual(rig.codes(), ["FW950", "FW951"]);
  assert.deepEqual(rig.active, [true, false]);
  assert.equal(rig.run("update"), "OK update idle");
});

test("a CRC-32 that does not match at the end cancels the update, naming both values", () => {
  const rig = updateRig();
  const image = espImage(700, 3);
  rig.run(`update begin ${image.length} deadbeef`);
  assert.ok(rig.sendData(image).every((reply) => reply.startsWith("OK ")));
  const reply = rig.run("update end");
  assert.equal(
    reply,
    `ERR crc-mismatch the image's CRC-32 is ${hexCrc(image)}, not the deadbeef announced; the update was cancelled and the running firmware stays`,
  );
  assert.equal(rig.ota.state, "cancelled");
  assertNothingActivated(rig);
  assert.deepEqual(rig.events.at(-1), {
    code: "FW952",
    fields: { code: "crc-mismatch", reason: `the image's CRC-32 is ${hexCrc(image)}, not the deadbeef announced`, received: 700, of: 700 },
  });
});

test("more bytes than announced are refused before they are written", () => {
  const rig = updateRig();
  const image = espImage(600, 4);
  rig.run(`update begin 500 ${hexCrc(image.subarray(0, 500))}`);
  const replies = rig.sendData(image);
  assert.deepEqual(replies.slice(0, 2), ["OK update data received=192 of=500", "OK update data received=384 of=500"]);
  assert.match(replies[2]!, /^ERR too-large 576 bytes received, more than the 500 announced; the update was cancelled/);
  assert.equal(rig.ota.length, 384, "the chunk that overran was not written");
  assertNothingActivated(rig);
  assert.equal(rig.codes().at(-1), "FW952");
});

test("a data line that is not base64, or too long for one chunk, cancels the update", () => {
  const rig = updateRig();
  const image = espImage(400, 5);
  rig.run(`update begin ${image.length} ${hexCrc(image)}`);
  rig.sendData(image.subarray(0, 192));
  assert.equal(rig.run("update data AAA*"), "ERR base64 character 4 is not base64; the update was cancelled and the running firmware stays");
  assertNothingActivated(rig);

  const again = updateRig();
  again.run(`update begin ${image.length} ${hexCrc(image)}`);
  assert.match(
    again.run(`update data ${Buffer.from(image.subarray(0, UPDATE_CHUNK_BYTES + 3)).toString("base64")}`),
    /^ERR chunk-too-large decodes to more than 192 bytes;/,
  );
  assert.equal(again.ota.length, 0);
  assertNothingActivated(again);
});

test("an image that does not start with the ESP32 app magic 0xE9 is refused at its first chunk", () => {
  const rig = updateRig();
  const image = espImage(300, 6);
  image[0] = 0x7f;
  rig.run(`update begin ${image.length} ${hexCrc(image)}`);
  assert.equal(
    rig.sendData(image)[0],
    "ERR not-esp-image the image starts with 0x7f, not the ESP32 app image magic 0xe9; the update was cancelled and the running firmware stays",
  );
  assert.equal(rig.ota.length, 0, "nothing reached the partition");
  assertNothingActivated(rig);
});

test("update abort cancels the transfer; data after it is refused as not started", () => {
  const rig = updateRig();
  const image = espImage(1000, 8);
  rig.run(`update begin ${image.length} ${hexCrc(image)}`);
  rig.sendData(image.subarray(0, 384));
  assert.equal(rig.run("update abort"), "OK update aborted received=384 of=1000");
  assertNothingActivated(rig);
  assert.deepEqual(rig.events.at(-1), { code: "FW953", fields: { reason: "aborted", received: 384, of: 1000 } });
  assert.equal(rig.run("update data 6QAA"), "ERR not-started no update is in progress; send update begin <bytes> <crc32> first");
  assert.equal(rig.codes().at(-1), "CN910");
  assert.equal(rig.run("update abort"), "OK update idle", "abort with nothing running is harmless");
});

test("a second begin while one is in progress is refused and the first goes on to complete", () => {
  const rig = updateRig();
  const image = espImage(500, 9);
  rig.run(`update begin ${image.length} ${hexCrc(image)}`);
  rig.sendData(image.subarray(0, 192));
  assert.equal(rig.run(`update begin 100 ${hexCrc(image)}`), "ERR busy an update is in progress (192 of 500 bytes); send update abort to start over");
  assert.equal(rig.ota.sessions, 1, "the partition was not erased under the first transfer");
  rig.sendData(image, 192);
  assert.match(rig.run("update end"), /^OK update complete bytes=500 /);
  assert.deepEqual(rig.ota.image, image);
  assert.deepEqual(rig.codes(), ["FW950", "CN910", "FW951"]);
});

test("update end before every byte arrived cancels the update", () => {
  const rig = updateRig();
  const image = espImage(1000, 10);
  rig.run(`update begin ${image.length} ${hexCrc(image)}`);
  rig.sendData(image.subarray(0, 576));
  assert.equal(rig.run("update end"), "ERR incomplete 576 of 1000 bytes received; the update was cancelled and the running firmware stays");
  assertNothingActivated(rig);
});

test("a transfer the sender walked away from is cancelled after a minute without update lines", () => {
  const rig = updateRig();
  const image = espImage(1000, 11);
  rig.run(`update begin ${image.length} ${hexCrc(image)}`);
  rig.advance(IDLE_MS - 1);
  rig.sendData(image.subarray(0, 192));
  rig.advance(IDLE_MS - 1);
  assert.ok(rig.update.receiving, "each line restarts the wait");
  rig.advance(1);
  assertNothingActivated(rig);
  assert.deepEqual(rig.events.at(-1), { code: "FW953", fields: { reason: "nothing for 60 s", received: 192, of: 1000 } });
});

test("begin is checked before the partition is touched: size, partition capacity, CRC format", () => {
  const rig = updateRig();
  assert.equal(rig.run("update begin 0 00000000"), 'ERR invalid-value image size "0" is not a whole number of bytes');
  assert.equal(
    rig.run(`update begin ${PARTITION_BYTES + 1} 00000000`),
    `ERR too-large an image of ${PARTITION_BYTES + 1} bytes does not fit the ${PARTITION_BYTES}-byte OTA partition`,
  );
  assert.equal(rig.run("update begin 100 xyz"), 'ERR invalid-value CRC-32 "xyz" is not 8 hex digits');
  assert.equal(rig.run("update sideways"), "ERR usage update | update begin <bytes> <crc32> | update data <base64> | update end | update abort");
  assert.equal(rig.ota.sessions, 0);
  assert.deepEqual(rig.active, []);
});

test("a write the OTA partition refuses (ESP-IDF's size check) cancels the update with its reason", () => {
  const rig = updateRig({ maxBytes: PARTITION_BYTES * 2 });
  const image = espImage(PARTITION_BYTES + 100, 12);
  rig.run(`update begin ${image.length} ${hexCrc(image)}`);
  const last = rig.sendData(image).at(-1)!;
  assert.match(last, /^ERR ota-write the OTA partition refused the write \(ESP_ERR_INVALID_SIZE: .*\); the update was cancelled/);
  assertNothingActivated(rig);
});

test("the simulated OTA partition refuses what ESP-IDF refuses: writes after complete or cancel, stale handles, an empty image", () => {
  const ota = new SimOtaPartition(4096);
  const first = ota.open();
  first.write(Uint8Array.of(0xe9, 1, 2).buffer);
  const second = ota.open();
  assert.equal(ota.length, 0, "a new session erases the partition");
  assert.throws(() => first.write(Uint8Array.of(3).buffer), /stale/);
  assert.throws(() => second.complete(), /ESP_ERR_OTA_VALIDATE_FAILED: nothing was written/);
  const third = ota.open();
  third.write(Uint8Array.of(0xe9).buffer);
  third.complete();
  assert.throws(() => third.write(Uint8Array.of(1).buffer), /session is completed/);
  third.cancel();
  assert.equal(ota.state, "completed", "cancel after complete changes nothing, as Moddable's cancel on a closed session");
  const fourth = ota.open();
  fourth.cancel();
  assert.throws(() => fourth.write(Uint8Array.of(0xe9).buffer), /session is cancelled/);
  assert.throws(() => ota.open().write(new Uint8Array(4097).fill(0xe9).buffer), /ESP_ERR_INVALID_SIZE/);
});

test("on the console, update is listed; a board without an OTA partition says it is unavailable", () => {
  const rig = consoleRig();
  assert.match(rig.command("help"), /,update,/);
  assert.equal(rig.command("update begin 10 00000000"), "ERR unavailable firmware update is not wired on this board");
});
