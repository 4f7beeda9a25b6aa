/**
 * A small raw lake for the curation tests: v1 and v2 readings from three boards, a duplicate
 * inside the first run and one across runs, and the corrupt lines the transformation must
 * quarantine. Times are relative to `base` (an hour boundary three hours before the test runs) so
 * that the named queries' "last 24 hours" windows see them.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ALL_CHANNELS_OK, healthyReading } from "../../../../host-tools/board-sim/scenarios/HealthyReading.ts";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function fixtureBase(now: number): number {
  return Math.floor(now / HOUR) * HOUR - 3 * HOUR;
}

function v2(thing: string, boot: number, seq: number, ts: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...healthyReading(
      { thing, boot, seq, ts },
      {
        temperature_c: 21.5,
        humidity_pct: 40.25,
        pm1_ugm3: 3.2,
        pm2_5_ugm3: 5.0,
        pm10_ugm3: 8.4,
        co_ppb: 268.3,
        no2_ppb: 13.9,
        so2_ppb: 2.7,
        o3_ppb: 31.2,
        anomaly: 0.01,
      },
    ),
    topic_thing: thing,
    received_at: ts + 500,
    ...extra,
  };
}

function v1(thing: string, boot: number, seq: number, ts: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    thing,
    boot,
    seq,
    ts,
    temperature_c: 19.0,
    humidity_pct: 50.0,
    pm1_ugm3: 2,
    pm2_5_ugm3: 4,
    pm10_ugm3: 6,
    health: { sht4x: "ok", pms5003: "ok" },
    ...extra,
  };
}

const json = (record: Record<string, unknown>) => JSON.stringify(record);

/** Lines of the objects the first curation run finds. */
export function firstRunObjects(base: number): Record<string, string[]> {
  const a1 = json(v2("aqm-fix-001", 1, 2, base + 2 * MINUTE, { pm2_5_ugm3: 9.0, anomaly: 0.85 }));
  const { co_ppb: _co, ...noCo } = v2("aqm-fix-003", 2, 1, base + 90_000, { anomaly: 0.005, health: { ...ALL_CHANNELS_OK, co_ppb: "fault:nack" } });
  const { seq: _seq, ...noSeq } = v2("aqm-fix-001", 1, 9, base + 9 * MINUTE);
  const {
    pm1_ugm3: _p1,
    pm2_5_ugm3: _p2,
    pm10_ugm3: _p10,
    ...noPm
  } = v1("aqm-fix-002", 7, 2, base + HOUR + MINUTE, { temperature_c: 20.0, health: { sht4x: "ok", pms5003: "fault:read" } });
  return {
    [objectKey(base, "a")]: [
      json(v2("aqm-fix-001", 1, 1, base + MINUTE)),
      a1,
      json(v1("aqm-fix-002", 7, 1, base + MINUTE)),
      `{"v":2,"thing":"aqm-fix-001","boot":1,"seq":3,"ts":`,
      a1.replace(`"received_at":${base + 2 * MINUTE + 500}`, `"received_at":${base + 2 * MINUTE + 9000}`),
      json({ ...v2("aqm-fix-001", 1, 4, base + 4 * MINUTE), v: 9 }),
      json(noCo),
      json(v2("aqm-fix-001", 1, 5, base + 5 * MINUTE, { pm2_5_ugm3: "12.5" })),
      json(noSeq),
      json(v2("aqm-fix-001", 1, 6, base + 6 * MINUTE, { topic_thing: "aqm-fix-002" })),
    ],
    [objectKey(base, "b")]: [
      json(v2("aqm-fix-001", 1, 3, base + 3 * MINUTE)),
      json(noPm),
      json(v1("aqm-fix-002", 7, 3, base + 2 * MINUTE, { ts: (base + 2 * MINUTE) / 1000 + 0.5 })),
      json(v2("aqm-fix-003", 2, 2, base - 2 * DAY, { anomaly: 0.9 })),
    ],
  };
}

/** The object a second run finds: a resend of a reading curated by the first run, a new one, a corrupt line. */
export function secondRunObjects(base: number): Record<string, string[]> {
  return {
    [objectKey(base + HOUR, "c")]: [
      json(v2("aqm-fix-001", 1, 1, base + MINUTE, { received_at: base + HOUR })),
      json(v2("aqm-fix-001", 2, 1, base + 5 * MINUTE, { pm2_5_ugm3: 7.0 })),
      "not json at all",
    ],
  };
}

/**
 * The object the n-th later run finds, as the main job's minute-by-minute curation does: one new
 * reading of aqm-fix-001 and one of aqm-fix-002, n seconds into the base hour, so each run adds a
 * file to the same two (date, thing) partitions as the first run.
 */
export function nextRunObjects(base: number, n: number): Record<string, string[]> {
  return {
    [objectKey(base, `n${n}`)]: [json(v2("aqm-fix-001", 3, n, base + n * 1000, { pm2_5_ugm3: 5 + n / 10 })), json(v1("aqm-fix-002", 8, n, base + n * 1000))],
  };
}

/** Reasons the transformation gives, by object key and line number. */
export function expectedQuarantine(base: number): { key: string; line: number; reason: string }[] {
  const a = objectKey(base, "a");
  const b = objectKey(base, "b");
  return [
    { key: a, line: 4, reason: "not a JSON object (truncated or malformed, or another JSON value)" },
    { key: a, line: 6, reason: "unknown schema version v=9 (known: 1, 2)" },
    { key: a, line: 8, reason: "pm2_5_ugm3 is not a number" },
    { key: a, line: 9, reason: "seq is missing" },
    { key: a, line: 10, reason: "thing aqm-fix-001 differs from the thing of the topic it was published on" },
    { key: b, line: 3, reason: "ts is not an integer (ms since the Unix epoch)" },
  ];
}

/** A Firehose object key for the hour of `time`, as the local Firehose names them. */
export function objectKey(time: number, suffix: string): string {
  const d = new Date(time).toISOString();
  const [y, mo, da, h] = [d.slice(0, 4), d.slice(5, 7), d.slice(8, 10), d.slice(11, 13)];
  return `raw/${y}/${mo}/${da}/${h}/aqm-telemetry-1-${y}-${mo}-${da}-${h}-00-00-${suffix}`;
}

export function writeObjects(lakeDir: string, objects: Record<string, string[]>): void {
  for (const [key, lines] of Object.entries(objects)) {
    const file = path.join(lakeDir, ...key.split("/"));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, lines.join("\n") + "\n");
  }
}

export function utcDate(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}
