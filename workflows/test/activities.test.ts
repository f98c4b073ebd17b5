import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ApplicationFailure } from "@temporalio/activity";
import { MockActivityEnvironment } from "@temporalio/testing";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { createActivities } from "../src/activities/index.ts";
import { supabaseEventStore } from "../src/activities/event-store.ts";
import { hashInvitationToken, invitationToken } from "../src/activities/invitation-token.ts";
import type { BootstrapRef, PlannedInvitation } from "../src/activities/types.ts";
import { readLocalEmails } from "../src/providers/local-outbox.ts";
import { createServiceClient } from "../src/worker/supabase-client.ts";
import { FailureType } from "../src/workflows/failure-types.ts";
import { eventsOf, initiateBootstrap, invitationRows, localDeps, openHarness, tempOutbox, type Harness } from "./support/workflow-harness.ts";

let harness: Harness;
before(async () => { harness = await openHarness(); });
after(async () => { await harness?.close(); });

const env = new MockActivityEnvironment();

async function refFor(): Promise<{ ref: BootstrapRef; planned: PlannedInvitation[] }> {
  const input = await initiateBootstrap(harness.supabase);
  const ref = { workflowId: bootstrapWorkflowId(input.organizationId), runId: randomUUID(), organizationId: input.organizationId, eventId: input.eventId };
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const planned = input.request.admins.map((admin) => ({ invitationId: randomUUID(), email: admin.email, firstName: admin.firstName, expiresAt }));
  return { ref, planned };
}

test("invitation tokens: the same invitation always yields the same token, another secret or id another one", () => {
  const id = randomUUID();
  const token = invitationToken("a".repeat(64), id);
  assert.equal(invitationToken("a".repeat(64), id), token);
  assert.notEqual(invitationToken("b".repeat(64), id), token);
  assert.notEqual(invitationToken("a".repeat(64), randomUUID()), token);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/, "256 bits, URL-safe");
  assert.match(hashInvitationToken(token), /^[0-9a-f]{64}$/);
});

test("revokeInvitations after a partial createInvitations revokes only what exists, and twice is harmless", async () => {
  const { ref, planned } = await refFor();
  const activities = createActivities(localDeps(harness, tempOutbox()));
  await env.run(activities.createOrganization, ref);
  await env.run(activities.createInvitations, ref, planned.slice(0, 1)); // the second was never written
  await env.run(activities.revokeInvitations, ref, planned);
  await env.run(activities.revokeInvitations, ref, planned);

  const rows = await invitationRows(harness.supabase, ref.organizationId);
  assert.deepEqual(rows.map((r) => [r.id, r.status]), [[planned[0]!.invitationId, "revoked"]]);
  const revoked = (await eventsOf(harness.supabase, ref.organizationId)).filter((e) => e.event_type === EVENT_TYPES.invitationRevoked);
  assert.equal(revoked.length, 1);
});

test("sendInvitationEmail retried after its record was written sends nothing more", async () => {
  const { ref, planned } = await refFor();
  const outbox = tempOutbox();
  const deps = localDeps(harness, outbox);
  let sends = 0;
  const activities = createActivities({ ...deps, providers: { ...deps.providers, email: { send: async (m) => { sends += 1; await deps.providers.email.send(m); } } } });
  await env.run(activities.createOrganization, ref);
  await env.run(activities.createInvitations, ref, planned);
  const args = { invitation: planned[0]!, organizationName: "Acme" };
  await env.run(activities.sendInvitationEmail, ref, args);
  await env.run(activities.sendInvitationEmail, ref, args);
  assert.equal(sends, 1);
  assert.equal(readLocalEmails(outbox).length, 1);
  const [email] = readLocalEmails(outbox);
  assert.equal(email?.subject, "You are invited to administer Acme");
  assert.match(email!.text, /^Hello Ada,/);
});

test("event store: a refused event is a permanent EventStoreRejected; an unreachable store a retryable EventStoreUnavailable", async () => {
  const origin = { idempotencyKey: `test:${randomUUID()}`, correlationId: "test", causationId: randomUUID() };
  // No organization.bootstrap.initiated for this id: the projection refuses (23503, HTTP 409).
  const refused = await supabaseEventStore(harness.supabase)
    .append(randomUUID(), EVENT_TYPES.organizationCreated, {}, origin)
    .then(() => undefined, (e: unknown) => e);
  assert.ok(refused instanceof ApplicationFailure);
  assert.equal(refused.type, FailureType.EventStoreRejected);
  assert.equal(refused.nonRetryable, true);
  assert.match(refused.message, /HTTP 409: 23503/);

  const offline = createServiceClient("http://127.0.0.1:9", "x".repeat(40));
  const unavailable = await supabaseEventStore(offline)
    .append(randomUUID(), EVENT_TYPES.organizationCreated, {}, origin)
    .then(() => undefined, (e: unknown) => e);
  assert.ok(unavailable instanceof ApplicationFailure);
  assert.equal(unavailable.type, FailureType.EventStoreUnavailable);
  assert.equal(unavailable.nonRetryable, false);
});

test("event store: a payload that breaks the shared schema is refused before it is sent", async () => {
  const { ref } = await refFor();
  const bad = await supabaseEventStore(harness.supabase)
    .append(ref.organizationId, EVENT_TYPES.invitationCreated, { invitationId: "not-a-uuid" } as never, { idempotencyKey: "k", correlationId: "c", causationId: ref.eventId })
    .then(() => undefined, (e: unknown) => e);
  assert.ok(bad instanceof ApplicationFailure);
  assert.equal(bad.type, FailureType.EventStoreRejected);
  assert.equal((await eventsOf(harness.supabase, ref.organizationId)).length, 1, "only the initiated event");
});
