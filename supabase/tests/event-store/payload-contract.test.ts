import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { z } from "zod";
import { ALL_EVENT_TYPES, EVENT_CONTRACT, EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { openPool, sqlError } from "../support/db.ts";
import { bootstrapData, emit, emitRaw, streamEvents, uniqueSubdomain } from "../support/events.ts";

const pool = openPool(5);
after(() => pool.end());

interface SqlContract {
  [eventType: string]: { stream_type: string; required: Record<string, string> };
}

async function sqlContract(): Promise<SqlContract> {
  return (await pool.query<{ c: SqlContract }>("select private.domain_event_contract() as c")).rows[0]!.c;
}

test("the SQL contract and the zod schemas name the same event types, stream types and required keys", async () => {
  const sql = await sqlContract();
  assert.deepEqual(Object.keys(sql).sort(), [...ALL_EVENT_TYPES].sort());
  for (const eventType of ALL_EVENT_TYPES) {
    const { streamType, data } = EVENT_CONTRACT[eventType];
    const json = z.toJSONSchema(data) as { required?: string[]; properties: Record<string, { type?: string }> };
    const zodRequired = Object.fromEntries((json.required ?? []).map((key) => [key, json.properties[key]!.type]));
    assert.equal(sql[eventType]!.stream_type, streamType, `${eventType}: stream type`);
    assert.deepEqual(sql[eventType]!.required, zodRequired, `${eventType}: required keys and JSON types`);
  }
});

test("an event lacking required keys is rejected with 22023 naming every missing key, and nothing is stored", async () => {
  const organizationId = crypto.randomUUID();
  await assert.rejects(
    emitRaw(pool, { streamId: organizationId, streamType: "organization", eventType: EVENT_TYPES.bootstrapInitiated, data: { name: "Acme", admins: "x" } }),
    sqlError("22023", /^organization\.bootstrap\.initiated event_data lacks required key\(s\): admins \(array\), contactEmail \(string\), subdomain \(string\)$/),
  );
  assert.deepEqual(await streamEvents(pool, organizationId), []);
});

test("a known event on the wrong stream type is rejected with 22023", async () => {
  await assert.rejects(
    emitRaw(pool, { streamId: crypto.randomUUID(), streamType: "reconciler", eventType: EVENT_TYPES.organizationActivated, data: {} }),
    sqlError("22023", /organization\.activated belongs on a stream of type organization, not reconciler/),
  );
});

test("event_type must be dotted.lower_case and event_data a JSON object (check constraints, 23514)", async () => {
  for (const eventType of ["OrganizationCreated", "organization", "organization..created", "organization.Created"]) {
    await assert.rejects(
      emitRaw(pool, { streamId: crypto.randomUUID(), streamType: "organization", eventType, data: {} }),
      sqlError("23514", /domain_events_event_type_format/),
      eventType,
    );
  }
  await assert.rejects(
    emitRaw(pool, { streamId: crypto.randomUUID(), streamType: "organization", eventType: "some.thing", data: [1, 2] }),
    sqlError("23514", /domain_events_event_data_is_object/),
  );
});

test("unknown event types are stored and ignored by the projections", async () => {
  const organizationId = crypto.randomUUID();
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("unk")));
  const before = (await pool.query("select * from public.organizations_projection where id = $1", [organizationId])).rows;
  await emitRaw(pool, { streamId: organizationId, streamType: "organization", eventType: "organization.renamed_in_a_future_version", data: { anything: 1 } });
  await emitRaw(pool, { streamId: crypto.randomUUID(), streamType: "organization", eventType: "organization.from_the_future", data: {} });
  const after = (await pool.query("select * from public.organizations_projection where id = $1", [organizationId])).rows;
  assert.deepEqual(after, before);
  assert.deepEqual((await streamEvents(pool, organizationId)).map((e) => e.event_type).at(-1), "organization.renamed_in_a_future_version");
});

test("reconciler.canary is stored on its own stream and projects nothing", async () => {
  const streamId = crypto.randomUUID();
  const count = async () => (await pool.query<{ n: number }>("select count(*)::int as n from public.organizations_projection")).rows[0]!.n;
  const before = await count();
  await pool.query(
    `select public.emit_domain_event(p_stream_id => $1, p_stream_type => 'reconciler', p_event_type => 'reconciler.canary', p_event_data => $2)`,
    [streamId, { sentAt: new Date().toISOString() }],
  );
  const { rows } = await pool.query("select stream_version from public.domain_events where stream_type = 'reconciler' and stream_id = $1", [streamId]);
  assert.deepEqual(rows, [{ stream_version: 1 }]);
  assert.equal(await count(), before);
});
