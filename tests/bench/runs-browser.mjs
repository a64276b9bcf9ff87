// `cargo xtask bench-runs`: the Runs page with many stored runs, in headless Chromium.
// N generated runs (default 1,000: copies of a real run record from the CLI, each with its own
// id, start time, model, alpha and metrics) are written into the app's IndexedDB as the app
// writes them; after a reload the page is timed opening the Runs page (click → the table's
// rows), typing an OR filter, sorting by WMAE and scrolling to the last row, with the longest
// main-thread task of each (PerformanceObserver "longtask": tasks over 50 ms).
// Targets: the page opens in under 300 ms, and no task takes over 100 ms.
// Usage: node tests/bench/runs-browser.mjs [--runs N]
import { serveDist, launch, openPage, cliRun } from "../e2e/harness.mjs";

const argument = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const count = argument("--runs", 1000);
const OPEN_TARGET_MS = 300;
const TASK_TARGET_MS = 100;

// One real record (the CLI's, on the built-in sample), varied per run.
const template = cliRun([]);
const models = ["ridge", "lasso", "gbdt", "random-forest", "seasonal-naive"];
const records = Array.from({ length: count }, (_, i) => {
  const run = structuredClone(template);
  run.run_id = i.toString(16).padStart(32, "0");
  run.start_time_ms = template.start_time_ms - i * 60_000;
  run.end_time_ms = run.start_time_ms + 1_500;
  run.params.model = models[i % models.length];
  run.params.alpha = String((i % 17) / 2);
  for (const key of Object.keys(run.metrics)) run.metrics[key] = template.metrics[key] * (0.8 + 0.4 * ((i * 7919) % 1000) / 1000);
  if (i % 10 === 0) run.tags.best = "yes";
  return run;
});
const bytes = records.reduce((sum, r) => sum + JSON.stringify(r, null, 2).length, 0);

const server = await serveDist("/");
const browser = await launch();
const figures = {};
try {
  const { page, errors } = await openPage(browser, server.url);
  await page.waitForSelector("nav");
  // The app has created its database; write the runs as `run_row` does.
  await page.evaluate(async (records) => {
    const database = await new Promise((resolve, reject) => {
      const request = indexedDB.open("shelfcast");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    await new Promise((resolve, reject) => {
      const transaction = database.transaction(["runs"], "readwrite");
      const runs = transaction.objectStore("runs");
      for (const r of records) runs.put({ run_id: r.run_id, json: JSON.stringify(r, null, 2), start_time_ms: r.start_time_ms, experiment: r.experiment });
      transaction.oncomplete = resolve;
      transaction.onerror = () => reject(transaction.error);
    });
    database.close();
  }, records);

  // A fresh page: the app reads every stored run at start-up.
  await page.reload();
  await page.evaluate(() => {
    window.bench = { tasks: [] };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.bench.tasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  await page.waitForSelector("nav");
  // The runs are loaded once the Runs link shows them; wait for the store to be read.
  await page.click("nav >> text=Runs");
  await page.waitForFunction((n) => document.querySelector("#runs caption")?.textContent.includes(`${n} runs kept`), count, { timeout: 60_000 });
  // The first long task is the app's start (its WebAssembly and first render, as long with no
  // runs stored); the listing is read in the tasks after it.
  const startup = await page.evaluate(() => window.bench.tasks.map((t) => t.duration));
  figures.boot = startup[0] ?? 0;
  figures.loaded = Math.max(0, ...startup.slice(1));
  await page.click("nav >> text=Data");

  /** Times `action` in the page: from its start to `done()` holding, and the longest task. */
  const timed = async (name, action, done) => {
    await page.evaluate(() => { window.bench.tasks = []; window.bench.start = performance.now(); });
    await action();
    await page.waitForFunction(done.fn, done.arg, { timeout: 60_000, polling: "raf" });
    const [elapsed, longest] = await page.evaluate(() => [performance.now() - window.bench.start, Math.max(0, ...window.bench.tasks.map((t) => t.duration))]);
    figures[name] = { elapsed, longest };
  };
  await timed("open", () => page.click("nav >> text=Runs"), {
    fn: (n) => document.querySelector("#runs caption")?.textContent.startsWith(`${n} runs kept`) && document.querySelector("#runs tr.run"),
    arg: count,
  });
  figures.rendered = await page.$$eval("#runs tr.run", (rows) => rows.length);
  await timed("filter", () => page.fill("#runs-filter", "metrics.test_wmae < 1400 OR (params.model = 'gbdt' AND tags.best = 'yes')"), {
    fn: (n) => document.querySelector("#runs caption").textContent.includes(` of ${n} runs`),
    arg: count,
  });
  figures.matched = await page.textContent("#runs caption");
  await page.fill("#runs-filter", "");
  await page.waitForFunction((n) => document.querySelector("#runs caption").textContent.startsWith(`${n} runs kept`), count);
  await timed("sort", () => page.click("#runs th button.sort >> text=WMAE"), {
    fn: () => document.querySelector("#runs th[aria-sort='descending'] button")?.textContent.startsWith("WMAE"),
    arg: null,
  });
  // (A few runs fit in the box: nothing to scroll.)
  if (count > 50) await timed("scroll", () => page.$eval("#runs-scroll", (box) => { box.scrollTop = box.scrollHeight; }), {
    fn: (n) => { const box = document.querySelector("#runs-scroll"); return box.scrollTop > 0 && document.querySelectorAll("#runs tr.run").length > 0 && document.querySelector("#runs tbody tr.spacer:last-child")?.style.height === "0px"; },
    arg: count,
  });
  if (errors.length) console.error("page errors:", errors);
} finally {
  await browser.close();
  await server.close();
}

const ms = (v) => `${v.toFixed(0)} ms`.padStart(8);
console.log(`\nThe Runs page with ${count} stored runs (${(bytes / count / 1024).toFixed(1)} KiB of record JSON each) in headless Chromium`);
console.log(`the app's start (WebAssembly, first render)  ${ms(figures.boot)}   (not counted against the target: it does not grow with the runs)`);
console.log(`longest task reading every run at start-up   ${ms(figures.loaded)}`);
for (const [name, label] of [["open", "open the Runs page"], ["filter", "type an OR filter"], ["sort", "sort by WMAE"], ["scroll", "scroll to the last row"]]) {
  if (!figures[name]) continue;
  const { elapsed, longest } = figures[name];
  console.log(`${label.padEnd(24)} ${ms(elapsed)}   longest task ${ms(longest)}`);
}
console.log(`rows drawn at once: ${figures.rendered} of ${count}; filter: ${figures.matched}`);
const open = figures.open.elapsed;
const worst = Math.max(figures.loaded, ...["open", "filter", "sort", "scroll"].map((n) => figures[n]?.longest ?? 0));
console.log(`open < ${OPEN_TARGET_MS} ms ${open < OPEN_TARGET_MS ? "(met)" : "(MISSED)"}; every task < ${TASK_TARGET_MS} ms ${worst < TASK_TARGET_MS ? "(met)" : `(MISSED: ${worst.toFixed(0)} ms)`}`);
