import assert from "node:assert/strict";
import { test } from "node:test";
import { BOARDS_PER_PAGE, boardPageNav, parseBoardSelection, selectBoards } from "../../../../host-tools/analysis/report/BoardPaging.ts";
import { readLakeReport, type ReportData } from "../../../../host-tools/analysis/report/LakeReport.ts";
import { ReportServer } from "../../../../host-tools/analysis/report/ReportServer.ts";
import { curatedReportLake } from "./reportLakeFixture.ts";

const fleet = (count: number): string[] => Array.from({ length: count }, (_, i) => `aqm-sim-${String(i + 1).padStart(4, "0")}`);

test("a fleet's report is paged 20 boards at a time, and filtered by a part of the board's name", () => {
  const data = fleet(45);
  const third = selectBoards(data, parseBoardSelection(new URLSearchParams("page=3")));
  assert.deepEqual(third.things, ["aqm-sim-0041", "aqm-sim-0042", "aqm-sim-0043", "aqm-sim-0044", "aqm-sim-0045"]);
  assert.deepEqual(third.page, { selection: { board: undefined, page: 3 }, matching: 45, pages: 3 });
  assert.equal(selectBoards(data, parseBoardSelection(new URLSearchParams())).things.length, BOARDS_PER_PAGE);
  const nav = boardPageNav(third.page, 45);
  assert.match(nav, /boards 41–45 of 45, page 3 of 3 · <a href="\?page=2" rel="prev">previous<\/a><\/p>/);

  const filtered = selectBoards(data, parseBoardSelection(new URLSearchParams("board=SIM-001")));
  assert.deepEqual(
    filtered.things,
    Array.from({ length: 10 }, (_, i) => `aqm-sim-001${i}`),
    "case does not matter",
  );
  assert.match(boardPageNav(filtered.page, 45), /boards 1–10 of 10 matching “SIM-001” \(45 in all\), page 1 of 1<\/p>/);
  assert.match(boardPageNav(selectBoards(data, { board: '"><b>', page: 1 }).page, 45), /value="&quot;&gt;&lt;b&gt;"/, "the filter is escaped");

  assert.throws(() => parseBoardSelection(new URLSearchParams("page=0")), /page must be a whole number from 1, not "0"/);
  assert.throws(() => selectBoards(data, { board: undefined, page: 4 }), /page 4 is past the last page, 3/);
});

test("the report server: ?board= shows that board alone, in the page and in /data.json; a bad page is refused with why", async () => {
  const lake = await curatedReportLake();
  const server = new ReportServer({ lakeDir: lake.lakeDir, port: 0, cacheMs: 0 });
  const url = await server.start();
  try {
    const page = await (await fetch(`${url}?board=rep-002`)).text();
    assert.match(page, /<h2 id="board-1-name">aqm-rep-002<\/h2>/);
    assert.doesNotMatch(page, />aqm-rep-001</);
    assert.match(page, /boards 1–1 of 1 matching “rep-002” \(2 in all\)/);
    const data = (await (await fetch(`${url}data.json?board=rep-002`)).json()) as ReportData;
    assert.deepEqual(
      data.boards.map((b) => b.thing),
      ["aqm-rep-002"],
    );
    const bad = await fetch(`${url}?page=x`);
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'page must be a whole number from 1, not "x"\n');
    assert.equal((await fetch(`${url}?page=2`)).status, 404);
  } finally {
    await server.stop();
  }
});

test("a report of some boards reads only their readings, and still counts the whole fleet", async () => {
  const lake = await curatedReportLake();
  const all = await readLakeReport({ lakeDir: lake.lakeDir });
  const offered: string[][] = [];
  const one = await readLakeReport({
    lakeDir: lake.lakeDir,
    select: (things) => {
      offered.push([...things]);
      return things.slice(1, 2);
    },
  });
  assert.deepEqual(offered, [["aqm-rep-001", "aqm-rep-002"]], "the selection is offered every board, sorted");
  assert.deepEqual(
    one.boards.map((b) => b.thing),
    ["aqm-rep-002"],
  );
  assert.equal(one.fleetSize, 2);
  assert.equal(one.curatedReadings, all.curatedReadings, "the count is the whole lake's");
  assert.deepEqual(one.boards[0], all.boards[1], "the chosen board is drawn as in the full report");
  assert.equal((await readLakeReport({ lakeDir: lake.lakeDir, select: () => [] })).boards.length, 0);
});
