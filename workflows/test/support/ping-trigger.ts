/**
 * A test-only trigger, declared here and registered by one SQL line, exactly as a team adds its next
 * workflow: its own event type on its own stream type, a trivial workflow (ping-workflows.ts), one
 * workflow per event. The reconciler, the sweep and the proxy are not changed for it.
 */
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { z } from "zod";
import type { WorkflowTrigger } from "@org-bootstrap/shared/triggers/index.ts";

export const PING_WORKFLOWS_PATH = fileURLToPath(new URL("./ping-workflows.ts", import.meta.url));

/** A ping trigger whose workflows run on `taskQueue` (the test worker's own queue). */
export function pingTrigger(taskQueue: string): WorkflowTrigger {
  return {
    name: "test-ping",
    streamType: "test_ping",
    eventType: "test.ping.requested",
    startedEventType: "test.ping.workflow_started",
    eventData: z.strictObject({ n: z.number().int() }),
    workflowType: "testPingWorkflow",
    taskQueue,
    workflowIdPrefix: "test-ping-",
    oneWorkflowPer: "event",
    subjectKey: "streamId",
    summary: (streamId) => `Ping ${streamId}`,
  };
}

/** The migration line a real trigger would add, run as the database owner. Idempotent. */
export async function registerTrigger(dbUrl: string, trigger: WorkflowTrigger): Promise<void> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    await db.query(
      `insert into private.workflow_triggers (event_type, stream_type, started_event_type, name) values ($1, $2, $3, $4)
       on conflict (event_type) do nothing`,
      [trigger.eventType, trigger.streamType, trigger.startedEventType, trigger.name],
    );
  } finally {
    await db.end();
  }
}

/** Takes the registration out again (its pending events go with it), so later suites see the product's registry only. */
export async function unregisterTrigger(dbUrl: string, trigger: WorkflowTrigger): Promise<void> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    await db.query("delete from private.workflow_triggers where event_type = $1", [trigger.eventType]);
  } finally {
    await db.end();
  }
}

export interface RecordedPing {
  readonly eventId: string;
  readonly streamId: string;
  readonly workflowId: string;
}

/** `count` ping events inserted with plain SQL in ONE transaction (no edge function, no direct start). */
export async function recordPingsInOneTransaction(dbUrl: string, trigger: WorkflowTrigger, count: number): Promise<RecordedPing[]> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    await db.query("begin");
    const pings: RecordedPing[] = [];
    for (let n = 0; n < count; n += 1) {
      const streamId = randomUUID();
      const { rows } = await db.query<{ id: string }>(
        "select public.emit_domain_event($1::uuid, $2, $3, $4::jsonb, $5::jsonb) as id",
        [streamId, trigger.streamType, trigger.eventType, JSON.stringify({ n }), JSON.stringify({ source: "test-sql" })],
      );
      const eventId = rows[0]!.id;
      pings.push({ eventId, streamId, workflowId: `${trigger.workflowIdPrefix}${eventId}` });
    }
    await db.query("commit");
    return pings;
  } finally {
    await db.end();
  }
}

/** Per ping: how many started events it has (by causation), and which path and run the first names. */
export async function pingStartedRecords(
  dbUrl: string,
  trigger: WorkflowTrigger,
  pings: readonly RecordedPing[],
): Promise<Map<string, { count: number; startedBy: string; runId: string }>> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ cause: string; n: number; started_by: string; run_id: string }>(
      `select event_metadata ->> 'causation_id' as cause, count(*)::int as n,
              (array_agg(event_data ->> 'startedBy' order by global_position))[1] as started_by,
              (array_agg(event_data ->> 'runId' order by global_position))[1] as run_id
         from public.domain_events
        where stream_type = $1 and event_type = $2 and stream_id = any($3::uuid[])
        group by 1`,
      [trigger.streamType, trigger.startedEventType, pings.map((p) => p.streamId)],
    );
    return new Map(rows.map((r) => [r.cause, { count: r.n, startedBy: r.started_by, runId: r.run_id }]));
  } finally {
    await db.end();
  }
}

/** How many of these pings the SQL pending set still holds. */
export async function pendingPings(dbUrl: string, pings: readonly RecordedPing[]): Promise<number> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: number }>(
      "select count(*)::int as n from private.events_awaiting_workflow where event_id = any($1::uuid[])",
      [pings.map((p) => p.eventId)],
    );
    return rows[0]!.n;
  } finally {
    await db.end();
  }
}
