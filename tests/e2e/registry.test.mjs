// The model registry in real headless Chromium and real IndexedDB: a forecast run's model is
// registered from the Runs page, given an alias on the Models page, and after a reload scores
// a file: the real test.csv gives a submission whose rows and Ids are sampleSubmission.csv's
// and whose values equal the CLI's `predict` for the same model; a labelled file gives the
// CLI's WMAE and is drawn in the version's monitoring chart; a one-step model refuses
// future weeks and weeks inside its own data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  appAndBrowser, forecastAndWait, openPage, realTrainFile, realTestFile, realSampleSubmission, realDataOr, runAndRead, shelfcast, cliSample, fixed,
} from "./harness.mjs";

const app = appAndBrowser();

const goTo = (page, label) => page.click(`nav >> text=${label}`);
const text = (path) => {
  const bytes = readFileSync(path);
  return (path.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
};
/** `Id,Weekly_Sales` lines as [id, value]. */
const rowsOf = (csv) => csv.trim().split("\n").slice(1).map((line) => line.split(",")).map(([id, v]) => [id, Number(v)]);


/** Registers the newest run (opened from the Runs page) under `name`; returns its run id. */
async function registerNewest(page, name, version) {
  await goTo(page, "Runs");
  await page.waitForSelector("#runs tr.run");
  const runId = await page.$eval("#runs tr.run", (row) => row.dataset.runId);
  await page.click(`#runs tr[data-run-id="${runId}"] >> text=Open`);
  await page.fill("#register-name", name);
  await page.click("#register-run");
  await page.waitForFunction((label) => document.querySelector("#registered-as")?.textContent.includes(label), `${name} version ${version}`);
  return runId;
}

/** Points `alias` of model `name` at `version` on the Models page. */
async function setAlias(page, name, alias, version) {
  await goTo(page, "Models");
  const card = `section.model[data-model="${name}"]`;
  await page.fill(`${card} input.alias-name`, alias);
  await page.fill(`${card} input.alias-version`, String(version));
  await page.click(`${card} button.set-alias`);
  await page.waitForFunction(
    ([card, version, alias]) => document.querySelector(`${card} tr[data-version="${version}"] td.aliases`)?.textContent.includes(`@${alias}`),
    [card, version, alias],
  );
}

/** Scores `file` with the choice starting `uri` and waits for the result of that kind. */
async function score(page, uri, file, kind) {
  await goTo(page, "Models");
  const choice = await page.$$eval("#score-model option", (options, uri) => options.map((o) => o.value).find((v) => v.startsWith(uri)), uri);
  assert.ok(choice, `${uri} is offered`);
  await page.selectOption("#score-model", choice);
  const started = Date.now();
  await page.setInputFiles("#score-file", file);
  await page.waitForSelector(`#score-result[data-kind="${kind}"]`, { timeout: 120_000 });
  return Date.now() - started;
}

test("a champion forecast model scores the real test.csv after a reload: the submission is sampleSubmission's rows with the CLI's values", async (t) => {
  const [train, future, sample] = [realTrainFile(), realTestFile(), realSampleSubmission()];
  if (!realDataOr(t, train, future, sample)) return;
  const { page, errors } = await openPage(app.browser, app.server.url);
  await runAndRead(page, () => page.setInputFiles("#train-file", train));
  await goTo(page, "Forecast");
  await page.setInputFiles("#future-file", future);
  await page.waitForFunction(() => document.querySelector("#future-file-name")?.textContent.includes("test.csv"));
  await forecastAndWait(page);
  await registerNewest(page, "walmart", 1);
  await setAlias(page, "walmart", "champion", 1);

  // After a reload nothing is in the worker: the model comes from IndexedDB.
  await page.reload();
  await page.waitForSelector("nav");
  await goTo(page, "Models");
  await page.waitForSelector('section.model[data-model="walmart"] tr[data-version="1"]');
  const elapsed = await score(page, "models:/walmart@champion", future, "future-weeks");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-scored")]);
  assert.equal(download.suggestedFilename(), "submission.csv");
  const ours = rowsOf(readFileSync(await download.path(), "utf8"));
  const expected = rowsOf(text(sample));
  assert.equal(ours.length, expected.length);
  assert.deepEqual(ours.map(([id]) => id), expected.map(([id]) => id), "sampleSubmission.csv's Ids in its order");
  assert.ok(ours.every(([, v]) => Number.isFinite(v)), "no empty or non-finite value");
  console.log(`# scored test.csv in the page in ${elapsed} ms (file chosen → result)`);

  // The CLI's predict with the same model: a store made by the CLI's own forecast run.
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-registry-"));
  const store = join(dir, "store");
  const run = JSON.parse(shelfcast(["forecast", "--data", train, "--future", future, "--store", store, "--format", "json"]));
  shelfcast(["models", "register", run.run_id, "--name", "walmart", "--store", store]);
  shelfcast(["models", "alias", "walmart", "champion", "1", "--store", store]);
  const cliFile = join(dir, "submission.csv");
  shelfcast(["predict", "--model", "models:/walmart@champion", "--store", store, "--score", future, "--out", cliFile]);
  const theirs = rowsOf(readFileSync(cliFile, "utf8"));
  assert.deepEqual(ours.map(([id]) => id), theirs.map(([id]) => id));
  for (let i = 0; i < ours.length; i++) {
    const [a, b] = [ours[i][1], theirs[i][1]];
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `row ${i + 2}: ${a} vs the CLI's ${b}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("on the sample: a labelled file scores as the CLI's predict and is monitored; a one-step model is refused", async () => {
  const { page, errors } = await openPage(app.browser, app.server.url);
  await runAndRead(page, () => page.click("#use-sample"));
  await registerNewest(page, "ridge", 1);
  await goTo(page, "Forecast");
  await page.fill("#forecast-horizon", "13");
  await page.fill("#forecast-windows", "2");
  await forecastAndWait(page);
  await registerNewest(page, "sample", 1);
  await setAlias(page, "sample", "champion", 1);

  // The labelled weeks after the origin, as a file a person would upload.
  const dir = mkdtempSync(join(tmpdir(), "shelfcast-registry-"));
  const store = join(dir, "store");
  const run = JSON.parse(shelfcast(["forecast", "--horizon", "13", "--backtest", "2", "--store", store, "--format", "json"]));
  const origin = run.params.origin;
  const end = new Date(Date.parse(origin) + 13 * 7 * 86_400_000).toISOString().slice(0, 10);
  const [header, ...lines] = cliSample().trim().split("\n");
  const later = join(dir, "later.csv");
  writeFileSync(later, [header, ...lines.filter((l) => { const d = l.split(",")[2]; return d >= origin && d < end; })].join("\n") + "\n");

  await page.reload();
  await page.waitForSelector("nav");
  await score(page, "models:/sample@champion", later, "labelled");
  shelfcast(["models", "register", run.run_id, "--name", "sample", "--store", store]);
  const predicted = JSON.parse(shelfcast(["predict", "--model", "models:/sample/1", "--store", store, "--score", later, "--out", join(dir, "p.csv"), "--format", "json"]));
  assert.equal(await page.textContent("#score-wmae"), fixed(predicted.wmae));
  // Actual against predicted: the total, and one series picked from the file's.
  await page.waitForFunction(() => document.getElementById("chart-score")?.data?.length === 2);
  await page.selectOption("#score-series", "1-1");
  await page.waitForFunction(() => document.getElementById("chart-score-series")?.data?.map((t) => t.name).join() === "actual,predicted");
  // The scoring is recorded on the version and drawn beside its training-time WMAE.
  await page.waitForFunction(() => document.getElementById("chart-monitor-sample")?.data?.length === 3);
  const traces = await page.evaluate(() => document.getElementById("chart-monitor-sample").data.map((t) => t.name));
  assert.deepEqual(traces, ["version 1 scored", "version 1 at training", "version 1 alert (1.25×)"]);
  // The version scored as it did at training (the same weeks): flagged only below 1×.
  const card = 'section.model[data-model="sample"]';
  assert.equal(await page.$(`${card} tr[data-version="1"].alert`), null);
  await page.fill(`${card} input.alert-ratio`, "0.5");
  await page.click(`${card} button.set-alert`);
  await page.waitForSelector(`${card} tr[data-version="1"].alert`);
  assert.match(await page.textContent(`${card} tr[data-version="1"] td.alert-flag`), /^1\.00× its training WMAE$/);
  // A description, kept; the version's run opens on the Runs page.
  await page.fill(`${card} input.description`, "the sample's 13 weeks");
  await page.click(`${card} button.save-description`);
  await page.waitForFunction(() => document.querySelector("#status")?.textContent.includes("description saved"));
  const versionRun = await page.getAttribute(`${card} tr[data-version="1"] a.open-run`, "title");
  assert.match(versionRun, /^[0-9a-f]{32}$/);
  assert.match(await page.textContent(`${card} tr[data-version="1"] td.run-metrics`), /^WMAE \d+\.\d{3} \(13-week forecast\), backtest_wmae/);
  // The predictions download: one row per row of the file.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-scored")]);
  assert.equal(download.suggestedFilename(), "predictions.csv");
  assert.equal(readFileSync(await download.path(), "utf8").trim().split("\n").length, readFileSync(later, "utf8").trim().split("\n").length);

  // A one-step model cannot forecast future weeks (it needs last week's sales), nor score
  // weeks inside its own data: each refusal says why, and nothing is lost.
  const future = join(dir, "test.csv");
  const toFuture = (line) => { const f = line.split(","); return [f[0], f[1], f[2], f[4]].join(","); };
  writeFileSync(future, readFileSync(later, "utf8").trim().split("\n").map((l, i) => (i === 0 ? "Store,Dept,Date,IsHoliday" : toFuture(l))).join("\n") + "\n");
  const choice = await page.$$eval("#score-model option", (options) => options.map((o) => o.value).find((v) => v.startsWith("models:/ridge/1")));
  await page.selectOption("#score-model", choice);
  await page.setInputFiles("#score-file", future);
  await page.waitForFunction(() => document.querySelector("#error")?.textContent.includes("one-step model (ridge)"));
  await page.setInputFiles("#score-file", later);
  await page.waitForFunction(() => document.querySelector("#error")?.textContent.includes("is not after the model's data"));
  assert.equal(await page.textContent("#score-wmae"), fixed(predicted.wmae), "the last result stays");
  await page.click('section.model[data-model="sample"] tr[data-version="1"] a.open-run');
  await page.waitForFunction((id) => document.querySelector("#run-details h2")?.textContent === `Run ${id}`, versionRun);
  assert.equal(await page.inputValue("#register-name"), "ridge", "the register box offers an existing name");
  assert.deepEqual(errors, []);
  await page.close();
});
