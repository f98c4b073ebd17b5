import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { ApplicationFailure, WorkflowFailedError } from "@temporalio/client";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { SEARCH_ATTRIBUTES } from "@org-bootstrap/shared/stack-contract.ts";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { createActivities } from "../src/activities/index.ts";
import { readLocalDnsLog, readLocalDnsRecords, readLocalEmails } from "../src/providers/local-outbox.ts";
import { bootstrapStartOptions } from "../src/worker/start-options.ts";
import { FailureType } from "../src/workflows/failure-types.ts";
import {
  eventsOf,
  initiateBootstrap,
  invitationRows,
  localDeps,
  openHarness,
  organizationRow,
  tempOutbox,
  TEST_APP_URL,
  TEST_BASE_DOMAIN,
  uniqueRequest,
  withWorker,
  type Harness,
} from "./support/workflow-harness.ts";

let harness: Harness;
before(async () => { harness = await openHarness(); });
after(async () => { await harness?.close(); });

const tokenOf = (text: string): string => {
  const match = new RegExp(`${TEST_APP_URL}/invitations/accept\\?token=([A-Za-z0-9_-]+)`).exec(text);
  assert.ok(match, `no invitation link in: ${text}`);
  return match[1]!;
};

test("happy path: the organization becomes active, its events are versions 1..n in order, invitations are sent with only a token hash stored", async () => {
  const outbox = tempOutbox();
  const input = await initiateBootstrap(harness.supabase);
  const { organizationId, request: payload } = input;

  const result = await withWorker(harness, localDeps(harness, outbox), async (taskQueue) => {
    const handle = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(input, "edge", taskQueue));
    return { handle, value: await handle.result() };
  });
  const dnsName = `${payload.subdomain}.${TEST_BASE_DOMAIN}`;
  assert.deepEqual(result.value, { organizationId, subdomain: payload.subdomain, dnsName, invitations: 2 });

  // The stream: one event per step, versions without gaps, in the workflow's order.
  const events = await eventsOf(harness.supabase, organizationId);
  assert.deepEqual(events.map((e) => e.stream_version), events.map((_, i) => i + 1));
  assert.deepEqual(events.map((e) => e.event_type), [
    EVENT_TYPES.bootstrapInitiated,
    EVENT_TYPES.bootstrapWorkflowStarted,
    EVENT_TYPES.organizationCreated,
    EVENT_TYPES.subdomainProvisioned,
    EVENT_TYPES.invitationCreated,
    EVENT_TYPES.invitationCreated,
    EVENT_TYPES.invitationSent,
    EVENT_TYPES.invitationSent,
    EVENT_TYPES.organizationActivated,
  ]);
  const workflowId = result.handle.workflowId;
  for (const event of events.slice(1)) {
    assert.match(String(event.event_metadata.idempotency_key), new RegExp(`^${workflowId}:`), "every workflow event carries its step's idempotency key");
    assert.equal(event.event_metadata.causation_id, input.eventId);
  }

  // Projections.
  const organization = await organizationRow(harness.supabase, organizationId);
  assert.equal(organization.status, "active");
  assert.equal(organization.bootstrap_workflow_id, workflowId);
  assert.equal(organization.bootstrap_run_id, result.handle.firstExecutionRunId);
  assert.equal(organization.bootstrap_started_by, "edge");
  assert.ok(organization.subdomain_provisioned_at);

  const emails = readLocalEmails(outbox);
  const invitations = await invitationRows(harness.supabase, organizationId);
  assert.deepEqual(invitations.map((i) => [i.email, i.status, i.role]).sort(), payload.admins.map((a) => [a.email, "sent", "organization_admin"]).sort());
  assert.deepEqual(emails.map((e) => e.to).sort(), payload.admins.map((a) => a.email).sort(), "one email per admin");
  const streamJson = JSON.stringify(events);
  for (const invitation of invitations) {
    const email = emails.find((e) => e.to === invitation.email);
    assert.ok(email);
    const token = tokenOf(email.text);
    // The hash is recorded in invitation.created (projected into private.invitation_tokens, which no
    // API role reads); the projection row the API serves carries none.
    const created = events.find((e) => e.event_type === EVENT_TYPES.invitationCreated && e.event_data.invitationId === invitation.id);
    assert.equal(created?.event_type === EVENT_TYPES.invitationCreated ? created.event_data.tokenHash : undefined, createHash("sha256").update(token).digest("hex"), "the stored hash is the mailed token's");
    assert.ok(!("token_hash" in invitation), "the invitations projection carries no token hash");
    assert.ok(!streamJson.includes(token), "the token itself is never stored");
  }

  // The outbox's DNS state.
  const record = readLocalDnsRecords(outbox).get(dnsName);
  assert.equal(record?.organizationId, organizationId);

  // Findable in the Web UI: search attributes, memo, summary.
  const description = await result.handle.describe();
  const custom = description.typedSearchAttributes.getAll().filter((p) => p.key.name in SEARCH_ATTRIBUTES);
  assert.deepEqual(custom.map((p) => [p.key.name, p.value]).sort(), [
    ["OrganizationId", organizationId],
    ["StartedBy", "edge"],
    ["Subdomain", payload.subdomain],
  ]);
  assert.equal(description.memo?.organizationName, payload.name);
  assert.equal(description.memo?.dnsName, dnsName, "the workflow adds what it learned to the memo");
  assert.equal(description.memo?.subdomain, payload.subdomain, "business fields reach the memo from the recorded event");
  assert.equal(await description.staticSummary(), `Bootstrap organization ${organizationId}`);
  assert.equal(readLocalDnsLog(outbox).length, 1);
});

/** Fails the first `times` calls of each key with a retryable failure of `type`, before doing anything. */
function failFirst(times: number, type: string, message: string) {
  const calls = new Map<string, number>();
  return {
    calls,
    check(key: string): void {
      const n = (calls.get(key) ?? 0) + 1;
      calls.set(key, n);
      if (n <= times) throw ApplicationFailure.create({ type, message: `${message} (injected, call ${n})` });
    },
  };
}

test("retried activities write each event once: a flaky DNS API, a flaky mail server and lost event-store acknowledgements", async () => {
  const outbox = tempOutbox();
  const deps = localDeps(harness, outbox);
  const dnsFaults = failFirst(1, FailureType.DnsUnavailable, "503 from the DNS API");
  const emailFaults = failFirst(1, FailureType.EmailUnavailable, "421 try again later");
  const acks = failFirst(1, FailureType.EventStoreUnavailable, "the event was written but the response was lost");
  const activities = createActivities({
    ...deps,
    providers: {
      dns: {
        ensureRecord: async (request) => { dnsFaults.check("ensure"); return deps.providers.dns.ensureRecord(request); },
        removeRecord: (request) => deps.providers.dns.removeRecord(request),
      },
      email: { send: async (message) => { emailFaults.check(message.messageId); return deps.providers.email.send(message); } },
    },
    events: {
      // The write happens, then the activity sees a failure: the worst case for duplicates.
      append: async (organizationId, eventType, data, origin) => {
        const id = await deps.events.append(organizationId, eventType, data, origin);
        acks.check(eventType);
        return id;
      },
      readInitiated: (organizationId) => deps.events.readInitiated(organizationId),
      readDeactivationRequested: (organizationId) => deps.events.readDeactivationRequested(organizationId),
    },
  });

  const input = await initiateBootstrap(harness.supabase);
  await withWorker(harness, activities, async (taskQueue) => {
    const handle = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(input, "sweep", taskQueue));
    await handle.result();
  });

  // Three calls: the injected 503, the success whose event acknowledgement was lost, and the retry
  // that found the record the second call had created (the outbox below shows one record).
  assert.equal(dnsFaults.calls.get("ensure"), 3, "the DNS step was retried");
  assert.ok([...emailFaults.calls.values()].every((n) => n === 2), "every email was retried");
  assert.deepEqual([...acks.calls.keys()].sort(), [
    EVENT_TYPES.invitationCreated,
    EVENT_TYPES.invitationSent,
    EVENT_TYPES.bootstrapWorkflowStarted,
    EVENT_TYPES.organizationActivated,
    EVENT_TYPES.organizationCreated,
    EVENT_TYPES.subdomainProvisioned,
  ].sort());
  assert.ok([...acks.calls.values()].every((n) => n >= 2), "every kind of event write had its acknowledgement lost once, then retried");

  const events = await eventsOf(harness.supabase, input.organizationId);
  assert.deepEqual(events.map((e) => e.stream_version), events.map((_, i) => i + 1));
  const keys = events.map((e) => e.event_metadata.idempotency_key);
  assert.equal(new Set(keys).size, keys.length, "no step wrote twice");
  assert.deepEqual(events.map((e) => e.event_type), [
    EVENT_TYPES.bootstrapInitiated,
    EVENT_TYPES.bootstrapWorkflowStarted,
    EVENT_TYPES.organizationCreated,
    EVENT_TYPES.subdomainProvisioned,
    EVENT_TYPES.invitationCreated,
    EVENT_TYPES.invitationCreated,
    EVENT_TYPES.invitationSent,
    EVENT_TYPES.invitationSent,
    EVENT_TYPES.organizationActivated,
  ]);
  assert.equal((await organizationRow(harness.supabase, input.organizationId)).status, "active");
  assert.equal(readLocalEmails(outbox).length, 2, "one email per admin despite the retries");
  assert.equal(readLocalDnsLog(outbox).length, 1, "one DNS record despite the retries");
});

/** Activity types in the order the workflow scheduled them. */
async function scheduledActivities(handle: { fetchHistory(): Promise<{ events?: Array<{ activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null }> | null }> }) {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

test("an email the mail system refuses for good fails the bootstrap: invitations revoked, then DNS removed, organization failed with the reason", async () => {
  const outbox = tempOutbox();
  const request = uniqueRequest();
  const undeliverable = `nobody@${request.subdomain}.invalid`;
  request.admins = [request.admins[0]!, { email: undeliverable }];
  const input = await initiateBootstrap(harness.supabase, request);

  const { handle, failure } = await withWorker(harness, localDeps(harness, outbox), async (taskQueue) => {
    const handle = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(input, "realtime", taskQueue));
    return { handle, failure: await handle.result().then(() => undefined, (error: unknown) => error) };
  });
  assert.ok(failure instanceof WorkflowFailedError, "the run fails");
  assert.ok(failure.cause instanceof ApplicationFailure);
  assert.equal(failure.cause.type, FailureType.BootstrapFailed);
  assert.match(failure.cause.message, /sendInvitationEmail.*EmailRejected.*550/);

  const organization = await organizationRow(harness.supabase, input.organizationId);
  assert.equal(organization.status, "failed");
  assert.match(String(organization.failure_reason), /EmailRejected: 550 5\.1\.2 nobody@.*\.invalid/);
  assert.ok(organization.compensated_at, "compensation completed");
  assert.equal(organization.subdomain_provisioned_at, null);

  const invitations = await invitationRows(harness.supabase, input.organizationId);
  assert.deepEqual(invitations.map((i) => i.status), ["revoked", "revoked"]);
  const dnsName = `${request.subdomain}.${TEST_BASE_DOMAIN}`;
  assert.equal(readLocalDnsRecords(outbox).has(dnsName), false, "the DNS record is gone");
  assert.deepEqual(readLocalDnsLog(outbox).map((e) => e.action), ["create", "delete"]);

  const events = await eventsOf(harness.supabase, input.organizationId);
  assert.deepEqual(events.map((e) => e.event_type).slice(-4), [
    EVENT_TYPES.bootstrapFailed,
    EVENT_TYPES.invitationRevoked,
    EVENT_TYPES.invitationRevoked,
    EVENT_TYPES.bootstrapCompensated,
  ]);
  assert.deepEqual(events.at(-1)?.event_data, { compensatedSteps: ["revokeInvitations", "removeSubdomain"] });

  // Reverse order: the undo of the later step (invitations) is scheduled before the earlier one's (DNS).
  const scheduled = await scheduledActivities(handle);
  assert.deepEqual(scheduled.slice(scheduled.indexOf("recordBootstrapFailed")), [
    "recordBootstrapFailed",
    "revokeInvitations",
    "removeSubdomain",
    "recordBootstrapCompensated",
  ]);
  assert.equal(scheduled.filter((name) => name === "sendInvitationEmail").length, 2);

  // Compensated means released: the subdomain can be bootstrapped again.
  await initiateBootstrap(harness.supabase, uniqueRequest({ subdomain: request.subdomain }));
});

test("a subdomain whose DNS name belongs to someone else fails the bootstrap without touching that record", async () => {
  const outbox = tempOutbox();
  const input = await initiateBootstrap(harness.supabase);
  const deps = localDeps(harness, outbox);
  const squatter = await deps.providers.dns.ensureRecord({ subdomain: input.request.subdomain, organizationId: randomUUID() });

  const failure = await withWorker(harness, deps, async (taskQueue) => {
    const handle = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(input, "edge", taskQueue));
    return handle.result().then(() => undefined, (error: unknown) => error);
  });
  assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ApplicationFailure);
  assert.match(failure.cause.message, /provisionSubdomain: DnsRejected/);
  assert.deepEqual(readLocalDnsRecords(outbox).get(squatter.name)?.id, squatter.id, "the other record is untouched");
  const organization = await organizationRow(harness.supabase, input.organizationId);
  assert.equal(organization.status, "failed");
  assert.equal(await invitationRows(harness.supabase, input.organizationId).then((rows) => rows.length), 0, "no invitation was created");
  assert.deepEqual((await eventsOf(harness.supabase, input.organizationId)).at(-1)?.event_data, { compensatedSteps: ["removeSubdomain"] });
});

test("a start request that breaks the contract (input invalid, or id not org-bootstrap-{organizationId}) fails at once and writes nothing", async () => {
  const input = await initiateBootstrap(harness.supabase);
  const failures = await withWorker(harness, localDeps(harness, tempOutbox()), async (taskQueue) => {
    const wrongId = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, { ...bootstrapStartOptions(input, "edge", taskQueue), workflowId: `other-${randomUUID()}` });
    const badInput = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, {
      ...bootstrapStartOptions(input, "edge", taskQueue),
      workflowId: `org-bootstrap-${randomUUID()}`,
      args: [{ organizationId: "not-a-uuid" }],
    });
    return Promise.all([wrongId, badInput].map((h) => h.result().then(() => undefined, (error: unknown) => error)));
  });
  for (const failure of failures) {
    assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ApplicationFailure);
    assert.equal(failure.cause.type, FailureType.InvalidInput);
  }
  assert.match((failures[1] as WorkflowFailedError).cause!.message, /organizationId/);
  assert.equal((await eventsOf(harness.supabase, input.organizationId)).length, 1, "only the initiated event");
});

test("a retried run (bootstrap:retry) continues the closed one: an administrator already invited keeps that invitation and gets no second email", async () => {
  const outbox = tempOutbox();
  const deps = localDeps(harness, outbox);
  const input = await initiateBootstrap(harness.supabase);
  const [invited, notYet] = input.request.admins;
  const workflowId = `org-bootstrap-${input.organizationId}`;
  // What the closed run left: the organization created, one invitation created and mailed, then it was terminated.
  const earlier = { workflowId, runId: randomUUID(), organizationId: input.organizationId, eventId: input.eventId };
  const activities = createActivities(deps);
  const earlierInvitation = { invitationId: randomUUID(), email: invited!.email, expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() };
  await activities.createOrganization(earlier);
  await activities.createInvitations(earlier, [earlierInvitation]);
  await activities.sendInvitationEmail(earlier, { invitation: earlierInvitation, organizationName: input.request.name });
  assert.equal(readLocalEmails(outbox).length, 1);

  const result = await withWorker(harness, deps, async (taskQueue) => {
    const options = bootstrapStartOptions(input, "retry", taskQueue);
    const handle = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, {
      ...options,
      memo: { ...options.memo, retryOfRunId: earlier.runId, retryOfStatus: "TERMINATED", requestedBy: "on-call@test", reason: "terminated by mistake" },
    });
    return handle.result();
  });
  assert.equal(result.invitations, 2);

  const invitations = await invitationRows(harness.supabase, input.organizationId);
  assert.equal(invitations.length, 2, "one invitation per administrator, not three");
  assert.equal(invitations.find((i) => i.email === invited!.email)?.id, earlierInvitation.invitationId, "the earlier invitation is reused");
  assert.ok(invitations.every((i) => i.status === "sent"));
  const emails = readLocalEmails(outbox).map((e) => e.to).sort();
  assert.deepEqual(emails, [invited!.email, notYet!.email].sort(), "the already-invited administrator got no second email");
  const events = await eventsOf(harness.supabase, input.organizationId);
  assert.equal(events.filter((e) => e.event_type === EVENT_TYPES.organizationCreated).length, 1, "the created event is not written twice");
  const started = events.filter((e) => e.event_type === EVENT_TYPES.bootstrapWorkflowStarted);
  assert.equal(started.length, 1);
  assert.deepEqual((started[0]!.event_data as { retry?: unknown }).retry, { previousRunId: earlier.runId, previousStatus: "TERMINATED", requestedBy: "on-call@test", reason: "terminated by mistake" });
  assert.equal((await organizationRow(harness.supabase, input.organizationId)).bootstrap_started_by, "retry");
});
