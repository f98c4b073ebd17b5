/**
 * emit_domain_event and pending_bootstrap_events as the edge function, the activities and the
 * reconciler call them: supabase-js `rpc` with named arguments, through the local Data API.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { EVENT_TYPES, emitArgs, isStreamVersionConflict } from "@org-bootstrap/shared/events/index.ts";
import { openPool } from "../support/db.ts";
import { bootstrapData, streamEvents, uniqueSubdomain } from "../support/events.ts";
import { serviceClient } from "../support/supabase.ts";

const pool = openPool(5);
after(() => pool.end());
const service = serviceClient();

test("parallel bootstraps for `x` and `X` through supabase-js: one wins, the other gets 23505 as HTTP 409", async () => {
  const subdomain = uniqueSubdomain("acme");
  const ids = [crypto.randomUUID(), crypto.randomUUID()];
  const results = await Promise.all(
    [subdomain, subdomain.toUpperCase()].map((spelling, i) =>
      service.rpc("emit_domain_event", {
        p_stream_id: ids[i], p_stream_type: "organization", p_event_type: EVENT_TYPES.bootstrapInitiated,
        p_event_data: bootstrapData(spelling),
      })),
  );
  const winners = results.filter((r) => r.error === null);
  const losers = results.filter((r) => r.error !== null);
  assert.equal(winners.length, 1, JSON.stringify(results.map((r) => r.error)));
  assert.equal(losers[0]!.status, 409);
  assert.equal(losers[0]!.error!.code, "23505");
  assert.match(losers[0]!.error!.message, /^subdomain ".*" is already taken$/);

  const { rows } = await pool.query(
    `select (select count(*)::int from public.domain_events where stream_type = 'organization' and stream_id = any($1)) as events,
            (select count(*)::int from public.organizations_projection where lower(subdomain) = $2) as organizations`,
    [ids, subdomain],
  );
  assert.deepEqual(rows[0], { events: 1, organizations: 1 });
});

test("PostgREST picks the overload by argument names: with p_stream_version a stale version is a 409 version conflict", async () => {
  const organizationId = crypto.randomUUID();
  const first = await service.rpc("emit_domain_event", emitArgs(organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("ver"))));
  assert.equal(first.error, null);

  const atTwo = await service.rpc("emit_domain_event", { ...emitArgs(organizationId, EVENT_TYPES.organizationCreated, {}), p_stream_version: 2 });
  assert.equal(atTwo.error, null);
  const stale = await service.rpc("emit_domain_event", { ...emitArgs(organizationId, EVENT_TYPES.organizationActivated, {}), p_stream_version: 2 });
  assert.equal(stale.status, 409);
  assert.ok(isStreamVersionConflict(stale.error), JSON.stringify(stale.error));
  assert.deepEqual((await streamEvents(pool, organizationId)).map((e) => [e.stream_version, e.id]), [[1, first.data], [2, atTwo.data]]);
});

test("a bad payload through supabase-js is a 400 naming the missing keys", async () => {
  const { error, status } = await service.rpc("emit_domain_event", {
    p_stream_id: crypto.randomUUID(), p_stream_type: "organization", p_event_type: EVENT_TYPES.bootstrapInitiated, p_event_data: { name: "x" },
  });
  assert.equal(status, 400);
  assert.equal(error?.code, "22023");
  assert.match(error!.message, /lacks required key\(s\): admins \(array\), contactEmail \(string\), subdomain \(string\)/);
});

test("the reconciler's sweep query answers through supabase-js with an interval given as text", async () => {
  const organizationId = crypto.randomUUID();
  const emitted = await service.rpc("emit_domain_event", emitArgs(organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("sweep"))));
  assert.equal(emitted.error, null);
  const recent = await service.rpc("pending_bootstrap_events", { p_older_than: "0 seconds", p_limit: 10000 });
  assert.equal(recent.error, null);
  const row = (recent.data as Array<{ id: string; stream_id: string; event_type: string }>).find((r) => r.stream_id === organizationId);
  assert.deepEqual({ id: row?.id, event_type: row?.event_type }, { id: emitted.data, event_type: EVENT_TYPES.bootstrapInitiated });

  const old = await service.rpc("pending_bootstrap_events", { p_older_than: "1 hour", p_limit: 10000 });
  assert.equal((old.data as Array<{ stream_id: string }>).some((r) => r.stream_id === organizationId), false);
});
