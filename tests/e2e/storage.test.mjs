// What the browser keeps, through the built app and real IndexedDB: the Runs page sorts,
// deletes and downloads stored runs; and whatever another build or another page on the same
// origin left in the database — damaged rows, a newer build's records, odd keys and ids — is
// listed as damaged with its reason, can be exported and deleted, hides no good run, and
// makes no page fail.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { serveDist, launch, openPage, checkOrigins, cliRun, runAndRead } from "./harness.mjs";

let server;
let browser;
/** A run record the CLI wrote (this build's version): the template of the stored runs. */
let template;

before(async () => {
  server = await serveDist("/");
  browser = await launch();
  template = cliRun([]);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(() => checkOrigins(server, assert));

/** A stored run: the template with another id, start time, model, status and test WMAE. */
function record(runId, startTimeMs, model, status, testWmae) {
  const metrics = { ...template.metrics };
  if (testWmae === undefined) delete metrics.test_wmae;
  else metrics.test_wmae = testWmae;
  return {
    ...template,
    run_id: runId,
    start_time_ms: startTimeMs,
    status,
    params: { ...template.params, model },
    metrics,
    error: status === "FAILED" ? "ingest: the file is empty" : null,
  };
}

/** A stored forecast run: a 39-week forecast's WMAE, never a test_ metric. */
function forecastRecord(runId, startTimeMs, forecastWmae) {
  const run = record(runId, startTimeMs, "svd-trend", "FINISHED", undefined);
  run.params = { ...run.params, run_kind: "forecast", forecast_horizon: "39" };
  run.metrics = { forecast_wmae: forecastWmae };
  return run;
}

/** The row the app stores for a record (see src/storage/schema.rs). */
const rowOf = (run) => ({ run_id: run.run_id, json: JSON.stringify(run, null, 2), start_time_ms: run.start_time_ms, experiment: run.experiment });

/** Writes rows straight into the app's database, as another build or page could. The app
 * has created the database (and its schema) by the time its first page is up. */
async function putRows(page, rows) {
  await page.waitForFunction(async () => (await indexedDB.databases()).some((d) => d.name === "shelfcast"));
  await page.evaluate(
    (rows) =>
      new Promise((done, fail) => {
        const open = indexedDB.open("shelfcast");
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction("runs", "readwrite");
          for (const row of rows) tx.objectStore("runs").put(row);
          tx.oncomplete = () => (db.close(), done());
          tx.onerror = () => fail(tx.error);
        };
      }),
    rows,
  );
}

const shownRunIds = (page) => page.$$eval("#runs tr.run", (rows) => rows.map((r) => r.dataset.runId));

async function goTo(page, label) {
  await page.click(`nav >> text=${label}`);
}

test("the Runs page sorts by every column, deletes for good and downloads the stored record", async () => {
  const { page, errors } = await openPage(browser, server.url);
  const t0 = 1_700_000_000_000;
  const runs = [
    record("1".repeat(32), t0, "ridge", "FINISHED", 2000.5),
    record("2".repeat(32), t0 + 1000, "gbdt", "FINISHED", 1500.25),
    record("3".repeat(32), t0 + 2000, "seasonal-naive", "FAILED", undefined),
    record("4".repeat(32), t0 + 3000, "lasso", "FINISHED", 1800),
    forecastRecord("5".repeat(32), t0 + 4000, 1600),
  ];
  const [r1, r2, r3, r4, r5] = runs.map((r) => r.run_id);
  await putRows(page, runs.map(rowOf));
  await page.reload();
  await goTo(page, "Runs");
  await page.waitForSelector("#runs tr.run");
  assert.equal(await page.textContent("#runs caption"), "5 runs kept in this browser");
  assert.deepEqual(await shownRunIds(page), [r5, r4, r3, r2, r1], "newest first");
  const sortBy = async (label) => page.click(`#runs th button.sort >> text=${label}`);
  const cases = [
    ["model", [r5, r3, r1, r4, r2], "descending"], // svd-trend, seasonal-naive, ridge, lasso, gbdt
    ["model", [r2, r4, r1, r3, r5], "ascending"],
    ["status", [r5, r4, r2, r1, r3], "descending"], // FINISHED before FAILED, ties newest first
    // One-step figures sort among themselves, then the forecast's, then the run without one.
    ["WMAE", [r1, r4, r2, r5, r3], "descending"],
    ["WMAE", [r2, r4, r1, r5, r3], "ascending"],
    ["started", [r5, r4, r3, r2, r1], "descending"],
    ["started", [r1, r2, r3, r4, r5], "ascending"],
  ];
  for (const [label, order, direction] of cases) {
    await sortBy(label);
    assert.deepEqual(await shownRunIds(page), order, `sorted by ${label}, ${direction}`);
    assert.equal(await page.getAttribute(`#runs th:has(button:text-is("${label}${direction === "descending" ? " ▼" : " ▲"}"))`, "aria-sort"), direction);
  }
  // The filter: the core's run search, with OR and parentheses (the order is still started, ascending).
  await page.fill("#runs-filter", "params.model = 'gbdt' OR (params.run_kind = 'forecast' AND metrics.forecast_wmae < 2000)");
  await page.waitForFunction(() => document.querySelectorAll("#runs tr.run").length === 2);
  assert.deepEqual(await shownRunIds(page), [r2, r5]);
  assert.equal(await page.textContent("#runs caption"), "2 of 5 runs kept in this browser");
  await page.fill("#runs-filter", "metrics.test_wmae < 'low'");
  await page.waitForSelector("#runs-filter-error");
  assert.equal(await page.textContent("#runs-filter-error p"), "filter, column 21: the key at column 1 holds numbers: the value must be a number");
  assert.equal(await page.textContent("#runs-filter-error pre"), "metrics.test_wmae < 'low'\n" + " ".repeat(20) + "^", "a caret under column 21");
  assert.equal((await shownRunIds(page)).length, 5, "a filter that does not parse hides nothing");
  await page.fill("#runs-filter", "");
  // The cells show what was stored.
  const columns = ["started", "run", "model", "status", "wmae", "basis", "dataset"];
  const cellsOf = (id, names) => page.$eval(`#runs tr[data-run-id="${id}"]`, (row, names) => names.map((n) => row.querySelector(`td.col-${n}`).textContent), names);
  const cells = await cellsOf(r2, columns);
  assert.deepEqual(cells, ["2023-11-14T22:13:21.000Z", "22222222", "gbdt", "FINISHED", "1500.250", "one-step", template.dataset.digest.slice(0, 12)]);
  const forecastCells = await cellsOf(r5, ["wmae", "basis"]);
  assert.deepEqual(forecastCells, ["1600.000", "39-week forecast"]);

  // Download: the file is the stored record, named by its run id.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(`#runs tr[data-run-id="${r2}"] >> text=Download JSON`)]);
  assert.equal(download.suggestedFilename(), `shelfcast-run-${r2}.json`);
  assert.deepEqual(JSON.parse(readFileSync(await download.path(), "utf8")), runs[1]);

  // Delete: gone from the list, and still gone after a reload.
  await page.click(`#runs tr[data-run-id="${r3}"] >> text=Delete`);
  await page.waitForFunction(() => document.querySelectorAll("#runs tr.run").length === 4);
  await page.reload();
  await goTo(page, "Runs");
  await page.waitForSelector("#runs tr.run");
  assert.deepEqual(await shownRunIds(page), [r5, r4, r2, r1]);

  // Tags and a note: set on an opened run, kept over a reload, found by the filter.
  await page.click(`#runs tr[data-run-id="${r4}"] >> text=Open`);
  await page.fill("#tag-key", "best");
  await page.fill("#tag-value", "yes");
  await page.click("#set-tag");
  await page.waitForSelector('#run-tags tr[data-tag="best"]');
  await page.fill("#run-note", "the holiday weeks look off");
  await page.click("#save-note");
  // The list is read back from IndexedDB once the record is stored: the filter sees the note then.
  const query = "tags.best = 'yes' AND tags.`mlflow.note.content` LIKE '%holiday%'";
  await page.fill("#runs-filter", query);
  await page.waitForFunction(() => document.querySelectorAll("#runs tr.run").length === 1);
  await page.reload();
  await goTo(page, "Runs");
  await page.waitForSelector("#runs tr.run");
  await page.fill("#runs-filter", query);
  await page.waitForFunction(() => document.querySelectorAll("#runs tr.run").length === 1);
  assert.deepEqual(await shownRunIds(page), [r4]);
  await page.click(`#runs tr[data-run-id="${r4}"] >> text=Open`);
  assert.equal(await page.inputValue("#run-note"), "the holiday weeks look off");
  await page.click('#run-tags tr[data-tag="best"] >> text=Remove');
  await page.waitForFunction(() => document.querySelectorAll("#runs tr.run").length === 0);
  assert.equal(await page.textContent("#runs caption"), "0 of 4 runs kept in this browser");
  assert.deepEqual(errors, []);
  await page.close();
});

test("damaged and foreign records are listed apart, exported and deleted; every page still works", async () => {
  const { page, errors } = await openPage(browser, server.url);
  const good = record("0123456789abcdef0123456789abcdef", 1_700_000_000_000, "ridge", "FINISHED", 2858.373);
  const short = record("x", 1_700_000_001_000, "gbdt", "FINISHED", 1400);
  const unicode = record("ünïcødé✓-run", 8_000_000_000_000_000, "lasso", "FINISHED", 1600);
  const { start_time_ms: _, ...withoutStart } = record("no-start-time", 0, "ridge", "FINISHED", 1);
  const rows = [
    rowOf(good),
    rowOf(short),
    rowOf(unicode),
    { run_id: "not-json", json: "{not json", start_time_ms: 1, experiment: "e" },
    { run_id: "from-the-future", json: JSON.stringify({ schema_version: 5, run_id: "from-the-future", new_field: [1, 2] }), start_time_ms: 2, experiment: "e" },
    // No start_time_ms at all: not in the start-time index, which must not make it vanish.
    { run_id: "no-start-time", json: JSON.stringify(withoutStart) },
    { run_id: "no-json-field", start_time_ms: 3 },
    { run_id: 42, json: "{}", start_time_ms: 4 },
    { run_id: "wrong-key", json: JSON.stringify(record("another-id", 5, "ridge", "FINISHED", 1)), start_time_ms: 5 },
    { run_id: "json-array", json: "[]", start_time_ms: 6 },
  ];
  await putRows(page, rows);
  await page.reload();
  await page.waitForSelector("#use-sample");
  // Every page opens.
  for (const label of ["Data", "Pipeline", "Contracts", "Train & evaluate", "Runs"]) await goTo(page, label);
  await page.waitForSelector("#runs tr.run");
  assert.equal(await page.locator("#error").count(), 0, "no error banner: the store itself is fine");
  assert.deepEqual(await shownRunIds(page), [unicode.run_id, short.run_id, good.run_id]);
  const started = await page.$$eval("#runs tr.run td.col-started", (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(started, ["8000000000000000 ms after 1970-01-01", "2023-11-14T22:13:21.000Z", "2023-11-14T22:13:20.000Z"]);
  const shortIds = await page.$$eval("#runs tr.run td.col-run", (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(shortIds, ["ünïcødé✓", "x", "01234567"]);
  for (const run of [unicode, short, good]) {
    await page.click(`#runs tr[data-run-id="${run.run_id}"] >> text=Open`);
    assert.equal(await page.textContent("#run-details h2"), `Run ${run.run_id}`);
  }

  const damaged = async () =>
    page.$$eval("#damaged-records tr.damaged", (trs) => trs.map((tr) => [tr.dataset.key, tr.querySelector("td.problem").textContent]));
  assert.equal(await page.textContent("#damaged-records caption"), "7 stored records cannot be shown as runs");
  assert.deepEqual(await damaged(), [
    ["42", "cannot be read: run record: it has no schema_version, so it is no run record (this build reads versions 1..=4)"],
    ["from-the-future", "written by a newer version of Shelfcast (record version 5; this build reads 1 to 4); kept untouched"],
    ["json-array", "cannot be read: run record: it has no schema_version, so it is no run record (this build reads versions 1..=4)"],
    ["no-json-field", "cannot be read: its row has no `json` text"],
    ["no-start-time", "cannot be read: run record: missing field `start_time_ms`"],
    ["not-json", "cannot be read: run record: not JSON: key must be a string at line 1 column 2"],
    ["wrong-key", 'cannot be read: it is stored under the key "wrong-key" but its run_id is "another-id"'],
  ]);

  // Export gives back exactly what was stored.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('#damaged-records tr[data-key="from-the-future"] >> text=Export')]);
  assert.equal(download.suggestedFilename(), "shelfcast-stored-from-the-future.json");
  assert.equal(readFileSync(await download.path(), "utf8"), rows[4].json);

  // Delete removes a damaged record (the numeric key too), for good; the others stay untouched.
  for (const key of ["not-json", "42"]) {
    await page.click(`#damaged-records tr[data-key="${key}"] >> text=Delete`);
    await page.waitForFunction((key) => !document.querySelector(`#damaged-records tr[data-key="${key}"]`), key);
  }
  await page.reload();
  await goTo(page, "Runs");
  await page.waitForSelector("#damaged-records");
  assert.deepEqual((await damaged()).map(([key]) => key), ["from-the-future", "json-array", "no-json-field", "no-start-time", "wrong-key"]);

  // A new run is stored and listed beside them; the damaged ones are still there, untouched.
  await goTo(page, "Data");
  await runAndRead(page, () => page.click("#use-sample"));
  const newRun = await page.getAttribute(".last-run", "data-run-id");
  await goTo(page, "Runs");
  await page.waitForFunction(() => document.querySelectorAll("#runs tr.run").length === 4);
  assert.deepEqual(await shownRunIds(page), [unicode.run_id, newRun, short.run_id, good.run_id], "by start time: the year-250,000 run first");
  assert.equal(await page.locator("#damaged-records tr.damaged").count(), 5);
  const future = await page.evaluate(
    () =>
      new Promise((done) => {
        const open = indexedDB.open("shelfcast");
        open.onsuccess = () => {
          const get = open.result.transaction("runs").objectStore("runs").get("from-the-future");
          get.onsuccess = () => (open.result.close(), done(get.result.json));
        };
      }),
  );
  assert.equal(future, rows[4].json, "the newer build's record is kept byte for byte");
  assert.deepEqual(errors, []);
  await page.close();
});
