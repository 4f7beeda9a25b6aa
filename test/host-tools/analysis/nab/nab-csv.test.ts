import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readNabCsv } from "../../../../host-tools/analysis/nab/nab-csv.ts";

describe("readNabCsv", () => {
  const dir = mkdtempSync(join(tmpdir(), "nab-csv-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("finds columns by header name and canonicalises timestamps", () => {
    const path = write("ok.csv", "timestamp,value,anomaly_score\n2014-04-10 07:15:00,3.5,0.25\n2014-04-10 07:20:00.000000,4,1\n");
    assert.deepEqual(readNabCsv(path, "anomaly_score"), { timestamps: ["2014-04-10 07:15:00", "2014-04-10 07:20:00"], values: [0.25, 1] });
    assert.deepEqual(readNabCsv(path, "value").values, [3.5, 4]);
  });

  it("names the file and line of a bad row", () => {
    const path = write("bad.csv", "timestamp,anomaly_score\n2014-04-10 07:15:00,0.1\n2014-04-10 07:20:00,oops\n");
    assert.throws(() => readNabCsv(path, "anomaly_score"), new RegExp(`bad\\.csv line 3: anomaly_score "oops" is not a number`));
  });

  it("names the file whose header lacks the column", () => {
    const path = write("header.csv", "time,score\n");
    assert.throws(() => readNabCsv(path, "anomaly_score"), /header\.csv: header lacks timestamp or anomaly_score/);
  });
});
