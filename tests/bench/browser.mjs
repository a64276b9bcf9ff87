// `cargo xtask bench-browser`: the built app in headless Chromium, a model (Ridge unless
// `--model NAME`, as the CLI names them) on the real train.csv uploaded through the Data
// page's file input. Every figure is measured in the page:
// - first render: navigation start → first contentful paint, → `#use-sample` in the DOM, and
//   → the engine's worker warmed up (`#status[data-engine=ready]`), which the upload waits for;
// - end to end: the file input's `change` event → `#test-wmae` in the DOM (performance.now());
// - main-thread long tasks (Long Tasks API, which reports only tasks ≥ 50 ms) during the run;
// - per-stage times from the run record (the Runs page's "Download JSON"), each beside the
//   native CLI's time for the same stage (`shelfcast run --format json` on the same file with
//   the same model and switches, run right after each browser run) and their ratio.
// Each run opens a fresh page (a fresh browser context, so an empty IndexedDB) in one browser;
// run 1 is cold (nothing compiled or cached yet).
// Usage: node tests/bench/browser.mjs --cli PATH [--runs N] [--model NAME] [--features a,b] [--settle MS]
// (`--features` takes the Train page's switches, e.g. series-stats,holiday-features).
import { execFile } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { promisify } from "node:util";
import { join, relative } from "node:path";
import { gzipSync, constants } from "node:zlib";
import { serveDist, launch, openPage, benchInputsOrExit, dist, root } from "../e2e/harness.mjs";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a positive whole number");
const modelArg = process.argv.indexOf("--model");
const model = modelArg > 0 ? process.argv[modelArg + 1] : "ridge";
const featuresArg = process.argv.indexOf("--features");
const switches = featuresArg > 0 ? process.argv[featuresArg + 1].split(",").filter(Boolean) : [];
if (switches.some((s) => s.startsWith("join-"))) throw new Error("the joins need their files; this benchmark uploads train.csv only");
const settleArg = process.argv.indexOf("--settle");
const settle = settleArg > 0 ? Number(process.argv[settleArg + 1]) : undefined;
const cliArg = process.argv.indexOf("--cli");
if (cliArg < 0) throw new Error("--cli takes the release shelfcast binary (cargo xtask bench-browser passes it)");
const cli = process.argv[cliArg + 1];
// The end-to-end target is Ridge's; the train stage's is GBDT's with the series statistics
// (any other model's fit is shown without one). A stage may take at most this many times its
// native time.
const TARGET_END_TO_END_MS = 500;
const TARGET_LONGEST_TASK_MS = 100;
const TARGET_GBDT_FIT_MS = 2500;
const TARGET_RATIO = 1.8;

const train = benchInputsOrExit();

// Runs in the page before its own scripts: observers for long tasks, the file input's change
// event (capture phase, so before the app's handler) and the elements appearing.
function instrument() {
  const marks = (window.__bench = { longTasks: [] });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) marks.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
  document.addEventListener("change", (e) => {
    if (e.target.id === "train-file") marks.change ??= performance.now();
  }, true);
  new MutationObserver(() => {
    if (marks.ready === undefined && document.querySelector("#use-sample")) marks.ready = performance.now();
    if (marks.engine === undefined && document.querySelector('#status[data-engine="ready"]')) marks.engine = performance.now();
    if (marks.change !== undefined && marks.shown === undefined && document.querySelector("#test-wmae")) {
      marks.shown = performance.now();
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-engine"] });
}

async function once(browser, url) {
  const { page, errors } = await openPage(browser, url, { init: instrument });
  if (model !== "ridge" || switches.length) {
    await page.click("nav >> text=Train & evaluate");
    await page.selectOption("#model", model);
    for (const id of switches) await page.check(`#feature-${id}`);
    await page.click("nav >> text=Data");
  }
  // As a person would, who picks a file after the page has loaded: once the engine has warmed
  // up (a file picked sooner waits for it, up to a few hundred ms after the first paint), or
  // `--settle MS` after the page opened (for builds from before the page said so).
  if (settle === undefined) await page.waitForSelector('#status[data-engine="ready"]', { timeout: 60_000 });
  else await new Promise((resolve) => setTimeout(resolve, settle));
  await page.setInputFiles("#train-file", train);
  await page.waitForSelector("#test-wmae", { timeout: 300_000 });
  await page.waitForFunction(() => /^Run .* finished\.$/.test(document.querySelector("#status")?.textContent ?? ""));
  const marks = await page.evaluate(() => ({
    ...window.__bench,
    fcp: performance.getEntriesByType("paint").find((p) => p.name === "first-contentful-paint")?.startTime,
  }));
  const during = marks.longTasks.filter((t) => t.start + t.duration > marks.change && t.start < marks.shown);
  const loading = marks.longTasks.filter((t) => t.start < marks.ready);
  await page.click("nav >> text=Runs");
  await page.waitForSelector("#runs tr.run");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#runs tr.run >> text=Download JSON")]);
  const record = JSON.parse(await readFile(await download.path(), "utf8"));
  if (record.params?.model !== model) throw new Error(`the run used model ${record.params?.model}, not ${model}`);
  if (errors.length) console.error("page errors:", errors);
  await page.close();
  return {
    fcp: marks.fcp,
    ready: marks.ready,
    engine: marks.engine,
    endToEnd: marks.shown - marks.change,
    longest: Math.max(0, ...during.map((t) => t.duration)),
    over50: during.filter((t) => t.duration > 50).length,
    loadLongest: Math.max(0, ...loading.map((t) => t.duration)),
    stages: record.stages.map((s) => [s.stage, s.duration_ms, s.state]),
    params: record.params,
    wmae: record.metrics.test_wmae,
  };
}

// The same run natively: the release CLI's record, with the same params as the page's.
async function native(pageParams) {
  const flags = switches.map((id) => `--${id}`);
  if (!switches.includes("series-stats")) flags.push("--no-series-stats");
  const { stdout } = await promisify(execFile)(cli, ["run", "--data", train, "--model", model, ...flags, "--format", "json"], { maxBuffer: 64 << 20 });
  const record = JSON.parse(stdout);
  const differ = Object.keys({ ...pageParams, ...record.params }).filter((k) => pageParams[k] !== record.params[k]);
  if (differ.length) throw new Error(`the CLI's run differs from the page's in ${differ.map((k) => `${k} (${record.params[k]} / ${pageParams[k]})`).join(", ")}`);
  return Object.fromEntries(record.stages.map((s) => [s.stage, s.duration_ms]));
}

async function wasmSizes() {
  const names = (await readdir(dist)).filter((n) => /^shelfcast-app-.*_bg\.wasm$|^shelfcast-worker_bg\.wasm$/.test(n));
  return Promise.all(names.sort().map(async (name) => {
    const bytes = await readFile(join(dist, name));
    return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length };
  }));
}

const server = await serveDist("/");
const browser = await launch();
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const result = await once(browser, server.url);
    // The browser's processes settle before the native run, which would otherwise share the
    // two cores with them.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    result.native = await native(result.params);
    results.push(result);
    console.error(`run ${i + 1}/${runs}: end to end ${results[i].endToEnd.toFixed(1)} ms`);
  }
} finally {
  await browser.close();
  await server.close();
}

const sorted = (values) => [...values].sort((a, b) => a - b);
const median = (values) => sorted(values)[Math.floor(values.length / 2)];
const best = (values) => sorted(values)[0];
const ms = (v) => (v === undefined || Number.isNaN(v) ? "-" : v.toFixed(1));
const longTask = (v) => (v === 0 ? "none" : ms(v));
const target = (value, limit) => `≤ ${limit} ms ${value <= limit ? "(met)" : "(MISSED)"}`;

const rows = [];
const row = (label, values, show = ms, goal = "") =>
  rows.push([label, show(values[0]), show(median(values)), show(best(values)), goal]);
const pick = (f) => results.map(f);
row("first contentful paint (ms)", pick((r) => r.fcp));
row("#use-sample present (ms)", pick((r) => r.ready));
row("engine warmed up (ms)", pick((r) => r.engine));
row("longest task while loading (ms)", pick((r) => r.loadLongest), longTask);
const endToEndGoal = model === "ridge" ? target(median(pick((r) => r.endToEnd)), TARGET_END_TO_END_MS) : "";
row("end to end: file → metrics (ms)", pick((r) => r.endToEnd), ms, endToEndGoal);
row("longest main-thread task (ms)", pick((r) => r.longest), longTask, target(median(pick((r) => r.longest)), TARGET_LONGEST_TASK_MS));
row("main-thread tasks > 50 ms", pick((r) => r.over50), String);
const ratio = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : "-");
for (const [i, [stage]] of results[0].stages.entries()) {
  const times = pick((r) => r.stages[i][1]);
  const natives = pick((r) => r.native[stage]);
  const ratios = results.map((r, j) => times[j] / natives[j]);
  const fitGoal = stage === "train" && model === "gbdt" && switches.includes("series-stats") ? target(median(times), TARGET_GBDT_FIT_MS) : "";
  row(`stage ${stage} (ms)`, times, ms, fitGoal);
  row(`  natively (ms)`, natives);
  row(`  browser / native`, ratios, ratio, `≤ ${TARGET_RATIO}× ${median(ratios) <= TARGET_RATIO ? "(met)" : "(MISSED)"}`);
}
row("sum of stages (ms)", pick((r) => r.stages.reduce((sum, s) => sum + s[1], 0)));
row("  natively (ms)", pick((r) => Object.values(r.native).reduce((sum, t) => sum + t, 0)));

console.log(`\nShelfcast in headless Chromium: ${model}${switches.length ? ` with ${switches.join(", ")}` : ""} on ${relative(root, train)}, ${runs} run(s), a fresh page each`);
console.log(`(median and best are over all runs; test WMAE ${results[0].wmae.toFixed(3)}; stage states: ${[...new Set(results.flatMap((r) => r.stages.map((s) => s[2])))].join(", ")})`);
console.log("Long Tasks reports only tasks ≥ 50 ms: \"none\" means every task was shorter.\n");
const header = ["", "run 1 (cold)", "median", "best", "target (on the median)"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [header, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd());

console.log(`\nWebAssembly in ${relative(root, dist)} (gzip: node's zlib, level 9)`);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const { name, raw, gzip } of await wasmSizes()) console.log(`  ${name.padEnd(42)} ${kb(raw).padStart(11)} raw  ${kb(gzip).padStart(10)} gzipped`);
