import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import { NvsStore } from "../../../host-tools/board-sim/board/NvsStore.ts";
import { SyntheticAir } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { crc32 } from "../../../firmware/update/Crc32";
import { UPDATE_CHUNK_BYTES } from "../../../firmware/update/FirmwareUpdate";
import { telemetryTopic } from "../../../firmware/session/MqttTopics";
import { espImage } from "../../host-tools/field/flash/fake-build.ts";
import { loopbackBoard } from "./loopbackBoard.ts";

const IDENTITY = { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) };

/** The whole firmware on a simulated board, with a host writing lines into UART 0 and reading the replies. */
async function boardWithConsole(options: { preferences?: NvsStore; offline?: boolean } = {}) {
  const board = loopbackBoard({
    thing: "aqm-console",
    epochAtBoot: Date.UTC(2026, 10, 23),
    identity: IDENTITY,
    air: new SyntheticAir(5),
    ...(options.preferences ? { preferences: options.preferences } : {}),
  });
  const { broker } = board;
  if (options.offline) broker.refuse = { code: "broker-unreachable", message: "ECONNREFUSED" };
  const vm = await VmBoard.boot(board.sim);
  let printed = "";
  board.consoleUart.onData((bytes) => (printed += String.fromCharCode(...bytes)));
  const replies = () => printed.split("\n").filter((line) => /^(OK|ERR) /.test(line));
  const command = (line: string, waitMs = 200): string => {
    const before = replies().length;
    board.consoleUart.write(new TextEncoder().encode(`${line}\n`));
    vm.advance(waitMs);
    const got = replies().slice(before);
    assert.equal(got.length, 1, `one reply to ${line}: ${JSON.stringify(got)}`);
    return got[0]!;
  };
  return { board, vm, command, broker };
}

test("the running board answers its serial console on UART 0: status names what is stored, with the unsent readings", async () => {
  const { vm, command } = await boardWithConsole({ offline: true });
  vm.advance(5 * 60_000);
  const status = command("status");
  assert.match(
    status,
    /^OK status thing=- endpoint=- port=- wifi\.ssid=aqm-lab wifi\.password=set /,
    "the build's thing is not stored; the password only as set",
  );
  assert.match(status, / tls\.key=1 /, "the key's size, never its bytes");
  const pending = Number(/outbox\.pending=(\d+)/.exec(status)?.[1]);
  assert.ok(pending >= 25, `five minutes offline at 10 s leaves readings waiting, got ${status}`);
  const outbox = command("outbox read 0");
  assert.match(outbox, /^OK outbox record index=0 of=\d+ bytes=\d+ payload="\{\\"v\\":2,/);
  assert.match(outbox, /\\"seq\\":1,/, "index 0 is the oldest reading");
});

test("selftest on the running board reads every sensor; an unplugged SHT4x is named with its fault, and the sampler still reports it", async () => {
  const { board, vm, command, broker } = await boardWithConsole();
  vm.advance(60_000);
  assert.match(command("selftest", 5_000), /^OK selftest passed sht4x=ok pms5003=ok ads1115-0x48=ok ads1115-0x49=ok$/);
  board.climate.faults = { nack: true };
  const failed = command("selftest", 5_000);
  assert.match(failed, /^ERR selftest-failed .*sht4x=fault:nack/);
  assert.match(failed, /pms5003=ok/, "a failed sensor does not stop the test of the others");
  vm.advance(20_000);
  const latest = broker.readings<{ health: Record<string, string> }>(/\/telemetry$/).at(-1);
  assert.equal(latest?.health.temperature_c, "fault:nack", "the fault the self-test found is not lost to the readings");
});

test("outbox clear on the running board discards the unsent readings for good: after a restart none is sent", async () => {
  const preferences = new NvsStore();
  const { vm, command, broker } = await boardWithConsole({ offline: true, preferences });
  vm.advance(3 * 60_000);
  const cleared = Number(/records=(\d+)/.exec(command("outbox clear"))?.[1]);
  assert.ok(cleared >= 15, `readings were waiting: ${cleared}`);
  assert.match(command("outbox"), /^OK outbox pending=0 /);
  broker.refuse = undefined;
  vm.advance(30_000);
  const seqs = broker.readings<{ seq: number }>(/\/telemetry$/).map((record) => record.seq);
  assert.ok(seqs.length > 0 && seqs.every((seq) => seq > cleared), `only readings taken after the clear are sent: ${seqs.join(",")}`);
});

test("a thing name and endpoint stored over the console replace the build's from the next start", async () => {
  const preferences = new NvsStore();
  const first = await boardWithConsole({ preferences });
  assert.match(first.command("thing aqm-renamed"), /^OK thing stored thing=aqm-renamed restart=required$/);
  first.vm.advance(30_000);
  assert.ok(first.broker.readings(telemetryTopic("aqm-console")).length > 0, "until the restart, the build's name is used");
  const second = await boardWithConsole({ preferences });
  second.vm.advance(30_000);
  assert.ok(second.broker.readings(telemetryTopic("aqm-renamed")).length > 0, "after it, the stored one");
  assert.equal(second.broker.json(/^dt\/aqm\/aqm-console\//).length, 0);
});

test("a firmware update over the running board's console: LED firmware-update meanwhile, readings go on, the image lands in the OTA partition", async () => {
  const { board, vm, command, broker } = await boardWithConsole();
  vm.advance(60_000);
  const ledStates = () => board.sim.console.filter((line) => line.includes(" LD500 ")).map((line) => line.split("state=")[1]);
  assert.equal(ledStates().at(-1), "online");
  const readings = () => broker.readings<{ seq: number }>(/\/telemetry$/).length;
  const before = readings();
  const image = espImage(4000, 21);
  const crc = crc32(image).toString(16).padStart(8, "0");
  assert.equal(command(`update begin ${image.length} ${crc}`), `OK update ready bytes=4000 chunk=${UPDATE_CHUNK_BYTES}`);
  assert.equal(ledStates().at(-1), "firmware-update");
  // 21 chunks a second and a half apart: half a minute of update, three sampling intervals.
  for (let at = 0; at < image.length; at += UPDATE_CHUNK_BYTES) {
    assert.match(
      command(`update data ${Buffer.from(image.subarray(at, at + UPDATE_CHUNK_BYTES)).toString("base64")}`, 1_500),
      /^OK update data received=\d+ of=4000$/,
    );
  }
  assert.equal(ledStates().at(-1), "firmware-update", "readings reported meanwhile do not take the LED back");
  assert.ok(readings() - before >= 2, `readings kept being published during the update: ${readings() - before}`);
  assert.equal(board.ota.state, "writing", "nothing is activated before update end");
  assert.equal(command("update end"), `OK update complete bytes=4000 crc=${crc} restart=required`);
  assert.deepEqual(ledStates().slice(-3), ["online", "firmware-update", "online"]);
  assert.deepEqual(board.ota.image, image);
  assert.ok(board.ota.bootsNext);
  assert.equal(board.sim.console.filter((line) => / FW95[01] /.test(line)).length, 2);
});

test("a firmware update refused on the running board leaves the OTA partition unbootable and the LED as it was", async () => {
  const { board, vm, command } = await boardWithConsole();
  vm.advance(60_000);
  const image = espImage(1000, 22);
  command(`update begin ${image.length} 00000000`);
  for (let at = 0; at < image.length; at += UPDATE_CHUNK_BYTES)
    command(`update data ${Buffer.from(image.subarray(at, at + UPDATE_CHUNK_BYTES)).toString("base64")}`);
  assert.match(command("update end"), /^ERR crc-mismatch /);
  assert.equal(board.ota.state, "cancelled");
  assert.equal(board.ota.bootsNext, false);
  assert.equal(
    board.sim.console
      .filter((line) => line.includes(" LD500 "))
      .at(-1)
      ?.split("state=")[1],
    "online",
  );
  assert.match(board.sim.console.filter((line) => line.includes(" FW952 ")).at(-1) ?? "", /code=crc-mismatch/);
});
