// The built app in real headless Chromium: the pipeline runs in WebAssembly and its metrics
// equal the CLI's for the same data and settings, to the displayed precision.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveDist, launch, openPage, cliRun, realTrainFile, realJoinFiles, dataDir, fixed } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await serveDist("/");
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function readMetrics(page) {
  await page.waitForSelector("#test-wmae", { timeout: 120_000 });
  const text = async (id) => (await page.textContent(`#${id}`)).trim();
  return {
    mae: await text("test-mae"),
    rmse: await text("test-rmse"),
    wmae: await text("test-wmae"),
    trainWmae: await text("train-wmae"),
  };
}

function assertSameOrigin(requests, origin) {
  const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith("data:") && !u.startsWith("blob:"));
  assert.deepEqual(foreign, [], "every request stays on the page's origin");
}

async function goTo(page, label) {
  await page.click(`nav >> text=${label}`);
}

test("the sample runs in the worker's WebAssembly and matches the CLI", async () => {
  const { page, requests, errors } = await openPage(browser, server.url);
  await page.click("#use-sample");
  const shown = await readMetrics(page);
  const expected = cliRun([]).metrics;
  assert.equal(shown.wmae, fixed(expected.test_wmae));
  assert.equal(shown.mae, fixed(expected.test_mae));
  assert.equal(shown.rmse, fixed(expected.test_rmse));
  assert.equal(shown.trainWmae, fixed(expected.train_wmae));
  assert.ok(requests.some((u) => u.includes("shelfcast-worker")), "the engine ran in the worker");
  // The data page profiles what was read.
  assert.match(await page.textContent("#data-summary"), /train\.csv: \d+ rows, 5 columns, 2010-02-05 to 2012-10-26, \d+ store-department series/);
  // The pipeline grid: every task succeeded.
  await goTo(page, "Pipeline");
  const states = await page.$$eval("#stages td.state", (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(states, Array(7).fill("success"));
  // The contracts page lists every expectation of both suites.
  await goTo(page, "Contracts");
  assert.equal(await page.locator("#raw-contract tbody tr").count(), 17);
  assert.ok((await page.locator("#feature-contract tbody tr").count()) > 10);
  // The charts are drawn by plotly.js served from the build.
  await goTo(page, "Train & evaluate");
  await page.waitForSelector("#chart-totals .main-svg");
  await page.waitForSelector("#chart-residuals .main-svg");
  await page.selectOption("#series", { index: 1 });
  await page.waitForSelector("#chart-series .main-svg");
  assertSameOrigin(requests, server.origin);
  assert.deepEqual(errors, []);
  await page.close();
});

test("run from here keeps the upstream tasks and refits with the new settings", async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click("#use-sample");
  const first = await readMetrics(page);
  await goTo(page, "Runs");
  await page.waitForSelector("#runs tr.run");
  const runsBefore = await page.locator("#runs tr.run").count();
  await goTo(page, "Train & evaluate");
  await page.fill("#alpha", "100");
  await goTo(page, "Pipeline");
  await page.click('#stages tr[data-stage="train"] button.run-from');
  await page.waitForFunction(() => {
    const state = (stage) => document.querySelector(`#stages tr[data-stage="${stage}"] td.state`)?.textContent;
    const log = document.querySelector('#stages tr[data-stage="ingest"] td.log')?.textContent ?? "";
    return state("evaluate") === "success" && log.startsWith("kept from run ");
  }, null, { timeout: 120_000 });
  const rows = await page.$$eval("#stages tbody tr", (trs) => trs.map((tr) => ({
    stage: tr.dataset.stage,
    state: tr.querySelector("td.state").textContent,
    log: tr.querySelector("td.log").textContent,
  })));
  assert.deepEqual(rows.map((r) => r.state), Array(7).fill("success"));
  for (const row of rows.slice(0, 5)) assert.match(row.log, /^kept from run [0-9a-f]+: /, `${row.stage} was kept`);
  for (const row of rows.slice(5)) assert.doesNotMatch(row.log, /^kept from run/, `${row.stage} ran again`);
  // The refit model's metrics are the CLI's for the new alpha, and differ from the first run's.
  const second = await readMetrics(page);
  const expected = cliRun(["--param", "alpha=100"]).metrics;
  assert.equal(second.wmae, fixed(expected.test_wmae));
  assert.notEqual(second.wmae, first.wmae);
  // The new run is recorded, with the run it took its upstream outputs from.
  await goTo(page, "Runs");
  await page.waitForFunction((n) => document.querySelectorAll("#runs tr.run").length > n, runsBefore);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the real train.csv uploaded through the file input gives the CLI's metrics", async (t) => {
  const file = realTrainFile();
  if (!file) {
    t.skip("SKIPPED: the real Walmart data is absent (set SHELFCAST_DATA_DIR)");
    return;
  }
  const { page, requests } = await openPage(browser, server.url);
  await goTo(page, "Train & evaluate");
  await page.selectOption("#model", "seasonal-naive");
  await goTo(page, "Data");
  await page.setInputFiles("#train-file", file);
  const shown = await readMetrics(page);
  const expected = cliRun(["--data", file, "--model", "seasonal-naive"]).metrics;
  assert.equal(shown.wmae, fixed(expected.test_wmae));
  assert.equal(shown.wmae, "1820.185", "DESIGN's reference seasonal naive WMAE");
  assert.equal(shown.mae, fixed(expected.test_mae));
  assertSameOrigin(requests, server.origin);
  await page.close();
});

test("features.csv and stores.csv picked for the joins give the CLI's metrics", async (t) => {
  const file = realTrainFile();
  const joins = realJoinFiles();
  if (!file || !joins) {
    t.skip("SKIPPED: the real Walmart data is absent (set SHELFCAST_DATA_DIR)");
    return;
  }
  const { page, requests, errors } = await openPage(browser, server.url);
  await page.setInputFiles("#join-files", joins);
  await page.waitForSelector("#inputs");
  assert.match(await page.textContent("#inputs"), /features\.csv(\.gz)?, stores\.csv(\.gz)?/);
  await goTo(page, "Train & evaluate");
  for (const id of ["join-features", "join-stores", "series-stats"]) await page.check(`#feature-${id}`);
  await goTo(page, "Data");
  await page.setInputFiles("#train-file", file);
  const shown = await readMetrics(page);
  const expected = cliRun(["--data", dataDir(), "--join", "features,stores", "--series-stats"]);
  assert.equal(expected.params.join_features, "true");
  assert.equal(shown.wmae, fixed(expected.metrics.test_wmae));
  assert.equal(shown.mae, fixed(expected.metrics.test_mae));
  // Picking the sales file kept the join files beside it; the run's fingerprint covers all three.
  assert.match(await page.textContent("#inputs"), /^Loaded: features\.csv(\.gz)?, stores\.csv(\.gz)?, train\.csv(\.gz)?$/);
  await goTo(page, "Runs");
  await page.click("#runs tr.run >> text=Open");
  const details = await page.textContent("#run-details");
  for (const name of ["features.csv", "stores.csv", "train.csv"]) assert.ok(details.includes(name), `the run names ${name}`);
  assertSameOrigin(requests, server.origin);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a join switched on without its file says which file is missing", async () => {
  const { page } = await openPage(browser, server.url);
  await goTo(page, "Train & evaluate");
  await page.check("#feature-join-stores");
  await goTo(page, "Data");
  await page.click("#use-sample");
  await page.waitForSelector("#error");
  assert.match(await page.textContent("#error"), /join_stores is on but stores\.csv \(or stores\.csv\.gz\) is not among the inputs \(train\.csv\)/);
  await page.close();
});

test("runs are kept in IndexedDB: listed after a reload, kept after a bad upload", async () => {
  const { page } = await openPage(browser, server.url);
  await page.click("#use-sample");
  await readMetrics(page);
  await goTo(page, "Runs");
  await page.waitForSelector("#runs tr.run");
  const runIds = await page.$$eval("#runs tr.run", (rows) => rows.map((r) => r.dataset.runId));
  assert.ok(runIds.length >= 1);
  await page.reload();
  await page.waitForSelector("#runs tr.run");
  const afterReload = await page.$$eval("#runs tr.run", (rows) => rows.map((r) => r.dataset.runId));
  for (const id of runIds) assert.ok(afterReload.includes(id), `run ${id} survives a reload`);
  // Open one for its details.
  await page.click(`#runs tr[data-run-id="${runIds[0]}"] >> text=Open`);
  assert.match(await page.textContent("#run-details"), /Dataset digest/);
  // A malformed upload is recorded as a failed run and loses nothing stored before.
  await goTo(page, "Data");
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-e2e-"));
  const bad = join(dir, "train.csv");
  writeFileSync(bad, "Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,24924.5,FALSE\n1,1,2011-02-29,1.0,TRUE\n");
  await page.setInputFiles("#train-file", bad);
  await page.waitForSelector("#error");
  assert.match(await page.textContent("#error"), /line 3, column "Date": impossible date/);
  await goTo(page, "Runs");
  await page.waitForFunction((n) => document.querySelectorAll("#runs tr.run").length > n, afterReload.length);
  const afterBad = await page.$$eval("#runs tr.run", (rows) => rows.map((r) => r.dataset.runId));
  for (const id of afterReload) assert.ok(afterBad.includes(id), `run ${id} is still stored`);
  await page.close();
});

test("a malformed upload shows the engine's error and keeps the earlier result", async () => {
  const { page } = await openPage(browser, server.url);
  await page.click("#use-sample");
  const before = await readMetrics(page);
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-e2e-"));
  const bad = join(dir, "train.csv");
  writeFileSync(bad, "Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,24924.5,FALSE\n1,1,2010-02-12,lots,TRUE\n");
  await page.setInputFiles("#train-file", bad);
  await page.waitForSelector("#error");
  const message = await page.textContent("#error");
  assert.match(message, /train\.csv, line 3, column "Weekly_Sales": not a number \(value: "lots"\)/);
  assert.equal((await readMetrics(page)).wmae, before.wmae, "the earlier run is still shown");
  await page.close();
});

test("a file dropped on the data section is read like a picked one", async () => {
  const { page } = await openPage(browser, server.url);
  const dataTransfer = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    const csv = "Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,1.0,MAYBE\n";
    transfer.items.add(new File([csv], "train.csv", { type: "text/csv" }));
    return transfer;
  });
  await page.dispatchEvent(".drop-zone", "drop", { dataTransfer });
  await page.waitForSelector("#error");
  assert.match(await page.textContent("#error"), /train\.csv, line 2, column "IsHoliday": not a boolean \(expected TRUE or FALSE\) \(value: "MAYBE"\)/);
  await page.close();
});
