import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import {
  EVENT_TYPES,
  bootstrapInitiatedSchema,
  domainEventBodySchema,
  emitArgs,
  eventMetadataSchema,
  invitationCreatedSchema,
  isKnownEventType,
  type DomainEventBody,
} from "@org-bootstrap/shared/events/index.ts";
import { bootstrapRequestSchema } from "@org-bootstrap/shared/bootstrap-request.ts";
import { bootstrapData, invitationData } from "../support/events.ts";

test("a parsed bootstrap request is a valid organization.bootstrap.initiated payload, unchanged by parsing", () => {
  const request = bootstrapRequestSchema.parse({
    name: " Acme ", subdomain: "ACME-Labs", contactEmail: "Ops@Acme.test", admins: [{ email: "Ada@Acme.test", firstName: "Ada" }],
  });
  assert.deepEqual(bootstrapInitiatedSchema.parse(request), request);
});

test("payload schemas reject what writers must normalise first: upper-case subdomains, blank names, no admins", () => {
  const valid = bootstrapData("acme");
  assert.equal(bootstrapInitiatedSchema.safeParse({ ...valid, subdomain: "ACME" }).success, false);
  assert.equal(bootstrapInitiatedSchema.safeParse({ ...valid, name: "   " }).success, false);
  assert.equal(bootstrapInitiatedSchema.safeParse({ ...valid, admins: [] }).success, false);
  assert.equal(bootstrapInitiatedSchema.safeParse({ ...valid, contactEmail: "nope" }).success, false);
});

test("invitation.created carries a token hash, never something shaped like a raw token", () => {
  const valid = invitationData("a@b.test");
  assert.ok(invitationCreatedSchema.safeParse(valid).success);
  assert.equal(invitationCreatedSchema.safeParse({ ...valid, tokenHash: crypto.randomBytes(32).toString("base64url") }).success, false);
  assert.equal(invitationCreatedSchema.safeParse({ ...valid, expiresAt: "next week" }).success, false);
});

test("the event union is keyed by event_type and checks stream_type and payload together", () => {
  const body = { stream_type: "organization", event_type: EVENT_TYPES.bootstrapWorkflowStarted, event_data: { workflowId: "w", runId: "r", startedBy: "edge" } };
  const parsed: DomainEventBody = domainEventBodySchema.parse(body);
  assert.equal(parsed.event_type === EVENT_TYPES.bootstrapWorkflowStarted && parsed.event_data.startedBy, "edge");
  assert.equal(domainEventBodySchema.safeParse({ ...body, event_data: { ...body.event_data, startedBy: "cron" } }).success, false);
  assert.equal(domainEventBodySchema.safeParse({ ...body, stream_type: "reconciler" }).success, false);
  assert.equal(domainEventBodySchema.safeParse({ ...body, event_type: "organization.renamed" }).success, false);
});

test("emitArgs builds the stream-based RPC's named arguments and refuses invalid ones", () => {
  const organizationId = crypto.randomUUID();
  assert.deepEqual(emitArgs(organizationId, EVENT_TYPES.organizationActivated, {}, { idempotency_key: "k" }), {
    p_stream_id: organizationId, p_stream_type: "organization", p_event_type: "organization.activated",
    p_event_data: {}, p_event_metadata: { idempotency_key: "k" },
  });
  assert.throws(() => emitArgs("not-a-uuid", EVENT_TYPES.organizationActivated, {}));
  assert.throws(() => emitArgs(organizationId, EVENT_TYPES.bootstrapFailed, { reason: "" }));
  assert.throws(() => emitArgs(organizationId, EVENT_TYPES.organizationActivated, {}, { idempotency_key: "" }));
});

test("metadata keeps unknown keys; known event types are recognised", () => {
  assert.deepEqual(eventMetadataSchema.parse({ source: "edge", trace: "abc" }), { source: "edge", trace: "abc" });
  assert.ok(isKnownEventType("organization.bootstrap.initiated"));
  assert.equal(isKnownEventType("organization.renamed"), false);
});
