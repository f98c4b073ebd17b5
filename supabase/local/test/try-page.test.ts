/**
 * The try-it page (supabase/local/public, served at / by the local stack) in a real browser:
 * headless Debian Chromium driven by playwright-core, a real worker, the real edge function.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { RunningWorker } from "../../../workflows/src/worker/run-worker.ts";
import { startTestWorker } from "../../tests/organization-bootstrap/support.ts";
import { stackEnv } from "./support/env.ts";

/** Debian's chromium (`apt-get install -y chromium`; .ci/run installs it). */
const CHROMIUM = "/usr/bin/chromium";

/**
 * Headless Chromium with a fresh profile, quiet on the network: no first run, sync, component
 * updates or background requests (we are offline), no QUIC. `--no-sandbox`: CI runs as root.
 * A persistent context is how Playwright takes a user-data-dir (it refuses --user-data-dir in args).
 */
async function launchChromium(profile: string): Promise<BrowserContext> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

describe("the try-it page in headless Chromium", () => {
  const env = stackEnv();
  let worker: RunningWorker;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const temp: string[] = [];

  before(async () => {
    const outbox = fs.mkdtempSync(path.join(os.tmpdir(), "outbox-"));
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
    temp.push(outbox, profile);
    worker = await startTestWorker(outbox);
    context = await launchChromium(profile);
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
  });
  after(async () => {
    await context?.close();
    await worker?.shutdown();
    for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Loads the page and waits until it is subscribed to Realtime and ready to submit. */
  async function openPage(): Promise<void> {
    pageErrors.length = 0;
    await page.goto(`${env.supabaseUrl}/`);
    await page.locator("#realtime-status", { hasText: "subscribed" }).waitFor({ timeout: 15_000 });
    await page.locator("#submit:enabled").waitFor({ timeout: 5_000 });
    assert.equal(await page.locator("#who").textContent(), "platform-admin@localhost");
  }

  test("a bootstrap submitted through the page goes live over Realtime to active, with its Web UI link", async () => {
    await openPage();
    const suffix = crypto.randomBytes(4).toString("hex");
    await page.fill("#name", `Browser ${suffix}`);
    await page.fill("#subdomain", `browser-${suffix}`);
    await page.fill("#contact-email", `ops@browser-${suffix}.test`);
    await page.fill("#admins", `ada@browser-${suffix}.test\nbob@browser-${suffix}.test`);
    await page.click("#submit");

    await page.locator("#request-status", { hasText: "200" }).waitFor({ timeout: 15_000 });
    await page.locator("#org-status", { hasText: "active" }).waitFor({ timeout: 60_000 });
    // "(UPDATE)" marks what came over Realtime; the page's one REST read is not logged.
    const timeline = await page.locator("#timeline li").allTextContents();
    assert.ok(timeline.some((line) => /organization → active \(UPDATE\)$/.test(line)), `active arrived over Realtime:\n${timeline.join("\n")}`);
    await page.locator("#invitations li", { hasText: "sent" }).nth(1).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator("#started-by").textContent(), "the edge function (direct path)");

    const workflowId = (await page.locator("#workflow-link").textContent()) ?? "";
    const organizationId = workflowId.replace(/^org-bootstrap-/, "");
    assert.equal(
      await page.locator("#workflow-link").getAttribute("href"),
      `${process.env.TEMPORAL_UI_URL}/namespaces/${env.temporalNamespace}/workflows/${workflowId}`,
    );
    const db = new pg.Client({ connectionString: env.dbUrl });
    await db.connect();
    try {
      const { rows } = await db.query("select status, subdomain from organizations_projection where id = $1", [organizationId]);
      assert.deepEqual(rows, [{ status: "active", subdomain: `browser-${suffix}` }]);
    } finally {
      await db.end();
    }
    assert.deepEqual(pageErrors, []);
  });

  test("a form the function rejects shows its error code and the field's issue, and nothing is started", async () => {
    await openPage();
    await page.fill("#name", "Reserved Inc");
    await page.fill("#subdomain", "admin");
    await page.fill("#contact-email", "ops@reserved.test");
    await page.fill("#admins", "ada@reserved.test");
    await page.click("#submit");
    await page.locator("#error", { hasText: "validation_failed" }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('[data-for="subdomain"]').textContent(), "subdomain: is reserved");
    assert.equal(await page.locator("#subdomain").getAttribute("aria-invalid"), "true");
    assert.equal(await page.locator("#progress").isHidden(), true);
    // The function's 422 is logged by Chromium as a failed resource load; nothing else may be.
    assert.deepEqual(pageErrors.filter((e) => !/status of 422/.test(e)), []);
  });
});
