// Nothing lost, in real headless Chromium: the real train.csv stays across a reload and runs
// again without being uploaded (in the Origin Private File System, and in IndexedDB when the
// setting forces it); Forget data deletes it; a full quota (Chromium's own quota, lowered
// through the DevTools protocol) is reported naming what did not fit, with every earlier run
// intact; a GBDT fit cancelled half-way is recorded as KILLED and the next run needs no upload;
// an older build's tab holding the database open delays the upgrade with a message, and once
// it lets go every run it stored is there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { appAndBrowser, openPage, realDataOr, realTrainFile, root, runAndRead, shownRunId } from "./harness.mjs";

const app = appAndBrowser();

const goTo = (page, label) => page.click(`nav >> text=${label}`);
const OPFS = "the Origin Private File System";

/** The run ids the Runs page lists, with each one's status. */
async function listedRuns(page) {
  await goTo(page, "Runs");
  await page.waitForSelector("#runs caption");
  return page.$$eval("#runs tr.run", (rows) => rows.map((r) => [r.dataset.runId, r.querySelector("td.col-status")?.textContent]));
}

/** Reloads and waits for the kept file `name` to be back in the worker. */
async function reloadAndWaitForKept(page, place, name) {
  await page.reload();
  await page.waitForSelector("#use-sample");
  await page.waitForSelector(`#kept-files[data-place="${place}"] tr[data-name="${name}"]`, { timeout: 30_000 });
  await page.waitForFunction((name) => document.querySelector("#inputs")?.textContent.includes(name), name, { timeout: 60_000 });
  await page.waitForSelector("#data-summary", { timeout: 60_000 });
}

for (const [label, forceIndexedDb, place] of [
  ["the Origin Private File System", false, OPFS],
  ["IndexedDB (the forced fallback)", true, "IndexedDB"],
]) {
  test(`the real train.csv stays across a reload in ${label} and runs again without an upload`, async (t) => {
    const train = realTrainFile();
    if (!realDataOr(t, train)) return;
    const context = await app.browser.newContext();
    const { page, errors } = await openPage(app.browser, app.server.url, { context });
    if (forceIndexedDb) {
      await page.check("#keep-in-indexeddb");
    }
    await runAndRead(page, () => page.setInputFiles("#train-file", train));
    const first = await shownRunId(page);
    const name = basename(train);
    await page.waitForSelector(`#kept-files[data-place="${place}"] tr[data-name="${name}"]`, { timeout: 30_000 });
    const fingerprint = await page.textContent(`#kept-files tr[data-name="${name}"]`);
    assert.match(fingerprint, /sha256 [0-9a-f]{12}…, 421570 rows/);
    assert.match(await page.textContent("#storage-estimate"), /^This app uses [\d.]+ MB of the [\d.]+ MB this browser grants it\.$/);

    await reloadAndWaitForKept(page, place, name);
    assert.equal(await page.isChecked("#keep-in-indexeddb"), forceIndexedDb, "the setting is remembered");
    assert.match(await page.textContent("#data-summary"), /421570 rows/);
    await goTo(page, "Train");
    await runAndRead(page, () => page.click("#train"));
    const second = await shownRunId(page);
    assert.notEqual(second, first);
    const digests = await page.evaluate(async (ids) => {
      const db = await new Promise((ok, fail) => {
        const r = indexedDB.open("shelfcast");
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      const read = (id) =>
        new Promise((ok, fail) => {
          const g = db.transaction("runs").objectStore("runs").get(id);
          g.onsuccess = () => (g.result ? ok(JSON.parse(g.result.json).dataset.digest) : fail(new Error(`run ${id} is not stored`)));
          g.onerror = () => fail(g.error);
        });
      const out = [await read(ids[0]), await read(ids[1])];
      db.close();
      return out;
    }, [first, second]);
    assert.equal(digests[0], digests[1], "the second run read the same bytes");

    // Forget data: nothing kept, nothing restored after a reload; the runs stay.
    await goTo(page, "Data");
    await page.click("#forget-data");
    await page.waitForFunction(() => document.querySelector("#kept-files") === null && document.querySelector("#inputs") === null);
    await page.reload();
    await page.waitForSelector("#storage-estimate");
    assert.equal(await page.$("#kept-files"), null);
    assert.equal(await page.$("#inputs"), null);
    assert.deepEqual((await listedRuns(page)).map(([id]) => id).sort(), [first, second].sort());
    assert.deepEqual(errors, []);
    await context.close();
  });
}

// Chromium's quota override (DevTools protocol) binds the Origin Private File System's writes
// but neither IndexedDB's nor what `navigator.storage.estimate()` reports, so the test
// completes it as a browser whose storage is full behaves: IndexedDB's write fails with a
// QuotaExceededError, and the estimate reports the lowered quota. (Chromium fails an OPFS
// write stopped by the override either with a QuotaExceededError or with a NotReadableError
// about its source; the app tells the second apart by the estimate.)
const fillableStorage = () => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    if (window.storageQuota !== undefined) throw new DOMException("the test filled this site's storage", "QuotaExceededError");
    return put.apply(this, args);
  };
  const estimate = StorageManager.prototype.estimate;
  StorageManager.prototype.estimate = async function () {
    const real = await estimate.call(this);
    return window.storageQuota === undefined ? real : { ...real, quota: window.storageQuota };
  };
};

test("a full quota is reported naming what did not fit, and every earlier run stays", async (t) => {
  const train = realTrainFile();
  if (!realDataOr(t, train)) return;
  const context = await app.browser.newContext();
  const { page, errors } = await openPage(app.browser, app.server.url, { context, init: fillableStorage });
  await runAndRead(page, () => page.click("#use-sample"));
  const sample = await shownRunId(page);
  await page.waitForSelector("#storage-estimate");
  // Chromium's own quota for this origin, set just above what it uses now.
  const cdp = await context.newCDPSession(page);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage);
  await cdp.send("Storage.overrideQuotaForOrigin", { origin: app.server.origin, quotaSize: usage + 200_000 });
  await page.evaluate((quota) => (window.storageQuota = quota), usage + 200_000);

  const name = basename(train).replace(/\./g, "\\.");
  await runAndRead(page, () => page.setInputFiles("#train-file", train));
  const big = await shownRunId(page);
  const refusal = new RegExp(`(${name} \\([\\d.]+ MB\\) could not be kept in this browser|run ${big.slice(0, 8)} could not be stored \\([\\d.]+ MB: its record, what it showed and its model\\))`);
  await page.waitForFunction((source) => new RegExp(source).test(document.querySelector("#error")?.textContent ?? ""), refusal.source, { timeout: 30_000 });
  assert.match(await page.textContent("#error"), /storage for this site is full/);
  assert.deepEqual(await listedRuns(page), [[sample, "FINISHED"]], "the refused run is not half-stored; the earlier one is there");
  await goTo(page, "Data");
  assert.equal(await page.$("#kept-files"), null, "nothing half-kept");

  await cdp.send("Storage.overrideQuotaForOrigin", { origin: app.server.origin });
  await page.reload();
  await page.waitForSelector("#storage-estimate");
  assert.equal(await page.$("#kept-files"), null, "nothing half-written comes back");
  assert.deepEqual(await listedRuns(page), [[sample, "FINISHED"]]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a GBDT fit cancelled half-way is recorded as KILLED, and the next run needs no upload", async (t) => {
  const train = realTrainFile();
  if (!realDataOr(t, train)) return;
  const context = await app.browser.newContext();
  const { page, errors } = await openPage(app.browser, app.server.url, { context });
  await runAndRead(page, () => page.setInputFiles("#train-file", train));
  const first = await shownRunId(page);

  await goTo(page, "Train");
  await page.selectOption("#model", "gbdt");
  await page.click("#train");
  // Half-way: some trees built, not all.
  await page.waitForFunction(() => {
    const bar = document.querySelector("#progress");
    return bar && /^train: /.test(bar.textContent) && Number(bar.value) > 0 && Number(bar.value) < Number(bar.max) / 2;
  }, null, { timeout: 120_000, polling: 20 });
  await page.click("#cancel-run");
  await page.waitForFunction(() => /cancelled \(cancelled during train\)/.test(document.querySelector("#status")?.textContent ?? ""));
  assert.equal(await page.$("#cancel-run"), null);
  const runs = await listedRuns(page);
  assert.equal(runs.length, 2);
  const [killedId, status] = runs.find(([id]) => id !== first);
  assert.equal(status, "KILLED");
  await page.click(`#runs tr[data-run-id="${killedId}"] button.open`);
  await page.waitForSelector("#run-stages");
  const stages = await page.$$eval("#run-stages tbody tr", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  const byStage = Object.fromEntries(stages.map((cells) => [cells[0], cells]));
  for (const stage of ["ingest", "raw_contract", "features", "feature_contract", "split"]) {
    assert.match(byStage[stage].join(" "), /success/, stage);
  }
  assert.match(byStage.train.join(" "), /failed.*cancelled after [\d.]+ s/);
  assert.match(byStage.evaluate.join(" "), /upstream failed/);

  // The fresh worker holds the data: a run without an upload, and the earlier run is intact.
  await goTo(page, "Train");
  await page.selectOption("#model", "ridge");
  await runAndRead(page, () => page.click("#train"));
  const after = await shownRunId(page);
  assert.notEqual(after, first);
  const finalRuns = await listedRuns(page);
  assert.deepEqual(finalRuns.map(([id]) => id).sort(), [first, killedId, after].sort());
  assert.deepEqual(errors, []);
  await context.close();
});

test("an older build's tab that holds the database delays the upgrade, and nothing is lost", async () => {
  const context = await app.browser.newContext();
  // The old tab: a page of this origin that opens the database at schema version 3 as the
  // previous release laid it out, stores a run as that release wrote it, and never gives way.
  // (Answered by the browser context, not the server: a page of the origin that is not the app.)
  const oldUrl = app.server.origin + "/an-older-build.html";
  await context.route(oldUrl, (route) =>
    route.fulfill({ contentType: "text/html", body: '<!doctype html><link rel="icon" href="data:,"><title>an older build</title>' }),
  );
  const { page: oldTab } = await openPage(app.browser, oldUrl, { context, waitFor: null });
  const stored = readFileSync(join(root, "tests/fixtures/run_records/v3/forecast.json"), "utf8");
  const runId = JSON.parse(stored).run_id;
  await oldTab.evaluate(async (stored) => {
    const record = JSON.parse(stored);
    window.oldDb = await new Promise((ok, fail) => {
      const r = indexedDB.open("shelfcast", 3);
      r.onupgradeneeded = () => {
        const db = r.result;
        const runs = db.createObjectStore("runs", { keyPath: "run_id" });
        runs.createIndex("start_time_ms", "start_time_ms");
        runs.createIndex("experiment", "experiment");
        db.createObjectStore("models", { keyPath: "run_id" });
        db.createObjectStore("registry", { keyPath: "name" });
        db.createObjectStore("details", { keyPath: "run_id" });
        db.createObjectStore("experiments", { keyPath: "experiment_id" });
      };
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    await new Promise((ok) => {
      const tx = window.oldDb.transaction("runs", "readwrite");
      tx.objectStore("runs").put({ run_id: record.run_id, json: stored, start_time_ms: record.start_time_ms, experiment: record.experiment });
      tx.oncomplete = ok;
    });
  }, stored);

  const { page, errors } = await openPage(app.browser, app.server.url, { context });
  await page.waitForFunction(() => /older version of Shelfcast; close or reload that tab/.test(document.querySelector("#error")?.textContent ?? ""), null, { timeout: 30_000 });
  await oldTab.close();
  await page.waitForFunction(() => document.querySelector("#error") === null, null, { timeout: 30_000 });
  const runs = await listedRuns(page);
  assert.deepEqual(runs.map(([id]) => id), [runId]);
  assert.deepEqual(errors, []);
  await context.close();
});
