import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { generateKeyPair, importJWK, SignJWT } from "jose";
import crypto from "node:crypto";
import { loadSigningKeys } from "../../local/src/auth/keys.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { stackEnv } from "../../local/test/support/env.ts";
import { countEvents, invoke, useTestWorker, temporalClient, userToken, validForm, withDb } from "./support.ts";

describe("organization-bootstrap: the direct path through supabase.functions.invoke", () => {
  useTestWorker();

  test("happy path: 200 started, the workflow completes, projections and events in order, started_by edge", async () => {
    const form = validForm();
    const { status, body, headers } = await invoke({ body: form });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, "started");
    // Where the time went, for browsers' network panels and the benchmark: the phases in order.
    assert.match(headers.get("server-timing") ?? "", /^auth;dur=\d+\.\d\d, parse;dur=\d+\.\d\d, record;dur=\d+\.\d\d, start;dur=\d+\.\d\d$/);
    assert.equal(body.workflowId, bootstrapWorkflowId(body.organizationId));
    assert.match(body.eventId, /^[0-9a-f-]{36}$/);

    const temporal = await temporalClient();
    try {
      const result = await temporal.client.workflow.getHandle(body.workflowId).result();
      assert.equal((result as { organizationId: string }).organizationId, body.organizationId);
    } finally {
      await temporal.close();
    }

    await withDb(async (db) => {
      const org = (await db.query("select * from organizations_projection where id = $1", [body.organizationId])).rows[0];
      assert.equal(org.status, "active");
      assert.equal(org.subdomain, form.subdomain);
      assert.equal(org.bootstrap_workflow_id, body.workflowId);
      assert.equal(org.bootstrap_started_by, "edge");
      const invitations = (await db.query(
        `select i.email, i.status, t.token_hash from invitations_projection i
         left join private.invitation_tokens t on t.invitation_id = i.id
         where i.organization_id = $1 order by i.email`,
        [body.organizationId])).rows;
      assert.deepEqual(invitations.map((i) => [i.email, i.status]), form.admins.map((a) => [a.email, "sent"]).sort());
      for (const invitation of invitations) assert.match(invitation.token_hash, /^[0-9a-f]{64}$/);

      const events = (await db.query("select event_type, stream_version, event_data from domain_events where stream_id = $1 order by stream_version", [body.organizationId])).rows;
      assert.deepEqual(events.map((e) => e.stream_version), events.map((_, i) => i + 1), "versions 1..n with no gap");
      assert.equal(events[0].event_type, "organization.bootstrap.initiated");
      const started = events.filter((e) => e.event_type === "organization.bootstrap.workflow_started");
      assert.equal(started.length, 1);
      assert.equal(started[0].event_data.startedBy, "edge");
      assert.equal(events.at(-1).event_type, "organization.activated");
    });
  });

  test("the same Idempotency-Key 20 times in parallel: one organization, one workflow, identical responses", async () => {
    const form = validForm();
    const token = await userToken();
    const key = `form-submit-${Date.now()}`;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => invoke({ body: form, token, headers: { "Idempotency-Key": key } })),
    );
    for (const r of responses) assert.equal(r.status, 200, JSON.stringify(r.body));
    const distinct = new Set(responses.map((r) => JSON.stringify(r.body)));
    assert.equal(distinct.size, 1, `responses differ: ${[...distinct].join(" | ")}`);
    const { organizationId } = responses[0]!.body;
    await withDb(async (db) => {
      const initiated = await db.query("select count(*)::int as n from domain_events where stream_id = $1 and event_type = 'organization.bootstrap.initiated'", [organizationId]);
      assert.equal(initiated.rows[0].n, 1);
      const orgs = await db.query("select count(*)::int as n from organizations_projection where subdomain = $1", [form.subdomain]);
      assert.equal(orgs.rows[0].n, 1);
    });
    const temporal = await temporalClient();
    try {
      const runs = [];
      for await (const run of temporal.client.workflow.list({ query: `WorkflowId = '${bootstrapWorkflowId(organizationId)}'` })) runs.push(run);
      assert.equal(runs.length, 1, "exactly one workflow run");
    } finally {
      await temporal.close();
    }
  });

  test("a replayed Idempotency-Key with a different form is refused with 422 and writes nothing", async () => {
    const token = await userToken();
    const key = `replay-${Date.now()}`;
    const first = await invoke({ body: validForm(), token, headers: { "Idempotency-Key": key } });
    assert.equal(first.status, 200);
    const before = await countEvents();
    const replay = await invoke({ body: validForm(), token, headers: { "Idempotency-Key": key } });
    assert.equal(replay.status, 422);
    assert.equal(replay.body.error.code, "idempotency_key_reused");
    assert.equal(await countEvents(), before);
  });

  test("the same subdomain without a key: exactly one 200, the others 409 subdomain_taken", async () => {
    const form = validForm();
    const token = await userToken();
    const responses = await Promise.all(Array.from({ length: 5 }, () => invoke({ body: form, token })));
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409]);
    const winner = responses.find((r) => r.status === 200)!;
    for (const loser of responses.filter((r) => r.status === 409)) {
      assert.equal(loser.body.error.code, "subdomain_taken");
      assert.equal(loser.body.error.organizationId, winner.body.organizationId);
    }
    const upperCase = await invoke({ body: { ...form, subdomain: form.subdomain.toUpperCase() }, token });
    assert.equal(upperCase.status, 409, "subdomains are unique whatever their case");
  });

  test("GET ?organizationId= reports the projection and the workflow for the frontend to poll", async () => {
    const created = await invoke({ body: validForm() });
    assert.equal(created.status, 200);
    const temporal = await temporalClient();
    try {
      await temporal.client.workflow.getHandle(created.body.workflowId).result();
    } finally {
      await temporal.close();
    }
    const { status, body } = await invoke({ method: "GET", query: `?organizationId=${created.body.organizationId}` });
    assert.equal(status, 200);
    assert.equal(body.organization.status, "active");
    assert.equal(body.workflow.status, "COMPLETED");
    const missing = await invoke({ method: "GET", query: `?organizationId=${crypto.randomUUID()}` });
    assert.equal(missing.status, 404);
    const bad = await invoke({ method: "GET", query: "?organizationId=nope" });
    assert.equal(bad.status, 400);
  });
});

describe("organization-bootstrap: refuses bad input and bad callers, writing nothing", () => {
  const badBodies: Array<[string, { body?: unknown; headers?: Record<string, string>; method?: "PUT" | "DELETE" | "PATCH" }, number, string]> = [
    ["invalid JSON", { body: "{\"name\":", headers: { "Content-Type": "application/json" } }, 400, "invalid_json"],
    ["wrong content type", { body: "name=Acme", headers: { "Content-Type": "application/x-www-form-urlencoded" } }, 415, "unsupported_media_type"],
    ["oversize body", { body: JSON.stringify({ ...validForm(), name: "x".repeat(70 * 1024) }), headers: { "Content-Type": "application/json" } }, 413, "payload_too_large"],
    ["wrong method", { method: "PUT", body: validForm() }, 405, "method_not_allowed"],
    ["unknown keys", { body: { ...validForm(), plan: "enterprise" } }, 422, "validation_failed"],
    ["wrong types", { body: { ...validForm(), admins: "ada@acme.test" } }, 422, "validation_failed"],
    ["a reserved subdomain", { body: validForm({ subdomain: "admin" }) }, 422, "validation_failed"],
    ["too many admins", { body: validForm({ admins: Array.from({ length: 11 }, (_, i) => ({ email: `a${i}@x.test` })) }) }, 422, "validation_failed"],
    ["an empty body", { body: {} }, 422, "validation_failed"],
    ["a bad Idempotency-Key", { body: validForm(), headers: { "Idempotency-Key": "has spaces in it" } }, 400, "invalid_idempotency_key"],
  ];
  for (const [name, request, expectedStatus, expectedCode] of badBodies) {
    test(`${name} → ${expectedStatus} ${expectedCode}`, async () => {
      const before = await countEvents();
      const { status, body } = await invoke(request);
      assert.equal(status, expectedStatus, JSON.stringify(body));
      assert.equal(body.error.code, expectedCode);
      assert.equal(await countEvents(), before, "no event may be written");
    });
  }

  test("field-level issues name every invalid field", async () => {
    const { status, body } = await invoke({ body: { name: "A", subdomain: "-x", contactEmail: "nope", admins: [{ email: "bad" }] } });
    assert.equal(status, 422);
    const paths = new Set((body.error.issues as Array<{ path: string }>).map((i) => i.path));
    assert.deepEqual([...paths].sort(), ["admins.0.email", "contactEmail", "name", "subdomain"]);
  });

  test("callers: no token, garbage, expired, another key, the anon key, a non-admin → 401/403", async () => {
    const env = stackEnv();
    const { privateKey } = await generateKeyPair("ES256");
    const otherKey = await new SignJWT({ role: "authenticated", sub: crypto.randomUUID(), app_role: "platform_admin" })
      .setProtectedHeader({ alg: "ES256", kid: "not-ours" }).setIssuedAt().setExpirationTime("10m").sign(privateKey);
    const cases: Array<[string, string | null, number]> = [
      ["no token", null, 401],
      ["garbage", "not-a-jwt", 401],
      ["expired", await expiredToken(), 401],
      ["signed by another key", otherKey, 401],
      ["the anon key", env.anonKey, 401],
      ["the service_role key", env.serviceRoleKey, 401],
      ["a non-admin user", await userToken("viewer"), 403],
    ];
    for (const [name, token, expected] of cases) {
      const before = await countEvents();
      const { status, body } = await invoke({ body: validForm(), token });
      assert.equal(status, expected, `${name}: ${JSON.stringify(body)}`);
      assert.equal(await countEvents(), before, `${name}: nothing may be written`);
    }
  });
});

/** A platform admin's token that expired a minute ago, signed by the stack's real key. */
async function expiredToken(): Promise<string> {
  const env = stackEnv();
  const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: "authenticated", sub: crypto.randomUUID(), app_role: "platform_admin", iat: now - 600, exp: now - 60 })
    .setProtectedHeader({ alg: "ES256", kid: keys.kid })
    .sign(await importPrivate(env.dataDir));
}

async function importPrivate(dataDir: string) {
  const stored = JSON.parse(fs.readFileSync(path.join(dataDir, "auth", "signing-key.json"), "utf8")) as { privateJwk: Record<string, unknown> };
  return importJWK(stored.privateJwk, "ES256");
}
