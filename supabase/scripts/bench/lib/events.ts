import { randomUUID } from "node:crypto";
import type pg from "pg";
import { WORKFLOW_TRIGGERS } from "@org-bootstrap/shared/triggers/index.ts";
import { benchForm } from "./system.ts";

/**
 * Records `organization.bootstrap.initiated` with plain SQL, the way the seed plan's manual test did:
 * no direct start, so only the reconciler can start its workflow. Resolves when the commit is
 * acknowledged; returns that moment (epoch ms) with the ids.
 */
export async function recordWithoutStart(db: pg.Pool): Promise<{ organizationId: string; eventId: string; committedAt: number }> {
  const organizationId = randomUUID();
  const { rows } = await db.query<{ id: string }>(
    `select public.emit_domain_event(p_stream_id => $1, p_stream_type => 'organization',
       p_event_type => 'organization.bootstrap.initiated', p_event_data => $2, p_event_metadata => $3) as id`,
    [organizationId, benchForm(), { source: "bench-sql" }],
  );
  return { organizationId, eventId: rows[0]!.id, committedAt: Date.now() };
}

/** Bootstraps still without a workflow_started event. */
export async function pendingCount(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ n: string }>("select count(*) as n from public.organizations_projection where bootstrap_workflow_id is null");
  return Number(rows[0]!.n);
}

/**
 * The floors (benchmark 1, and the deactivation's) start workflows without writing workflow_started
 * (that write is not part of a floor), so their events look pending. Marks every pending event of
 * every declared trigger started, one statement per trigger (a stream may hold one pending event of
 * each), so the reconciler benchmarks begin with an empty pending set instead of first sweeping the
 * floors' leftovers.
 */
export async function settleFloorLeftovers(db: pg.Pool): Promise<number> {
  let settled = 0;
  for (const trigger of WORKFLOW_TRIGGERS) {
    const { rowCount } = await db.query(
      `insert into public.domain_events (stream_id, stream_type, stream_version, event_type, event_data, event_metadata)
       select a.stream_id, a.stream_type,
              (select max(e.stream_version) from public.domain_events e where e.stream_type = a.stream_type and e.stream_id = a.stream_id) + 1,
              $2, jsonb_build_object('workflowId', $3 || case when $4 = 'event' then a.event_id else a.stream_id end, 'runId', md5(a.event_id::text), 'startedBy', 'edge'),
              jsonb_build_object('source', 'bench-floor', 'causation_id', a.event_id)
         from private.events_awaiting_workflow a
        where a.event_type = $1`,
      [trigger.eventType, trigger.startedEventType, trigger.workflowIdPrefix, trigger.oneWorkflowPer],
    );
    settled += rowCount ?? 0;
  }
  return settled;
}
