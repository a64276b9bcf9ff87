// Tracking in real headless Chromium and real IndexedDB: two runs on the real train.csv in two
// experiments; after a reload a stored run opens with its contract tables, its charts and the
// series opened when it ran; an OR filter finds both, a filter error shows its column, and
// the compare view shows the params that differ, with both runs on its plots; renaming an
// experiment keeps its runs. Two forecast runs compared share a chart of errors by horizon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appAndBrowser, forecastAndWait, openPage, realTrainFile, realDataOr, runAndRead, shownRunId } from "./harness.mjs";

const app = appAndBrowser();

const goTo = (page, label) => page.click(`nav >> text=${label}`);
const drawn = (page, id) => page.waitForSelector(`#${id} .main-svg`, { timeout: 30_000 });
const rowCount = (page, selector) => page.$$eval(selector, (rows) => rows.length);

test("two runs in two experiments survive a reload with what they showed, filter with OR and compare", async (t) => {
  const train = realTrainFile();
  if (!realDataOr(t, train)) return;
  const { page, errors } = await openPage(app.browser, app.server.url);

  // Run 1, in the default experiment, with one series opened on the Train page.
  await runAndRead(page, () => page.setInputFiles("#train-file", train));
  const first = await shownRunId(page);
  await goTo(page, "Train");
  await page.selectOption("#series", "1-1");
  await drawn(page, "chart-series");

  // A second experiment; run 2 goes into it, with another alpha.
  await goTo(page, "Runs");
  await page.fill("#new-experiment-name", "stronger ridge");
  await page.click("#create-experiment");
  await page.waitForFunction(() => document.querySelector("#experiment")?.selectedOptions[0]?.textContent === "stronger ridge");
  await goTo(page, "Train");
  await page.fill("#alpha", "10");
  await runAndRead(page, () => page.click("#train"));
  const second = await shownRunId(page);
  assert.notEqual(first, second);
  await goTo(page, "Runs");
  await page.waitForSelector(`#runs tr[data-run-id="${second}"]`);
  assert.equal(await page.$(`#runs tr[data-run-id="${first}"]`), null, "the list shows the chosen experiment's runs");

  await page.reload();
  await page.waitForSelector("nav");
  await goTo(page, "Runs");
  await page.waitForFunction(() => document.querySelector("#experiment")?.selectedOptions[0]?.textContent === "stronger ridge");
  await page.check("#all-experiments");
  await page.waitForSelector(`#runs tr[data-run-id="${first}"]`);
  const experimentOf = (id) => page.$eval(`#runs tr[data-run-id="${id}"]`, (row) => row.querySelector("td.col-experiment").textContent);
  assert.equal(await experimentOf(first), "walmart_week3_baselines");
  assert.equal(await experimentOf(second), "stronger ridge");

  // Run 1 opens as it was: both contract tables, its charts, the series opened then.
  await page.click(`#runs tr[data-run-id="${first}"] button.open`);
  await page.waitForSelector("#run-showed #stored-raw-contract");
  assert.equal(await rowCount(page, "#stored-raw-contract tbody tr"), 17);
  assert.equal(await rowCount(page, "#stored-feature-contract tbody tr"), 27);
  await drawn(page, "stored-chart-totals");
  await drawn(page, "stored-chart-stores");
  await goTo(page, "Contracts");
  assert.equal(await page.getAttribute("#contracts-run", "data-run-id"), first);
  assert.equal(await rowCount(page, "#raw-contract tbody tr.ok"), 17);
  assert.equal(await rowCount(page, "#feature-contract tbody tr"), 27);
  await goTo(page, "Train");
  await drawn(page, "chart-totals");
  await drawn(page, "chart-residuals");
  const offered = await page.$$eval("#series option", (options) => options.map((o) => o.value).filter(Boolean));
  assert.deepEqual(offered, ["1-1"], "a stored run offers the series it kept");
  await page.selectOption("#series", "1-1");
  await drawn(page, "chart-series");

  // The filter: OR and parentheses; an error names its column.
  await goTo(page, "Runs");
  await page.check("#all-experiments");
  await page.fill("#runs-filter", "params.alpha = '10' OR (params.model = 'ridge' AND attributes.experiment_id = '0')");
  await page.waitForFunction(() => document.querySelector("#runs caption").textContent.startsWith("2 runs kept"));
  await page.fill("#runs-filter", "params.alpha = '10' OR params.model = 'gbdt'");
  await page.waitForFunction(() => document.querySelector("#runs caption").textContent.startsWith("1 of 2"));
  assert.deepEqual(await page.$$eval("#runs tr.run", (rows) => rows.map((r) => r.dataset.runId)), [second]);
  await page.fill("#runs-filter", "params.alpha = ");
  await page.waitForSelector("#runs-filter-error");
  assert.match(await page.textContent("#runs-filter-error"), /column 16/);
  await page.fill("#runs-filter", "params.model = 'ridge' OR params.model = 'gbdt'");
  await page.waitForFunction(() => document.querySelector("#runs caption").textContent.startsWith("2 runs kept"));

  // Compare the two: alpha differs, and only differing rows are left with "differences only".
  for (const id of [first, second]) await page.check(`#runs tr[data-run-id="${id}"] input.compare-pick`);
  await page.click("#compare-runs");
  await page.waitForSelector("#compare-params");
  const alpha = await page.$$eval('#compare-params tr[data-field="params.alpha"] td', (cells) => cells.map((c) => c.textContent));
  assert.equal(alpha.length, 3);
  assert.notEqual(alpha[1], alpha[2]);
  assert.equal(Number(alpha[2]), 10);
  assert.equal(await page.getAttribute('#compare-params tr[data-field="params.alpha"]', "class"), "differs");
  assert.equal(await page.getAttribute('#compare-params tr[data-field="params.model"]', "class"), "same");
  await page.check("#differences-only");
  await page.waitForFunction(() => document.querySelector('#compare-params tr[data-field="params.model"]') === null);
  const kinds = await page.$$eval("#compare-params tbody tr", (rows) => rows.map((r) => r.className));
  assert.ok(kinds.length >= 1 && kinds.every((k) => k === "differs"), kinds.join());
  assert.equal(await rowCount(page, '#compare-metrics tr[data-field="metrics.test_wmae"]'), 1);
  assert.equal(await rowCount(page, "#parallel-coordinates polyline.run-line"), 2);
  assert.ok(await rowCount(page, '#parallel-coordinates g.axis[data-field="params.alpha"]'), "alpha is an axis");
  assert.equal(await rowCount(page, "#compare-scatter g.point"), 2);
  await page.waitForSelector("#compare-horizon-none");

  // Renaming the experiment keeps its runs in it, under the new name.
  await page.fill("#rename-experiment-name", "ridge alpha 10");
  await page.click("#rename-experiment");
  await page.waitForFunction(() => document.querySelector("#experiment")?.selectedOptions[0]?.textContent === "ridge alpha 10");
  await page.waitForFunction((id) => document.querySelector(`#runs tr[data-run-id="${id}"] td.col-experiment`)?.textContent === "ridge alpha 10", second);
  assert.deepEqual(errors, []);
  await page.close();
});


test("two forecast runs compared: their errors by horizon week on one chart", async () => {
  const { page, errors } = await openPage(app.browser, app.server.url);
  await runAndRead(page, () => page.click("#use-sample"));
  await goTo(page, "Forecast");
  await page.fill("#forecast-windows", "1");
  const ids = [];
  for (const horizon of ["13", "26"]) {
    await page.fill("#forecast-horizon", horizon);
    ids.push(await forecastAndWait(page));
  }
  await goTo(page, "Runs");
  for (const id of ids) await page.check(`#runs tr[data-run-id="${id}"] input.compare-pick`);
  await page.click("#compare-runs");
  await page.waitForSelector('#compare-params tr.differs[data-field="params.forecast_horizon"]');
  await drawn(page, "compare-horizon");
  const traces = await page.$$eval("#compare-horizon .scatterlayer .trace", (t) => t.length);
  assert.equal(traces, 2, "one line per run");
  assert.equal(await page.$("#compare-horizon-none"), null);
  assert.deepEqual(errors, []);
  await page.close();
});
