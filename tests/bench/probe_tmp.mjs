import { serveDist, launch, openPage } from "../e2e/harness.mjs";
const train = process.argv[2];
function instrument() {
  const t = (window.__t = []);
  const W = window.Worker;
  window.Worker = function (...a) {
    const w = new W(...a);
    const post = w.postMessage.bind(w);
    w.postMessage = (m, tr) => { t.push([performance.now(), "to-worker", String(m?.request ?? "").slice(0, 40)]); return post(m, tr); };
    w.addEventListener("message", (e) => {
      const d = typeof e.data === "string" ? e.data : JSON.stringify(e.data ?? null);
      t.push([performance.now(), "from-worker", d.length, d.slice(0, 60)]);
    });
    return w;
  };
  document.addEventListener("change", (e) => { if (e.target.id === "train-file") t.push([performance.now(), "change"]); }, true);
  new MutationObserver(() => {
    if (!window.__shown && document.querySelector("#test-wmae")) { window.__shown = 1; t.push([performance.now(), "shown"]); }
  }).observe(document, { childList: true, subtree: true });
}
const server = await serveDist();
const browser = await launch();
for (let i = 0; i < 2; i++) {
  const { page } = await openPage(browser, server.url, { init: instrument });
  await new Promise((r) => setTimeout(r, 1500));
  await page.setInputFiles("#train-file", train);
  await page.waitForSelector("#test-wmae", { timeout: 300_000 });
  await page.waitForFunction(() => /^Run .* finished\.$/.test(document.querySelector("#status")?.textContent ?? ""));
  const t = await page.evaluate(() => window.__t);
  const t0 = t.find((e) => e[1] === "change")[0];
  for (const e of t) if (e[0] >= t0 - 1) console.log((e[0] - t0).toFixed(1), ...e.slice(1));
  console.log("---");
  await page.close();
}
await browser.close(); await server.close();
