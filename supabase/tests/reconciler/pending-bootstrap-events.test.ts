import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import type pg from "pg";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { asRole, inRolledBackTransaction, openPool, sqlError } from "../support/db.ts";
import { bootstrapData, emit, uniqueSubdomain } from "../support/events.ts";
import { historyFor, insertSyntheticHistory } from "../../scripts/lib/synthetic-events.ts";
import { explainPendingBootstrapEvents } from "../../scripts/lib/explain.ts";

const pool = openPool(5);
after(() => pool.end());

interface PendingRow {
  id: string;
  stream_id: string;
  event_type: string;
}

async function pending(client: pg.PoolClient, olderThan: string, limit: number): Promise<PendingRow[]> {
  const { rows } = await client.query<PendingRow>(
    "select id, stream_id, event_type from public.pending_bootstrap_events(p_older_than => $1::interval, p_limit => $2)",
    [olderThan, limit],
  );
  return rows;
}

test("pending_bootstrap_events returns initiated events without a workflow_started event, oldest first", async () => {
  const organizations: Array<{ id: string; eventId: string; started: boolean }> = [];
  for (let i = 0; i < 6; i++) {
    const id = crypto.randomUUID();
    const eventId = await emit(pool, id, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("pend")));
    const started = i % 2 === 0;
    if (started) {
      await emit(pool, id, EVENT_TYPES.bootstrapWorkflowStarted, { workflowId: bootstrapWorkflowId(id), runId: "r", startedBy: "edge" });
    } else {
      await emit(pool, id, EVENT_TYPES.organizationCreated, {}); // other events do not count as a start
    }
    organizations.push({ id, eventId, started });
  }
  const mine = new Set(organizations.map((o) => o.id));
  const expected = organizations.filter((o) => !o.started).map((o) => ({ id: o.eventId, stream_id: o.id, event_type: EVENT_TYPES.bootstrapInitiated }));

  await asRole(pool, "service_role", async (client) => {
    const rows = (await pending(client, "0 seconds", 10000)).filter((r) => mine.has(r.stream_id));
    assert.deepEqual(rows, expected);
    assert.deepEqual((await pending(client, "1 hour", 10000)).filter((r) => mine.has(r.stream_id)), [], "none is an hour old");
  });
});

test("pending_bootstrap_events honours p_limit and rejects bad arguments with 22023", async () => {
  for (let i = 0; i < 3; i++) await emit(pool, crypto.randomUUID(), EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("lim")));
  await asRole(pool, "service_role", async (client) => assert.equal((await pending(client, "0 seconds", 2)).length, 2));
  await asRole(pool, "service_role", (client) =>
    assert.rejects(pending(client, "0 seconds", 0), sqlError("22023", /p_limit must be between 1 and 10000/)));
  await asRole(pool, "service_role", (client) =>
    assert.rejects(pending(client, "-1 second", 10), sqlError("22023", /p_older_than must be a non-negative interval/)));
});

test("only service_role may call pending_bootstrap_events", async () => {
  for (const role of ["anon", "authenticated"] as const) {
    await asRole(pool, role, (client) =>
      assert.rejects(pending(client, "0 seconds", 10), sqlError("42501", /permission denied for function pending_bootstrap_events/)));
  }
});

test("on 20,000 events, after ANALYZE, the pending query's plan uses the partial index and the events' primary key", async () => {
  const history = historyFor(20_000, 25);
  const plan = await inRolledBackTransaction(pool, async (client) => {
    await insertSyntheticHistory(client, history, uniqueSubdomain("plan"));
    await client.query("analyze public.domain_events, public.organizations_projection");
    const { rows } = await client.query("select count(*)::int as n from public.pending_bootstrap_events(p_limit => 10000)");
    assert.ok(rows[0].n >= history.pending, `all ${history.pending} synthetic pending bootstraps are found (got ${rows[0].n})`);
    return explainPendingBootstrapEvents(client, "0 seconds", 100);
  });
  assert.match(plan, /Index (Only )?Scan using organizations_projection_awaiting_workflow_idx/, plan);
  assert.match(plan, /Index Scan using domain_events_pkey/, plan);
  assert.doesNotMatch(plan, /Seq Scan/, plan);
});
