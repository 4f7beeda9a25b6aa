import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import { SIMULATED_CALIBRATION } from "../../../host-tools/board-sim/models/AlphasenseB4Model.ts";
import { SyntheticAir } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { loopbackBoard, type LoopbackBoardOptions } from "../board/loopbackBoard.ts";

/**
 * The board's Device Shadow client through the real firmware, with the test playing the shadow
 * service on a loopback broker: what the board subscribes to, asks, reports, applies and refuses.
 */

const THING = "aqm-shadow";
const SHADOW = `$aws/things/${THING}/shadow`;
const IDENTITY = { ca: Uint8Array.of(0x30, 1), certificate: Uint8Array.of(0x30, 2), key: Uint8Array.of(0x30, 3) };

type Reported = {
  firmware: string;
  boot: number;
  sampleIntervalMs: number;
  readIntervalMs: number;
  batchWaitMs: number;
  anomaly: Record<string, number>;
  calibration: { id: string } | null;
  health: Record<string, string>;
  rejected: Record<string, string> | null;
};

function build(overrides: Partial<LoopbackBoardOptions> = {}) {
  const board = loopbackBoard({ thing: THING, epochAtBoot: Date.UTC(2026, 10, 22), identity: IDENTITY, air: new SyntheticAir(4), ...overrides });
  const { broker } = board;
  // The service: no shadow yet, so get is rejected with 404 and the board's first report creates it.
  broker.onPublish = (p) => {
    if (p.topic === `${SHADOW}/get`)
      broker.deliver(`${SHADOW}/get/rejected`, JSON.stringify({ code: 404, message: "No shadow exists with name: 'aqm-shadow'" }));
  };
  const reports = () => broker.json<{ state: { reported: Reported } }>(`${SHADOW}/update`).map((u) => u.state.reported);
  const telemetry = () => broker.json<{ seq: number; ts: number; interval_s: number }>(/\/telemetry$/);
  const lines = (code: string) => board.sim.console.filter((line) => line.split(" ")[3] === code);
  return { reports, telemetry, lines, ...board };
}

test("on connecting, the board subscribes to its shadow's answers and deltas, asks for the document, and reports its whole state", async () => {
  const { broker, reports, sim } = build();
  const board = await VmBoard.boot(sim);
  board.advance(3_000);
  assert.deepEqual(broker.subscriptions, [`${SHADOW}/get/accepted`, `${SHADOW}/get/rejected`, `${SHADOW}/update/delta`, `${SHADOW}/update/rejected`]);
  assert.equal(broker.publishes[0]?.topic, `${SHADOW}/get`);
  const first = reports()[0]!;
  assert.equal(first.firmware, "0.1.0");
  assert.equal(first.boot, 1);
  assert.equal(first.sampleIntervalMs, 10_000);
  assert.equal(first.readIntervalMs, 5_000);
  assert.equal(first.calibration?.id, SIMULATED_CALIBRATION.id);
  assert.equal(typeof first.anomaly.threshold, "number");
  assert.equal(first.rejected, null);
  board.advance(10_000);
  assert.equal(reports().at(-1)!.health.temperature_c, "ok", "the first reading's health is reported");
  assert.equal(reports().at(-1)!.health.co_ppb, "warming");
});

test("a delta is applied field by field: a valid interval retimes sampling, an unknown or invalid field is refused with its reason and reported, and the rest still applies", async () => {
  const { broker, reports, telemetry, lines, sim } = build();
  const board = await VmBoard.boot(sim);
  board.advance(25_000);
  const before = telemetry().length;
  assert.equal(before, 2);
  broker.deliver(
    `${SHADOW}/update/delta`,
    JSON.stringify({
      version: 7,
      timestamp: 1,
      state: { sampleIntervalMs: 30_000, anomaly: { threshold: 0.42 }, ledColour: "pink", calibration: { id: "bad" } },
    }),
  );
  board.advance(1);
  const cut = telemetry().at(-1)!;
  assert.equal(cut.interval_s, 5, "the interval under way was cut and reported with its true length, losing no read");
  const report = reports().at(-1)!;
  assert.equal(report.sampleIntervalMs, 30_000);
  assert.equal(report.anomaly.threshold, 0.42);
  assert.equal(report.calibration?.id, SIMULATED_CALIBRATION.id, "the invalid record did not replace the stored one");
  assert.deepEqual(Object.keys(report.rejected ?? {}).sort(), ["calibration", "ledColour"]);
  assert.equal(report.rejected!.ledColour, "not a setting this board has");
  assert.match(report.rejected!.calibration!, /co/);
  assert.match(lines("SH700")[0] ?? "", /fields=sampleIntervalMs,anomaly/);
  assert.match(lines("SH710")[0] ?? "", /field=ledColour reason="not a setting this board has"/);
  assert.equal(lines("CF133").length, 1);

  board.advance(90_000);
  const after = telemetry().slice(before + 1);
  assert.deepEqual(
    after.map((r) => r.interval_s),
    [30, 30, 30],
  );
  assert.ok(
    after.every((r, i) => i === 0 || r.ts - after[i - 1]!.ts === 30_000),
    "a reading every 30 s",
  );

  broker.deliver(`${SHADOW}/update/delta`, JSON.stringify({ version: 6, state: { sampleIntervalMs: 20_000 } }));
  board.advance(1);
  assert.equal(reports().at(-1)!.sampleIntervalMs, 30_000, "an older delta arriving late is ignored");
  broker.deliver(`${SHADOW}/update/delta`, JSON.stringify({ version: 8, state: { sampleIntervalMs: 27_000 } }));
  board.advance(1);
  assert.equal(reports().at(-1)!.rejected!.sampleIntervalMs, "sampleIntervalMs (27000) must be a whole multiple of readIntervalMs (5000)");
  assert.equal(reports().at(-1)!.sampleIntervalMs, 30_000);
});

test("a new calibration record through the shadow replaces the stored one and takes effect; after a restart the cloud's interval and record are still in use", async () => {
  const first = build();
  const board = await VmBoard.boot(first.sim);
  board.advance(3_000);
  const record = { ...SIMULATED_CALIBRATION, id: "isb-2026-12", co: { ...SIMULATED_CALIBRATION.co, sensitivityMvPerPpb: 0.4 } };
  first.broker.deliver(`${SHADOW}/update/delta`, JSON.stringify({ version: 3, state: { calibration: record, sampleIntervalMs: 20_000 } }));
  board.advance(1);
  assert.equal(first.reports().at(-1)!.calibration?.id, "isb-2026-12");
  assert.match(first.lines("CF134")[0] ?? "", /id=isb-2026-12/);
  assert.equal(first.reports().at(-1)!.rejected, null);

  const second = build({ preferences: first.sim.preferences, epochAtBoot: Date.UTC(2026, 10, 22, 1) });
  const rebooted = await VmBoard.boot(second.sim);
  rebooted.advance(3_000);
  const report = second.reports()[0]!;
  assert.equal(report.boot, 2);
  assert.equal(report.sampleIntervalMs, 20_000, "the interval the cloud set survives the restart");
  assert.equal(report.calibration?.id, "isb-2026-12");
  assert.match(second.lines("CF130")[0] ?? "", /id=isb-2026-12/);
  rebooted.advance(40_000);
  assert.ok(
    second.telemetry().every((r) => r.interval_s === 20),
    "and sampling follows it",
  );
});

test("when get/accepted carries a delta (set while the board was away), the board applies it on connecting", async () => {
  const { broker, reports, sim } = build();
  broker.onPublish = (p) => {
    if (p.topic === `${SHADOW}/get`) {
      broker.deliver(
        `${SHADOW}/get/accepted`,
        JSON.stringify({
          state: { desired: { sampleIntervalMs: 60_000 }, reported: { sampleIntervalMs: 10_000 }, delta: { sampleIntervalMs: 60_000 } },
          version: 12,
          timestamp: 1,
        }),
      );
    }
  };
  const board = await VmBoard.boot(sim);
  board.advance(3_000);
  assert.equal(reports().at(-1)!.sampleIntervalMs, 60_000);
});

test("a get whose answer is lost (QoS 0, a subscription not yet delivering) is asked again after 10 s, then 20 s, until an answer comes; then no more", async () => {
  const { broker, reports, sim } = build();
  const asked: number[] = [];
  let board: VmBoard | undefined;
  broker.onPublish = (p) => {
    if (p.topic !== `${SHADOW}/get`) return;
    asked.push(board?.now ?? 0);
    // The first two answers never arrive; the third carries what was set while the board was away.
    if (asked.length < 3) return;
    broker.deliver(
      `${SHADOW}/get/accepted`,
      JSON.stringify({ state: { desired: { sampleIntervalMs: 60_000 }, delta: { sampleIntervalMs: 60_000 } }, version: 3, timestamp: 1 }),
    );
  };
  board = await VmBoard.boot(sim);
  board.advance(3_000);
  assert.equal(asked.length, 1);
  assert.equal(reports().length, 0, "no report before the document's answer");
  board.advance(120_000);
  assert.equal(asked.length, 3, `asked at ${asked.join(", ")} ms`);
  assert.deepEqual([asked[1]! - asked[0]!, asked[2]! - asked[1]!], [10_000, 20_000]);
  assert.equal(reports().at(-1)!.sampleIntervalMs, 60_000);
  board.advance(600_000);
  assert.equal(asked.length, 3, "answered: asked no more");
});

test("a get the service rejects as throttled is asked again; one it rejects for good is not", async () => {
  for (const [code, again] of [
    [429, true],
    [500, true],
    [403, false],
  ] as const) {
    const { broker, sim } = build();
    let asked = 0;
    broker.onPublish = (p) => {
      if (p.topic !== `${SHADOW}/get`) return;
      asked++;
      broker.deliver(`${SHADOW}/get/rejected`, JSON.stringify({ code, message: "refused" }));
    };
    const board = await VmBoard.boot(sim);
    board.advance(3_000 + 10_000 + 20_000);
    assert.equal(asked, again ? 3 : 1, `get/rejected ${code}`);
  }
});

test("a broker that refuses the shadow subscriptions is logged once per connection with the topics (SH730); telemetry still flows", async () => {
  const { broker, lines, telemetry, sim } = build();
  broker.refuseSubscriptions.add(`${SHADOW}/update/delta`);
  const board = await VmBoard.boot(sim);
  board.advance(20_000);
  assert.match(lines("SH730")[0] ?? "", /topics=\$aws\/things\/aqm-shadow\/shadow\/update\/delta/);
  assert.equal(broker.publishes.filter((p) => p.topic === `${SHADOW}/get`).length, 0, "no get without its answers");
  assert.equal(telemetry().length, 2);
});

test("an update the service rejects, and a payload that is not JSON, are logged (SH720) and change nothing", async () => {
  const { broker, lines, reports, sim } = build();
  const board = await VmBoard.boot(sim);
  board.advance(3_000);
  broker.deliver(`${SHADOW}/update/rejected`, JSON.stringify({ code: 400, message: "Payload contains invalid json" }));
  broker.deliver(`${SHADOW}/update/delta`, "{not json");
  board.advance(1);
  assert.match(lines("SH720")[0] ?? "", /operation=update code=400 message="Payload contains invalid json"/);
  assert.match(lines("SH720")[1] ?? "", /update\/delta: payload is not JSON/);
  assert.equal(reports().at(-1)!.sampleIntervalMs, 10_000);
});

test("a batch wait set through the shadow sends the interval's readings in one message and loses none; set back to 0, each reading goes as it is taken", async () => {
  const { broker, reports, lines, sim } = build();
  const board = await VmBoard.boot(sim);
  board.advance(25_000);
  const messages = () => broker.publishes.filter((p) => p.topic.endsWith("/telemetry"));
  assert.equal(reports().at(-1)!.batchWaitMs, 0, "the build's default: no wait");
  assert.equal(messages().length, 2, "one message per 10 s reading");
  broker.deliver(`${SHADOW}/update/delta`, JSON.stringify({ version: 3, state: { batchWaitMs: 60_000 } }));
  board.advance(1);
  assert.equal(reports().at(-1)!.batchWaitMs, 60_000);
  assert.match(lines("SH700").at(-1) ?? "", /fields=batchWaitMs/);
  const before = messages().length;
  board.advance(180_000);
  const batched = messages().slice(before);
  const sizes = batched.map((p) => JSON.parse(new TextDecoder().decode(p.payload)) as { batch?: unknown[] }).map((m) => m.batch?.length ?? 1);
  assert.ok(batched.length <= 4, `18 readings in 3 minutes went in ${batched.length} messages (${sizes.join(", ")})`);
  assert.ok(
    sizes.some((n) => n >= 5),
    `a minute's readings share a message: ${sizes.join(", ")}`,
  );
  const seqs = broker.readings(/\/telemetry$/).map((r) => (r as { seq: number }).seq);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i + 1),
    "every reading delivered once, in order",
  );

  broker.deliver(`${SHADOW}/update/delta`, JSON.stringify({ version: 4, state: { batchWaitMs: -1 } }));
  board.advance(1);
  assert.equal(reports().at(-1)!.rejected!.batchWaitMs, "expected an integer from 0 to 3600000 ms, got -1");
  broker.deliver(`${SHADOW}/update/delta`, JSON.stringify({ version: 5, state: { batchWaitMs: 0 } }));
  board.advance(1);
  const waiting = broker.readings(/\/telemetry$/).length;
  assert.equal(waiting, board.firmware.board.sequence, "setting 0 sent what was waiting at once");
  const settled = messages().length;
  board.advance(20_000);
  assert.equal(messages().length - settled, 2, "then one message per reading again");
});
