import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readingsOf } from "../../../firmware/telemetry/TelemetryBatch.ts";
import { MainJob } from "../../../host-tools/twin/MainJob.ts";
import { parseMainJobOptions } from "../../../host-tools/twin/MainJobOptions.ts";

interface LakeRecord {
  thing: string;
  boot: number;
  seq: number;
}

function lakeRecords(lake: string): LakeRecord[] {
  return readdirSync(path.join(lake, "raw"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .flatMap((entry) => readFileSync(path.join(entry.parentPath, entry.name), "utf8").split("\n").filter(Boolean))
    .flatMap((line) => readingsOf(JSON.parse(line)) as LakeRecord[]);
}

async function until(condition: () => boolean, what: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test(
  "the local twin: boards publish over mutual TLS, every reading they took lands in the lake once, a rogue board is refused and says why",
  { timeout: 90_000 },
  async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), "aqm-twin-"));
    try {
      const options = parseMainJobOptions(
        [
          "--boards",
          "2",
          "--interval",
          "1",
          "--state",
          state,
          "--port",
          "0",
          "--rogue-board",
          "expired",
          "--etl-every",
          "1",
          "--train-every",
          "0",
          "--report-port",
          "0",
        ],
        false,
      )!;
      const notices: string[] = [];
      const job = await MainJob.start(options, (line) => notices.push(line));
      const [first, second, rogue] = job.statuses;
      await until(() => first!.readings >= 3 && second!.readings >= 3 && rogue!.led === "broker-unreachable", "readings and the rogue's refusal", 20_000);
      assert.equal(first!.led, "online");
      assert.equal(first!.connection, "online");
      // The core closes a refused handshake without a TLS alert, so the rogue cannot tell it from a reset (issue 20);
      // the core's notice says why.
      assert.match(rogue!.lastProblem ?? "", /^MQ411 Broker unreachable/);
      assert.ok(
        notices.some((n) => /client certificate refused: CERT_HAS_EXPIRED/.test(n)),
        `the core said why: ${notices.join(" | ")}`,
      );

      await until(() => (job.lake.pipeline?.curated ?? 0) >= 2, "the pipeline's first curated readings", 20_000);
      const page = await (await fetch(job.reportUrl)).text();
      assert.match(page, /aqm-sim-001/, "the report page shows the curated board");
      const shadow = JSON.parse(readFileSync(path.join(state, "shadows", "aqm-sim-001.json"), "utf8")) as {
        document?: { state?: { reported?: { firmware?: string } } };
        state?: { reported?: { firmware?: string } };
      };
      assert.equal((shadow.document ?? shadow).state?.reported?.firmware, "0.1.0", "the board's shadow report reached the IoT Core's shadow service over TLS");

      const summary = await job.stop();
      for (const board of summary.boards.filter((b) => !b.rogue))
        assert.equal(board.curated, board.readings, `${board.thing}: the curated lake holds every reading it took, once`);
      assert.equal(summary.pipeline.quarantined, 0);
      const rawKeys = readdirSync(path.join(state, "lake", "raw"), { recursive: true }).map(String);
      assert.ok(
        rawKeys.some((key) => /^year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/aqm-telemetry-1-/.test(key)),
        `the cloud's Firehose prefix: ${rawKeys.slice(0, 3).join(", ")}`,
      );
      const records = lakeRecords(path.join(state, "lake"));
      for (const board of summary.boards.filter((b) => !b.rogue)) {
        assert.equal(board.drained, true, `${board.thing} drained`);
        const mine = records.filter((r) => r.thing === board.thing);
        assert.deepEqual(
          mine.map((r) => r.seq).sort((a, b) => a - b),
          Array.from({ length: board.readings }, (_, i) => i + 1),
          `${board.thing}: every reading, once`,
        );
      }
      assert.equal(records.filter((r) => r.thing === "aqm-rogue-expired").length, 0, "nothing from the refused board");
      assert.equal(summary.lakeReadings, records.length);
      assert.ok(summary.lakeRecords <= records.length, "a message holds one reading or a batch of them");

      const caBefore = readFileSync(path.join(state, "ca", "ca.cert.pem"), "utf8");
      const again = await MainJob.start({ ...options, boards: 1, rogueBoards: [] }, () => undefined);
      await until(() => again.statuses[0]!.readings >= 1, "a reading after restart", 20_000);
      await again.stop();
      assert.equal(readFileSync(path.join(state, "ca", "ca.cert.pem"), "utf8"), caBefore, "the CA is reused");
      const boots = new Set(
        lakeRecords(path.join(state, "lake"))
          .filter((r) => r.thing === "aqm-sim-001")
          .map((r) => r.boot),
      );
      assert.deepEqual([...boots].sort(), [1, 2], "the second run is a new boot of the same board, so (thing, boot, seq) stays unique");
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  },
);
