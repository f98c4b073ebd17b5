import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import type pg from "pg";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { asRole, openPool, sqlError } from "../support/db.ts";
import { bootstrapData, emit } from "../support/events.ts";
import { failedBootstrap, successfulBootstrap } from "../support/lifecycle.ts";

const pool = openPool(5);
after(() => pool.end());

async function snapshot(db: pg.Pool | pg.PoolClient) {
  const organizations = await db.query("select to_jsonb(o) as row from public.organizations_projection o order by id");
  // With each invitation's token hash, which the projection keeps in private.invitation_tokens.
  const invitations = await db.query(
    `select to_jsonb(i) || jsonb_build_object('token_hash', t.token_hash) as row
     from public.invitations_projection i left join private.invitation_tokens t on t.invitation_id = i.id order by i.id`);
  return { organizations: organizations.rows.map((r) => r.row), invitations: invitations.rows.map((r) => r.row) };
}

test("rebuild_projections replays every event into empty projections and yields identical rows", async () => {
  await successfulBootstrap(pool);
  const failed = await failedBootstrap(pool);
  // A subdomain released by compensation and taken again: replay must keep that cross-stream order.
  await emit(pool, crypto.randomUUID(), EVENT_TYPES.bootstrapInitiated, bootstrapData(failed.subdomain));
  const live = await snapshot(pool);
  assert.ok(live.organizations.length >= 3 && live.invitations.length >= 3);

  await asRole(pool, "service_role", async (client) => {
    // Damage the projections first (as the owner would), so a rebuild that did nothing could not pass.
    await client.query("reset role");
    await client.query("update public.organizations_projection set name = 'wrong', bootstrap_workflow_id = null");
    await client.query("delete from public.invitations_projection");
    await client.query("set local role service_role");

    const { rows } = await client.query("select public.rebuild_projections() as counts");
    const totalEvents = (await client.query("select count(*)::int as n from public.domain_events")).rows[0].n;
    assert.deepEqual(rows[0].counts, { events: totalEvents, organizations: live.organizations.length, invitations: live.invitations.length });
    await client.query("reset role"); // service_role cannot read private.invitation_tokens (nor should it)
    assert.deepEqual(await snapshot(client), live);
  });
});

test("only service_role may rebuild the projections", async () => {
  for (const role of ["anon", "authenticated"] as const) {
    await asRole(pool, role, (client) =>
      assert.rejects(client.query("select public.rebuild_projections()"), sqlError("42501", /permission denied for function rebuild_projections/)));
  }
});
