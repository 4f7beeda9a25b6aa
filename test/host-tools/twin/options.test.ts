import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { test } from "node:test";
import { UsageError } from "../../../host-tools/field/cli/CommandArgs.ts";
import { parseMainJobOptions } from "../../../host-tools/twin/MainJobOptions.ts";

test("defaults: three boards every five seconds into ./state on port 8883, in worker threads on all cores but one, live view only on a terminal", () => {
  assert.deepEqual(parseMainJobOptions([], true), {
    boards: 3,
    powerUpWindowMs: 150,
    workers: Math.max(1, availableParallelism() - 1),
    intervalMs: 5000,
    stateDir: "state",
    port: 8883,
    durationMs: undefined,
    live: true,
    rogueBoards: [],
    replayFile: undefined,
    etlEveryMs: 60_000,
    trainEveryMs: 3_600_000,
    reportPort: 8080,
  });
  assert.equal(parseMainJobOptions([], false)!.live, false);
  assert.equal(parseMainJobOptions(["--no-live"], true)!.live, false);
});

test("options are read and --help asks for the help text", () => {
  assert.deepEqual(
    parseMainJobOptions(
      [
        "--boards",
        "5",
        "--interval",
        "2",
        "--power-up",
        "30",
        "--workers",
        "0",
        "--state",
        "/tmp/x",
        "--port",
        "18883",
        "--duration",
        "30",
        "--etl-every",
        "10",
        "--train-every",
        "0",
        "--report-port",
        "0",
      ],
      false,
    ),
    {
      boards: 5,
      powerUpWindowMs: 30_000,
      workers: 0,
      intervalMs: 2000,
      stateDir: "/tmp/x",
      port: 18883,
      durationMs: 30_000,
      live: false,
      rogueBoards: [],
      replayFile: undefined,
      etlEveryMs: 10_000,
      trainEveryMs: 0,
      reportPort: 0,
    },
  );
  assert.equal(parseMainJobOptions(["--replay", "station.csv"], false)!.replayFile, "station.csv");
  assert.deepEqual(parseMainJobOptions(["--rogue-board", "expired", "--rogue-board", "other-ca"], false)!.rogueBoards, ["expired", "other-ca"]);
  assert.equal(parseMainJobOptions(["--help"], true), undefined);
});

test("a thousand boards are a fleet, not a usage error; by default they power up over 50 s, and --power-up 0 powers all at once", () => {
  const fleet = parseMainJobOptions(["--boards", "1000"], false)!;
  assert.equal(fleet.boards, 1000);
  assert.equal(fleet.powerUpWindowMs, 50_000);
  assert.equal(parseMainJobOptions(["--boards", "1000", "--power-up", "0"], false)!.powerUpWindowMs, 0);
  assert.throws(() => parseMainJobOptions(["--power-up", "4000"], false), /--power-up must be a whole number from 0 to 3600, not "4000"/);
});

test("a bad value or an unknown option is a usage error naming it", () => {
  assert.throws(
    () => parseMainJobOptions(["--boards", "0"], false),
    (e) => e instanceof UsageError && /--boards must be a whole number from 1 to 5000, not "0"/.test(e.message),
  );
  assert.throws(() => parseMainJobOptions(["--interval", "1.5"], false), /--interval must be a whole number/);
  assert.throws(() => parseMainJobOptions(["--rogue-board", "nice"], false), /--rogue-board must be one of other-ca, expired, not "nice"/);
  assert.throws(() => parseMainJobOptions(["--etl-every", "0"], false), /--etl-every must be a whole number from 1 to 86400, not "0"/);
  assert.throws(
    () => parseMainJobOptions(["--colour"], false),
    (e) => e instanceof UsageError && /colour/.test(e.message),
  );
});
