import assert from "node:assert/strict";
import { test } from "node:test";
import Pms5003 from "../../../firmware/drivers/Pms5003";
import { Pms5003Model, type ParticulateReading } from "../../../host-tools/board-sim/models/Pms5003Model.ts";
import { UartLink } from "../../../host-tools/board-sim/board/UartLink.ts";
import { serialOn, TestClock } from "./FakeIo.ts";

const reading: ParticulateReading = {
  pm1: 12,
  pm2_5: 18,
  pm10: 25,
  counts: { over0_3: 2100, over0_5: 610, over1_0: 95, over2_5: 11, over5_0: 3, over10: 1 },
};

function rig() {
  const clock = new TestClock();
  const model = new Pms5003Model({ reading });
  const link = new UartLink(model, { baud: 9600 });
  const Serial = serialOn(link, clock);
  const errors: string[] = [];
  const pms = new Pms5003({
    sensor: { io: Serial, port: 2, receive: 16, transmit: 17 },
    onError: (error) => errors.push(error),
    now: () => clock.now,
  });
  return { clock, model, link, Serial, errors, pms };
}

/** Everything the board wrote to the sensor, and everything it got back, as byte lists. */
function sent(link: UartLink): number[][] {
  return link.transfers.filter((t) => t.direction === "to-peer").map((t) => [...t.bytes]);
}

function received(link: UartLink): number[][] {
  return link.transfers.filter((t) => t.direction === "from-peer").map((t) => [...t.bytes]);
}

const settled = { pm1: 12, pm2_5: 18, pm10: 25, counts: reading.counts, warming: false };

/** The sample without its frame counter, which the frame-counter test checks on its own. */
function withoutFrame(sample: ReturnType<Pms5003["sample"]>): Omit<NonNullable<ReturnType<Pms5003["sample"]>>, "frame"> | undefined {
  if (!sample) return undefined;
  const { frame: _, ...rest } = sample;
  return rest;
}

test("the driver opens the UART at 9600 baud in buffer format, and sends nothing until told to", () => {
  const { Serial, link } = rig();
  assert.equal(Serial.opened.length, 1);
  const { port, receive, transmit, baud, format, onReadable } = Serial.opened[0]!;
  assert.deepEqual({ port, receive, transmit, baud, format }, { port: 2, receive: 16, transmit: 17, baud: 9600, format: "buffer" });
  assert.equal(typeof onReadable, "function");
  assert.deepEqual(sent(link), []);
});

test("active mode: a frame every 2.3 s; sample() gives the latest one while it is fresh (5 s), then nothing once frames stop", () => {
  const { clock, link, model, pms, errors } = rig();
  clock.advance(35_000);
  // Frames went out at 2.3, 4.6, … 34.5 s: fifteen of them, 32 bytes each.
  assert.deepEqual(
    received(link).map((bytes) => bytes.length),
    Array<number>(15).fill(32),
  );
  assert.deepEqual(withoutFrame(pms.sample()), settled);
  assert.deepEqual(withoutFrame(pms.sample()), settled, "sampling faster than the sensor repeats the fresh frame instead of a gap");
  clock.advance(2300);
  assert.deepEqual(withoutFrame(pms.sample()), settled);
  model.faults = { silent: true };
  clock.advance(5100);
  assert.equal(pms.sample(), undefined, "no frame for over 5 s: no sample");
  assert.deepEqual(errors, []);
});

test("frames in the 30 s after power-up are flagged as warming (the model under-reads while its fan spins up)", () => {
  const { clock, pms } = rig();
  clock.advance(2400);
  const early = pms.sample();
  assert.equal(early?.warming, true);
  assert.ok(early.pm2_5 < 18, `pm2_5 ${early.pm2_5} should read low while warming`);
  clock.advance(27_500); // 29.9 s: the frame sent at 27.6 s is still inside the warm-up
  assert.equal(pms.sample()?.warming, true);
  clock.advance(2_400); // 32.3 s: the frame sent at 32.2 s arrived 33 ms later, after the warm-up
  assert.deepEqual(withoutFrame(pms.sample()), settled);
});

test("passive mode: the mode command is 42 4D E1 00 00 01 70; its reply is skipped; each read command (42 4D E2 00 00 01 71) brings one frame", () => {
  const { clock, link, model, pms, errors } = rig();
  clock.advance(35_000);
  pms.sample();
  pms.configure({ mode: "passive" });
  clock.advance(10_000);
  assert.equal(model.mode, "passive");
  assert.deepEqual(sent(link), [[0x42, 0x4d, 0xe1, 0x00, 0x00, 0x01, 0x70]]);
  assert.deepEqual(received(link).at(-1), [0x42, 0x4d, 0x00, 0x04, 0xe1, 0x00, 0x01, 0x74]);
  assert.equal(pms.sample(), undefined, "no frames in passive mode without a read");

  pms.requestRead();
  assert.deepEqual(sent(link).at(-1), [0x42, 0x4d, 0xe2, 0x00, 0x00, 0x01, 0x71]);
  clock.advance(100);
  assert.deepEqual(withoutFrame(pms.sample()), settled);
  clock.advance(5100);
  assert.equal(pms.sample(), undefined, "stale without another read");
  assert.deepEqual(errors, []);
});

test("back to active mode: 42 4D E1 00 01 01 71, answered 42 4D 00 04 E1 01 01 75, and frames resume", () => {
  const { clock, link, model, pms, errors } = rig();
  pms.configure({ mode: "passive" });
  clock.advance(35_000);
  pms.configure({ mode: "active" });
  clock.advance(2400);
  assert.equal(model.mode, "active");
  assert.deepEqual(sent(link).at(-1), [0x42, 0x4d, 0xe1, 0x00, 0x01, 0x01, 0x71]);
  assert.deepEqual(received(link).at(-2), [0x42, 0x4d, 0x00, 0x04, 0xe1, 0x01, 0x01, 0x75]);
  assert.deepEqual(withoutFrame(pms.sample()), settled);
  assert.deepEqual(errors, []);
});

test("sleep (42 4D E4 00 00 01 73) silences the sensor; wake (42 4D E4 00 01 01 74) brings frames back, warming for 30 s", () => {
  const { clock, link, model, pms, errors } = rig();
  clock.advance(35_000);
  pms.sample();
  pms.sleep();
  clock.advance(60_000);
  assert.equal(model.asleep, true);
  assert.deepEqual(sent(link).at(-1), [0x42, 0x4d, 0xe4, 0x00, 0x00, 0x01, 0x73]);
  assert.deepEqual(received(link).at(-1), [0x42, 0x4d, 0x00, 0x04, 0xe4, 0x00, 0x01, 0x77]);
  assert.equal(pms.sample(), undefined);

  const answersBeforeWake = received(link).length;
  pms.wake();
  assert.deepEqual(sent(link).at(-1), [0x42, 0x4d, 0xe4, 0x00, 0x01, 0x01, 0x74]);
  clock.advance(5_000);
  assert.ok(
    received(link)
      .slice(answersBeforeWake)
      .every((bytes) => bytes.length === 32),
    "wake is answered with data frames only",
  );
  assert.equal(pms.sample()?.warming, true);
  clock.advance(30_000);
  assert.deepEqual(withoutFrame(pms.sample()), settled);
  assert.deepEqual(errors, []);
});

test("a frame with a bad checksum is reported and not sampled; the next good one is", () => {
  const { clock, model, pms, errors } = rig();
  clock.advance(35_000);
  pms.sample();
  model.faults = { checksum: true };
  clock.advance(2300);
  assert.equal(errors.length, 1);
  clock.advance(3000);
  assert.equal(pms.sample(), undefined, "bad frames never refresh the reading: the last good one went stale");
  assert.match(errors[0]!, /^PMS5003 data frame checksum 0x[0-9A-F]{4}, expected 0x[0-9A-F]{4}$/);
  model.faults = {};
  clock.advance(2300);
  assert.deepEqual(withoutFrame(pms.sample()), settled);
});

test("a truncated frame costs one report; the parser recovers the whole frame that follows it", () => {
  const { clock, model, pms, errors } = rig();
  clock.advance(35_000);
  pms.sample();
  model.faults = { truncated: true };
  clock.advance(2300);
  model.faults = {};
  clock.advance(2300);
  assert.deepEqual(withoutFrame(pms.sample()), settled, "the recovered frame: the one before the truncated frame is over 5 s old by now");
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^PMS5003 data frame checksum /);
});

test("all-zero frames after the warm-up are reported as a failed laser or fan and never sampled as zero; during the warm-up they are only skipped", () => {
  const { clock, model, pms, errors } = rig();
  model.faults = { zeros: true };
  clock.advance(29_000);
  assert.equal(pms.sample(), undefined);
  assert.deepEqual(errors, []);
  clock.advance(6_000);
  assert.equal(pms.sample(), undefined);
  assert.deepEqual(errors, [
    "PMS5003 frame has every value zero: its laser or fan has failed",
    "PMS5003 frame has every value zero: its laser or fan has failed",
  ]);
});

test("an unplugged sensor gives no samples and no reports; commands sent meanwhile are lost", () => {
  const { clock, model, pms, errors } = rig();
  clock.advance(35_000);
  pms.sample();
  model.faults = { silent: true };
  pms.configure({ mode: "passive" });
  clock.advance(10_000);
  assert.equal(pms.sample(), undefined);
  assert.equal(model.mode, "active");
  assert.deepEqual(errors, []);
  model.faults = {};
  clock.advance(2300);
  assert.deepEqual(withoutFrame(pms.sample()), settled);
});

test("a command that cannot be written is reported, not thrown; an unknown mode is a RangeError", () => {
  const { pms, errors } = rig();
  assert.throws(() => pms.configure({ mode: "turbo" as "active" }), RangeError);
  pms.close();
  pms.sleep();
  assert.deepEqual(errors, ["PMS5003 sleep command not sent: serial port is closed"]);
});

test("each new frame gets the next number, so a caller sampling faster than frames come tells a new frame from the same one", () => {
  const { clock, pms } = rig();
  clock.advance(2_400);
  assert.equal(pms.sample()?.frame, 1);
  clock.advance(1_000);
  assert.equal(pms.sample()?.frame, 1);
  clock.advance(1_300);
  assert.equal(pms.sample()?.frame, 2);
});

test("with a SET pin, sleep and wake drive the pin (low sleeps) instead of sending commands; the pin goes high at start", () => {
  const clock = new TestClock();
  const model = new Pms5003Model({ reading });
  const link = new UartLink(model, { baud: 9600 });
  const levels: number[] = [];
  const pms = new Pms5003({
    sensor: { io: serialOn(link, clock), port: 2, receive: 16, transmit: 17 },
    set: { write: (level) => levels.push(level) },
    now: () => clock.now,
  });
  clock.advance(40_000);
  pms.sleep();
  assert.equal(pms.sample(), undefined, "asleep, the last frame is no longer a reading");
  clock.advance(10_000);
  pms.wake();
  assert.equal(pms.warming, true);
  clock.advance(30_000);
  assert.equal(pms.warming, false);
  assert.deepEqual(levels, [1, 0, 1]);
  assert.deepEqual(sent(link), [], "no command went over the UART");
});

test("the model follows the SET pin as the part does: low stops frames at once and beats a wake command; high wakes it with a new 30 s warm-up", () => {
  const { clock, model, link, pms } = rig();
  clock.advance(40_000);
  const framesBefore = received(link).length;
  model.setPin(0, clock.now);
  assert.equal(model.asleep, true);
  clock.advance(20_000);
  assert.equal(received(link).length, framesBefore, "no frame while the pin is low");
  pms.wake();
  clock.advance(10_000);
  assert.equal(model.asleep, true, "a wake command does not override a low SET pin");
  model.setPin(1, clock.now);
  assert.equal(model.asleep, false);
  assert.equal(model.warming(clock.now), true);
  clock.advance(3_000);
  assert.ok(received(link).length > framesBefore, "frames again after the pin went high");
});

test("a frozen model repeats its last frame with a fresh checksum; an out-of-range model sends 2000 µg/m³ with a correct checksum; the driver passes both on (the sampler judges them)", () => {
  const { clock, model, link, pms, errors } = rig();
  clock.advance(40_000);
  model.faults = { stuck: true };
  const frozenAt = received(link).length;
  model.set({ pm1: 50, pm2_5: 60, pm10: 70 });
  clock.advance(7_000);
  const frames = received(link).slice(frozenAt);
  assert.ok(frames.length >= 2);
  for (const frame of frames) assert.deepEqual(frame, received(link)[frozenAt - 1], "the same 32 bytes as the last frame before the fault");
  assert.deepEqual(withoutFrame(pms.sample()), settled, "the air changed, the frozen sensor did not");
  model.faults = { outOfRange: 2000 };
  clock.advance(3_000);
  assert.equal(pms.sample()?.pm2_5, 2000);
  assert.deepEqual(errors, []);
});
