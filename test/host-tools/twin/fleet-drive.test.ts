import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import { SyntheticAir } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { drivenBoard, FleetDrive, type DrivenBoard } from "../../../host-tools/twin/FleetDrive.ts";
import { loopbackBoard } from "../../firmware/board/loopbackBoard.ts";

const TURN_MS = 50;

test("a board's clock keeps to the wall clock: after 2 minutes of readings it is not ahead by the sensors' conversion waits", async () => {
  let wall = 10_000;
  const drive = new FleetDrive({ wallClock: () => wall });
  const { sim, broker } = loopbackBoard({
    thing: "aqm-drift",
    epochAtBoot: Date.UTC(2026, 11, 3),
    identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
    air: new SyntheticAir(7),
    config: { sampleIntervalMs: 5_000 },
  });
  const vm = await VmBoard.boot(sim);
  drive.add(drivenBoard(vm, sim), wall);
  const poweredAt = wall;
  let aheadMost = 0;
  while (wall - poweredAt < 120_000) {
    wall += TURN_MS;
    drive.turn();
    aheadMost = Math.max(aheadMost, vm.now - (wall - poweredAt));
  }
  assert.ok(broker.publishes.length >= 20, `the board sampled and published (${broker.publishes.length} messages)`);
  assert.ok(aheadMost > 0, "a blocking wait in the firmware does run the board's clock ahead for a moment");
  const off = vm.now - (wall - poweredAt);
  // Summing the steps would leave the clock ahead by every wait of the run (~60 ms a reading, over a second here).
  assert.ok(off >= -TURN_MS && off <= aheadMost, `board time ${vm.now} ms against ${wall - poweredAt} ms of wall time`);
  assert.ok(off < 200, `the board's clock is ${off} ms ahead after 2 minutes`);
});

class IdleBoard implements DrivenBoard {
  now = 0;
  wakeAt: number | undefined;
  ioWaiting = false;
  readonly advances: number[] = [];
  advance(ms: number): void {
    this.advances.push(ms);
    this.now += ms;
  }
  nextWakeAt(): number | undefined {
    return this.wakeAt;
  }
}

test("a board with nothing due is left alone until its timer, waiting IO, or the idle limit; then it catches up with the wall in one step", () => {
  let wall = 0;
  const drive = new FleetDrive({ wallClock: () => wall, maxIdleMs: 1_000 });
  const board = new IdleBoard();
  board.wakeAt = 300;
  drive.add(board, 0);
  for (let i = 0; i < 5; i++) {
    wall += TURN_MS;
    drive.turn();
  }
  assert.deepEqual(board.advances, [], "nothing due in the first 250 ms");
  wall = 300;
  drive.turn();
  assert.deepEqual(board.advances, [300], "its timer came: board time is the wall's");
  board.wakeAt = undefined;
  wall = 400;
  drive.turn();
  assert.equal(board.advances.length, 1, "nothing scheduled, nothing waiting");
  board.ioWaiting = true;
  wall = 450;
  drive.turn();
  assert.deepEqual(board.advances, [300, 150], "an MQTT packet waiting wakes it at once");
  board.ioWaiting = false;
  wall = 1_400;
  drive.turn();
  assert.deepEqual(board.advances, [300, 150], "idle for 950 ms");
  wall = 1_450;
  drive.turn();
  assert.deepEqual(board.advances, [300, 150, 1_000], "the idle limit brings it up to the wall");
  assert.deepEqual(drive.figures, { turns: 10, advances: 3, idle: 7 });
});

test("a board whose clock a blocking wait carried past the wall waits for the wall instead of being moved on again", () => {
  let wall = 0;
  const drive = new FleetDrive({ wallClock: () => wall });
  const board = new IdleBoard();
  board.wakeAt = 0;
  board.advance = function (ms: number) {
    this.advances.push(ms);
    this.now += ms + 80;
  };
  drive.add(board, 0);
  wall = 50;
  drive.turn();
  wall = 100;
  drive.turn();
  assert.deepEqual(board.advances, [50], "board time 130 is ahead of wall time 100");
  wall = 200;
  drive.turn();
  assert.deepEqual(board.advances, [50, 70], "moved on to the wall's 200 ms, not by the 100 ms the wall moved");
});
