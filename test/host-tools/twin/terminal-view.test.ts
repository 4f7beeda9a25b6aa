import assert from "node:assert/strict";
import { test } from "node:test";
import { BoardLogState } from "../../../host-tools/twin/BoardLogState.ts";
import { ReadingRate, summariseFleet } from "../../../host-tools/twin/FleetSummary.ts";
import { renderStatusLine, renderView } from "../../../host-tools/twin/TerminalView.ts";

function boards(): BoardLogState[] {
  const online = new BoardLogState("aqm-twin-001");
  online.led = "online";
  online.connection = "online";
  online.readings = 12;
  online.lastReading = { t: "21.4", rh: "48.2", pm1: "3.1", pm2_5: "6.0", pm10: "9.5" };
  const failing = new BoardLogState("aqm-twin-002");
  failing.led = "tls-rejected";
  failing.connection = "waiting";
  failing.lastProblem = `tls-rejected: ${"certificate unknown ".repeat(20)}`;
  return [online, failing];
}

const lake = {
  messages: 40,
  records: 30,
  objects: 3,
  lakeDir: "state/lake",
  pipeline: { rounds: 5, records: 30, curated: 28, duplicates: 1, quarantined: 1, compactedPartitions: 2, trainings: 1, thresholdsPublished: 3 },
  reportUrl: "http://127.0.0.1:8080",
};

test("the terminal view spells out each LED state, the last reading, a problem cut to the width, and the lake's figures", () => {
  const text = renderView(boards(), lake, false, 100);
  const lines = text.split("\n");
  assert.equal(lines[1], "LED         1 online · 1 tls-rejected");
  assert.equal(lines[2], "connection  1 online · 1 waiting");
  assert.equal(lines[3], "readings    12 taken; 28 curated (0 not yet queryable)");
  assert.match(lines[5]!, /^aqm-twin-001 +LED \[online\] +online +readings +12  T 21\.4°C  RH 48\.2%  PM1 3\.1  PM2\.5 6\.0  PM10 9\.5 µg\/m³$/);
  assert.match(lines[6]!, /^aqm-twin-002 +LED \[tls-rejected\] +waiting +readings +0  no reading yet$/);
  assert.ok(lines[7]!.length === 100 && lines[7]!.endsWith("…"), "a long problem is cut to the width");
  assert.ok(text.includes("lake: 30 telemetry messages in 3 objects (40 MQTT messages received)"));
  assert.ok(
    text.includes(
      "curated: 28 readings, 1 duplicates removed, 1 quarantined (5 ETL runs, 2 partitions compacted); thresholds sent to shadows: 3 (1 trainings)",
    ),
  );
  assert.ok(text.endsWith("report: http://127.0.0.1:8080"));
  assert.ok(!text.includes("\x1b["), "no colour codes when colour is off");
});

test("with colour on, the LED state is coloured and still named in words", () => {
  const text = renderView(boards(), lake, true);
  assert.ok(text.includes("\x1b[32m● online"), "online is green");
  assert.ok(text.includes("\x1b[31m● tls-rejected"), "a rejected certificate is red");
});

/** A fleet of `n` online boards with 10 readings each, then the given boards in trouble. */
function fleet(n: number, trouble: { led: string; dropped?: number }[]): BoardLogState[] {
  const boards = Array.from({ length: n }, (_, i) => {
    const board = new BoardLogState(`aqm-sim-${String(i + 1).padStart(4, "0")}`);
    board.led = "online";
    board.connection = "online";
    board.readings = 10;
    return board;
  });
  trouble.forEach(({ led, dropped }, i) => {
    const board = boards[i * 7]!;
    board.led = led;
    board.connection = led === "anomaly" || led === "online" ? "online" : "offline";
    board.dropped = dropped ?? 0;
  });
  return boards;
}

test("a fleet is summarised: counts per LED and connection state, readings a minute and the lake's lag, and only the boards needing attention, worst first", () => {
  const trouble = [
    { led: "broker-unreachable" },
    { led: "anomaly" },
    { led: "tls-rejected" },
    { led: "online", dropped: 2 },
    ...Array.from({ length: 10 }, () => ({ led: "network-down" })),
  ];
  const boards = fleet(1000, trouble);
  const text = renderView(boards, { ...lake, pipeline: { ...lake.pipeline, curated: 9_900 } }, false, 120, 1_190.4);
  const lines = text.split("\n");
  assert.equal(lines[0], "aqm local twin — 1000 boards → IoT Core on 127.0.0.1 → lake state/lake");
  assert.equal(lines[1], "LED         987 online · 10 network-down · 1 anomaly · 1 broker-unreachable · 1 tls-rejected");
  assert.equal(lines[2], "connection  988 online · 12 offline");
  assert.equal(lines[3], "readings    10000 taken, 1190 a minute; 9900 curated (100 not yet queryable)");
  assert.equal(lines[5], "14 board(s) need attention, worst first:");
  const rows = lines.filter((line) => /^aqm-sim-\d{4} +LED/.test(line));
  assert.equal(rows.length, 10, "ten rows, not a thousand");
  assert.match(rows[0]!, /^aqm-sim-0015 +LED \[tls-rejected\]/, "a refused certificate first");
  assert.match(rows[1]!, /^aqm-sim-0001 +LED \[broker-unreachable\]/);
  assert.match(rows[2]!, /\[network-down\]/);
  const more = lines.find((line) => line.startsWith("… and 4 more: "));
  assert.ok(more, text);
  assert.match(more, /aqm-sim-0008 \(anomaly\), aqm-sim-0022 \(online\)$/, "an anomaly and a board that lost readings come last");
  assert.ok(lines.length < 30, `${lines.length} lines`);
});

test("a healthy fleet says no board needs attention; the status line counts the fleet and names the three worst", () => {
  assert.ok(renderView(fleet(50, []), lake, false).includes("\nno board needs attention\n"));
  const line = renderStatusLine(fleet(200, [{ led: "network-down" }, { led: "tls-rejected" }, { led: "sensor-fault" }, { led: "anomaly" }]), lake, 240);
  assert.equal(
    line,
    "boards 200: LED 196 online · 1 anomaly · 1 network-down · 1 sensor-fault · 1 tls-rejected; connection 197 online · 3 offline; readings 2000 taken, 240 a minute; 28 curated (1972 not yet queryable); lake messages=30 objects=3; attention aqm-sim-0008=tls-rejected aqm-sim-0015=sensor-fault aqm-sim-0001=network-down (+1 more)",
  );
  assert.deepEqual(summariseFleet(fleet(3, [])).attention, []);
});

test("readings a minute are counted over the last minute only", () => {
  const rate = new ReadingRate(60_000);
  assert.equal(rate.sample(0, 0), undefined, "one sample is no rate");
  assert.equal(rate.sample(100, 30_000), 200);
  assert.equal(rate.sample(200, 60_000), 200);
  // A burst long ago no longer counts: 10 readings between 60 s and 120 s.
  assert.equal(rate.sample(210, 120_000), 10);
});
