// The static build hosted below a domain's root (`cargo xtask dist --public-url /tools/shelfcast/`),
// opened on a deep link as a host with an SPA fallback serves it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveDist, launch, root } from "./harness.mjs";

const dir = process.env.SHELFCAST_SUBPATH_DIST && join(root, process.env.SHELFCAST_SUBPATH_DIST);
const base = process.env.SHELFCAST_SUBPATH_URL;

test("the app works under a sub-path, from a deep link", async (t) => {
  if (!dir || !base || !existsSync(join(dir, "index.html"))) {
    t.skip("SKIPPED: no sub-path build (cargo xtask test makes one)");
    return;
  }
  const server = await serveDist(base, dir);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(server.origin + base + "runs");
    await page.waitForSelector("#runs");
    await page.click("nav >> text=Data");
    assert.equal(new URL(page.url()).pathname, base);
    await page.click("#use-sample");
    await page.waitForSelector("#test-wmae", { timeout: 120_000 });
    assert.match(await page.textContent("#test-wmae"), /^\d+\.\d{3}$/);
    const outside = requests.filter((u) => !u.startsWith(server.origin + base));
    assert.deepEqual(outside, [], "every request stays below the public URL");
  } finally {
    await browser.close();
    await server.close();
  }
});
