/**
 * The edge function deploys as a unit: bundled into one file with its shared/ imports inlined
 * (workflows/scripts/function-bundle.ts), that file alone serves real requests under Deno.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FunctionsClient, FunctionsHttpError } from "@supabase/functions-js";
import { Client, Connection } from "@temporalio/client";
import pg from "pg";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { bundleFunction, type FunctionBundle } from "../../../workflows/scripts/function-bundle.ts";
import { serveFunctionBundle, type ServedBundle } from "../../../workflows/scripts/serve-function-bundle.ts";
import { loadSigningKeys } from "../src/auth/keys.ts";
import { signUserToken } from "../src/auth/user-token.ts";
import { eventually } from "../../../workflows/test/support/eventually.ts";
import { stackEnv } from "./support/env.ts";

const FUNCTION = "organization-bootstrap";

function required(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run tests through \`npm test\``);
  return value;
}

describe("organization-bootstrap as one bundled file", () => {
  const env = stackEnv();
  let dir: string;
  let bundle: FunctionBundle;
  let served: ServedBundle;

  before(async () => {
    // A folder of its own, outside the repo: no deno.json, no node_modules above it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "function-bundle-"));
    bundle = await bundleFunction(FUNCTION, path.join(dir, FUNCTION, "index.js"));
    served = await serveFunctionBundle(bundle.file, {
      // What Supabase injects, plus the secrets `supabase secrets set` gives it (docs/deploy.md).
      SUPABASE_URL: env.supabaseUrl,
      SUPABASE_ANON_KEY: env.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: env.serviceRoleKey,
      TEMPORAL_PROXY_URL: required("TEMPORAL_PROXY_URL"),
      TEMPORAL_PROXY_TOKEN: required("TEMPORAL_PROXY_TOKEN"),
      TEMPORAL_NAMESPACE: env.temporalNamespace,
      TEMPORAL_UI_URL: required("TEMPORAL_UI_URL"),
    });
  });
  after(async () => {
    await served?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the bundle inlines the function, shared/src and its npm packages, and imports nothing but node: builtins", () => {
    assert.ok(bundle.inputs.includes(`supabase/functions/${FUNCTION}/index.ts`));
    assert.ok(bundle.inputs.includes("shared/src/temporal/client.ts"), "shared/ (outside supabase/functions) is inlined");
    for (const pkg of ["@supabase/supabase-js", "@temporalio/proto", "jose", "zod"]) {
      assert.ok(bundle.inputs.some((input) => input.includes(`node_modules/${pkg}/`)), `${pkg} is inlined`);
    }
    const code = fs.readFileSync(bundle.file, "utf8");
    const staticImports = [...code.matchAll(/^\s*import\s[^;]*?\sfrom\s*"([^"]+)"/gm)].map((m) => m[1]);
    const dynamicImports = [...code.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]);
    assert.deepEqual([...staticImports, ...dynamicImports].filter((s) => !s!.startsWith("node:")), []);
    assert.deepEqual(fs.readdirSync(path.dirname(bundle.file)), ["index.js"], "one file, nothing beside it");
  });

  test("served alone by Deno with no config, npm or remote modules: CORS preflight 204, no token 401, PUT 405", async () => {
    const preflight = await fetch(served.url, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, x-client-info, apikey" },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization.*x-client-info.*apikey.*content-type/);

    const functions = new FunctionsClient(served.url);
    const anonymous = await functions.invoke(FUNCTION, { body: {} });
    assert.ok(anonymous.error instanceof FunctionsHttpError);
    assert.equal((anonymous.error.context as Response).status, 401);

    const put = await fetch(served.url, { method: "PUT" });
    assert.equal(put.status, 405);
    assert.equal((await put.json()).error.code, "method_not_allowed");
  });

  test("a platform admin's POST through supabase-js: 200 started, event recorded, workflow started over the proxy", async () => {
    const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
    const token = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, sub: crypto.randomUUID() });
    const suffix = crypto.randomBytes(4).toString("hex");
    const form = { name: `Bundle ${suffix}`, subdomain: `bundle-${suffix}`, contactEmail: `ops@bundle-${suffix}.test`, admins: [{ email: `ada@bundle-${suffix}.test` }] };

    const functions = new FunctionsClient(served.url, { headers: { Authorization: `Bearer ${token}` } });
    const { data, error } = await functions.invoke(FUNCTION, { body: form });
    assert.equal(error, null, served.output());
    assert.equal(data.status, "started");
    assert.equal(data.workflowId, `org-bootstrap-${data.organizationId}`);
    assert.equal(data.workflowUrl, `${required("TEMPORAL_UI_URL")}/namespaces/${env.temporalNamespace}/workflows/${data.workflowId}`);

    const db = new pg.Client({ connectionString: env.dbUrl });
    await db.connect();
    try {
      // The start's record is written after the answer (off the request's path), so it is awaited.
      const types = await eventually("the workflow_started record", async () => {
        const { rows } = await db.query("select event_type from domain_events where stream_id = $1 order by stream_version", [data.organizationId]);
        return rows.length >= 2 ? rows.map((r) => r.event_type) : undefined;
      }, 5_000);
      assert.deepEqual(types, ["organization.bootstrap.initiated", "organization.bootstrap.workflow_started"]);
    } finally {
      await db.end();
    }

    const connection = await Connection.connect({ address: env.temporalAddress });
    try {
      const handle = new Client({ connection, namespace: env.temporalNamespace }).workflow.getHandle(data.workflowId);
      const description = await handle.describe();
      assert.equal(description.type, "organizationBootstrapWorkflow");
      // No worker runs in this suite: stop the run so no later suite's worker picks it up.
      await handle.terminate("function-bundle test: the start was what was under test");
    } finally {
      await connection.close();
    }
  });
});
