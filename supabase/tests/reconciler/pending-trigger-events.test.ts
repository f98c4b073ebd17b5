import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import type pg from "pg";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { WORKFLOW_TRIGGERS } from "@org-bootstrap/shared/triggers/index.ts";
import { bootstrapWorkflowId, deactivateWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { asRole, inRolledBackTransaction, openPool, sqlError } from "../support/db.ts";
import { bootstrapData, emit, emitRaw, uniqueSubdomain } from "../support/events.ts";
import { historyFor, insertSyntheticHistory } from "../../scripts/lib/synthetic-events.ts";
import { explainPendingTriggerEvents } from "../../scripts/lib/explain.ts";

const pool = openPool(5);
after(() => pool.end());

async function pendingIds(client: pg.ClientBase, olderThan = "0 seconds", limit = 10_000): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    "select id from public.pending_trigger_events(p_older_than => $1::interval, p_limit => $2)",
    [olderThan, limit],
  );
  return rows.map((row) => row.id);
}

const started = (workflowId: string) => ({ workflowId, runId: crypto.randomUUID(), startedBy: "edge" as const });

test("the SQL trigger registry holds exactly the TypeScript declarations (event type, stream type, started event type, name)", async () => {
  const { rows } = await pool.query("select event_type, stream_type, started_event_type, name from private.workflow_triggers order by event_type");
  const declared = WORKFLOW_TRIGGERS.map((t) => ({ event_type: t.eventType, stream_type: t.streamType, started_event_type: t.startedEventType, name: t.name }))
    .sort((a, b) => a.event_type.localeCompare(b.event_type));
  assert.deepEqual(rows, declared);
  // The worker's startup check reads it through this function, as service_role.
  await asRole(pool, "service_role", async (client) => {
    const { rows: viaApi } = await client.query("select * from public.workflow_trigger_registry()");
    assert.deepEqual(viaApi, declared);
  });
});

test("every trigger event is pending until its started event lands; other events change nothing", async () => {
  const organizationId = crypto.randomUUID();
  const bootstrap = await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("trg")));
  await emit(pool, organizationId, EVENT_TYPES.organizationCreated, {});
  await emit(pool, organizationId, EVENT_TYPES.organizationActivated, {});
  const deactivation = await emit(pool, organizationId, EVENT_TYPES.deactivationRequested, { reason: "customer left" });
  await asRole(pool, "service_role", async (client) => {
    const ids = await pendingIds(client);
    assert.ok(ids.includes(bootstrap) && ids.includes(deactivation), "both trigger events are pending");
    assert.ok(ids.indexOf(bootstrap) < ids.indexOf(deactivation), "oldest first, whichever trigger");
  });

  // The bootstrap's started event clears the bootstrap only, not the other trigger's event on the stream.
  await emit(pool, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, started(bootstrapWorkflowId(organizationId)), { causation_id: bootstrap });
  await asRole(pool, "service_role", async (client) => {
    const ids = await pendingIds(client);
    assert.ok(!ids.includes(bootstrap));
    assert.ok(ids.includes(deactivation));
  });
  await emit(pool, organizationId, EVENT_TYPES.deactivationWorkflowStarted, started(deactivateWorkflowId(organizationId)), { causation_id: deactivation });
  await asRole(pool, "service_role", async (client) => assert.ok(!(await pendingIds(client)).includes(deactivation)));
});

test("a started event without causation_id (a person with psql) clears its trigger's pending events on its stream", async () => {
  const organizationId = crypto.randomUUID();
  const bootstrap = await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("nocause")));
  const other = crypto.randomUUID();
  const otherBootstrap = await emit(pool, other, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("nocause")));
  await emit(pool, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, started(bootstrapWorkflowId(organizationId)));
  await asRole(pool, "service_role", async (client) => {
    const ids = await pendingIds(client);
    assert.ok(!ids.includes(bootstrap));
    assert.ok(ids.includes(otherBootstrap), "another stream's event stays pending");
  });
});

test("a started event naming another event (a retried run's record) leaves pending events alone", async () => {
  const organizationId = crypto.randomUUID();
  const bootstrap = await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("cause")));
  await emit(pool, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, started(bootstrapWorkflowId(organizationId)), { causation_id: crypto.randomUUID() });
  await asRole(pool, "service_role", async (client) => assert.ok((await pendingIds(client)).includes(bootstrap)));
});

test("a trigger registered by one SQL line (a test-only event type on its own stream type) makes its events pending, with no other change", async () => {
  await inRolledBackTransaction(pool, async (client) => {
    const eventType = `test.ping_${crypto.randomBytes(3).toString("hex")}`;
    await client.query(
      "insert into private.workflow_triggers (event_type, stream_type, started_event_type, name) values ($1, 'test', $2, $3)",
      [eventType, `${eventType}.workflow_started`, `test-ping-${eventType}`],
    );
    const streamId = crypto.randomUUID();
    const ping = await emitRaw(client, { streamId, streamType: "test", eventType, data: { n: 1 } });
    // The same event type on another stream type is not this trigger's.
    const elsewhere = await emitRaw(client, { streamId, streamType: "test_other", eventType, data: { n: 2 } });
    const awaiting = async (id: string) =>
      (await client.query("select 1 from private.events_awaiting_workflow where event_id = $1", [id])).rowCount === 1;
    assert.ok(await awaiting(ping), "the test trigger's event is pending");
    assert.ok(!(await awaiting(elsewhere)), "the same type on another stream type is not");
    await emitRaw(client, { streamId, streamType: "test", eventType: `${eventType}.workflow_started`, data: started(`test-ping-${ping}`), metadata: { causation_id: ping } });
    assert.ok(!(await awaiting(ping)), "its started event takes it out");
  });
});

test("pending_trigger_events honours p_older_than and p_limit, rejects bad arguments with 22023, and is service_role only", async () => {
  for (let i = 0; i < 3; i++) await emit(pool, crypto.randomUUID(), EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("lim")));
  await asRole(pool, "service_role", async (client) => {
    assert.equal((await pendingIds(client, "0 seconds", 2)).length, 2);
    const recent = await pendingIds(client, "0 seconds");
    const hourOld = new Set(await pendingIds(client, "1 hour"));
    assert.ok(recent.some((id) => !hourOld.has(id)), "events younger than p_older_than are left out");
  });
  await asRole(pool, "service_role", (client) => assert.rejects(pendingIds(client, "0 seconds", 0), sqlError("22023", /p_limit must be between 1 and 10000/)));
  await asRole(pool, "service_role", (client) => assert.rejects(pendingIds(client, "-1 second", 10), sqlError("22023", /p_older_than must be a non-negative interval/)));
  for (const role of ["anon", "authenticated"] as const) {
    await asRole(pool, role, (client) => assert.rejects(pendingIds(client), sqlError("42501", /permission denied for function pending_trigger_events/)));
    await asRole(pool, role, (client) => assert.rejects(client.query("select * from public.workflow_trigger_registry()"), sqlError("42501", /permission denied for function workflow_trigger_registry/)));
  }
});

test("on 20,000 events, after ANALYZE, the trigger pending query's plan uses the pending set's index and the events' primary key", async () => {
  const history = historyFor(20_000, 25);
  const plan = await inRolledBackTransaction(pool, async (client) => {
    await insertSyntheticHistory(client, history, uniqueSubdomain("tplan"));
    await client.query("analyze public.domain_events, private.events_awaiting_workflow");
    const { rows } = await client.query("select count(*)::int as n from public.pending_trigger_events(p_limit => 10000)");
    assert.ok(rows[0].n >= history.pending, `all ${history.pending} synthetic pending events are found (got ${rows[0].n})`);
    return explainPendingTriggerEvents(client, "0 seconds", 100);
  });
  assert.match(plan, /Index (Only )?Scan using events_awaiting_workflow_created_at_idx/, plan);
  assert.match(plan, /Index Scan using domain_events_pkey/, plan);
  assert.doesNotMatch(plan, /Seq Scan/, plan);
});
