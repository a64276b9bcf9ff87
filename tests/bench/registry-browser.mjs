// `cargo xtask bench-registry` (browser half): the real train.csv and test.csv uploaded, the
// default 39-week forecast run, its model registered from the Runs page and aliased
// `champion` on the Models page. Then per run: the page is reloaded (the worker holds
// nothing; the model comes from IndexedDB), and the time is taken from choosing
// `models:/walmart@champion` and test.csv to the submission's download, with the worker's
// own scoring time beside it.
// Usage: node tests/bench/registry-browser.mjs [--runs N]
import { relative } from "node:path";
import { serveDist, launch, openPage, benchInputsOrExit, realTestFile, root } from "../e2e/harness.mjs";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const TARGET_MS = 3_000;

const train = benchInputsOrExit();
const test = realTestFile();
if (!test) {
  console.error("the real data is absent: no test.csv[.gz] beside train.csv (set SHELFCAST_DATA_DIR)");
  process.exit(1);
}

const server = await serveDist("/");
const browser = await launch();
const results = [];
try {
  const { page, errors } = await openPage(browser, server.url);
  await page.setInputFiles("#train-file", train);
  await page.waitForSelector(".last-run", { timeout: 300_000 });
  await page.click("nav >> text=Forecast");
  await page.setInputFiles("#future-file", test);
  await page.waitForFunction(() => document.querySelector("#future-file-name")?.textContent.includes("test.csv"));
  const before = await page.getAttribute(".last-run", "data-run-id");
  await page.click("#forecast");
  await page.waitForFunction((previous) => {
    const id = document.querySelector(".last-run")?.dataset.runId;
    return id && id !== previous && document.querySelector("#forecast-summary");
  }, before, { timeout: 300_000 });
  await page.click("nav >> text=Runs");
  const runId = await page.$eval("#runs tr.run", (row) => row.dataset.runId);
  await page.click(`#runs tr[data-run-id="${runId}"] >> text=Open`);
  await page.fill("#register-name", "walmart");
  await page.click("#register-run");
  await page.waitForFunction(() => document.querySelector("#registered-as")?.textContent.includes("walmart version"));
  const version = (await page.textContent("#registered-as")).match(/walmart version (\d+)/)[1];
  await page.click("nav >> text=Models");
  const card = 'section.model[data-model="walmart"]';
  await page.fill(`${card} input.alias-name`, "champion");
  await page.fill(`${card} input.alias-version`, version);
  await page.click(`${card} button.set-alias`);
  await page.waitForFunction(([card, v]) => document.querySelector(`${card} tr[data-version="${v}"] td.aliases`)?.textContent.includes("@champion"), [card, version]);
  for (let i = 0; i < runs; i++) {
    await page.reload();
    await page.click("nav >> text=Models");
    const choice = await page.waitForFunction(() => [...document.querySelectorAll("#score-model option")].map((o) => o.value).find((v) => v.startsWith("models:/walmart@champion")));
    const started = Date.now();
    await page.selectOption("#score-model", await choice.jsonValue());
    await page.setInputFiles("#score-file", test);
    await page.waitForSelector('#score-result[data-kind="future-weeks"]', { timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-scored")]);
    await download.path();
    const total = Date.now() - started;
    const worker = parseFloat(await page.textContent("#score-ms"));
    results.push({ total, worker });
    console.error(`run ${i + 1}/${runs}: ${total} ms to the submission (worker ${worker} ms)`);
  }
  if (errors.length) console.error("page errors:", errors);
} finally {
  await browser.close();
  await server.close();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const total = median(results.map((r) => r.total));
console.log(`\nScoring ${relative(root, test)} with models:/walmart@champion in headless Chromium after a reload, ${runs} run(s)`);
console.log(`model chosen → submission downloaded   median ${total} ms   < ${TARGET_MS} ms ${total < TARGET_MS ? "(met)" : "(MISSED)"}`);
console.log(`  of which the worker's scoring        median ${median(results.map((r) => r.worker)).toFixed(0)} ms`);
