import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { EVENT_TYPES, invitationRowSchema, organizationRowSchema } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { openPool, sqlError } from "../support/db.ts";
import { bootstrapData, emit, invitationData, streamEvents, uniqueSubdomain } from "../support/events.ts";
import { failedBootstrap, successfulBootstrap } from "../support/lifecycle.ts";

const pool = openPool(5);
after(() => pool.end());

/** Rows as PostgREST would serialise them (timestamps as ISO strings), validated by the shared schemas. */
async function organization(id: string) {
  const { rows } = await pool.query("select to_jsonb(o) as row from public.organizations_projection o where id = $1", [id]);
  return rows[0] ? organizationRowSchema.parse(rows[0].row) : undefined;
}
async function invitations(organizationId: string) {
  const { rows } = await pool.query(
    "select to_jsonb(i) as row from public.invitations_projection i where organization_id = $1 order by created_at",
    [organizationId],
  );
  return rows.map((r) => invitationRowSchema.parse(r.row));
}
async function eventTimes(organizationId: string): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ event_type: string; t: string }>(
    `select event_type, to_jsonb(created_at) #>> '{}' as t from public.domain_events
     where stream_type = 'organization' and stream_id = $1 order by stream_version`,
    [organizationId],
  );
  return new Map(rows.map((r) => [r.event_type, r.t])); // last event of each type
}

/** The deactivation columns of an organization nobody asked to deactivate. */
const NOT_DEACTIVATED = {
  deactivation_requested_at: null, deactivation_reason: null, deactivation_workflow_id: null,
  deactivation_run_id: null, deactivation_started_by: null, deactivated_at: null,
};

test("organization.bootstrap.initiated inserts the organization as provisioning with the request's fields", async () => {
  const organizationId = crypto.randomUUID();
  const subdomain = uniqueSubdomain("init");
  const eventId = await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(subdomain));
  const times = await eventTimes(organizationId);
  assert.deepEqual(await organization(organizationId), {
    id: organizationId, name: `Org ${subdomain}`, subdomain, contact_email: `ops@${subdomain}.test`, status: "provisioning",
    bootstrap_event_id: eventId, bootstrap_workflow_id: null, bootstrap_run_id: null, bootstrap_started_by: null,
    subdomain_provisioned_at: null, failure_reason: null, compensated_at: null,
    ...NOT_DEACTIVATED,
    created_at: times.get(EVENT_TYPES.bootstrapInitiated), updated_at: times.get(EVENT_TYPES.bootstrapInitiated),
  });
});

test("a successful bootstrap's full event sequence yields an active organization and its invitations", async () => {
  const { organizationId, subdomain, invitationIds } = await successfulBootstrap(pool);
  const times = await eventTimes(organizationId);
  const events = await streamEvents(pool, organizationId);
  const started = events.find((e) => e.event_type === EVENT_TYPES.bootstrapWorkflowStarted)!.event_data;
  assert.deepEqual(await organization(organizationId), {
    id: organizationId, name: `Org ${subdomain}`, subdomain, contact_email: `ops@${subdomain}.test`, status: "active",
    bootstrap_event_id: events[0]!.id, bootstrap_workflow_id: bootstrapWorkflowId(organizationId), bootstrap_run_id: started.runId,
    bootstrap_started_by: "edge", subdomain_provisioned_at: times.get(EVENT_TYPES.subdomainProvisioned),
    failure_reason: null, compensated_at: null,
    ...NOT_DEACTIVATED,
    created_at: times.get(EVENT_TYPES.bootstrapInitiated), updated_at: times.get(EVENT_TYPES.organizationActivated),
  });
  const rows = await invitations(organizationId);
  assert.deepEqual(rows.map((i) => [i.id, i.status, i.email]), [
    [invitationIds[0], "accepted", `ada@${subdomain}.test`],
    [invitationIds[1], "sent", `bob@${subdomain}.test`],
  ]);
  assert.ok(rows.every((i) => !("token_hash" in i)), "the projection carries no token hash");
  // The hashes (and only hashes) are in private.invitation_tokens, which no API role can reach.
  const hashes = await pool.query<{ invitation_id: string; token_hash: string }>(
    "select invitation_id, token_hash from private.invitation_tokens where invitation_id = any($1) order by invitation_id",
    [invitationIds]);
  assert.deepEqual(hashes.rows.map((h) => h.invitation_id), [...invitationIds].sort());
  assert.ok(hashes.rows.every((h) => /^[0-9a-f]{64}$/.test(h.token_hash)), "only token hashes are stored");
});

test("a failed bootstrap with compensation yields a failed organization, its reason, a revoked invitation and a released subdomain", async () => {
  const { organizationId, subdomain } = await failedBootstrap(pool);
  const times = await eventTimes(organizationId);
  const org = await organization(organizationId);
  assert.equal(org?.status, "failed");
  assert.equal(org?.failure_reason, "smtp rejected the invitation");
  assert.equal(org?.bootstrap_started_by, "sweep");
  assert.equal(org?.subdomain_provisioned_at, null, "compensation undid the DNS record");
  assert.equal(org?.compensated_at, times.get(EVENT_TYPES.bootstrapCompensated));
  assert.equal(org?.updated_at, times.get(EVENT_TYPES.bootstrapCompensated));
  assert.deepEqual((await invitations(organizationId)).map((i) => i.status), ["revoked"]);

  // The subdomain is free again: a new bootstrap may take it.
  const retryId = crypto.randomUUID();
  await emit(pool, retryId, EVENT_TYPES.bootstrapInitiated, bootstrapData(subdomain));
  assert.equal((await organization(retryId))?.status, "provisioning");
});

test("a failed but not yet compensated bootstrap still holds its subdomain", async () => {
  const organizationId = crypto.randomUUID();
  const subdomain = uniqueSubdomain("hold");
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(subdomain));
  await emit(pool, organizationId, EVENT_TYPES.bootstrapFailed, { reason: "dns provider down" });
  await assert.rejects(
    emit(pool, crypto.randomUUID(), EVENT_TYPES.bootstrapInitiated, bootstrapData(subdomain)),
    sqlError("23505", new RegExp(`^subdomain "${subdomain}" is already taken$`)),
  );
});

test("the first recorded workflow start wins; a later one (a path that lost the race) changes nothing", async () => {
  const organizationId = crypto.randomUUID();
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("race")));
  const workflowId = bootstrapWorkflowId(organizationId);
  await emit(pool, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, { workflowId, runId: "run-edge", startedBy: "edge" });
  const before = await organization(organizationId);
  await emit(pool, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, { workflowId, runId: "run-sweep", startedBy: "sweep" });
  assert.deepEqual(await organization(organizationId), before);
  assert.equal(before?.bootstrap_started_by, "edge");
  assert.equal(before?.bootstrap_run_id, "run-edge");
});

test("contradictory transitions are rejected with P0001 and roll their event back", async () => {
  const { organizationId: active } = await successfulBootstrap(pool);
  const { organizationId: failed } = await failedBootstrap(pool);
  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    [active, () => emit(pool, active, EVENT_TYPES.bootstrapFailed, { reason: "late" }), /organization\.bootstrap\.failed is not allowed for organization .* in status active/],
    [active, () => emit(pool, active, EVENT_TYPES.bootstrapCompensated, {}), /organization\.bootstrap\.compensated is not allowed for organization .* in status active/],
    [failed, () => emit(pool, failed, EVENT_TYPES.organizationActivated, {}), /organization\.activated is not allowed for organization .* in status failed/],
  ];
  for (const [organizationId, attempt, message] of cases) {
    const versionsBefore = (await streamEvents(pool, organizationId)).length;
    await assert.rejects(attempt(), sqlError("P0001", message));
    assert.equal((await streamEvents(pool, organizationId)).length, versionsBefore, "the event was rolled back");
  }
});

test("invitation transitions follow the status rules; accepting a revoked invitation is rejected", async () => {
  const organizationId = crypto.randomUUID();
  const subdomain = uniqueSubdomain("inv");
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(subdomain));
  const invitation = invitationData(`eve@${subdomain}.test`);
  await emit(pool, organizationId, EVENT_TYPES.invitationCreated, invitation);
  const { invitationId } = invitation;
  await emit(pool, organizationId, EVENT_TYPES.invitationSent, { invitationId });
  await emit(pool, organizationId, EVENT_TYPES.invitationSent, { invitationId }); // a resend is fine
  await emit(pool, organizationId, EVENT_TYPES.invitationRevoked, { invitationId });
  await assert.rejects(
    emit(pool, organizationId, EVENT_TYPES.invitationAccepted, { invitationId }),
    sqlError("P0001", /invitation\.accepted is not allowed for invitation .* in status revoked/),
  );
  const [row] = await invitations(organizationId);
  assert.equal(row?.status, "revoked");
  assert.equal(new Date(row!.expires_at).getTime(), new Date(invitation.expiresAt).getTime());
});

test("events for an organization or invitation that does not exist are rejected with 23503", async () => {
  const nowhere = crypto.randomUUID();
  await assert.rejects(emit(pool, nowhere, EVENT_TYPES.organizationActivated, {}), sqlError("23503", /has no organization\.bootstrap\.initiated event/));
  assert.deepEqual(await streamEvents(pool, nowhere), []);

  const organizationId = crypto.randomUUID();
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("fk")));
  await assert.rejects(
    emit(pool, organizationId, EVENT_TYPES.invitationSent, { invitationId: crypto.randomUUID() }),
    sqlError("23503", /refers to invitation .*, which organization .* does not have/),
  );
});

test("a payload the projection cannot hold (a malformed subdomain, a raw token) rolls the event back", async () => {
  const organizationId = crypto.randomUUID();
  await assert.rejects(
    pool.query(
      `select public.emit_domain_event(p_stream_id => $1, p_stream_type => 'organization',
         p_event_type => 'organization.bootstrap.initiated', p_event_data => $2)`,
      [organizationId, { ...bootstrapData("x"), subdomain: "not a label!" }],
    ),
    sqlError("23514", /organizations_projection_subdomain_check/),
  );
  assert.deepEqual(await streamEvents(pool, organizationId), []);

  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("tok")));
  await assert.rejects(
    pool.query(
      `select public.emit_domain_event(p_stream_id => $1, p_stream_type => 'organization',
         p_event_type => 'invitation.created', p_event_data => $2)`,
      [organizationId, { ...invitationData("a@b.test"), tokenHash: "the-raw-invitation-token" }],
    ),
    sqlError("23514", /invitation_tokens_token_hash_check/),
  );
  assert.equal((await streamEvents(pool, organizationId)).length, 1);
});
