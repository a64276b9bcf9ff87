// The harness's own rules, without a browser: absent real data fails a test when
// SHELFCAST_REQUIRE_DATA=1 (as CI runs) and skips it otherwise, saying so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { realDataOr } from "./harness.mjs";

function withRequirement(value, body) {
  const saved = process.env.SHELFCAST_REQUIRE_DATA;
  if (value === undefined) delete process.env.SHELFCAST_REQUIRE_DATA;
  else process.env.SHELFCAST_REQUIRE_DATA = value;
  try {
    body();
  } finally {
    if (saved === undefined) delete process.env.SHELFCAST_REQUIRE_DATA;
    else process.env.SHELFCAST_REQUIRE_DATA = saved;
  }
}

test("absent real data fails when required and skips, saying so, otherwise", () => {
  const skipped = [];
  const t = { skip: (why) => skipped.push(why) };
  withRequirement("1", () => {
    assert.throws(() => realDataOr(t, "train.csv", undefined), /^Error: SHELFCAST_REQUIRE_DATA is set and the real Walmart data is absent from /);
    assert.equal(realDataOr(t, "train.csv", ["features.csv", "stores.csv"]), true, "present data goes on");
  });
  assert.deepEqual(skipped, []);
  withRequirement(undefined, () => assert.equal(realDataOr(t, undefined), false));
  assert.equal(skipped.length, 1);
  assert.match(skipped[0], /^SKIPPED: the real Walmart data is absent from /);
});
