import type { SupabaseClient } from "@supabase/supabase-js";
import { WorkflowNotFoundError, type Client } from "@temporalio/client";
import { ORGANIZATIONS_PROJECTION } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";

/**
 * "Stuck": an organization still `provisioning` whose bootstrap workflow's latest run closed without
 * success (failed, terminated, timed out, cancelled). Nothing in the system will move it on by itself:
 * the run is closed, REJECT_DUPLICATE refuses every later start, the event is no longer pending, and
 * no failure was recorded (that would have made it `failed`). Only a person can decide, with
 * `npm run bootstrap:retry`.
 */

export interface StuckOrganization {
  readonly organizationId: string;
  readonly workflowId: string;
  readonly runId: string;
  /** FAILED, TERMINATED, TIMED_OUT or CANCELLED (the latest run's status). */
  readonly status: string;
  readonly closedAt?: string;
}

export interface LatestRun {
  readonly runId: string;
  readonly status: string;
  readonly closedAt?: string;
}

/** What the check asks of the store and of Temporal; fakes in unit tests. */
export interface StuckSources {
  /** Organizations still `provisioning` whose row has not changed for `minAgeMs`, oldest first, at most `limit`. */
  quietProvisioning(minAgeMs: number, limit: number): Promise<string[]>;
  /** The latest run of a workflow id; undefined when it has never run (the reconciler's job, not stuck). */
  latestRun(workflowId: string): Promise<LatestRun | undefined>;
}

/**
 * The default quiet time (STUCK_AFTER). Candidates come from the store, not from Temporal's list of failed runs: that list also holds every
 * compensated failure of the retention period and every start forged without an event, and anyone
 * holding the proxy token could push a real stuck organization out of its first page. A bootstrap
 * moves its row on every step, so only quiet ones are looked at.
 */
export const STUCK_MIN_QUIET_MS = 2 * 60_000;
/** At most this many rows, and so Temporal describes, per check. */
export const STUCK_CHECK_LIMIT = 200;
const DESCRIBE_CONCURRENCY = 4;

export async function findStuckOrganizations(sources: StuckSources, options: { minQuietMs?: number; limit?: number } = {}): Promise<StuckOrganization[]> {
  const candidates = await sources.quietProvisioning(options.minQuietMs ?? STUCK_MIN_QUIET_MS, options.limit ?? STUCK_CHECK_LIMIT);
  const stuck: StuckOrganization[] = [];
  let next = 0;
  const describeNext = async (): Promise<void> => {
    for (let i = next++; i < candidates.length; i = next++) {
      const organizationId = candidates[i]!;
      const workflowId = bootstrapWorkflowId(organizationId);
      const latest = await sources.latestRun(workflowId);
      if (latest && isUnsuccessfulClose(latest.status)) stuck.push({ organizationId, workflowId, ...latest });
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, candidates.length) }, describeNext));
  return stuck.sort((a, b) => a.organizationId.localeCompare(b.organizationId));
}

/** FAILED, TERMINATED, TIMED_OUT, CANCELLED: the SDK's status names (describe), or visibility's. */
export function isUnsuccessfulClose(status: string): boolean {
  const normalized = status.replace(/_/g, "").toLowerCase();
  return ["failed", "terminated", "timedout", "canceled", "cancelled"].includes(normalized);
}

export function temporalAndStoreStuckSources(client: Client, supabase: SupabaseClient): StuckSources {
  return {
    async quietProvisioning(minAgeMs, limit) {
      const { data, error } = await supabase
        .from(ORGANIZATIONS_PROJECTION)
        .select("id")
        .eq("status", "provisioning")
        .lt("updated_at", new Date(Date.now() - minAgeMs).toISOString())
        .order("updated_at", { ascending: true })
        .limit(limit);
      if (error) throw new Error(`reading ${ORGANIZATIONS_PROJECTION} failed: ${error.code ?? ""} ${error.message}`);
      return (data as Array<{ id: string }>).map((row) => row.id);
    },
    async latestRun(workflowId) {
      try {
        const description = await client.workflow.getHandle(workflowId).describe();
        return {
          runId: description.runId,
          status: description.status.name,
          ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
        };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
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
 * Checks for stuck organizations every `intervalMs` (each replica on its own: one row read, and one
 * describe per quiet provisioning organization), sets the gauge, and logs each stuck run once per process with the command that fixes it.
 */
export class StuckMonitor {
  private timer: NodeJS.Timeout | undefined;
  private current: StuckMonitorStatus = { count: 0, organizations: [] };
  private readonly reported = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(private readonly deps: {
    readonly sources: StuckSources;
    readonly intervalMs: number;
    /** STUCK_AFTER: how quiet a provisioning organization must be to be looked at. */
    readonly minQuietMs?: number;
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
      const stuck = await findStuckOrganizations(this.deps.sources, this.deps.minQuietMs !== undefined ? { minQuietMs: this.deps.minQuietMs } : {});
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
