/**
 * organizationDeactivateWorkflow on the stack's real Temporal and Supabase, with local providers:
 * what a deactivation leaves behind, and how it waits for a bootstrap still at work.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { EVENT_TYPES, emitArgs } from "@org-bootstrap/shared/events/index.ts";
import { organizationDeactivateTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { BOOTSTRAP_WORKFLOW_TYPE, DEACTIVATE_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import type { Client, WorkflowHandle } from "@temporalio/client";
import type { SupabaseClient } from "@supabase/supabase-js";
import { readLocalDnsRecords } from "../src/providers/local-outbox.ts";
import { bootstrapStartOptions, triggerStartOptions } from "../src/worker/start-options.ts";
import type { organizationDeactivateWorkflow } from "../src/workflows/organization-deactivate.ts";
import { eventually } from "./support/eventually.ts";
import {
  eventsOf, initiateBootstrap, invitationRows, localDeps, openHarness, organizationRow, tempOutbox, TEST_BASE_DOMAIN, uniqueRequest, withWorker,
  type Harness,
} from "./support/workflow-harness.ts";

let harness: Harness;
before(async () => { harness = await openHarness(); });
after(async () => { await harness?.close(); });

/** Records `organization.deactivation.requested` as the edge function does; resolves with its event id. */
async function requestDeactivation(supabase: SupabaseClient, organizationId: string, reason: string): Promise<string> {
  const { data, error } = await supabase.rpc("emit_domain_event", emitArgs(organizationId, EVENT_TYPES.deactivationRequested, { reason }, { source: "test" }));
  if (error) throw new Error(`emit_domain_event(deactivation.requested) failed: ${error.message}`);
  return data as string;
}

function startDeactivation(client: Client, organizationId: string, eventId: string, taskQueue: string): Promise<WorkflowHandle<typeof organizationDeactivateWorkflow>> {
  return client.workflow.start(
    DEACTIVATE_WORKFLOW_TYPE,
    triggerStartOptions<typeof organizationDeactivateWorkflow>(organizationDeactivateTrigger, { streamId: organizationId, eventId }, "edge", taskQueue),
  );
}

test("an active organization is deactivated: open invitations revoked, DNS record removed, status deactivated, subdomain still reserved", async () => {
  const outbox = tempOutbox();
  const input = await initiateBootstrap(harness.supabase);
  const { organizationId, request } = input;
  const dnsName = `${request.subdomain}.${TEST_BASE_DOMAIN}`;

  const result = await withWorker(harness, localDeps(harness, outbox), async (taskQueue) => {
    await (await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(input, "edge", taskQueue))).result();
    assert.equal(readLocalDnsRecords(outbox).get(dnsName)?.organizationId, organizationId, "the bootstrap made the record");
    const eventId = await requestDeactivation(harness.supabase, organizationId, "customer left");
    const handle = await startDeactivation(harness.client, organizationId, eventId, taskQueue);
    return { eventId, handle, value: await handle.result() };
  });
  assert.deepEqual(result.value, { organizationId, revokedInvitations: 2, dnsRecordRemoved: true });

  const organization = await organizationRow(harness.supabase, organizationId);
  assert.deepEqual(
    [organization.status, organization.deactivation_reason, organization.deactivation_workflow_id, organization.deactivation_started_by],
    ["deactivated", "customer left", `org-deactivate-${organizationId}`, "edge"],
  );
  assert.ok(organization.deactivated_at);
  assert.deepEqual((await invitationRows(harness.supabase, organizationId)).map((i) => i.status), ["revoked", "revoked"]);
  assert.equal(readLocalDnsRecords(outbox).get(dnsName), undefined, "the DNS record is gone");

  const events = await eventsOf(harness.supabase, organizationId);
  const tail = events.slice(events.findIndex((e) => e.event_type === EVENT_TYPES.deactivationRequested));
  assert.deepEqual(tail.map((e) => e.event_type), [
    EVENT_TYPES.deactivationRequested,
    EVENT_TYPES.deactivationWorkflowStarted,
    EVENT_TYPES.invitationRevoked,
    EVENT_TYPES.invitationRevoked,
    EVENT_TYPES.organizationDeactivated,
  ]);
  for (const event of tail.slice(1)) {
    assert.match(String(event.event_metadata.idempotency_key), new RegExp(`^org-deactivate-${organizationId}:`));
    assert.equal(event.event_metadata.causation_id, result.eventId, "every step names the request it carries out");
  }
  assert.equal(await (await result.handle.describe()).staticSummary(), `Deactivate organization ${organizationId}`);

  // The name stays with the deactivated organization: a new bootstrap cannot take it.
  await assert.rejects(initiateBootstrap(harness.supabase, uniqueRequest({ subdomain: request.subdomain })), /already taken/);
});

test("a deactivation requested while the bootstrap runs waits for it, then undoes what it did", async () => {
  const outbox = tempOutbox();
  const input = await initiateBootstrap(harness.supabase);
  const { organizationId, request } = input;
  let releaseDns!: () => void;
  const dnsReleased = new Promise<void>((resolve) => (releaseDns = resolve));
  const deps = localDeps(harness, outbox);
  const slowDns = { ...deps.providers.dns, ensureRecord: async (...args: Parameters<typeof deps.providers.dns.ensureRecord>) => {
    await dnsReleased;
    return deps.providers.dns.ensureRecord(...args);
  } };

  const value = await withWorker(harness, { ...deps, providers: { ...deps.providers, dns: slowDns } }, async (taskQueue) => {
    const bootstrap = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(input, "edge", taskQueue));
    await eventually("the bootstrap to be at work (organization created, DNS held back)", async () =>
      ((await eventsOf(harness.supabase, organizationId)).some((e) => e.event_type === EVENT_TYPES.organizationCreated) ? true : undefined), 10_000);
    const eventId = await requestDeactivation(harness.supabase, organizationId, "duplicate signup");
    const deactivation = await startDeactivation(harness.client, organizationId, eventId, taskQueue);
    // It looks at the bootstrap, finds it running, and waits on a timer (durably: no activity held open).
    await eventually("the deactivation to wait for the bootstrap", async () => {
      const history = await deactivation.fetchHistory();
      return history.events?.some((e) => e.timerStartedEventAttributes) ? true : undefined;
    }, 10_000);
    assert.equal((await organizationRow(harness.supabase, organizationId)).status, "provisioning", "nothing deactivated while the bootstrap runs");
    releaseDns();
    await bootstrap.result();
    return deactivation.result();
  });
  assert.deepEqual(value, { organizationId, revokedInvitations: 2, dnsRecordRemoved: true });
  const types = (await eventsOf(harness.supabase, organizationId)).map((e) => e.event_type);
  assert.ok(types.indexOf(EVENT_TYPES.organizationActivated) < types.indexOf(EVENT_TYPES.invitationRevoked), types.join(", "));
  assert.equal(types.at(-1), EVENT_TYPES.organizationDeactivated);
  assert.equal((await organizationRow(harness.supabase, organizationId)).status, "deactivated");
  assert.equal(readLocalDnsRecords(outbox).get(`${request.subdomain}.${TEST_BASE_DOMAIN}`), undefined);
});

test("a second deactivation request of the same organization is refused by the store (P0001) and starts nothing", async () => {
  const input = await initiateBootstrap(harness.supabase);
  await requestDeactivation(harness.supabase, input.organizationId, "first");
  await assert.rejects(requestDeactivation(harness.supabase, input.organizationId, "second"), /already being deactivated/);
  const requests = (await eventsOf(harness.supabase, input.organizationId)).filter((e) => e.event_type === EVENT_TYPES.deactivationRequested);
  assert.equal(requests.length, 1);
});
