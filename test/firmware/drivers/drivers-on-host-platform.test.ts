/// <reference path="../../../node_modules/@moddable/typings/timer.d.ts" />
// The SHT4x driver imports Moddable's `timer` as the device does; the reference gives this program its types.

import assert from "node:assert/strict";
import { test } from "node:test";
import Pms5003 from "../../../firmware/drivers/Pms5003";
import Sht4x from "../../../firmware/drivers/Sht4x";
import type { HostPort } from "../../../host-tools/board-sim/platform/portable/HostPort.ts";
import I2C from "../../../host-tools/board-sim/platform/portable/I2C.ts";
import Serial from "../../../host-tools/board-sim/platform/portable/Serial.ts";
import { boardClock } from "../../../host-tools/board-sim/platform/portable/VirtualClock.ts";
import { Pms5003Model } from "../../../host-tools/board-sim/models/Pms5003Model.ts";
import { Sht4xModel } from "../../../host-tools/board-sim/models/Sht4xModel.ts";
import { BoardHardware } from "../../../host-tools/board-sim/board/BoardHardware.ts";
import { UartLink } from "../../../host-tools/board-sim/board/UartLink.ts";

/**
 * The drivers on the IO classes the firmware gets on the host (host-tools/board-sim/platform/portable), with
 * `timer` resolved by the Node loader and nothing injected: the path the firmware bundle takes.
 * The board clock is one per process, as it is one per bundle, so this file holds a single scenario.
 */
test("both drivers read their models through the host platform's I2C, Serial and timer", () => {
  const board = new BoardHardware({ config: {}, epochAtBoot: 0 });
  (globalThis as unknown as { aqmHostPort: HostPort }).aqmHostPort = board;
  const sht4x = new Sht4xModel();
  sht4x.set({ temperature: 25, humidity: 44 });
  board.i2c(0).attach(sht4x);
  board.attachUart(2, new UartLink(new Pms5003Model({ reading: { pm1: 3, pm2_5: 5, pm10: 7 } }), { baud: 9600 }));

  const errors: string[] = [];
  const climate = new Sht4x({ sensor: { io: I2C, data: 21, clock: 22, hz: 400_000 }, onError: (e) => errors.push(e) });
  const particulates = new Pms5003({ sensor: { io: Serial, port: 2, receive: 16, transmit: 17 }, onError: (e) => errors.push(e), now: () => boardClock.now() });

  assert.deepEqual(climate.sample(), { thermometer: { temperature: 25 }, hygrometer: { humidity: 44 } });
  assert.equal(boardClock.now(), 9, "Timer.delay moved the board clock by the rounded-up measurement time");
  assert.deepEqual(
    board.i2c(0).transactions.map((t) => [t.at, t.direction]),
    [
      [0, "write"],
      [9, "read"],
    ],
  );

  boardClock.advance(35_000);
  const sample = particulates.sample();
  assert.deepEqual([sample?.pm1, sample?.pm2_5, sample?.pm10, sample?.warming], [3, 5, 7, false]);
  assert.deepEqual(errors, []);
});
