// The static build hosted below a domain's root (`cargo xtask dist --public-url /tools/shelfcast/`),
// opened on a deep link as a host with an SPA fallback serves it; its service worker's scope is
// the sub-path, and offline the deep link still opens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveDist, launch, root, cliRun, fixed } from "./harness.mjs";

const dir = process.env.SHELFCAST_SUBPATH_DIST && join(root, process.env.SHELFCAST_SUBPATH_DIST);
const base = process.env.SHELFCAST_SUBPATH_URL;

test("the app works under a sub-path, from a deep link", async (t) => {
  if (!dir || !base) {
    t.skip("SKIPPED: no sub-path build named (cargo xtask test makes one and sets SHELFCAST_SUBPATH_DIST)");
    return;
  }
  assert.ok(existsSync(join(dir, "index.html")), `the sub-path build named by SHELFCAST_SUBPATH_DIST exists: ${dir}`);
  const server = await serveDist(base, dir);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    page.context().on("request", (r) => r.serviceWorker() && requests.push(r.url()));
    await page.goto(server.origin + base + "runs");
    await page.waitForSelector("#runs");
    await page.click("nav >> text=Data");
    assert.equal(new URL(page.url()).pathname, base);
    await page.click("#use-sample");
    await page.waitForSelector(".last-run[data-run-id]", { timeout: 120_000 });
    assert.equal((await page.textContent("#test-wmae")).trim(), fixed(cliRun([]).metrics.test_wmae));
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.ready).scope), server.origin + base);
    await page.context().setOffline(true);
    await page.goto(server.origin + base + "runs");
    await page.waitForSelector("#runs");
    await page.context().setOffline(false);
    const outside = requests.filter((u) => !u.startsWith(server.origin + base));
    assert.deepEqual(outside, [], "every request stays below the public URL");
    const unseen = server.served.filter((path) => !requests.includes(server.origin + path));
    assert.deepEqual(unseen, [], "the recording saw every request the server answered");
  } finally {
    await browser.close();
    await server.close();
  }
});
