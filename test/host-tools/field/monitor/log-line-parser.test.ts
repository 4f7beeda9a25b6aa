import assert from "node:assert/strict";
import { test } from "node:test";
import { formatLogLine } from "../../../../firmware/log/SerialLog";
import { parseLogLine } from "../../../../host-tools/field/monitor/LogLineParser.ts";

test("a log line the firmware writes parses back into time, level, subsystem, code, message and fields", () => {
  const line = formatLogLine(Date.UTC(2026, 10, 22, 22, 41, 3, 123), "MQ412", { reason: "tlsv1 alert unknown ca", attempt: 3 });
  assert.equal(
    line,
    "2026-11-22T22:41:03.123Z ERROR mqtt MQ412 TLS rejected: the broker refused the board's certificate, or the board refused the broker's reason=\"tlsv1 alert unknown ca\" attempt=3",
  );
  assert.deepEqual(parseLogLine(line), {
    time: "2026-11-22T22:41:03.123Z",
    level: "ERROR",
    subsystem: "mqtt",
    code: "MQ412",
    message: "TLS rejected: the broker refused the board's certificate, or the board refused the broker's",
    fields: { reason: "tlsv1 alert unknown ca", attempt: "3" },
  });
});

test("undefined fields are left out, and a value with an equals sign or quote survives the round trip", () => {
  const line = formatLogLine(0, "SM300", { seq: 7, t: undefined, note: 'a=b "c"' });
  assert.deepEqual(parseLogLine(line).fields, { seq: "7", note: 'a=b "c"' });
});

test("a line that is not from the board, or has an unknown code, is an error that quotes it", () => {
  assert.throws(() => parseLogLine("garbage from the bootloader"), /not a board log line: "garbage from the bootloader"/);
  assert.throws(() => parseLogLine("2026-11-22T22:41:03.123Z INFO mqtt ZZ999 Something"), /unknown event code ZZ999/);
});
