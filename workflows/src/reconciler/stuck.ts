import type { SupabaseClient } from "@supabase/supabase-js";
import type { Client } from "@temporalio/client";
import { ORGANIZATIONS_PROJECTION } from "@org-bootstrap/shared/events/index.ts";
import { BOOTSTRAP_WORKFLOW_TYPE, bootstrapWorkflowId, organizationIdFromWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";

/**
 * "Stuck": an organization still `provisioning` whose bootstrap workflow's latest run closed without
 * success (failed, terminated, timed out, cancelled). Nothing in the system will move it on by itself:
 * the run is closed, REJECT_DUPLICATE refuses every later start, the event is no longer pending, and
 * no failure was recorded (that would have made it `failed`). Only a person can decide, with
 * `npm run bootstrap:retry`.
 */

/** Temporal's names for a run that closed without success (visibility's ExecutionStatus values). */
export const UNSUCCESSFUL_CLOSE_STATUSES = ["Failed", "Terminated", "TimedOut", "Canceled"] as const;

export interface StuckOrganization {
  readonly organizationId: string;
  readonly workflowId: string;
  readonly runId: string;
  /** FAILED, TERMINATED, TIMED_OUT or CANCELLED (the latest run's status). */
  readonly status: string;
  readonly closedAt?: string;
}

export interface ClosedRun {
  readonly workflowId: string;
  readonly runId: string;
  readonly status: string;
  readonly closedAt?: string;
}

/** What the check asks of Temporal and of the store; fakes in unit tests. */
export interface StuckSources {
  /** Runs of the bootstrap workflow that closed without success, newest first, at most `limit`. */
  closedUnsuccessful(limit: number): Promise<ClosedRun[]>;
  /** The latest run of a workflow id (a retry may have replaced the listed one). */
  latestRun(workflowId: string): Promise<ClosedRun | undefined>;
  /** Of these organizations, the ones whose projection still says `provisioning`. */
  provisioning(organizationIds: readonly string[]): Promise<Set<string>>;
}

/** At most this many closed runs are looked at per check: failures are rare, and each costs a row read. */
export const STUCK_CHECK_LIMIT = 500;

export async function findStuckOrganizations(sources: StuckSources, limit = STUCK_CHECK_LIMIT): Promise<StuckOrganization[]> {
  const closed = await sources.closedUnsuccessful(limit);
  const byOrganization = new Map<string, ClosedRun>();
  for (const run of closed) {
    const organizationId = organizationIdFromWorkflowId(run.workflowId);
    if (organizationId && !byOrganization.has(organizationId)) byOrganization.set(organizationId, run);
  }
  if (byOrganization.size === 0) return [];
  const provisioning = await sources.provisioning([...byOrganization.keys()]);
  const stuck: StuckOrganization[] = [];
  for (const organizationId of provisioning) {
    // The listed run may be an old one that a retry has replaced: only the latest run counts.
    const latest = await sources.latestRun(bootstrapWorkflowId(organizationId));
    if (!latest || !isUnsuccessfulClose(latest.status)) continue;
    stuck.push({ organizationId, ...latest });
  }
  return stuck.sort((a, b) => a.organizationId.localeCompare(b.organizationId));
}

/** FAILED, TERMINATED, TIMED_OUT, CANCELLED: the SDK's status names (describe), or visibility's. */
export function isUnsuccessfulClose(status: string): boolean {
  const normalized = status.replace(/_/g, "").toLowerCase();
  return ["failed", "terminated", "timedout", "canceled", "cancelled"].includes(normalized);
}

const PROVISIONING_CHUNK = 100;

export function temporalAndStoreStuckSources(client: Client, supabase: SupabaseClient): StuckSources {
  const statuses = UNSUCCESSFUL_CLOSE_STATUSES.map((status) => `'${status}'`).join(", ");
  const query = `WorkflowType = '${BOOTSTRAP_WORKFLOW_TYPE}' AND ExecutionStatus IN (${statuses})`;
  return {
    async closedUnsuccessful(limit) {
      const runs: ClosedRun[] = [];
      for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
        runs.push({
          workflowId: execution.workflowId,
          runId: execution.runId,
          status: execution.status.name,
          ...(execution.closeTime ? { closedAt: execution.closeTime.toISOString() } : {}),
        });
        if (runs.length >= limit) break;
      }
      return runs;
    },
    async latestRun(workflowId) {
      try {
        const description = await client.workflow.getHandle(workflowId).describe();
        return {
          workflowId,
          runId: description.runId,
          status: description.status.name,
          ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
        };
      } catch (error) {
        if ((error as { name?: string }).name === "WorkflowNotFoundError") return undefined;
        throw error;
      }
    },
    async provisioning(organizationIds) {
      const found = new Set<string>();
      // In chunks: each id is 37 characters of URL, and proxies in front of PostgREST cap URL length.
      for (let i = 0; i < organizationIds.length; i += PROVISIONING_CHUNK) {
        const { data, error } = await supabase
          .from(ORGANIZATIONS_PROJECTION)
          .select("id")
          .in("id", organizationIds.slice(i, i + PROVISIONING_CHUNK))
          .eq("status", "provisioning");
        if (error) throw new Error(`reading ${ORGANIZATIONS_PROJECTION} failed: ${error.code ?? ""} ${error.message}`);
        for (const row of data as Array<{ id: string }>) found.add(row.id);
      }
      return found;
    },
  };
}

export interface StuckMonitorStatus {
  readonly count: number;
  /** The first few, for a person reading /readyz: the metric has the count. */
  readonly organizations: readonly StuckOrganization[];
  readonly checkedAt?: string;
  readonly error?: string;
}

const SHOWN_IN_STATUS = 10;

/**
 * Checks for stuck organizations every `intervalMs` (each replica on its own: one list call and a few
 * row reads), sets the gauge, and logs each stuck run once per process with the command that fixes it.
 */
export class StuckMonitor {
  private timer: NodeJS.Timeout | undefined;
  private current: StuckMonitorStatus = { count: 0, organizations: [] };
  private readonly reported = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(private readonly deps: {
    readonly sources: StuckSources;
    readonly intervalMs: number;
    readonly metrics: { setStuckOrganizations(count: number): void };
    readonly log: { error(message: string, fields?: Record<string, string | number | undefined>): void; warn(message: string, fields?: Record<string, string | undefined>): void };
  }) {}

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.running ?? Promise.resolve();
  }

  status(): StuckMonitorStatus {
    return this.current;
  }

  /** One check now (a check already running is joined). Never rejects: a failure is logged and shown. */
  check(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<void> {
    const checkedAt = new Date().toISOString();
    try {
      const stuck = await findStuckOrganizations(this.deps.sources);
      this.deps.metrics.setStuckOrganizations(stuck.length);
      for (const organization of stuck) {
        const key = `${organization.workflowId}/${organization.runId}`;
        if (this.reported.has(key)) continue;
        this.reported.add(key);
        this.deps.log.error("organization is stuck: its bootstrap run closed without success while it is provisioning; a person must decide", {
          organizationId: organization.organizationId,
          workflowId: organization.workflowId,
          runId: organization.runId,
          status: organization.status,
          fix: `npm run bootstrap:retry -- --organization ${organization.organizationId}`,
        });
      }
      this.current = { count: stuck.length, organizations: stuck.slice(0, SHOWN_IN_STATUS), checkedAt };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.log.warn("the stuck-organization check failed; the next one retries", { error: message });
      this.current = { ...this.current, checkedAt, error: message };
    }
  }
}
