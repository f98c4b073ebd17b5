/**
 * Acceptance: a function runs here as `supabase functions serve` runs it, so one that would not
 * boot on the platform does not boot here either. Fixture functions show what the runtime gives
 * (Deno's version, the mounted files, the handler's second argument); organization-bootstrap is
 * then booted by the stack exactly that way, with the stack's fresh Deno cache, and answers.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Connection, WorkflowClient } from "@temporalio/client";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { loadSigningKeys, type SigningKeys } from "../src/auth/keys.ts";
import { adminRoleCli, frontendClient, signUpNewUser } from "./support/auth-users.ts";
import { stackEnv } from "./support/env.ts";
import { startRuntime, type Runtime } from "./support/functions-runtime.ts";

const env = stackEnv();

interface RuntimeView {
  deno: string;
  imported: string;
  infoKeys: string[];
  exists: Record<string, boolean>;
}

describe("functions: booted as supabase functions serve boots them", () => {
  let keys: SigningKeys;
  let runtime: Runtime;

  before(async () => {
    keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
    runtime = await startRuntime(keys);
  });
  after(async () => runtime?.close());

  const view = async (): Promise<RuntimeView> => {
    const response = await fetch(`${runtime.functionsUrl}/mounted`);
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as RuntimeView;
  };

  test("the runtime is Deno 2.1.4, the Deno inside the Edge Runtime the Supabase CLI pins", async () => {
    assert.equal((await view()).deno, "2.1.4");
  });

  test("only what the CLI mounts exists: the functions folder and the files imports reach, no deno.json, package.json or node_modules of the project", async () => {
    const { imported, exists } = await view();
    assert.equal(imported, "mounted because an import reaches it");
    assert.deepEqual(exists, {
      "deno.json": false,
      "package.json": false,
      node_modules: false,
      "supabase/local/test/functions-support/imported.ts": true,
      "supabase/local/test/functions-support/not-imported.ts": false,
      "supabase/local/test/functions-fixtures/echo/index.ts": true,
    });
  });

  test("the handler's second argument carries only remoteAddr, as the Edge Runtime passes it", async () => {
    assert.deepEqual((await view()).infoKeys, ["remoteAddr"]);
  });

  test('a deno.json with "nodeModulesDir": "manual" does not boot, with the Edge Runtime\'s error', async () => {
    const response = await fetch(`${runtime.functionsUrl}/manual-node-modules`);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { code: "BOOT_ERROR", message: "Worker failed to boot (please check logs)" });
    const notice = runtime.notices.find((line) => line.startsWith("manual-node-modules failed to boot"));
    assert.ok(notice, runtime.notices.join("\n"));
    assert.match(notice, /Could not find a matching package for 'npm:zod@4\.6\.7' in the node_modules directory/);
  });
});

describe("organization-bootstrap, booted by the stack as the CLI boots it", () => {
  let adminToken: string;
  const url = `${env.functionsUrl}/organization-bootstrap`;

  before(async () => {
    // A real user: signed up, made a platform admin, signed in again for a token with the role.
    const user = await signUpNewUser("parity-admin");
    await adminRoleCli("grant", ["--email", user.email, "--db-url", env.dbUrl]);
    const { data, error } = await frontendClient().auth.signInWithPassword({ email: user.email, password: user.password });
    assert.equal(error, null, error?.message);
    adminToken = data.session!.access_token;
  });

  test("OPTIONS is answered 204 by the function itself", async () => {
    const response = await fetch(url, { method: "OPTIONS", headers: { origin: "http://127.0.0.1:3000", "access-control-request-method": "POST" } });
    assert.equal(response.status, 204);
  });

  test("a request without a token gets 401", async () => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "unauthorized");
  });

  test("a signed-in platform admin gets 200 started, and the workflow exists in Temporal", async () => {
    const subdomain = `parity-${Date.now().toString(36)}`;
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ name: "Parity Check", subdomain, contactEmail: "ops@parity.test", admins: [{ email: "ada@parity.test" }] }),
    });
    const body = (await response.json()) as { status: string; workflowId: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.status, "started");
    const connection = await Connection.connect({ address: env.temporalAddress });
    try {
      const description = await new WorkflowClient({ connection, namespace: env.temporalNamespace }).getHandle(body.workflowId).describe();
      assert.equal(description.type, BOOTSTRAP_WORKFLOW_TYPE);
    } finally {
      await connection.close();
    }
  });

  test("its npm packages came from the stack's own Deno cache, and no node_modules was staged for it", () => {
    assert.ok(fs.existsSync(path.join(env.dataDir, "deno-cache", "npm", "registry.npmjs.org", "@supabase", "supabase-js", "2.119.0")));
    const staged = path.join(env.dataDir, "functions", "organization-bootstrap");
    assert.ok(fs.existsSync(path.join(staged, "supabase", "functions", "organization-bootstrap", "index.ts")));
    assert.equal(fs.existsSync(path.join(staged, "node_modules")), false);
    assert.equal(fs.existsSync(path.join(staged, "package.json")), false);
  });
});
