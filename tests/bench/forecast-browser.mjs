// `cargo xtask bench-forecast` (browser half): the Forecast page in headless Chromium on the
// real train.csv uploaded through the file input. Per run (a fresh page each, in one browser):
// the default 39-week forecast without a backtest, then with a 3-window backtest, each timed
// in the page from the click on #forecast to the forecast summary of the new run on screen
// (performance.now()), and the forecast run's per-stage times from its run record.
// Usage: node tests/bench/forecast-browser.mjs [--runs N]
import { relative } from "node:path";
import { serveDist, launch, openPage, benchInputsOrExit, root } from "../e2e/harness.mjs";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const TARGET_FORECAST_MS = 10_000;
const TARGET_WITH_BACKTEST_MS = 30_000;

const train = benchInputsOrExit();

/** Clicks #forecast and returns the milliseconds until the new run's summary is shown. */
async function timedForecast(page) {
  const before = await page.getAttribute(".last-run", "data-run-id");
  return page.evaluate(async (previous) => {
    const started = performance.now();
    document.querySelector("#forecast").click();
    await new Promise((done) => {
      const check = () => {
        const id = document.querySelector(".last-run")?.dataset.runId;
        if (id && id !== previous && document.querySelector("#forecast-summary")) done();
        else requestAnimationFrame(check);
      };
      check();
    });
    return performance.now() - started;
  }, before);
}

async function once(browser, url) {
  const { page, errors } = await openPage(browser, url);
  await page.setInputFiles("#train-file", train);
  await page.waitForSelector(".last-run", { timeout: 300_000 });
  await page.click("nav >> text=Forecast");
  await page.fill("#forecast-windows", "0");
  const alone = await timedForecast(page);
  const aloneWmae = await page.textContent("#forecast-wmae");
  await page.fill("#forecast-windows", "3");
  const withBacktest = await timedForecast(page);
  const wmae = await page.textContent("#forecast-wmae");
  const coverage = [await page.textContent("#coverage-80"), await page.textContent("#coverage-95")];
  await page.click("nav >> text=Pipeline");
  const grid = await page.$$eval("#stages tr.stage", (rows) => rows.map((r) => [r.dataset.stage, parseFloat(r.querySelector("td.num").textContent)]));
  if (errors.length) console.error("page errors:", errors);
  await page.close();
  return { alone, withBacktest, aloneWmae, wmae, coverage, grid };
}

const server = await serveDist("/");
const browser = await launch();
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    results.push(await once(browser, server.url));
    console.error(`run ${i + 1}/${runs}: forecast ${results[i].alone.toFixed(0)} ms, with a 3-window backtest ${results[i].withBacktest.toFixed(0)} ms`);
  }
} finally {
  await browser.close();
  await server.close();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const verdict = (value, limit) => `< ${limit} ms ${value < limit ? "(met)" : "(MISSED)"}`;
console.log(`\nThe Forecast page in headless Chromium on ${relative(root, train)}, default method, 39 weeks from the default origin, ${runs} run(s)`);
const alone = median(results.map((r) => r.alone));
const withBacktest = median(results.map((r) => r.withBacktest));
console.log(`forecast, no backtest          median ${alone.toFixed(0)} ms   ${verdict(alone, TARGET_FORECAST_MS)}   WMAE ${results[0].aloneWmae}`);
console.log(`forecast, 3-window backtest    median ${withBacktest.toFixed(0)} ms   ${verdict(withBacktest, TARGET_WITH_BACKTEST_MS)}   WMAE ${results[0].wmae}, coverage ${results[0].coverage.join(" % / ")} %`);
for (const [i, [stage]] of results[0].grid.entries()) {
  console.log(`  stage ${stage.padEnd(14)} median ${median(results.map((r) => r.grid[i][1])).toFixed(1)} ms`);
}
