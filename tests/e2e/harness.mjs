// Shared set-up of the end-to-end tests: a static server for dist/ on loopback and Debian's
// headless Chromium driven by playwright-core. Every request the page makes is recorded so
// tests can check that nothing leaves the origin.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";

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

/** Serves a build (dist/ by default) below `base` ("/" or "/sub/path/"); app routes fall back to index.html. */
export async function serveDist(base = "/", dir = dist) {
  const server = createServer(async (req, res) => {
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
  return { origin, url: origin + base, close: () => new Promise((ok) => server.close(ok)) };
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

/** A page that records every request URL and every console error; `init` (optional) is a
 * script run in the page before its own scripts. */
export async function openPage(browser, url, { init } = {}) {
  const page = await browser.newPage();
  if (init) await page.addInitScript(init);
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector("#use-sample");
  return { page, requests, errors };
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

/** The CLI's run record for the same data and settings (the reference the page must match). */
export function cliRun(args) {
  const binary = join(root, "target/debug/shelfcast");
  const [program, prefix] = existsSync(binary)
    ? [binary, []]
    : ["cargo", ["run", "--quiet", "-p", "shelfcast-cli", "--"]];
  const out = execFileSync(program, [...prefix, "run", "--format", "json", ...args], { cwd: root, maxBuffer: 1 << 26 });
  return JSON.parse(out.toString());
}

export const fixed = (value, digits = 3) => Number(value).toFixed(digits);
