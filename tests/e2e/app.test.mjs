// The built app in real headless Chromium: the pipeline runs in WebAssembly and its metrics
// equal the CLI's for the same data and settings, to the displayed precision.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { basename, join } from "node:path";
import {
  serveDist, launch, openPage, checkOrigins, cliRun, cliRunError, cliSample, realTrainFile, realJoinFiles, realDataOr, dataDir, fixed, root,
  runAndRead, readMetrics,
} from "./harness.mjs";

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

// Every test: nothing left the origin, and the recording saw all the traffic.
afterEach(() => checkOrigins(server, assert));

/** How many expectations a shipped suite has. */
const expectationCount = (file) => JSON.parse(readFileSync(join(root, "expectations", file), "utf8")).expectations.length;

async function goTo(page, label) {
  await page.click(`nav >> text=${label}`);
}

test("the sample runs in the worker's WebAssembly and matches the CLI", async () => {
  const { page, requests, errors } = await openPage(browser, server.url);
  const shown = await runAndRead(page, () => page.click("#use-sample"));
  const record = cliRun([]);
  const expected = record.metrics;
  assert.equal(shown.wmae, fixed(expected.test_wmae));
  assert.equal(shown.mae, fixed(expected.test_mae));
  assert.equal(shown.rmse, fixed(expected.test_rmse));
  assert.equal(shown.trainWmae, fixed(expected.train_wmae));
  // The engine ran in the worker: its module and its WebAssembly were fetched (by the worker,
  // and by the service worker for its cache: each path is counted once).
  const worker = [...new Set(requests.filter((u) => /\/shelfcast-worker[^/]*\.(js|wasm)$/.test(new URL(u).pathname)))];
  assert.deepEqual(worker.map((u) => new URL(u).pathname.split(".").pop()).sort(), ["js", "js", "wasm"], `the worker's loader, module and wasm: ${worker}`);
  // The data page profiles what was read: the sample's rows and series, counted here from the
  // CLI's copy of the sample.
  const lines = cliSample().trim().split("\n").slice(1);
  const series = new Set(lines.map((line) => line.split(",").slice(0, 2).join("_"))).size;
  assert.equal(record.dataset.files[0].rows, lines.length);
  assert.equal(await page.textContent("#data-summary"), `train.csv: ${lines.length} rows, 5 columns, 2010-02-05 to 2012-10-26, ${series} store-department series`);
  // The pipeline grid: every task succeeded.
  await goTo(page, "Pipeline");
  const states = await page.$$eval("#stages td.state", (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(states, Array(7).fill("success"));
  // The contracts page lists every expectation of both suites.
  await goTo(page, "Contracts");
  assert.equal(await page.locator("#raw-contract tbody tr").count(), expectationCount("sales_expectation_suite.json"));
  assert.equal(await page.locator("#feature-contract tbody tr").count(), expectationCount("feature_expectation_suite.json"));
  // The charts are drawn by plotly.js served from the build.
  await goTo(page, "Train & evaluate");
  await page.waitForSelector("#chart-totals .main-svg");
  await page.waitForSelector("#chart-residuals .main-svg");
  await page.selectOption("#series", { index: 1 });
  await page.waitForSelector("#chart-series .main-svg");
  assert.deepEqual(errors, []);
  await page.close();
});

test("run from here keeps the upstream tasks and refits with the new settings", async () => {
  const { page, errors } = await openPage(browser, server.url);
  const first = await runAndRead(page, () => page.click("#use-sample"));
  const firstRun = await page.getAttribute(".last-run", "data-run-id");
  await goTo(page, "Runs");
  await page.waitForSelector("#runs tr.run");
  const runsBefore = await page.locator("#runs tr.run").count();
  await goTo(page, "Train & evaluate");
  await page.fill("#alpha", "100");
  await goTo(page, "Pipeline");
  // The metrics are read once the worker's result for the new run is on screen, not when the
  // grid first shows the evaluate task done.
  const second = await runAndRead(page, () => page.click('#stages tr[data-stage="train"] button.run-from'));
  const rows = await page.$$eval("#stages tbody tr", (trs) => trs.map((tr) => ({
    stage: tr.dataset.stage,
    state: tr.querySelector("td.state").textContent,
    log: tr.querySelector("td.log").textContent,
  })));
  assert.deepEqual(rows.map((r) => r.state), Array(7).fill("success"));
  for (const row of rows.slice(0, 5)) assert.ok(row.log.startsWith(`kept from run ${firstRun}: `), `${row.stage} was kept: ${row.log}`);
  for (const row of rows.slice(5)) assert.doesNotMatch(row.log, /^kept from run/, `${row.stage} ran again`);
  // The refit model's metrics are the CLI's for the new alpha, and differ from the first run's.
  const expected = cliRun(["--param", "alpha=100"]).metrics;
  assert.equal(second.wmae, fixed(expected.test_wmae));
  assert.notEqual(second.wmae, first.wmae);
  // The new run is recorded, with the run it took its upstream outputs from.
  const secondRun = await page.getAttribute(".last-run", "data-run-id");
  await goTo(page, "Runs");
  await page.waitForFunction((n) => document.querySelectorAll("#runs tr.run").length === n + 1, runsBefore);
  await page.click(`#runs tr[data-run-id="${secondRun}"] >> text=Open`);
  const kept = await page.$$eval("#run-stages tr td:last-child", (tds) => tds.map((td) => td.textContent).filter((t) => t.startsWith("kept from run ")));
  assert.equal(kept.length, 5, "five stages kept");
  for (const message of kept) assert.ok(message.startsWith(`kept from run ${firstRun}: `), message);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the real train.csv uploaded through the file input gives the CLI's metrics", async (t) => {
  const file = realTrainFile();
  if (!realDataOr(t, file)) return;
  const { page } = await openPage(browser, server.url);
  await goTo(page, "Train & evaluate");
  await page.selectOption("#model", "seasonal-naive");
  await goTo(page, "Data");
  const shown = await runAndRead(page, () => page.setInputFiles("#train-file", file));
  const expected = cliRun(["--data", file, "--model", "seasonal-naive"]).metrics;
  assert.equal(shown.wmae, fixed(expected.test_wmae));
  assert.equal(shown.wmae, "1820.185", "the reference seasonal naive WMAE (docs/definitions.md#reference-figures)");
  assert.equal(shown.mae, fixed(expected.test_mae));
  await page.close();
});

test("features.csv and stores.csv picked for the joins give the CLI's metrics", async (t) => {
  const file = realTrainFile();
  const joins = realJoinFiles();
  if (!realDataOr(t, file, joins)) return;
  const { page, errors } = await openPage(browser, server.url);
  await page.setInputFiles("#join-files", joins);
  await page.waitForSelector("#inputs");
  const [featuresName, storesName] = joins.map((f) => basename(f));
  assert.equal(await page.textContent("#inputs"), `Loaded: ${featuresName}, ${storesName}`);
  await goTo(page, "Train & evaluate");
  for (const id of ["join-features", "join-stores", "series-stats"]) await page.check(`#feature-${id}`);
  await goTo(page, "Data");
  const shown = await runAndRead(page, () => page.setInputFiles("#train-file", file));
  const expected = cliRun(["--data", dataDir(), "--join", "features,stores", "--series-stats"]);
  assert.equal(expected.params.join_features, "true");
  assert.equal(shown.wmae, fixed(expected.metrics.test_wmae));
  assert.equal(shown.mae, fixed(expected.metrics.test_mae));
  // Picking the sales file kept the join files beside it; the run's fingerprint covers all three.
  assert.equal(await page.textContent("#inputs"), `Loaded: ${featuresName}, ${storesName}, ${basename(file)}`);
  await goTo(page, "Runs");
  await page.click("#runs tr.run >> text=Open");
  const details = await page.textContent("#run-details");
  for (const name of ["features.csv", "stores.csv", "train.csv"]) assert.ok(details.includes(name), `the run names ${name}`);
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
  assert.equal(await page.textContent("#error"), cliRunError(["--join", "stores"]));
  assert.match(await page.textContent("#error"), /join_stores is on but stores\.csv \(or stores\.csv\.gz\) is not among the inputs \(train\.csv\)/);
  await page.close();
});

test("runs are kept in IndexedDB: listed after a reload, kept after a bad upload", async () => {
  const { page } = await openPage(browser, server.url);
  await runAndRead(page, () => page.click("#use-sample"));
  const shownRun = await page.getAttribute(".last-run", "data-run-id");
  await goTo(page, "Runs");
  await page.waitForSelector("#runs tr.run");
  const runIds = await page.$$eval("#runs tr.run", (rows) => rows.map((r) => r.dataset.runId));
  assert.deepEqual(runIds, [shownRun], "a fresh browser keeps the one run made");
  await page.reload();
  await page.waitForSelector("#runs tr.run");
  const afterReload = await page.$$eval("#runs tr.run", (rows) => rows.map((r) => r.dataset.runId));
  assert.deepEqual(afterReload, runIds, "the run survives a reload");
  // Open it for its details: the sample's dataset digest, as the CLI computes it.
  await page.click(`#runs tr[data-run-id="${runIds[0]}"] >> text=Open`);
  assert.equal(await page.textContent("#run-details code"), cliRun([]).dataset.digest);
  // A malformed upload is recorded as a failed run and loses nothing stored before.
  await goTo(page, "Data");
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-e2e-"));
  const bad = join(dir, "train.csv");
  writeFileSync(bad, "Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,24924.5,FALSE\n1,1,2011-02-29,1.0,TRUE\n");
  await page.setInputFiles("#train-file", bad);
  await page.waitForSelector("#error");
  assert.equal(await page.textContent("#error"), cliRunError(["--data", "train.csv"], dir));
  assert.match(await page.textContent("#error"), /line 3, column "Date": impossible date/);
  await goTo(page, "Runs");
  await page.waitForFunction((n) => document.querySelectorAll("#runs tr.run").length === n + 1, afterReload.length);
  const afterBad = await page.$$eval("#runs tr.run", (rows) => rows.map((r) => [r.dataset.runId, r.querySelector("td.col-status").textContent]));
  assert.deepEqual(afterBad.slice(1).map(([id]) => id), afterReload, "the earlier run is still stored");
  assert.equal(afterBad[0][1], "FAILED", "the bad upload is recorded as a failed run");
  await page.close();
});

test("a malformed upload shows the engine's error and keeps the earlier result", async () => {
  const { page } = await openPage(browser, server.url);
  const before = await runAndRead(page, () => page.click("#use-sample"));
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-e2e-"));
  const bad = join(dir, "train.csv");
  writeFileSync(bad, "Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,24924.5,FALSE\n1,1,2010-02-12,lots,TRUE\n");
  await page.setInputFiles("#train-file", bad);
  await page.waitForSelector("#error");
  const message = await page.textContent("#error");
  assert.equal(message, cliRunError(["--data", "train.csv"], dir));
  assert.match(message, /train\.csv, line 3, column "Weekly_Sales": not a number \(value: "lots"\)/);
  assert.equal((await readMetrics(page)).wmae, before.wmae, "the earlier run is still shown");
  await page.close();
});

test("a gzip file of one absurd line is refused with the CLI's error and the earlier result stays", async () => {
  const { page } = await openPage(browser, server.url);
  const before = await runAndRead(page, () => page.click("#use-sample"));
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-e2e-"));
  const bad = join(dir, "train.csv.gz");
  // 64 MiB of commas on line 2, 65 KB gzipped: held whole, it took gigabytes of field entries.
  writeFileSync(bad, gzipSync(Buffer.concat([Buffer.from("Store,Dept,Date,Weekly_Sales,IsHoliday\n"), Buffer.alloc(64 << 20, ",")])));
  await page.setInputFiles("#train-file", bad);
  await page.waitForSelector("#error", { timeout: 60_000 });
  const message = await page.textContent("#error");
  assert.equal(message, cliRunError(["--data", "train.csv.gz"], dir));
  assert.match(message, /train\.csv\.gz, line 2: the line is longer than 1024 KiB/);
  assert.equal((await readMetrics(page)).wmae, before.wmae, "the earlier run is still shown");
  await page.close();
});

test("a gzip bomb is refused at the size limit with the CLI's error, not as corrupt, and the earlier result stays", async () => {
  const { page } = await openPage(browser, server.url);
  const before = await runAndRead(page, () => page.click("#use-sample"));
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-e2e-"));
  const bomb = join(dir, "train.csv.gz");
  // 512 MiB of short lines inflate from about 0.5 MB: twice the limit.
  const line = Buffer.from("1,1,2010-02-05,1.0,FALSE\n");
  const body = Buffer.alloc(512 << 20);
  for (let at = 0; at < body.length; at += line.length) line.copy(body, at);
  writeFileSync(bomb, gzipSync(Buffer.concat([Buffer.from("Store,Dept,Date,Weekly_Sales,IsHoliday\n"), body]), { level: 9 }));
  await page.setInputFiles("#train-file", bomb);
  await page.waitForFunction(() => document.querySelector("#error")?.textContent.startsWith("train.csv.gz"), null, { timeout: 120_000 });
  const message = await page.textContent("#error");
  assert.equal(message, cliRunError(["--data", "train.csv.gz"], dir));
  assert.match(message, /256 MiB/);
  assert.doesNotMatch(message, /corrupt|out of memory/);
  assert.equal((await readMetrics(page)).wmae, before.wmae, "the earlier run is still shown");
  await page.close();
});

test("a file dropped on the data section is read like a picked one", async () => {
  const { page } = await openPage(browser, server.url);
  const csv = "Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,1.0,MAYBE\n";
  const dataTransfer = await page.evaluateHandle((csv) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([csv], "train.csv", { type: "text/csv" }));
    return transfer;
  }, csv);
  await page.dispatchEvent(".drop-zone", "drop", { dataTransfer });
  await page.waitForSelector("#error");
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-e2e-"));
  writeFileSync(join(dir, "train.csv"), csv);
  assert.equal(await page.textContent("#error"), cliRunError(["--data", "train.csv"], dir));
  assert.match(await page.textContent("#error"), /train\.csv, line 2, column "IsHoliday": not a boolean \(expected TRUE or FALSE\) \(value: "MAYBE"\)/);
  await page.close();
});
