import assert from "node:assert/strict";
import { test } from "node:test";
import { categoryOf, splitCorpus } from "../../../../host-tools/analysis/nab/corpus-split.ts";

test("the split deals each category's files alternately in name order, first to choose, whatever order they arrive in", () => {
  const names = ["b/z.csv", "a/2.csv", "b/x.csv", "a/1.csv", "a/3.csv", "b/y.csv", "lone.csv"];
  const split = splitCorpus(names);
  assert.deepEqual(split.choose, ["lone.csv", "a/1.csv", "a/3.csv", "b/x.csv", "b/z.csv"]);
  assert.deepEqual(split.report, ["a/2.csv", "b/y.csv"]);
  assert.deepEqual(splitCorpus([...names].reverse()), split, "the input order does not matter");
  assert.equal(categoryOf("realTraffic/speed_t4013.csv"), "realTraffic");
  assert.equal(categoryOf("Aotizhongxin"), "");
});

test("the two halves are disjoint and together hold every series once", () => {
  const names = Array.from({ length: 23 }, (_, i) => `cat${i % 4}/file${i}.csv`);
  const { choose, report } = splitCorpus(names);
  assert.equal(choose.length + report.length, names.length);
  assert.deepEqual([...choose, ...report].sort(), [...names].sort());
  for (let c = 0; c < 4; c++)
    assert.ok(
      report.some((name) => name.startsWith(`cat${c}/`)),
      `category ${c} is on the report side too`,
    );
});
