/**
 * organization-deactivate end to end, as a frontend calls it (supabase-js `functions.invoke`) on the
 * local stack, with a real worker: the second product trigger through the same machinery as the first.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { eventually } from "../../../workflows/test/support/eventually.ts";
import { invoke, temporalClient, useTestWorker, userToken, validForm, withDb } from "../organization-bootstrap/support.ts";

useTestWorker();

const DEACTIVATE = "organization-deactivate";

interface OrganizationState {
  readonly status: string;
  readonly deactivation_started_by: string | null;
  readonly deactivation_reason: string | null;
}

const organization = (organizationId: string) =>
  withDb(async (db) => (await db.query<OrganizationState>(
    "select status, deactivation_started_by, deactivation_reason from public.organizations_projection where id = $1", [organizationId])).rows[0]);

const streamTypes = (organizationId: string) =>
  withDb(async (db) => (await db.query<{ event_type: string }>(
    "select event_type from public.domain_events where stream_type = 'organization' and stream_id = $1 order by stream_version", [organizationId])).rows.map((r) => r.event_type));

const deactivationRequests = () =>
  withDb(async (db) => Number((await db.query("select count(*) from public.domain_events where event_type = 'organization.deactivation.requested'")).rows[0].count));

async function bootstrap(): Promise<string> {
  const response = await invoke({ body: validForm() });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.organizationId as string;
}

async function until(organizationId: string, status: string): Promise<OrganizationState> {
  return eventually(`organization ${organizationId} to be ${status}`, async () => {
    const row = await organization(organizationId);
    return row?.status === status ? row : undefined;
  }, 30_000);
}

test("a bootstrapped organization is deactivated: invitations revoked, DNS record removed, status deactivated; a second request is 409", async () => {
  const organizationId = await bootstrap();
  await until(organizationId, "active");
  const response = await invoke({ functionName: DEACTIVATE, body: { organizationId, reason: "customer left" } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual([response.body.workflowId, response.body.status], [`org-deactivate-${organizationId}`, "started"]);

  const done = await until(organizationId, "deactivated");
  assert.deepEqual([done.deactivation_reason, done.deactivation_started_by], ["customer left", "edge"]);
  const invitations = await withDb(async (db) => (await db.query("select status from public.invitations_projection where organization_id = $1", [organizationId])).rows);
  assert.ok(invitations.length === 2 && invitations.every((i) => i.status === "revoked"), JSON.stringify(invitations));
  const deactivated = await withDb(async (db) => (await db.query(
    "select event_data from public.domain_events where stream_id = $1 and event_type = 'organization.deactivated'", [organizationId])).rows);
  assert.deepEqual(deactivated.map((r) => r.event_data), [{ revokedInvitations: 2, dnsRecordRemoved: true }]);

  const again = await invoke({ functionName: DEACTIVATE, body: { organizationId, reason: "once more" } });
  assert.deepEqual([again.status, again.body.error?.code], [409, "organization_not_active"]);
});

test("a deactivation requested while the bootstrap runs is accepted and completes after it", async () => {
  const bootstrapped = await invoke({ body: validForm() });
  const organizationId = bootstrapped.body.organizationId as string;
  const response = await invoke({ functionName: DEACTIVATE, body: { organizationId, reason: "duplicate signup" } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  await until(organizationId, "deactivated");
  const types = await streamTypes(organizationId);
  assert.ok(types.indexOf("organization.activated") < types.indexOf("organization.deactivated"), types.join(", "));
  assert.equal(types.at(-1), "organization.deactivated");
});

test("10 parallel requests with one Idempotency-Key get one event and one workflow, answered alike", async () => {
  const organizationId = await bootstrap();
  const key = `deactivate-${crypto.randomUUID()}`;
  const token = await userToken();
  const responses = await Promise.all(Array.from({ length: 10 }, () =>
    invoke({ functionName: DEACTIVATE, token, headers: { "Idempotency-Key": key }, body: { organizationId, reason: "customer left" } })));
  assert.deepEqual(responses.map((r) => r.status).filter((s) => s !== 200 && s !== 202), [], JSON.stringify(responses.map((r) => r.body)));
  assert.equal(new Set(responses.map((r) => r.body.eventId)).size, 1, "one recorded request");
  const types = await streamTypes(organizationId);
  assert.equal(types.filter((t) => t === "organization.deactivation.requested").length, 1);
  await until(organizationId, "deactivated");
  const temporal = await temporalClient();
  try {
    const description = await temporal.client.workflow.getHandle(`org-deactivate-${organizationId}`).describe();
    assert.equal(description.runId, (await withDb(async (db) => (await db.query(
      "select deactivation_run_id from public.organizations_projection where id = $1", [organizationId])).rows[0].deactivation_run_id)));
  } finally {
    await temporal.close();
  }
  assert.equal((await streamTypes(organizationId)).filter((t) => t === "organization.deactivation.workflow_started").length, 1, "one workflow, recorded once");
});

test("only platform admins; an unknown organization is 404; hostile bodies get 4xx and write nothing", async () => {
  const organizationId = await bootstrap();
  const before = await deactivationRequests();
  const member = await invoke({ functionName: DEACTIVATE, token: await userToken("member"), body: { organizationId, reason: "customer left" } });
  assert.deepEqual([member.status, member.body.error?.code], [403, "forbidden"]);
  const anonymous = await invoke({ functionName: DEACTIVATE, token: null, body: { organizationId, reason: "customer left" } });
  assert.equal(anonymous.status, 401);
  const unknown = await invoke({ functionName: DEACTIVATE, body: { organizationId: crypto.randomUUID(), reason: "who is this" } });
  assert.deepEqual([unknown.status, unknown.body.error?.code], [404, "not_found"]);
  for (const body of [
    "not json",
    { organizationId },
    { organizationId: "'; drop table domain_events; --", reason: "customer left" },
    { organizationId, reason: "\u202egnirts desrever" },
    { organizationId, reason: "customer left", status: "deactivated" },
    { organizationId, reason: "x".repeat(5000) },
  ]) {
    const response = await invoke({ functionName: DEACTIVATE, body });
    assert.ok(response.status >= 400 && response.status < 500, `${response.status} for ${JSON.stringify(body).slice(0, 60)}`);
  }
  assert.equal(await deactivationRequests(), before, "nothing was recorded");
  assert.equal((await organization(organizationId))?.status === "deactivated", false);
});
