// The built app's Content-Security-Policy: the policy in dist/index.html is exactly the one
// meant (every inline script allowed by its hash and nothing else), and from the running page
// a request to another origin is blocked by it and never reaches that origin.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { serveDist, serveOtherOrigin, launch, openPage, checkOrigins, dist } from "./harness.mjs";

let server;
let other;
let browser;

before(async () => {
  server = await serveDist("/");
  other = await serveOtherOrigin();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await other?.close();
  await server?.close();
});

afterEach(() => checkOrigins(server, assert));

/** The directives of the policy in `html`'s CSP meta tag, by name. */
function policyOf(html) {
  const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/g)];
  assert.equal(metas.length, 1, "one policy meta tag");
  return new Map(metas[0][1].split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
}

/** The CSP source of every inline script's text. */
function inlineScriptHashes(html) {
  return [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash("sha256").update(m[1]).digest("base64")}'`,
  );
}

for (const file of ["index.html", "404.html"]) {
  test(`dist/${file} carries the policy that keeps every request on the origin`, () => {
    const html = readFileSync(join(dist, file), "utf8");
    const policy = policyOf(html);
    const hashes = inlineScriptHashes(html);
    assert.ok(hashes.length >= 1, "Trunk's inline loader is there");
    assert.deepEqual(Object.fromEntries(policy), {
      "default-src": ["'self'"],
      "script-src": ["'self'", "'wasm-unsafe-eval'", ...hashes],
      "style-src": ["'self'", "'unsafe-inline'"],
      "img-src": ["'self'", "data:", "blob:"],
      "font-src": ["'self'"],
      "connect-src": ["'self'"],
      "worker-src": ["'self'", "blob:"],
      "object-src": ["'none'"],
      "base-uri": ["'self'"],
      "form-action": ["'none'"],
    });
    // The meta tag comes before anything that loads: the charset, then the policy.
    assert.ok(html.indexOf("Content-Security-Policy") < html.indexOf("<script"), "the policy precedes every script");
  });
}

test("the running page cannot reach another origin: the policy blocks it and says so", async () => {
  const { page, requests, errors } = await openPage(browser, server.url);
  const outcome = await page.evaluate(async (target) => {
    const violations = [];
    document.addEventListener("securitypolicyviolation", (e) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    const fetched = await fetch(`${target}/from-fetch`).then(() => "fetched", (e) => `refused: ${e.name}`);
    const image = await new Promise((done) => {
      const img = new Image();
      img.onload = () => done("loaded");
      img.onerror = () => done("refused");
      img.src = `${target}/from-img.png`;
    });
    const script = await new Promise((done) => {
      const s = document.createElement("script");
      s.onload = () => done("loaded");
      s.onerror = () => done("refused");
      s.src = `${target}/from-script.js`;
      document.head.append(s);
    });
    await new Promise((done) => setTimeout(done, 100));
    return { fetched, image, script, violations: violations.sort() };
  }, other.origin);
  assert.deepEqual(outcome, {
    fetched: "refused: TypeError",
    image: "refused",
    script: "refused",
    violations: [
      `connect-src ${other.origin}/from-fetch`,
      `img-src ${other.origin}/from-img.png`,
      `script-src-elem ${other.origin}/from-script.js`,
    ],
  });
  assert.deepEqual(other.served, [], "nothing reached the other origin");
  // Chromium reports the image and the script as requests it was asked to make (the fetch it
  // refuses before that); the policy stopped them before any byte left, as the other origin's
  // empty log shows. They are the only foreign entries, and are taken out of the record so the
  // origin check after the test holds for everything else the page did.
  const foreign = requests.filter((u) => u.startsWith(other.origin));
  assert.deepEqual(foreign, [`${other.origin}/from-img.png`, `${other.origin}/from-script.js`]);
  for (const url of foreign) requests.splice(requests.indexOf(url), 1);
  // The browser reports each block on the console; nothing else went wrong.
  assert.equal(errors.filter((e) => !e.includes("Content Security Policy")).length, 0, errors.join("\n"));
  await page.close();
});
