import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ZodError } from "zod";
import { bootstrapInputFromEvent, bootstrapWorkflowInputSchema, bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";

const row = () => ({
  id: randomUUID(),
  stream_id: randomUUID(),
  stream_type: "organization",
  event_type: "organization.bootstrap.initiated",
  event_data: { name: "Acme", subdomain: "acme", contactEmail: "ops@acme.test", admins: [{ email: "ada@acme.test" }] },
});

test("workflow input: identity only, built from an initiated event row; no business field reaches the start request", () => {
  const event = row();
  const input = bootstrapInputFromEvent(event);
  assert.deepEqual(input, { eventId: event.id, organizationId: event.stream_id });
  const start = bootstrapWorkflowStart(input, "sweep");
  assert.equal(start.workflowId, `org-bootstrap-${event.stream_id}`);
  assert.deepEqual(start.args, [{ organizationId: event.stream_id, eventId: event.id }]);
  assert.deepEqual(start.memo, { organizationId: event.stream_id, eventId: event.id, startedBy: "sweep" });
  assert.deepEqual(start.searchAttributes, { OrganizationId: event.stream_id, StartedBy: "sweep" });
  assert.equal(start.staticSummary, `Bootstrap organization ${event.stream_id}`);
  const serialized = JSON.stringify(start);
  for (const businessValue of ["Acme", "acme.test", "ops@"]) assert.ok(!serialized.includes(businessValue), `${businessValue} is not in the start`);
});

test("workflow input: an upper-case organization id names the same workflow as its lower-case form", () => {
  const event = { ...row(), stream_id: randomUUID().toUpperCase() };
  const start = bootstrapWorkflowStart(bootstrapInputFromEvent(event), "edge");
  assert.equal(start.workflowId, `org-bootstrap-${event.stream_id.toLowerCase()}`);
  assert.deepEqual(bootstrapWorkflowInputSchema.parse(start.args[0]), { organizationId: event.stream_id.toLowerCase(), eventId: event.id });
  assert.throws(() => bootstrapWorkflowInputSchema.parse({ organizationId: randomUUID(), payload: event.event_data }), ZodError, "a start carrying a payload is refused");
});

test("workflow input: another event type, or a payload the form schema rejects, is refused", () => {
  assert.throws(() => bootstrapInputFromEvent({ ...row(), event_type: "organization.created" }), /not organization\/organization\.bootstrap\.initiated/);
  assert.throws(() => bootstrapInputFromEvent({ ...row(), event_data: { name: "Acme" } }), ZodError);
});
