/**
 * emit_domain_event, emit_domain_events and pending_bootstrap_events as the edge function, the activities and the
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

interface BatchOutcome {
  ordinal: number;
  event_id: string | null;
  error_code: string | null;
  error_message: string | null;
}

const byOrdinal = (rows: unknown) => [...(rows as BatchOutcome[])].sort((a, b) => a.ordinal - b.ordinal);

test("emit_domain_events writes a batch in one call, each event as emit_domain_event would, and a repeat writes nothing", async () => {
  const organizationIds = Array.from({ length: 5 }, () => crypto.randomUUID());
  for (const id of organizationIds) {
    assert.equal((await service.rpc("emit_domain_event", emitArgs(id, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("batch"))))).error, null);
  }
  const batch = organizationIds.map((id) =>
    emitArgs(id, EVENT_TYPES.bootstrapWorkflowStarted, { workflowId: `org-bootstrap-${id}`, runId: crypto.randomUUID(), startedBy: "sweep" }, {
      idempotency_key: `org-bootstrap-${id}:workflow_started`,
    }));
  const first = await service.rpc("emit_domain_events", { p_events: batch });
  assert.equal(first.error, null);
  const outcomes = byOrdinal(first.data);
  assert.deepEqual(outcomes.map((o) => [o.ordinal, o.error_code]), [[1, null], [2, null], [3, null], [4, null], [5, null]]);

  const { rows } = await pool.query<{ id: string; stream_id: string; stream_version: number }>(
    "select id, stream_id, stream_version from public.domain_events where event_type = $1 and stream_id = any($2)",
    [EVENT_TYPES.bootstrapWorkflowStarted, organizationIds],
  );
  assert.equal(rows.length, 5);
  for (const [index, id] of organizationIds.entries()) {
    const row = rows.find((r) => r.stream_id === id);
    assert.deepEqual({ id: row?.id, version: row?.stream_version }, { id: outcomes[index]!.event_id, version: 2 });
  }
  const projected = await pool.query("select count(*)::int as n from public.organizations_projection where id = any($1) and bootstrap_workflow_id is not null", [organizationIds]);
  assert.equal(projected.rows[0].n, 5, "the projection trigger ran for every event of the batch");

  const repeat = await service.rpc("emit_domain_events", { p_events: [...batch].reverse() });
  assert.equal(repeat.error, null);
  assert.deepEqual(byOrdinal(repeat.data).map((o) => o.event_id), [...outcomes].reverse().map((o) => o.event_id));
  const after = await pool.query("select count(*)::int as n from public.domain_events where stream_id = any($1)", [organizationIds]);
  assert.equal(after.rows[0].n, 10, "a repeated batch writes nothing");
});

test("emit_domain_events reports a bad element in its own row and still writes the others", async () => {
  const good = crypto.randomUUID();
  const bad = crypto.randomUUID();
  const result = await service.rpc("emit_domain_events", {
    p_events: [
      { p_stream_id: bad, p_stream_type: "organization", p_event_type: EVENT_TYPES.bootstrapInitiated, p_event_data: { name: "x" } },
      emitArgs(good, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("batchok"))),
      { p_stream_id: "not-a-uuid", p_stream_type: "organization", p_event_type: EVENT_TYPES.organizationActivated, p_event_data: {} },
      "not an object",
    ],
  });
  assert.equal(result.error, null);
  const outcomes = byOrdinal(result.data);
  assert.deepEqual(outcomes.map((o) => [o.ordinal, o.error_code, o.event_id === null]), [[1, "22023", true], [2, null, false], [3, "22P02", true], [4, "22023", true]]);
  assert.match(outcomes[0]!.error_message!, /lacks required key/);
  const { rows } = await pool.query("select stream_id from public.domain_events where stream_id = any($1)", [[good, bad]]);
  assert.deepEqual(rows.map((r) => r.stream_id), [good]);
});

test("emit_domain_events refuses anything but an array, and more than 64 events, writing nothing", async () => {
  const notArray = await service.rpc("emit_domain_events", { p_events: { p_stream_id: crypto.randomUUID() } });
  assert.equal(notArray.status, 400);
  assert.equal(notArray.error?.code, "22023");

  const streamId = crypto.randomUUID();
  const tooMany = await service.rpc("emit_domain_events", {
    p_events: Array.from({ length: 65 }, () => emitArgs(streamId, EVENT_TYPES.reconcilerCanary, {})),
  });
  assert.equal(tooMany.error?.code, "54000");
  assert.match(tooMany.error!.message, /at most 64 events per call, not 65/);
  const { rows } = await pool.query("select count(*)::int as n from public.domain_events where stream_id = $1", [streamId]);
  assert.equal(rows[0].n, 0);
});

test("emit_domain_events refuses an element with any other argument (a misspelt key, p_stream_version) and writes the rest", async () => {
  const [misspelt, versioned, fine] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  const { p_event_metadata: metadata, ...withoutMetadata } = emitArgs(misspelt, EVENT_TYPES.reconcilerCanary, {}, { idempotency_key: "k1" });
  const result = await service.rpc("emit_domain_events", {
    p_events: [
      { ...withoutMetadata, p_event_metdata: metadata },
      { ...emitArgs(versioned, EVENT_TYPES.reconcilerCanary, {}), p_stream_version: 1 },
      emitArgs(fine, EVENT_TYPES.reconcilerCanary, {}),
    ],
  });
  assert.equal(result.error, null);
  const outcomes = byOrdinal(result.data);
  assert.deepEqual(outcomes.map((o) => [o.ordinal, o.error_code]), [[1, "22023"], [2, "22023"], [3, null]]);
  assert.match(outcomes[0]!.error_message!, /unknown argument\(s\) for emit_domain_events: p_event_metdata/);
  assert.match(outcomes[1]!.error_message!, /unknown argument\(s\) for emit_domain_events: p_stream_version/);
  const { rows } = await pool.query("select stream_id from public.domain_events where stream_id = any($1)", [[misspelt, versioned, fine]]);
  assert.deepEqual(rows.map((r) => r.stream_id), [fine]);
});

test("emit_domain_events: an element failing in the projection trigger is undone alone; two elements on one stream get consecutive versions", async () => {
  const taken = uniqueSubdomain("taken");
  const holder = crypto.randomUUID();
  assert.equal((await service.rpc("emit_domain_event", emitArgs(holder, EVENT_TYPES.bootstrapInitiated, bootstrapData(taken)))).error, null);
  const [loser, stream] = [crypto.randomUUID(), crypto.randomUUID()];
  const result = await service.rpc("emit_domain_events", {
    p_events: [
      emitArgs(stream, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("pair"))),
      emitArgs(loser, EVENT_TYPES.bootstrapInitiated, bootstrapData(taken)),
      emitArgs(stream, EVENT_TYPES.organizationCreated, {}),
    ],
  });
  assert.equal(result.error, null);
  const outcomes = byOrdinal(result.data);
  assert.deepEqual(outcomes.map((o) => [o.ordinal, o.error_code]), [[1, null], [2, "23505"], [3, null]]);
  assert.match(outcomes[1]!.error_message!, /is already taken/);
  const written = await pool.query<{ stream_id: string; stream_version: number }>(
    "select stream_id, stream_version from public.domain_events where stream_id = any($1) order by stream_version",
    [[loser, stream]],
  );
  assert.deepEqual(written.rows.map((r) => [r.stream_id, r.stream_version]), [[stream, 1], [stream, 2]]);
  const projections = await pool.query("select count(*)::int as n from public.organizations_projection where id = $1", [loser]);
  assert.equal(projections.rows[0].n, 0, "the failed element left no projection row");
});
