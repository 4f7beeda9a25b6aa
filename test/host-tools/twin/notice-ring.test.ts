import assert from "node:assert/strict";
import { test } from "node:test";
import { NoticeRing } from "../../../host-tools/twin/NoticeRing.ts";

test("the notice ring keeps the newest notices only, oldest first, and counts every one", () => {
  const ring = new NoticeRing(3);
  assert.deepEqual(ring.recent(3), []);
  for (let i = 1; i <= 4501; i++) ring.push(`notice ${i}`);
  assert.deepEqual(ring.recent(3), ["notice 4499", "notice 4500", "notice 4501"]);
  assert.deepEqual(ring.recent(2), ["notice 4500", "notice 4501"]);
  assert.deepEqual(ring.recent(10), ["notice 4499", "notice 4500", "notice 4501"]);
  assert.equal(ring.total, 4501);
  assert.throws(() => new NoticeRing(0), /a notice ring holds a whole number of notices above 0, not 0/);
});
