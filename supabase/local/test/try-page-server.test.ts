/**
 * What the try-it page stands on: the gateway's page routes and local-only demo credentials
 * (src/gateway/try-page.ts), and Realtime on the projections for platform admins only
 * (migration 20251201001300_projections_realtime.sql with the projections' RLS policies).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { createClient, type RealtimePostgresChangesPayload, type SupabaseClient } from "@supabase/supabase-js";
import { APP_ROLE_CLAIM, PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { emitArgs, EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { loadSigningKeys } from "../src/auth/keys.ts";
import { signUserToken } from "../src/auth/user-token.ts";
import { REPO_ROOT } from "../src/paths.ts";
import { createTryPage } from "../src/gateway/try-page.ts";
import { signInDemoAdmin } from "../src/cli/demo-admin.ts";
import { decodeClaims, frontendClient } from "./support/auth-users.ts";
import { stackEnv } from "./support/env.ts";

const env = stackEnv();

/** Polls `check` until it returns something, or fails naming `what`. */
async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the try-it page's routes", () => {
  test("/ serves the page, its script and supabase-js's UMD build from node_modules; other paths stay 404", async () => {
    const page = await fetch(`${env.supabaseUrl}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const html = await page.text();
    assert.match(html, /<script src="\/vendor\/supabase\.js"><\/script>/);
    assert.match(html, /<script type="module" src="\/app\.js"><\/script>/);
    assert.doesNotMatch(html, /https?:\/\//, "no CDN or other remote resource");

    const script = await fetch(`${env.supabaseUrl}/app.js`);
    assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.equal(await script.text(), fs.readFileSync(path.join(REPO_ROOT, "supabase/local/public/app.js"), "utf8"));

    const vendor = await fetch(`${env.supabaseUrl}/vendor/supabase.js`);
    assert.equal(vendor.status, 200);
    assert.equal(await vendor.text(), fs.readFileSync(path.join(REPO_ROOT, "node_modules/@supabase/supabase-js/dist/umd/supabase.js"), "utf8"));

    for (const outside of ["/../package.json", "/%2e%2e/package.json", "/nope.js", "/vendor/other.js"]) {
      assert.equal((await fetch(`${env.supabaseUrl}${outside}`)).status, 404, outside);
    }
    assert.equal((await fetch(`${env.supabaseUrl}/`, { method: "POST" })).status, 405);
  });

  test("/_stack/try-config gives the page the project URL, anon key and Temporal Web UI", async () => {
    const config = await (await fetch(`${env.supabaseUrl}/_stack/try-config`)).json();
    assert.deepEqual(config, {
      supabaseUrl: env.supabaseUrl,
      anonKey: env.anonKey,
      functionName: "organization-bootstrap",
      deactivateFunctionName: "organization-deactivate",
      temporalUiUrl: process.env.TEMPORAL_UI_URL,
      temporalNamespace: env.temporalNamespace,
    });
  });

  test("/_stack/demo-credentials hands the demo admin's e-mail and password to loopback pages only, never cross-origin; they sign in to a platform admin", async () => {
    // What npm start does before printing its summary: sign up, admin:grant, sign in.
    const demo = await signInDemoAdmin({ SUPABASE_URL: env.supabaseUrl, SUPABASE_ANON_KEY: env.anonKey, SUPABASE_DB_URL: env.dbUrl }, env.dataDir);
    const response = await fetch(`${env.supabaseUrl}/_stack/demo-credentials`, { headers: { origin: "https://evil.example" } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("access-control-allow-origin"), null, "no CORS: another site's script cannot read it");
    assert.equal(response.headers.get("cache-control"), "no-store");
    const credentials = await response.json();
    assert.deepEqual(credentials, { email: demo.credentials.email, password: demo.credentials.password });

    const { data, error } = await frontendClient().auth.signInWithPassword(credentials);
    assert.equal(error, null);
    const claims = decodeClaims(data.session!.access_token);
    assert.equal(claims[APP_ROLE_CLAIM], PLATFORM_ADMIN_ROLE);
    assert.equal(claims.role, "authenticated");
    assert.equal(claims.email, credentials.email);

    // A DNS-rebinding page reaches 127.0.0.1 under its own host name: refused. (fetch() cannot set Host.)
    const { port } = new URL(env.supabaseUrl);
    const rebound = await new Promise<number>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port, path: "/_stack/demo-credentials", headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on("error", reject);
    });
    assert.equal(rebound, 403);
  });

  test("/_stack/demo-credentials is 404 while no demo admin has been made (a stack `npm start` has not set up)", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "no-demo-admin-"));
    const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
    const page = createTryPage({ keys, apiDbUrl: env.dbUrl, adminDbUrl: env.dbUrl, publicUrl: env.supabaseUrl, dataDir, functionsEnv: {} });
    const server = http.createServer((req, res) => void page(req, res, new URL(req.url ?? "/", "http://127.0.0.1")));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/_stack/demo-credentials`);
      assert.equal(response.status, 404);
      assert.match((await response.json()).message, /npm start/);
    } finally {
      server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("Realtime on the projections (what the page subscribes to)", () => {
  async function subscriber(appRole: string) {
    const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
    const token = await signUserToken(keys, { appRole, sub: crypto.randomUUID() });
    const client = createClient(env.supabaseUrl, env.anonKey, {
      accessToken: async () => token,
    });
    await client.realtime.setAuth(token);
    const received: Array<RealtimePostgresChangesPayload<Record<string, unknown>>> = [];
    let subscribed = false;
    client
      .channel(`try-page-${appRole}`)
      .on("postgres_changes", { event: "*", schema: "public", table: "organizations_projection" }, (change) => received.push(change))
      .on("postgres_changes", { event: "*", schema: "public", table: "invitations_projection" }, (change) => received.push(change))
      // Live only once the server says so, after SUBSCRIBED (as the real server creates subscriptions).
      .on("system", {}, (payload: { extension?: string; status?: string }) => {
        if (payload.extension === "postgres_changes" && payload.status === "ok") subscribed = true;
      })
      .subscribe();
    await eventually(`${appRole} subscribed`, () => (subscribed ? true : undefined));
    return { client, received };
  }

  async function recordBootstrap(service: SupabaseClient): Promise<string> {
    const organizationId = crypto.randomUUID();
    const tag = crypto.randomBytes(4).toString("hex");
    const form = { name: `Live ${tag}`, subdomain: `live-${tag}`, contactEmail: `ops@live-${tag}.test`, admins: [{ email: `ada@live-${tag}.test` }] };
    const { error } = await service.rpc("emit_domain_event", emitArgs(organizationId, EVENT_TYPES.bootstrapInitiated, form, { source: "test" }));
    assert.equal(error, null);
    return organizationId;
  }

  test("a platform admin receives projection changes; a signed-in non-admin subscribes and receives nothing (RLS)", async () => {
    const service = createClient(env.supabaseUrl, env.serviceRoleKey, { auth: { persistSession: false } });
    const admin = await subscriber(PLATFORM_ADMIN_ROLE);
    const viewer = await subscriber("viewer");
    const created: string[] = [];
    try {
      for (let i = 0; i < 2; i += 1) {
        const organizationId = await recordBootstrap(service);
        created.push(organizationId);
        const change = await eventually(`the admin's INSERT of ${organizationId}`, () =>
          admin.received.find((c) => c.eventType === "INSERT" && (c.new as { id?: string }).id === organizationId));
        assert.equal(change.table, "organizations_projection");
        assert.equal((change.new as { status: string }).status, "provisioning");
      }
      // Realtime hands each transaction to every subscriber before the next one: by the admin's
      // second change, the viewer would have had the first.
      assert.deepEqual(viewer.received, []);
    } finally {
      await Promise.all([admin.client.removeAllChannels(), viewer.client.removeAllChannels()]);
      // Recorded without a workflow: remove them so no later suite's sweep starts one.
      for (const id of created) await service.rpc("maintenance_delete_organization", { p_organization_id: id });
      await service.removeAllChannels();
    }
  });
});
