import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ZodError } from "zod";
import { bootstrapInputFromEvent, bootstrapStartMetadata } from "@org-bootstrap/shared/bootstrap-input.ts";

const row = () => ({
  id: randomUUID(),
  stream_id: randomUUID(),
  stream_type: "organization",
  event_type: "organization.bootstrap.initiated",
  event_data: { name: "Acme", subdomain: "acme", contactEmail: "ops@acme.test", admins: [{ email: "ada@acme.test" }] },
});

test("workflow input: built from an initiated event row; start metadata names the organization for the Web UI", () => {
  const event = row();
  const input = bootstrapInputFromEvent(event);
  assert.deepEqual(input, { eventId: event.id, organizationId: event.stream_id, payload: event.event_data });
  const metadata = bootstrapStartMetadata(input, "sweep");
  assert.equal(metadata.workflowId, `org-bootstrap-${event.stream_id}`);
  assert.deepEqual(metadata.searchAttributes, { OrganizationId: event.stream_id, Subdomain: "acme", StartedBy: "sweep" });
  assert.equal(metadata.staticSummary, 'Bootstrap organization "Acme" (acme)');
});

test("workflow input: another event type, or a payload the form schema rejects, is refused", () => {
  assert.throws(() => bootstrapInputFromEvent({ ...row(), event_type: "organization.created" }), /not organization\/organization\.bootstrap\.initiated/);
  assert.throws(() => bootstrapInputFromEvent({ ...row(), event_data: { name: "Acme" } }), ZodError);
});
