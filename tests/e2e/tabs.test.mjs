// Two tabs of the app on one origin (one browser context, so one IndexedDB): a run finished in
// one tab appears in the other's Runs page, and a model registered in one appears in the
// other's Models page, without a reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appAndBrowser, openPage, runAndRead } from "./harness.mjs";

const app = appAndBrowser();

test("a run and a registered model in one tab appear in the other", async () => {
  const context = await app.browser.newContext();
  const first = await openPage(app.browser, app.server.url, { context });
  const second = await openPage(app.browser, app.server.url, { context });
  await second.page.click("nav >> text=Runs");
  await second.page.waitForSelector("#runs caption");
  const count = () => second.page.$$eval("#runs tr.run", (rows) => rows.length);
  assert.equal(await count(), 0);

  await runAndRead(first.page, () => first.page.click("#use-sample"));
  const runId = await first.page.getAttribute(".last-run", "data-run-id");
  await second.page.waitForSelector(`#runs tr.run[data-run-id="${runId}"]`, { timeout: 30_000 });

  await first.page.click("nav >> text=Runs");
  await first.page.click(`#runs tr[data-run-id="${runId}"] >> text=Open`);
  await first.page.fill("#register-name", "shared");
  await first.page.click("#register-run");
  await second.page.click("nav >> text=Models");
  await second.page.waitForSelector('section.model[data-model="shared"] tr[data-version="1"]', { timeout: 30_000 });

  // Deleting in the second tab empties the first's list.
  await second.page.click("nav >> text=Runs");
  await second.page.click(`#runs tr[data-run-id="${runId}"] >> text=Delete`);
  await first.page.waitForFunction(() => document.querySelectorAll("#runs tr.run").length === 0, null, { timeout: 30_000 });
  assert.deepEqual([...first.errors, ...second.errors], []);
  await context.close();
});
