import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { listen } from "../../../../host-tools/board-sim/platform/portable/EventDispatch.ts";
import type { HostPort, PortEvent, PortReply, PortRequest } from "../../../../host-tools/board-sim/platform/portable/HostPort.ts";
import { VirtualClock } from "../../../../host-tools/board-sim/platform/portable/VirtualClock.ts";

/** A host that records the times it was told and hands out scripted events at given times. */
class ScriptedHost implements HostPort {
  readonly ticks: number[] = [];
  script: { at: number; event: PortEvent }[] = [];
  promiseWithoutDelivering: number | undefined;

  request(request: PortRequest): PortReply {
    if (request.op !== "tick") return { ok: false, code: "host", error: `unexpected ${request.op}` };
    this.ticks.push(request.now);
    const due = this.script.filter((s) => s.at <= request.now);
    this.script = this.script.filter((s) => s.at > request.now);
    const next = this.promiseWithoutDelivering ?? this.script[0]?.at ?? null;
    return { ok: true, events: due.map((s) => s.event), nextEventAt: next };
  }
}

let host: ScriptedHost;
beforeEach(() => {
  host = new ScriptedHost();
  (globalThis as unknown as { aqmHostPort: HostPort }).aqmHostPort = host;
});

test("timers fire in time order; timers due at the same moment fire in the order they were set", () => {
  const clock = new VirtualClock();
  const fired: string[] = [];
  clock.set(() => fired.push(`b@${clock.now()}`), 20);
  clock.set(() => fired.push(`a@${clock.now()}`), 10);
  clock.set(() => fired.push(`c@${clock.now()}`), 20);
  clock.advance(15);
  assert.deepEqual(fired, ["a@10"]);
  assert.equal(clock.now(), 15);
  clock.advance(100);
  assert.deepEqual(fired, ["a@10", "b@20", "c@20"]);
  assert.equal(clock.now(), 115);
});

test("a repeating timer runs every interval until cleared, also when cleared from its own callback", () => {
  const clock = new VirtualClock();
  const times: number[] = [];
  clock.set(
    (timer) => {
      times.push(clock.now());
      if (times.length === 3) clock.clear(timer);
    },
    100,
    250,
  );
  clock.advance(10_000);
  assert.deepEqual(times, [100, 350, 600]);
  assert.equal(clock.nextDue(), undefined);
});

test("schedule moves a timer; delay lets time pass without running callbacks", () => {
  const clock = new VirtualClock();
  const times: number[] = [];
  const timer = clock.set(() => times.push(clock.now()), 50);
  clock.schedule(timer, 500);
  clock.delay(30);
  assert.equal(clock.now(), 30);
  assert.deepEqual(times, []);
  assert.equal(host.ticks.at(-1), 30, "host models see the time a blocking delay took");
  clock.advance(1000);
  assert.deepEqual(times, [500], "rescheduled at 0 for 500 ms: the blocking delay does not shift it");
});

test("the clock stops when the host said IO would be ready, and delivers it then", () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  listen("serial:2", (event) => seen.push(`${event.kind}@${clock.now()}`));
  host.script = [{ at: 33, event: { kind: "serial", port: 2, available: 32 } }];
  clock.advance(1000);
  assert.deepEqual(seen, ["serial@33"]);
  assert.ok(host.ticks.includes(33));
});

test("a day of board time with a one-second timer runs 86,400 callbacks and ends exactly a day later", () => {
  const clock = new VirtualClock();
  let count = 0;
  clock.set(() => count++, 1000, 1000);
  clock.advance(86_400_000);
  assert.equal(count, 86_400);
  assert.equal(clock.now(), 86_400_000);
});

test("a host that promises IO now and never delivers it is reported instead of hanging", () => {
  const clock = new VirtualClock();
  host.promiseWithoutDelivering = 0;
  assert.throws(() => clock.advance(10), /host promised IO at 0 ms but delivered none/);
});

test("the wall clock is the boot time plus board time", () => {
  const clock = new VirtualClock();
  clock.setWallBase(Date.UTC(2026, 0, 1));
  clock.advance(1500);
  assert.equal(clock.wallNow(), Date.UTC(2026, 0, 1) + 1500);
});

test("a blocking delay inside a callback that runs past the end of an advance never moves time backwards", () => {
  const clock = new VirtualClock();
  clock.set(() => clock.delay(9), 95);
  clock.advance(100);
  assert.equal(clock.now(), 104);
  clock.advance(1);
  assert.equal(clock.now(), 105);
  assert.deepEqual(
    host.ticks,
    [...host.ticks].sort((a, b) => a - b),
    "the host only ever sees time move forward",
  );
});
