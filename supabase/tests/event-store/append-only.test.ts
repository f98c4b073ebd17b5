import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { asRole, openPool, sqlError } from "../support/db.ts";
import { bootstrapData, emit, streamEvents, uniqueSubdomain } from "../support/events.ts";

const pool = openPool(5);
after(() => pool.end());

async function organizationWithEvents(): Promise<{ organizationId: string; subdomain: string }> {
  const organizationId = crypto.randomUUID();
  const subdomain = uniqueSubdomain("ao");
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(subdomain));
  await emit(pool, organizationId, EVENT_TYPES.organizationCreated, {});
  return { organizationId, subdomain };
}

test("UPDATE, DELETE and TRUNCATE on domain_events fail for postgres (the owner) with the append-only error", async () => {
  const { organizationId } = await organizationWithEvents();
  await assert.rejects(
    pool.query("update public.domain_events set event_data = '{}' where stream_id = $1", [organizationId]),
    sqlError("42501", /^domain_events is append-only: UPDATE is not allowed$/),
  );
  await assert.rejects(
    pool.query("delete from public.domain_events where stream_id = $1", [organizationId]),
    sqlError("42501", /^domain_events is append-only: DELETE is not allowed$/),
  );
  await assert.rejects(pool.query("truncate public.domain_events"), sqlError("42501", /TRUNCATE is not allowed/));
  assert.equal((await streamEvents(pool, organizationId)).length, 2);
});

test("UPDATE, DELETE and direct INSERT on domain_events fail for service_role, even with the maintenance flag set", async () => {
  const { organizationId } = await organizationWithEvents();
  const attempts = [
    "update public.domain_events set event_data = '{}' where stream_id = $1",
    "delete from public.domain_events where stream_id = $1",
    `insert into public.domain_events (stream_id, stream_type, stream_version, event_type) values ($1, 'organization', 99, 'organization.created')`,
  ];
  for (const sql of attempts) {
    await asRole(pool, "service_role", async (client) => {
      await client.query("select set_config('event_store.maintenance', 'on', true)");
      await assert.rejects(client.query(sql, [organizationId]), sqlError("42501", /permission denied for table domain_events/), sql);
    });
  }
  assert.equal((await streamEvents(pool, organizationId)).length, 2);
});

test("the maintenance path (service_role) removes one organization's events and projection rows, and nothing else", async () => {
  const target = await organizationWithEvents();
  const bystander = await organizationWithEvents();
  const result = await asRole(pool, "service_role", async (client) => {
    const { rows } = await client.query("select public.maintenance_delete_organization(p_organization_id => $1) as r", [target.organizationId]);
    // asRole rolls back at the end, so the effects are checked inside the same transaction.
    assert.deepEqual((await client.query("select 1 from public.domain_events where stream_id = $1", [target.organizationId])).rows, []);
    assert.deepEqual((await client.query("select 1 from public.organizations_projection where id = $1", [target.organizationId])).rows, []);
    assert.equal((await client.query("select 1 from public.domain_events where stream_id = $1", [bystander.organizationId])).rowCount, 2);
    // The flag does not outlive the maintenance call.
    assert.equal((await client.query("select current_setting('event_store.maintenance', true) as f")).rows[0].f, "off");
    return rows[0].r;
  });
  assert.deepEqual(result, {
    organization_id: target.organizationId, subdomain: target.subdomain, events: 2, organizations: 1, invitations: 0,
  });
});

test("the maintenance path by subdomain is case-insensitive and says clearly when nothing matches", async () => {
  const target = await organizationWithEvents();
  await asRole(pool, "service_role", async (client) => {
    const { rows } = await client.query("select public.maintenance_delete_organization(p_subdomain => $1) as r", [target.subdomain.toUpperCase()]);
    assert.equal(rows[0].r.organization_id, target.organizationId);
    assert.equal(rows[0].r.events, 2);
  });
  await asRole(pool, "service_role", async (client) => {
    await assert.rejects(
      client.query("select public.maintenance_delete_organization(p_subdomain => 'no-such-subdomain-anywhere')"),
      sqlError("P0002", /no organization has subdomain "no-such-subdomain-anywhere"/),
    );
  });
});

test("anon and authenticated cannot call the maintenance path", async () => {
  const { organizationId } = await organizationWithEvents();
  for (const role of ["anon", "authenticated"] as const) {
    await asRole(pool, role, async (client) => {
      await assert.rejects(
        client.query("select public.maintenance_delete_organization(p_organization_id => $1)", [organizationId]),
        sqlError("42501", /permission denied for function maintenance_delete_organization/),
      );
    });
  }
});
