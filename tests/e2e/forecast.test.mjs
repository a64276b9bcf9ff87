// The Forecast page in real headless Chromium: the weeks ahead forecast in the worker's
// WebAssembly equal the CLI's `shelfcast forecast`, the submission downloaded from the page
// equals the CLI's file, and the Runs page says which kind of figure a forecast run has.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appAndBrowser, openPage, cliForecast, forecastAndWait, realTrainFile, realTestFile, realDataOr, fixed, runAndRead } from "./harness.mjs";

const app = appAndBrowser();

async function goTo(page, label) {
  await page.click(`nav >> text=${label}`);
}

/** `Id,Weekly_Sales` lines as [id, value]. */
const rowsOf = (text) => text.trim().split("\n").slice(1).map((line) => line.split(",")).map(([id, v]) => [id, Number(v)]);

test("the sample forecast from the default origin matches the CLI's and is listed as a forecast", async () => {
  const { page, errors } = await openPage(app.browser, app.server.url);
  await runAndRead(page, () => page.click("#use-sample"));
  await goTo(page, "Forecast");
  await page.fill("#forecast-horizon", "26");
  await page.fill("#forecast-windows", "2");
  const record = cliForecast(["--horizon", "26", "--backtest", "2"]);
  await forecastAndWait(page, record.params.origin);
  assert.equal(await page.textContent("#forecast-wmae"), fixed(record.metrics.forecast_wmae));
  assert.equal(await page.textContent("#backtest-wmae"), fixed(record.metrics.backtest_wmae));
  assert.equal(await page.textContent("#coverage-80"), fixed(100 * record.metrics.forecast_coverage_80, 1));
  // The charts are drawn: the total with its two bands, and the error by horizon week.
  await page.waitForSelector("#chart-forecast-total .main-svg");
  const traces = await page.evaluate(() => document.getElementById("chart-forecast-total").data.map((t) => t.name));
  assert.deepEqual(traces, ["95 % upper", "95 % interval", "80 % upper", "80 % interval", "sales", "actual (after the origin)", "forecast"]);
  const weeks = await page.evaluate(() => document.getElementById("chart-forecast-horizon").data[0].x.length);
  assert.equal(weeks, 26);
  // One series, picked from the list.
  await page.selectOption("#forecast-series", "1-1");
  await page.waitForFunction(() => document.getElementById("chart-forecast-series")?.data?.length > 0);
  // The pipeline grid shows the forecast run's four tasks.
  await goTo(page, "Pipeline");
  const tasks = await page.$$eval("#stages tr.stage", (rows) => rows.map((r) => r.dataset.stage));
  assert.deepEqual(tasks, ["ingest", "raw_contract", "backtest", "forecast"]);
  // The Runs page says what each figure measures.
  await goTo(page, "Runs");
  await page.waitForFunction(() => document.querySelectorAll("#runs tr.run").length === 2);
  const bases = await page.$$eval("#runs tr.run td.col-basis", (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(bases, ["26-week forecast", "one-step"], "newest first: the forecast, then the one-step run");
  assert.deepEqual(errors, []);
  await page.close();
});

test("train.csv and test.csv uploaded: the submission downloaded equals the CLI's", async (t) => {
  const [train, future] = [realTrainFile(), realTestFile()];
  if (!realDataOr(t, train, future)) return;
  const { page, errors } = await openPage(app.browser, app.server.url);
  await runAndRead(page, () => page.setInputFiles("#train-file", train));
  await goTo(page, "Forecast");
  await page.setInputFiles("#future-file", future);
  await page.waitForFunction(() => document.querySelector("#future-file-name")?.textContent.includes("test.csv"));
  await forecastAndWait(page, "2012-11-02");
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-e2e-"));
  const cliFile = join(dir, "submission.csv");
  const record = cliForecast(["--data", train, "--future", future, "--submission", cliFile]);
  assert.equal(await page.textContent("#backtest-wmae"), fixed(record.metrics.backtest_wmae));
  assert.equal(await page.textContent("#forecast-wmae"), "—", "the future weeks have no sales to score");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-submission")]);
  assert.equal(download.suggestedFilename(), "submission.csv");
  const ours = rowsOf(readFileSync(await download.path(), "utf8"));
  const theirs = rowsOf(readFileSync(cliFile, "utf8"));
  assert.equal(ours.length, 115_064);
  assert.deepEqual(ours.map(([id]) => id), theirs.map(([id]) => id), "the same Ids in the same order");
  for (let i = 0; i < ours.length; i++) {
    const [a, b] = [ours[i][1], theirs[i][1]];
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `row ${i + 2}: ${a} vs the CLI's ${b}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});
