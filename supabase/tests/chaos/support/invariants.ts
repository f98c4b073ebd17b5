/**
 * The check every scenario ends with, over everything the system has recorded so far:
 *   - every accepted request's event is stored (nothing lost), once (nothing written twice);
 *   - every organization.bootstrap.initiated event has exactly one workflow run, and no bootstrap
 *     workflow exists without its event;
 *   - each run closed on its own terms (COMPLETED, or FAILED as OrganizationBootstrapFailed) and its
 *     stream holds each step's event exactly as often as the workflow writes it;
 *   - every organization.deactivation.requested event (the second trigger) has exactly one
 *     deactivation run, COMPLETED, and its organization is deactivated with each of its events once;
 *   - the projections equal what rebuild_projections() derives from the events.
 */
import { setTimeout as delay } from "node:timers/promises";
import type pg from "pg";
import { WorkflowFailedError, type Client } from "@temporalio/client";
import { ApplicationFailure } from "@temporalio/common";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { BOOTSTRAP_WORKFLOW_TYPE, bootstrapWorkflowId, DEACTIVATE_WORKFLOW_TYPE, deactivateWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import type { Accepted, AcceptedDeactivation } from "./stream.ts";

export interface InvariantReport {
  readonly bootstraps: number;
  readonly deactivations: number;
  readonly completed: number;
  readonly failed: number;
  /** Accepted requests whose event is missing. */
  readonly lost: number;
  /** Events or workflow runs beyond one per bootstrap step. */
  readonly duplicated: number;
  readonly problems: readonly string[];
}

const BOOTSTRAP_FAILED_TYPE = "OrganizationBootstrapFailed";

async function waitUntilSettled(db: pg.Pool, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ unsettled: string }>(
      `select count(*) as unsettled from public.organizations_projection
        where status = 'provisioning' or bootstrap_workflow_id is null
           or (deactivation_requested_at is not null and (status <> 'deactivated' or deactivation_workflow_id is null))`);
    if (Number(rows[0]!.unsettled) === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0]!.unsettled} bootstrap(s) or deactivation(s) still unstarted or running after ${timeoutMs / 1000} s`);
    await delay(250);
  }
}

interface Run {
  readonly workflowId: string;
  readonly runId: string;
  readonly status: string;
}

/** Every run of the type Temporal's visibility lists (eventually consistent: polled until it agrees with `expected`). */
async function listRuns(client: Client, workflowType: string, expected: number, timeoutMs: number): Promise<Run[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs: Run[] = [];
    for await (const execution of client.workflow.list({ query: `WorkflowType = '${workflowType}'` })) {
      runs.push({ workflowId: execution.workflowId, runId: execution.runId, status: execution.status.name });
    }
    if ((runs.length >= expected && runs.every((r) => r.status !== "RUNNING")) || Date.now() > deadline) return runs;
    await delay(500);
  }
}

export async function checkInvariants(
  system: { db: pg.Pool; temporal: Client },
  accepted: readonly Accepted[],
  options: { settleTimeoutMs?: number; deactivations?: readonly AcceptedDeactivation[] } = {},
): Promise<InvariantReport> {
  const problems: string[] = [];
  await waitUntilSettled(system.db, options.settleTimeoutMs ?? 180_000);

  const { rows: initiated } = await system.db.query<{ id: string; stream_id: string; admins: number }>(
    `select id, stream_id, jsonb_array_length(event_data -> 'admins') as admins from public.domain_events
      where stream_type = 'organization' and event_type = $1`, [EVENT_TYPES.bootstrapInitiated]);
  const eventsByOrg = new Map<string, { id: string; admins: number }[]>();
  for (const row of initiated) eventsByOrg.set(row.stream_id, [...(eventsByOrg.get(row.stream_id) ?? []), { id: row.id, admins: row.admins }]);

  let lost = 0;
  let duplicated = 0;
  for (const request of accepted) {
    const events = eventsByOrg.get(request.organizationId) ?? [];
    if (!events.some((e) => e.id === request.eventId)) {
      lost += 1;
      problems.push(`accepted bootstrap ${request.organizationId} (event ${request.eventId}) is not in the event store`);
    }
  }

  const { rows: requested } = await system.db.query<{ id: string; stream_id: string }>(
    "select id, stream_id from public.domain_events where stream_type = 'organization' and event_type = $1", [EVENT_TYPES.deactivationRequested]);
  const deactivationByOrg = new Map(requested.map((row) => [row.stream_id, row.id]));
  for (const request of options.deactivations ?? []) {
    if (deactivationByOrg.get(request.organizationId) !== request.eventId) {
      lost += 1;
      problems.push(`accepted deactivation of ${request.organizationId} (event ${request.eventId}) is not in the event store`);
    }
  }

  // Each step's event as often as the workflow writes it, no more (retries and racing starters included).
  const { rows: counts } = await system.db.query<{ stream_id: string; event_type: string; n: number }>(
    `select stream_id, event_type, count(*)::int as n from public.domain_events where stream_type = 'organization' group by 1, 2`);
  const perOrg = new Map<string, Map<string, number>>();
  for (const row of counts) {
    const map = perOrg.get(row.stream_id) ?? new Map<string, number>();
    map.set(row.event_type, row.n);
    perOrg.set(row.stream_id, map);
  }
  const { rows: projected } = await system.db.query<{ id: string; status: string; bootstrap_run_id: string; bootstrap_started_by: string; deactivation_run_id: string | null }>(
    "select id, status, bootstrap_run_id, bootstrap_started_by, deactivation_run_id from public.organizations_projection");
  const projection = new Map(projected.map((row) => [row.id, row]));
  let completed = 0;
  let failed = 0;
  for (const [organizationId, events] of eventsByOrg) {
    const map = perOrg.get(organizationId)!;
    const org = projection.get(organizationId);
    const admins = events[0]!.admins;
    // Deactivated: its bootstrap completed first (only active organizations are deactivated here).
    const deactivated = org?.status === "deactivated";
    const active = org?.status === "active" || deactivated;
    if (active) completed += 1;
    else failed += 1;
    const expected: Record<string, number> = active
      ? {
          [EVENT_TYPES.bootstrapInitiated]: 1, [EVENT_TYPES.bootstrapWorkflowStarted]: 1, [EVENT_TYPES.organizationCreated]: 1,
          [EVENT_TYPES.subdomainProvisioned]: 1, [EVENT_TYPES.invitationCreated]: admins, [EVENT_TYPES.invitationSent]: admins,
          [EVENT_TYPES.organizationActivated]: 1,
          ...(deactivated ? {
            [EVENT_TYPES.deactivationRequested]: 1, [EVENT_TYPES.deactivationWorkflowStarted]: 1,
            [EVENT_TYPES.invitationRevoked]: admins, [EVENT_TYPES.organizationDeactivated]: 1,
          } : {}),
        }
      : { [EVENT_TYPES.bootstrapInitiated]: 1, [EVENT_TYPES.bootstrapWorkflowStarted]: 1, [EVENT_TYPES.bootstrapFailed]: 1 };
    for (const [type, n] of map) {
      const want = expected[type];
      const upTo = want ?? (active ? 0 : Number.POSITIVE_INFINITY); // a failed run's compensation events vary with where it failed
      if (n > upTo) {
        duplicated += n - upTo;
        problems.push(`${organizationId}: ${n} × ${type}, expected ${upTo}`);
      }
    }
    for (const [type, n] of Object.entries(expected)) {
      if ((map.get(type) ?? 0) < n) problems.push(`${organizationId}: ${map.get(type) ?? 0} × ${type}, expected ${n}`);
    }
  }

  // Exactly one run per event, and none without one.
  const runs = await listRuns(system.temporal, BOOTSTRAP_WORKFLOW_TYPE, eventsByOrg.size, 60_000);
  const runsById = new Map<string, Run[]>();
  for (const run of runs) runsById.set(run.workflowId, [...(runsById.get(run.workflowId) ?? []), run]);
  for (const [organizationId] of eventsByOrg) {
    const workflowId = bootstrapWorkflowId(organizationId);
    const found = runsById.get(workflowId) ?? [];
    if (found.length !== 1) {
      if (found.length > 1) duplicated += found.length - 1;
      problems.push(`${workflowId}: ${found.length} runs, expected 1`);
      continue;
    }
    const run = found[0]!;
    const org = projection.get(organizationId);
    if (org?.bootstrap_run_id !== run.runId) problems.push(`${workflowId}: the projection names run ${org?.bootstrap_run_id}, Temporal ran ${run.runId}`);
    if (run.status === "COMPLETED") {
      if (org?.status !== "active" && org?.status !== "deactivated") problems.push(`${workflowId}: completed, but the organization is ${org?.status}`);
    } else if (run.status === "FAILED") {
      const type = await failureType(system.temporal, workflowId);
      if (type !== BOOTSTRAP_FAILED_TYPE) problems.push(`${workflowId}: failed with ${type}, not on its own terms (${BOOTSTRAP_FAILED_TYPE})`);
    } else {
      problems.push(`${workflowId}: ${run.status}`);
    }
  }
  for (const workflowId of runsById.keys()) {
    const organizationId = workflowId.replace(/^org-bootstrap-/, "");
    if (!eventsByOrg.has(organizationId)) problems.push(`${workflowId} runs without an initiated event`);
  }

  // The second trigger: exactly one deactivation run per request, completed, and none without one.
  const deactivationRuns = await listRuns(system.temporal, DEACTIVATE_WORKFLOW_TYPE, deactivationByOrg.size, 60_000);
  const deactivationRunsById = new Map<string, Run[]>();
  for (const run of deactivationRuns) deactivationRunsById.set(run.workflowId, [...(deactivationRunsById.get(run.workflowId) ?? []), run]);
  for (const organizationId of deactivationByOrg.keys()) {
    const workflowId = deactivateWorkflowId(organizationId);
    const found = deactivationRunsById.get(workflowId) ?? [];
    if (found.length > 1) duplicated += found.length - 1;
    if (found.length !== 1 || found[0]!.status !== "COMPLETED") {
      problems.push(`${workflowId}: ${found.map((r) => r.status).join(", ") || "no run"}, expected one COMPLETED run`);
      continue;
    }
    const org = projection.get(organizationId);
    if (org?.status !== "deactivated") problems.push(`${workflowId}: completed, but the organization is ${org?.status}`);
    if (org?.deactivation_run_id !== found[0]!.runId) problems.push(`${workflowId}: the projection names run ${org?.deactivation_run_id}, Temporal ran ${found[0]!.runId}`);
  }
  for (const workflowId of deactivationRunsById.keys()) {
    if (!deactivationByOrg.has(workflowId.replace(/^org-deactivate-/, ""))) problems.push(`${workflowId} runs without a deactivation request`);
  }

  problems.push(...(await projectionDrift(system.db)));
  return { bootstraps: eventsByOrg.size, deactivations: deactivationByOrg.size, completed, failed, lost, duplicated, problems };
}

async function failureType(client: Client, workflowId: string): Promise<string> {
  try {
    await client.workflow.getHandle(workflowId).result();
    return "(completed)";
  } catch (error) {
    if (error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure) return error.cause.type ?? "(no type)";
    return error instanceof Error ? error.name : String(error);
  }
}

/**
 * Rebuilds both projections from the events inside a transaction that is rolled back, and compares
 * with what the live triggers produced: any row that differs either way is a problem.
 */
async function projectionDrift(db: pg.Pool): Promise<string[]> {
  const client = await db.connect();
  try {
    await client.query("begin");
    await client.query("create temporary table live_orgs on commit drop as select * from public.organizations_projection");
    await client.query("create temporary table live_invitations on commit drop as select * from public.invitations_projection");
    await client.query("create temporary table live_invitation_tokens on commit drop as select * from private.invitation_tokens");
    await client.query("select public.rebuild_projections()");
    const drift: string[] = [];
    const tables = [
      ["public.organizations_projection", "live_orgs", "id"],
      ["public.invitations_projection", "live_invitations", "id"],
      ["private.invitation_tokens", "live_invitation_tokens", "invitation_id"],
    ] as const;
    for (const [table, live, id] of tables) {
      const { rows } = await client.query<{ id: string; side: string }>(
        `(select ${id} as id, 'only live' as side from (select * from ${live} except select * from ${table}) a)
         union all
         (select ${id} as id, 'only rebuilt' as side from (select * from ${table} except select * from ${live}) b)
         limit 20`);
      for (const row of rows) drift.push(`${table} ${row.id}: ${row.side} (the live projection and a rebuild from events differ)`);
    }
    return drift;
  } finally {
    await client.query("rollback").catch(() => undefined);
    client.release();
  }
}
