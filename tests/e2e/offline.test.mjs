// Offline after one visit, in real headless Chromium: the build's service worker caches the
// whole build, so with the network off (the driver's emulation) the app reloads and runs the
// sample; and a new build deployed to the host is offered as a reload, which opens it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appAndBrowser, checkOrigins, dist, launch, openPage, runAndRead, serveDist } from "./harness.mjs";

const app = appAndBrowser();

/** Waits until the build's service worker controls `page`. */
async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

test("after one visit the app opens and runs the sample with no network", async () => {
  const context = await app.browser.newContext();
  const { page, errors } = await openPage(app.browser, app.server.url, { context });
  await controlled(page);
  const manifest = await page.evaluate(async () => (await fetch(document.querySelector('link[rel="manifest"]').href)).json());
  assert.equal(manifest.short_name, "Shelfcast");

  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector("#use-sample");
  const metrics = await runAndRead(page, () => page.click("#use-sample"));
  assert.match(metrics.wmae, /^\d+\.\d{3}$/);
  // The charts' library comes from the cache too.
  await page.click("nav >> text=Train");
  await page.waitForSelector("#chart-totals .main-svg", { timeout: 30_000 });
  await context.setOffline(false);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a new build deployed to the host is offered as a reload, which opens it", async (t) => {
  // A host of its own, serving a copy of the build that the test then replaces.
  const site = mkdtempSync(join(tmpdir(), "shelfcast-deploy-"));
  t.after(() => rmSync(site, { recursive: true, force: true }));
  cpSync(dist, site, { recursive: true });
  const server = await serveDist("/", site);
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const context = await browser.newContext();
  const { page, errors } = await openPage(browser, server.url, { context });
  await controlled(page);
  assert.equal(await page.$("#new-build"), null, "the first visit offers nothing");

  // The next build: another index.html and so another service worker.
  const index = readFileSync(join(site, "index.html"), "utf8").replace("<head>", '<head>\n    <meta name="shelfcast-build" content="next" />');
  writeFileSync(join(site, "index.html"), index);
  const worker = readFileSync(join(site, "service-worker.js"), "utf8").replace(/const BUILD = "[0-9a-f]+";/, 'const BUILD = "next";');
  writeFileSync(join(site, "service-worker.js"), worker);

  // Opened again, the page is the build it had (from the cache) and offers the new one.
  await page.reload();
  await page.waitForSelector("#reload-new-build", { timeout: 30_000 });
  assert.equal(await page.$('meta[name="shelfcast-build"]'), null);
  await Promise.all([page.waitForEvent("load", { timeout: 30_000 }), page.click("#reload-new-build")]);
  await page.waitForSelector('meta[name="shelfcast-build"][content="next"]', { state: "attached", timeout: 30_000 });
  await page.waitForSelector("#use-sample");
  assert.equal(await page.$("#new-build"), null, "the new build offers nothing more");
  assert.deepEqual(errors, []);
  await context.close();
  checkOrigins(server, assert);
});
