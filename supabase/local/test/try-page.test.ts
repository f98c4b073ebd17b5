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
import type { DemoCredentials } from "../src/auth/demo-credentials.ts";
import { signInDemoAdmin } from "../src/cli/demo-admin.ts";
import { CHROMIUM_BINARY } from "../src/paths.ts";
import { signUpNewUser } from "./support/auth-users.ts";
import { stackEnv } from "./support/env.ts";

/**
 * Headless Chromium with a fresh profile, quiet on the network: no first run, sync, component
 * updates or background requests (we are offline), no QUIC. `--no-sandbox`: CI runs as root.
 * A persistent context is how Playwright takes a user-data-dir (it refuses --user-data-dir in args).
 */
async function launchChromium(profile: string): Promise<BrowserContext> {
  assert.ok(fs.existsSync(CHROMIUM_BINARY), `${CHROMIUM_BINARY} is missing: apt-get install -y chromium (npm test installs it when run as root)`);
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_BINARY,
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
  let demoAdmin: DemoCredentials;

  before(async () => {
    const outbox = fs.mkdtempSync(path.join(os.tmpdir(), "outbox-"));
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
    temp.push(outbox, profile);
    worker = await startTestWorker(outbox);
    // The demo admin npm start makes (sign-up, admin:grant, sign-in), whose credentials the page prefills.
    demoAdmin = (await signInDemoAdmin({ SUPABASE_URL: env.supabaseUrl, SUPABASE_ANON_KEY: env.anonKey, SUPABASE_DB_URL: env.dbUrl }, env.dataDir)).credentials;
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

  /** Waits until the page is signed in as `email`, subscribed to Realtime and ready to submit. */
  async function waitUntilReady(email: string): Promise<void> {
    await page.locator("#realtime-status", { hasText: "subscribed" }).waitFor({ timeout: 15_000 });
    await page.locator("#submit:enabled").waitFor({ timeout: 5_000 });
    assert.equal(await page.locator("#who").textContent(), email);
  }

  /** Loads the page; returns whether it showed the sign-in form (no session kept from an earlier visit). */
  async function openPage(): Promise<boolean> {
    pageErrors.length = 0;
    await page.goto(`${env.supabaseUrl}/`);
    const form = page.locator("#sign-in-form");
    const signedIn = page.locator("#signed-in");
    await Promise.race([form.waitFor({ state: "visible", timeout: 15_000 }), signedIn.waitFor({ state: "visible", timeout: 15_000 })]);
    return form.isVisible();
  }

  /** Signs in through the page's form, as a person would. */
  async function signIn(email: string, password: string): Promise<void> {
    await page.fill("#sign-in-email", email);
    await page.fill("#sign-in-password", password);
    await page.click("#sign-in-submit");
  }

  test("the page offers sign-in prefilled with the demo admin; signing in with a wrong password shows Auth's error", async () => {
    assert.equal(await openPage(), true, "a fresh browser has no session: the sign-in form");
    await page.locator("#sign-in-hint", { hasText: "demo platform admin" }).waitFor({ timeout: 5_000 });
    assert.equal(await page.inputValue("#sign-in-email"), demoAdmin.email);
    assert.equal(await page.inputValue("#sign-in-password"), demoAdmin.password);
    await signIn(demoAdmin.email, `${demoAdmin.password}-wrong`);
    await page.locator("#sign-in-error", { hasText: "invalid_credentials: Invalid login credentials" }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator("#workspace").isHidden(), true);
    // Chromium logs the refused sign-in as a failed resource load; nothing else may fail.
    assert.deepEqual(pageErrors.filter((e) => !/status of 400/.test(e)), []);
  });

  test("a bootstrap submitted through the page goes live over Realtime to active, with its Web UI link", async () => {
    if (await openPage()) await signIn(demoAdmin.email, demoAdmin.password);
    await waitUntilReady(demoAdmin.email);
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

  test("Deactivate on the active organization goes live over Realtime to deactivated, its invitations revoked", async () => {
    await page.locator("#deactivate").waitFor({ state: "visible", timeout: 15_000 });
    await page.click("#deactivate");
    await page.locator("#org-status", { hasText: "deactivated" }).waitFor({ timeout: 60_000 });
    const timeline = await page.locator("#timeline li").allTextContents();
    assert.ok(timeline.some((line) => /organization: deactivation workflow started by edge \(UPDATE\)$/.test(line)), `the edge function started it:\n${timeline.join("\n")}`);
    assert.ok(timeline.some((line) => /organization → deactivated \(UPDATE\)$/.test(line)), `deactivated arrived over Realtime:\n${timeline.join("\n")}`);
    await page.locator("#invitations li", { hasText: "revoked" }).nth(1).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator("#deactivate").isHidden(), true, "no second deactivation is offered");
    assert.match((await page.locator("#deactivation-status").textContent()) ?? "", /^done: Deactivated from the try-it page$/);
    assert.deepEqual(pageErrors, []);
    await page.click("#again");
  });

  test("a form the function rejects shows its error code and the field's issue, and nothing is started", async () => {
    assert.equal(await openPage(), false, "the session from the sign-in is kept across page loads, as supabase-js keeps it");
    await waitUntilReady(demoAdmin.email);
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

  test("after signing out, a signed-up user who is no platform admin signs in and is refused by the function (403)", async () => {
    if (!(await openPage())) {
      await page.click("#sign-out");
      await page.locator("#sign-in-form").waitFor({ state: "visible", timeout: 15_000 });
    }
    const user = await signUpNewUser("page-viewer");
    await signIn(user.email, user.password);
    await waitUntilReady(user.email);
    await page.fill("#name", "Not Allowed Inc");
    await page.fill("#subdomain", `not-allowed-${crypto.randomBytes(3).toString("hex")}`);
    await page.fill("#contact-email", "ops@not-allowed.test");
    await page.fill("#admins", "ada@not-allowed.test");
    await page.click("#submit");
    await page.locator("#error", { hasText: "forbidden" }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator("#progress").isHidden(), true);
    assert.deepEqual(pageErrors.filter((e) => !/status of 403/.test(e)), []);
  });
});
