/**
 * Conformance: organization-bootstrap's own REST calls (its event store and status reader, the
 * very modules it runs), with the service role, against the target Supabase.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { supabaseEventStore } from "../../functions/organization-bootstrap/event-store.ts";
import { supabaseStatusReader } from "../../functions/organization-bootstrap/status.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { conformanceTarget, targetClient } from "./support/target.ts";

const target = conformanceTarget();
const db = targetClient(target, target.serviceRoleKey);
const store = supabaseEventStore(db);
const reader = supabaseStatusReader(db);

const form = (subdomain: string) => ({ name: "Conformance Check", subdomain, contactEmail: "ops@conformance.test", admins: [{ email: "ada@conformance.test" }] });

test(`REST (${target.name}): the function records a bootstrap, finds it again by its stream, and reads its projection`, async () => {
  const organizationId = crypto.randomUUID();
  const subdomain = `conf-${crypto.randomBytes(4).toString("hex")}`;
  const requestHash = crypto.randomBytes(32).toString("hex");
  const emitted = await store.emitInitiated(organizationId, form(subdomain), { source: "edge", request_hash: requestHash, correlation_id: crypto.randomUUID() });
  assert.equal(emitted.ok, true);
  const found = await store.findInitiated(organizationId);
  assert.deepEqual(found, { eventId: emitted.ok ? emitted.eventId : "", requestHash });
  assert.equal(await store.findOrganizationIdBySubdomain(subdomain), organizationId);
  const snapshot = await reader.read(organizationId);
  assert.equal(snapshot?.subdomain, subdomain);
  assert.equal(snapshot?.status, "provisioning");
});

test(`REST (${target.name}): a taken subdomain is told apart from every other failure`, async () => {
  const subdomain = `conf-${crypto.randomBytes(4).toString("hex")}`;
  assert.equal((await store.emitInitiated(crypto.randomUUID(), form(subdomain), { source: "edge" })).ok, true);
  assert.deepEqual(await store.emitInitiated(crypto.randomUUID(), form(subdomain), { source: "edge" }), { ok: false, reason: "subdomain_taken" });
});

test(`REST (${target.name}): the function's workflow_started record lands once, whatever the retries`, async () => {
  const organizationId = crypto.randomUUID();
  const emitted = await store.emitInitiated(organizationId, form(`conf-${crypto.randomBytes(4).toString("hex")}`), { source: "edge" });
  assert.equal(emitted.ok, true);
  const workflowId = bootstrapWorkflowId(organizationId);
  const metadata = { idempotency_key: `${workflowId}:workflow_started`, source: "edge" as const };
  const first = await store.emitWorkflowStarted(organizationId, { workflowId, runId: crypto.randomUUID(), startedBy: "edge" }, metadata);
  const again = await store.emitWorkflowStarted(organizationId, { workflowId, runId: crypto.randomUUID(), startedBy: "edge" }, metadata);
  assert.equal(again, first);
  const { data, error } = await db.from("domain_events").select("id").eq("stream_id", organizationId).eq("event_type", EVENT_TYPES.bootstrapWorkflowStarted);
  assert.equal(error, null);
  assert.equal(data?.length, 1);
});
