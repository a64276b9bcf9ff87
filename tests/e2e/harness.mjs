// Shared set-up of the end-to-end tests: a static server for dist/ on loopback and Debian's
// headless Chromium driven by playwright-core. Every request a page makes — its worker's
// included — is recorded, and every request the server answers is logged, so that
// `checkOrigins` can show both that nothing left the origin and that the recording saw all
// the traffic there was.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { before as testBefore, after as testAfter, afterEach as testAfterEach } from "node:test";
import strictAssert from "node:assert/strict";

export const root = resolve(import.meta.dirname, "../..");
/** The built app: `SHELFCAST_DIST` if set (e.g. another checkout's build), else dist/. */
export const dist = process.env.SHELFCAST_DIST ? resolve(process.env.SHELFCAST_DIST) : join(root, "dist");

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/** Serves a build (dist/ by default) below `base` ("/" or "/sub/path/"); app routes fall back
 * to index.html. `served` lists the path of every request answered, in order. */
export async function serveDist(base = "/", dir = dist) {
  const served = [];
  const server = createServer(async (req, res) => {
    served.push(req.url);
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (!path.startsWith(base) && path + "/" !== base) {
      res.writeHead(404).end("not found");
      return;
    }
    const relative = normalize(path.slice(base.length) || "index.html");
    let file = join(dir, relative);
    const isFile = await stat(file).then((s) => s.isFile(), () => false);
    if (!isFile) {
      if (extname(relative)) {
        res.writeHead(404).end("not found");
        return;
      }
      file = join(dir, "index.html");
    }
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    res.end(await readFile(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, url: origin + base, served, close: () => new Promise((ok) => server.close(ok)) };
}

/** A server on another origin (another port) that counts what reaches it: nothing should. */
export async function serveOtherOrigin() {
  const served = [];
  const server = createServer((req, res) => {
    served.push(req.url);
    res.writeHead(200, { "content-type": "text/plain", "access-control-allow-origin": "*" }).end("reached");
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, served, close: () => new Promise((ok) => server.close(ok)) };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Pages opened since the last `checkOrigins`, with their recorded requests. */
const opened = [];

/** A page (in a context of its own, so storage is fresh) that records every request URL —
 * the dedicated worker's too, which Chromium reports on the page — and every console error;
 * `init` (optional) is a script run in the page before its own scripts; `waitFor` the selector
 * that says the page is up (the app's sample button; `null` for a page that is not the app). `checkOrigins`
 * later checks what it recorded. */
export async function openPage(browser, url, { init, context, waitFor = "#use-sample" } = {}) {
  const page = await (context ?? browser).newPage();
  if (init) await page.addInitScript(init);
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  // The app's service worker fetches the build for the cache: its requests are the context's.
  page.context().on("request", (r) => r.serviceWorker() && requests.push(r.url()));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  opened.push({ url, requests });
  await page.goto(url);
  if (waitFor) await page.waitForSelector(waitFor);
  return { page, requests, errors };
}

/** What of `requests` is not on `server`'s origin. A download's `blob:` URL carries the
 * page's origin and counts as on it; nothing else (no `data:` either) is let through. */
export function foreignRequests(requests, server) {
  return requests.filter((u) => !u.startsWith(server.origin + "/") && !u.startsWith(`blob:${server.origin}/`));
}

/** Checks every page opened since the last call: none asked another origin for anything, and
 * every request the server answered in that time was recorded by a page — so the recording
 * saw the worker's module and WebAssembly fetches, not only the page's own. Call it after
 * each test (`afterEach`). */
export function checkOrigins(server, assert) {
  const pages = opened.splice(0);
  const served = server.served.splice(0);
  const recorded = new Set(pages.flatMap((p) => p.requests));
  for (const { url, requests } of pages) {
    assert.deepEqual(foreignRequests(requests, server), [], `every request of the page opened at ${url} stays on ${server.origin}`);
  }
  const unseen = served.filter((path) => !recorded.has(server.origin + path));
  assert.deepEqual(unseen, [], "the pages' recording saw every request the server answered");
}

/** Fails when `SHELFCAST_REQUIRE_DATA=1` (CI) and the real data is absent; skips otherwise.
 * Returns whether the test can go on. */
export function realDataOr(t, ...files) {
  if (files.every(Boolean)) return true;
  const absent = `the real Walmart data is absent from ${dataDir()} (set SHELFCAST_DATA_DIR)`;
  if (process.env.SHELFCAST_REQUIRE_DATA === "1") throw new Error(`SHELFCAST_REQUIRE_DATA is set and ${absent}`);
  t.skip(`SKIPPED: ${absent}`);
  return false;
}

/** The real data directory (SHELFCAST_DATA_DIR, else ../shared/data/walmart). */
export function dataDir() {
  return process.env.SHELFCAST_DATA_DIR ?? join(root, "../shared/data/walmart");
}

export function realTrainFile() {
  const dir = dataDir();
  return ["train.csv", "train.csv.gz"].map((n) => join(dir, n)).find((p) => existsSync(p));
}

/** features.csv[.gz] and stores.csv[.gz] of the real data, or undefined when absent. */
export function realJoinFiles() {
  const dir = dataDir();
  const pick = (base) => [base, `${base}.gz`].map((n) => join(dir, n)).find((p) => existsSync(p));
  const files = [pick("features.csv"), pick("stores.csv")];
  return files.every(Boolean) ? files : undefined;
}

/** Runs the CLI (the debug build `cargo test` made, else through cargo) in `cwd` and
 * returns stdout. */
function cli(args, cwd = root) {
  const binary = join(root, "target/debug/shelfcast");
  const [program, prefix] = existsSync(binary)
    ? [binary, []]
    : ["cargo", ["run", "--quiet", "--manifest-path", join(root, "Cargo.toml"), "-p", "shelfcast-cli", "--"]];
  return execFileSync(program, [...prefix, ...args], { cwd, maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "pipe"] }).toString();
}

/** The error the CLI's `run` ends with for these arguments, run in `cwd` (so a file named
 * there is named the same way the page names an upload): the text the page must show. */
export function cliRunError(args, cwd = root) {
  try {
    cli(["run", ...args], cwd);
  } catch (e) {
    return e.stderr.toString().trim().split("\n").pop().replace(/^error: /, "");
  }
  throw new Error(`shelfcast run ${args.join(" ")} succeeded`);
}

/** The CLI's run record for the same data and settings (the reference the page must match). */
export function cliRun(args) {
  return JSON.parse(cli(["run", "--format", "json", ...args]));
}

/** `shelfcast forecast` with these arguments: its run record (`--format json`). */
export function cliForecast(args) {
  return JSON.parse(cli(["forecast", "--format", "json", ...args]));
}

/** The real train.csv and a built app, as a benchmark needs them; exits with the reason when
 * either is missing. Returns the train.csv path. */
export function benchInputsOrExit() {
  const train = realTrainFile();
  if (!train) {
    console.error(`the real data is absent: no train.csv[.gz] in ${dataDir()} (set SHELFCAST_DATA_DIR)`);
    process.exit(1);
  }
  if (!existsSync(join(dist, "index.html"))) {
    console.error(`no built app in ${dist}: run \`cargo xtask dist\` (or set SHELFCAST_DIST)`);
    process.exit(1);
  }
  return train;
}

/** The real test.csv[.gz], or undefined when absent. */
export function realTestFile() {
  const dir = dataDir();
  return ["test.csv", "test.csv.gz"].map((n) => join(dir, n)).find((p) => existsSync(p));
}

/** The built-in sample's train.csv, as the CLI writes it. */
export function cliSample() {
  return cli(["sample"]);
}

/** The run id of the result on screen, or null. */
export async function shownRunId(page) {
  return page.evaluate(() => document.querySelector(".last-run")?.dataset.runId ?? null);
}

/** The test metrics on screen, read as they are (see `runAndRead` to wait for a run). */
export async function readMetrics(page) {
  const text = async (id) => (await page.textContent(`#${id}`)).trim();
  return {
    mae: await text("test-mae"),
    rmse: await text("test-rmse"),
    wmae: await text("test-wmae"),
    trainWmae: await text("train-wmae"),
  };
}

/** Does `action` (which starts a run) and reads the metrics once the worker's result for a
 * new run is on screen — not earlier figures still shown from the run before — and the run
 * is stored (or the page says why it is not). */
export async function runAndRead(page, action) {
  const before = await shownRunId(page);
  await action();
  await page.waitForFunction(
    (previous) => {
      const shown = document.querySelector(".last-run");
      if (shown === null || shown.dataset.runId === previous) return false;
      return shown.dataset.stored === "true" || document.querySelector("#error") !== null;
    },
    before,
    { timeout: 120_000 },
  );
  return readMetrics(page);
}

/** Clicks the Forecast page's #forecast and waits for the new run's result (from `origin`,
 * when given), stored as `runAndRead` waits for it; returns the new run's id. */
export async function forecastAndWait(page, origin) {
  const before = await shownRunId(page);
  await page.click("#forecast");
  await page.waitForFunction(
    ([previous, origin]) => {
      const shown = document.querySelector(".last-run");
      const summary = document.querySelector("#forecast-summary");
      const settled = shown?.dataset.stored === "true" || document.querySelector("#error") !== null;
      return shown !== null && shown.dataset.runId !== previous && settled && summary !== null && (origin === null || summary.dataset.origin === origin);
    },
    [before, origin ?? null],
    { timeout: 180_000 },
  );
  return shownRunId(page);
}

export const fixed = (value, digits = 3) => Number(value).toFixed(digits);

/** Any `shelfcast` subcommand with these arguments: its stdout. */
export function shelfcast(args) {
  return cli(args);
}

/** The real sampleSubmission.csv[.gz], or undefined when absent. */
export function realSampleSubmission() {
  const dir = dataDir();
  return ["sampleSubmission.csv", "sampleSubmission.csv.gz"].map((n) => join(dir, n)).find((p) => existsSync(p));
}

/** A test file's app and browser: `dist/` served at `base` and Chromium launched before its
 * tests, both closed after them, and `checkOrigins` after each test. The returned object's
 * `server` and `browser` are set once the tests start. */
export function appAndBrowser(base = "/") {
  const env = {};
  testBefore(async () => {
    env.server = await serveDist(base);
    env.browser = await launch();
  });
  testAfter(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  testAfterEach(() => checkOrigins(env.server, strictAssert));
  return env;
}
