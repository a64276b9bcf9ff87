// The malformed-input corpus (tests/malformed/) uploaded through the page: every file the
// CLI's table reads with `run` shows the CLI's own error for it, and what was loaded and
// stored before stays.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { appAndBrowser, openPage, cliRunError, runAndRead, readMetrics, root } from "./harness.mjs";

const app = appAndBrowser();

const corpus = join(root, "tests/malformed");
// The files the CLI's table hands to `run` (crates/cli/tests/malformed_inputs.rs); the rest
// are suites and files for `validate`, which the page does not have.
const notRun = new Set(["README.md", "multiline_note_then_ragged.csv", "negative_sales_beyond_mostly.csv", "suite_bad_kwargs.json", "suite_truncated_json.json"]);
const files = readdirSync(corpus).filter((f) => !notRun.has(f)).sort();

test("every malformed file uploaded shows the CLI's error, and the earlier run and stored runs stay", async () => {
  assert.ok(files.length >= 25, `the corpus has its files (${files.length})`);
  const { page } = await openPage(app.browser, app.server.url);
  const before = await runAndRead(page, () => page.click("#use-sample"));
  await page.click("nav >> text=Runs");
  await page.waitForSelector("#runs tr.run");
  const storedBefore = await page.$$eval("#runs tr.run", (rows) => rows.map((r) => r.dataset.runId));
  await page.click("nav >> text=Data");
  for (const file of files) {
    await page.setInputFiles("#train-file", join(corpus, file));
    // Each error names its file, so the previous file's error cannot pass for this one's.
    await page.waitForFunction((name) => document.querySelector("#error")?.textContent.startsWith(name), file, { timeout: 60_000 });
    const expected = cliRunError(["--data", file], corpus);
    assert.equal(await page.textContent("#error"), expected, file);
  }
  assert.equal((await readMetrics(page)).wmae, before.wmae, "the earlier run is still shown");
  await page.click("nav >> text=Runs");
  await page.waitForFunction((n) => document.querySelectorAll("#runs tr.run").length === n, storedBefore.length + files.length);
  const stored = await page.$$eval("#runs tr.run", (rows) => rows.map((r) => r.dataset.runId));
  for (const id of storedBefore) assert.ok(stored.includes(id), `run ${id} is still stored`);
  await page.close();
});
