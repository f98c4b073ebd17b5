/**
 * Who may read and write the event store, checked through supabase-js against the local Data API
 * (PostgREST rules: a missing GRANT is 401 for anon and 403 for a signed-in role; RLS filters rows).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import type { SupabaseClient } from "@supabase/supabase-js";
import { EVENT_TYPES, emitArgs } from "@org-bootstrap/shared/events/index.ts";
import { openPool } from "../support/db.ts";
import { successfulBootstrap, type Bootstrapped } from "../support/lifecycle.ts";
import { anonClient, platformAdminClient, serviceClient, userClient } from "../support/supabase.ts";

const pool = openPool(5);
after(() => pool.end());

let org: Bootstrapped;
let anon: SupabaseClient;
let viewer: SupabaseClient;
let admin: SupabaseClient;
let service: SupabaseClient;

before(async () => {
  org = await successfulBootstrap(pool);
  anon = anonClient();
  viewer = await userClient("viewer");
  admin = await platformAdminClient();
  service = serviceClient();
});

const emitActivated = (client: SupabaseClient) =>
  client.rpc("emit_domain_event", emitArgs(org.organizationId, EVENT_TYPES.organizationActivated, {}));
const emitActivatedInBatch = (client: SupabaseClient) =>
  client.rpc("emit_domain_events", { p_events: [emitArgs(org.organizationId, EVENT_TYPES.organizationActivated, {})] });

function assertDenied(result: { error: { code?: string } | null; status: number }, status: number, what: string): void {
  assert.equal(result.error?.code, "42501", `${what}: expected permission denied, got ${JSON.stringify(result.error)}`);
  assert.equal(result.status, status, what);
}

test("anon can neither read domain_events or the projections nor call emit_domain_event (401)", async () => {
  assertDenied(await anon.from("domain_events").select("id").eq("stream_id", org.organizationId), 401, "select domain_events");
  assertDenied(await anon.from("organizations_projection").select("id"), 401, "select organizations_projection");
  assertDenied(await anon.from("invitations_projection").select("id"), 401, "select invitations_projection");
  assertDenied(await emitActivated(anon), 401, "rpc emit_domain_event");
  assertDenied(await emitActivatedInBatch(anon), 401, "rpc emit_domain_events");
  assertDenied(await anon.rpc("pending_bootstrap_events", {}), 401, "rpc pending_bootstrap_events");
});

test("a signed-in user without the platform-admin claim reads no projection rows and cannot read events or emit (403)", async () => {
  const organizations = await viewer.from("organizations_projection").select("id").eq("id", org.organizationId);
  assert.deepEqual({ data: organizations.data, error: organizations.error }, { data: [], error: null });
  const invitations = await viewer.from("invitations_projection").select("id").eq("organization_id", org.organizationId);
  assert.deepEqual({ data: invitations.data, error: invitations.error }, { data: [], error: null });
  assertDenied(await viewer.from("domain_events").select("id").eq("stream_id", org.organizationId), 403, "select domain_events");
  assertDenied(await emitActivated(viewer), 403, "rpc emit_domain_event");
  assertDenied(await emitActivatedInBatch(viewer), 403, "rpc emit_domain_events");
  assertDenied(await viewer.rpc("rebuild_projections"), 403, "rpc rebuild_projections");
});

test("a platform admin reads the projections but not domain_events, and cannot emit or write projections", async () => {
  const organizations = await admin.from("organizations_projection").select("id, status, subdomain").eq("id", org.organizationId);
  assert.equal(organizations.error, null);
  assert.deepEqual(organizations.data, [{ id: org.organizationId, status: "active", subdomain: org.subdomain }]);
  const invitations = await admin.from("invitations_projection").select("id").eq("organization_id", org.organizationId).order("id");
  assert.deepEqual(invitations.data?.map((i) => i.id), [...org.invitationIds].sort());

  assertDenied(await admin.from("domain_events").select("id").eq("stream_id", org.organizationId), 403, "select domain_events");
  assertDenied(await emitActivated(admin), 403, "rpc emit_domain_event");
  assertDenied(await emitActivatedInBatch(admin), 403, "rpc emit_domain_events");
  assertDenied(await admin.from("organizations_projection").update({ name: "hijacked" }).eq("id", org.organizationId), 403, "update projection");
  assertDenied(await admin.rpc("maintenance_delete_organization", { p_organization_id: org.organizationId }), 403, "rpc maintenance");
});

test("service_role reads events and emits through the RPC, but cannot write domain_events directly", async () => {
  const events = await service.from("domain_events").select("stream_version").eq("stream_id", org.organizationId).order("stream_version");
  assert.equal(events.error, null);
  assert.equal(events.data?.length, 10);

  const canary = await service.rpc("emit_domain_event", emitArgs(crypto.randomUUID(), EVENT_TYPES.reconcilerCanary, {}));
  assert.equal(canary.error, null);
  assert.match(String(canary.data), /^[0-9a-f-]{36}$/);

  assertDenied(await service.from("domain_events").update({ event_data: {} }).eq("stream_id", org.organizationId), 403, "update domain_events");
  assertDenied(await service.from("domain_events").delete().eq("stream_id", org.organizationId), 403, "delete domain_events");
  assertDenied(
    await service.from("domain_events").insert({
      stream_id: org.organizationId, stream_type: "organization", stream_version: 99, event_type: "organization.activated",
    }),
    403, "insert domain_events",
  );
  assertDenied(await service.from("organizations_projection").update({ name: "x" }).eq("id", org.organizationId), 403, "update projection");
  const unchanged = await service.from("domain_events").select("stream_version").eq("stream_id", org.organizationId);
  assert.equal(unchanged.data?.length, 10, "nothing was changed");
});
