import assert from "node:assert/strict";
import { test } from "node:test";
import { BoardLogState } from "../../../host-tools/twin/BoardLogState.ts";
import { renderView } from "../../../host-tools/twin/TerminalView.ts";

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
  assert.match(lines[2]!, /^aqm-twin-001 +LED \[online\] +online +readings +12  T 21\.4°C  RH 48\.2%  PM1 3\.1  PM2\.5 6\.0  PM10 9\.5 µg\/m³$/);
  assert.match(lines[3]!, /^aqm-twin-002 +LED \[tls-rejected\] +waiting +readings +0  no reading yet$/);
  assert.ok(lines[4]!.length === 100 && lines[4]!.endsWith("…"), "a long problem is cut to the width");
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
