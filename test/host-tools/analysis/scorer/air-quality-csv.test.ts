import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BEIJING_CHANNELS, readBeijingRows, readUciRows, UCI_CHANNELS } from "../../../../host-tools/analysis/scorer/air-quality-csv.ts";

const BEIJING = "test/fixtures/air-quality/beijing-aotizhongxin-2013-03.csv";
const UCI = "test/fixtures/air-quality/uci-air-quality-2004-03.csv";

test("Beijing rows: the nine channels in order, the hour as a second of the day, NA as NaN", () => {
  const data = readBeijingRows(BEIJING);
  assert.equal(data.rows.length, 1200);
  assert.deepEqual(data.channels, BEIJING_CHANNELS);
  // Line 2: 1,2013,3,1,0,4,4,4,7,300,77,-0.7,1023,-18.8,…
  assert.deepEqual(data.rows[0], [4, 4, 4, 7, 300, 77, -0.7, -18.8, 1023]);
  assert.equal(data.secondsOfDay[1], 3600);
  assert.ok(data.rows.some((row) => row.some(Number.isNaN)));
});

test("UCI rows: nine columns, −200 as NaN, the hour from the Time column", () => {
  const data = readUciRows(UCI);
  assert.equal(data.rows.length, 48);
  assert.deepEqual(data.channels, UCI_CHANNELS);
  // 10/03/2004;18:00;2.6;1360;150;11.9;1046;166;1056;113;1692;1268;13.6;48.9;0.7578
  assert.deepEqual(data.rows[0], [2.6, 166, 113, 1360, 1056, 1692, 1268, 13.6, 48.9]);
  assert.equal(data.secondsOfDay[0], 18 * 3600);
  // Line 11: 11/03/2004;03:00;0.6;1010;19;1.7;561;-200;1705;-200;… (NOx and NO2 missing); line 12: CO(GT) −200.
  assert.deepEqual(data.rows[9]?.slice(0, 3), [0.6, Number.NaN, Number.NaN]);
  assert.ok(Number.isNaN(data.rows[10]?.[0] as number));
  assert.equal(data.secondsOfDay[10], 4 * 3600);
});

test("a bad cell or a missing column is refused with the file, the line and the value", () => {
  const dir = tmpdir();
  const header = "Date;Time;CO(GT);PT08.S1(CO);NMHC(GT);C6H6(GT);PT08.S2(NMHC);NOx(GT);PT08.S3(NOx);NO2(GT);PT08.S4(NO2);PT08.S5(O3);T;RH;AH";
  const bad = join(dir, `uci-bad-${process.pid}.csv`);
  writeFileSync(bad, `${header}\n10/03/2004;18:00;x;1360;150;11.9;1046;166;1056;113;1692;1268;13.6;48.9;0.7578\n`);
  assert.throws(() => readUciRows(bad), /uci-bad-\d+\.csv line 2: "x" in CO\(GT\) is not a number/);
  writeFileSync(bad, `${header}\n10/03/2004;18:30;2;1360;150;11.9;1046;166;1056;113;1692;1268;13.6;48.9;0.7578\n`);
  assert.throws(() => readUciRows(bad), /line 2: Time "18:30" is not a whole hour/);
  writeFileSync(bad, `${header}\n10/03/2004;18:00;2;1360;150;11.9;1046;166;1056;113;1692;1268;13.6;48.9;0.7578\n;;;;;;;;;;;;;;\n\n`);
  assert.equal(readUciRows(bad).rows.length, 1, "the file's trailing empty ;;; rows are skipped");
  writeFileSync(bad, `Date;Time;CO(GT)\n`);
  assert.throws(() => readUciRows(bad), /no column "NOx\(GT\)"/);
  const beijing = join(dir, `beijing-bad-${process.pid}.csv`);
  writeFileSync(beijing, `"No","year","month","day","hour","PM2.5"\n1,2013,3,1,0,4\n`);
  assert.throws(() => readBeijingRows(beijing), /no column "PM10"/);
});
