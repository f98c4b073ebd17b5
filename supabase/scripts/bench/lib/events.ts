import { randomUUID } from "node:crypto";
import type pg from "pg";
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
 * The floor (benchmark 1) starts workflows without writing workflow_started (that write is not part
 * of the floor), so its events look pending. Marks them started in one statement, so the reconciler
 * benchmarks begin with an empty pending set instead of first sweeping the floor's leftovers.
 */
export async function settleFloorLeftovers(db: pg.Pool): Promise<number> {
  const { rowCount } = await db.query(
    `insert into public.domain_events (stream_id, stream_type, stream_version, event_type, event_data, event_metadata)
     select o.id, 'organization', 2, 'organization.bootstrap.workflow_started',
            jsonb_build_object('workflowId', 'org-bootstrap-' || o.id, 'runId', md5(o.id::text), 'startedBy', 'edge'),
            '{"source":"bench-floor"}'::jsonb
       from public.organizations_projection o
      where o.bootstrap_workflow_id is null`,
  );
  return rowCount ?? 0;
}

