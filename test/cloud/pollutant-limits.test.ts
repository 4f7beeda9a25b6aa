import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPollutantLimits, POLLUTANT_LIMITS_FILE } from "../../cloud/lib/pollutantLimits.ts";

test("the WHO 2021 table in the boards' units: µg/m³ as published, gases converted to ppb at 25 °C (24.45 L/mol)", () => {
  assert.deepEqual(
    loadPollutantLimits().map((l) => [l.channel, l.pollutant, l.level, l.averagingHours]),
    [
      ["pm2_5_ugm3", "PM2.5", 15, 24],
      ["pm10_ugm3", "PM10", 45, 24],
      // 100 µg/m³ × 24.45 / 47.997 g/mol, and so on: the levels the guidelines publish, in the unit the board reports.
      ["o3_ppb", "O3", 50.94, 8],
      ["no2_ppb", "NO2", 13.29, 24],
      ["so2_ppb", "SO2", 15.27, 24],
      ["co_ppb", "CO", 3491.61, 24],
    ],
  );
});

test("a malformed table is refused naming the entry and the field", () => {
  const table = JSON.parse(readFileSync(POLLUTANT_LIMITS_FILE, "utf8"));
  const file = join(mkdtempSync(join(tmpdir(), "aqm-limits-")), "t.json");
  const refused = (edit: (t: any) => void, message: RegExp) => {
    const copy = structuredClone(table);
    edit(copy);
    writeFileSync(file, JSON.stringify(copy));
    assert.throws(() => loadPollutantLimits(file), message);
  };
  refused((t) => (t.guidelines[0].channel = "pm25"), /guidelines\[0\]: "channel" must be one of temperature_c, .*, got "pm25"/);
  refused((t) => delete t.guidelines[2].molarMassGPerMol, /guidelines\[2\]: a gas reported in ppb needs a positive "molarMassGPerMol"/);
  refused((t) => (t.guidelines[0].molarMassGPerMol = 1), /guidelines\[0\]: pm2_5_ugm3 is reported in µg\/m³: no "molarMassGPerMol"/);
  refused((t) => (t.guidelines[1].averagingHours = 1), /guidelines\[1\]: "averagingHours" must be 8 or 24, got 1/);
  refused((t) => t.guidelines.push(t.guidelines[0]), /guidelines\[6\]: a second guideline for pm2_5_ugm3/);
  refused((t) => (t.molarVolumeLitres = 0), /"molarVolumeLitres" must be a positive number/);
});
