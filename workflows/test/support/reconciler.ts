/**
 * For the reconciler suites: a worker with its reconciler and HTTP server in this process (the same
 * composition main.ts uses), on the stack's Temporal and Supabase, plus helpers to record bootstraps
 * without starting them, to make Realtime misbehave, and to read back what happened.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import type { SupabaseClient } from "@supabase/supabase-js";
import type { Client } from "@temporalio/client";
import { defineSearchAttributeKey, SearchAttributeType } from "@temporalio/common";
import { DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from "@temporalio/worker";
import { emitArgs, EVENT_TYPES, type BootstrapInitiated } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { WORKFLOW_TRIGGERS, type WorkflowTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { memoryLog, type ReconcilerLog } from "../../src/reconciler/log.ts";
import { parseWorkerEnv, type WorkerConfig } from "../../src/worker/env.ts";
import { startWorkerProcess, type WorkerProcess } from "../../src/worker/worker-process.ts";
import { tempOutbox } from "./workflow-harness.ts";

// The SDK's INFO lines (every worker state change) would bury the test output; warnings still show.
// Only possible before the first connection of the process, hence here, as the suites import this first.
try {
  Runtime.install({ logger: new DefaultLogger("WARN") });
} catch {
  // Already installed by whatever connected first: keep its logger.
}

export interface StackEndpoints {
  readonly supabaseUrl: string;
  readonly serviceRoleKey: string;
  readonly temporalAddress: string;
  readonly temporalNamespace: string;
}

/** The worker's configuration for a test: local mode, a free HTTP port, its own Schedule id, `env` on top. */
export function reconcilerConfig(stack: StackEndpoints, env: Record<string, string> = {}): WorkerConfig {
  const parsed = parseWorkerEnv({
    SUPABASE_URL: stack.supabaseUrl,
    SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    WORKFLOW_MODE: "local",
    LOCAL_OUTBOX_DIR: tempOutbox(),
    NODE_ENV: "test",
    WORKER_HTTP_PORT: "0",
    RECONCILE_SCHEDULE_ID: `test-reconcile-${randomUUID()}`,
    ...env,
  });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  return parsed.config;
}

export interface ReconcilingWorker {
  readonly config: WorkerConfig;
  /** The worker as main.ts runs it: its clients, its reconciler (undefined when disabled), its HTTP URL. */
  readonly process: WorkerProcess;
  readonly log: ReconcilerLog & { readonly lines: string[] };
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Stops the worker and the HTTP server; the Schedule is left (see deleteSchedule). */
  stop(): Promise<void>;
}

/** A worker as main.ts runs it (worker-process.ts: reconciler + /healthz /readyz /metrics), in this process, logging to memory. */
export async function startReconcilingWorker(
  config: WorkerConfig,
  bundle: WorkflowBundleWithSourceMap,
  triggers: readonly WorkflowTrigger[] = WORKFLOW_TRIGGERS,
): Promise<ReconcilingWorker> {
  const log = memoryLog();
  const running = await startWorkerProcess(config, { log, triggers, workflowBundle: bundle });
  return {
    config,
    process: running,
    log,
    metric: (name, labels = {}) => readMetric(running.httpUrl, name, labels),
    stop: () => running.shutdown(),
  };
}

/** One sample of /metrics, by name and exact labels (0 when absent). */
export async function readMetric(httpUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(",");
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? "").split(",").filter(Boolean).sort().join(",");
    if (have === want) return Number(match[3]);
  }
  return 0;
}

/**
 * Fault injection of the local stack's Realtime: drop every socket, silently stop/restart
 * deliveries, or set how long new subscriptions take to go live after the join's answer.
 */
export async function realtimeFault(stack: StackEndpoints, action: "drop" | "pause" | "resume" | `subscribe-delay?ms=${number}`): Promise<void> {
  const response = await fetch(`${stack.supabaseUrl}/_stack/realtime/${action}`, { method: "POST", headers: { apikey: stack.serviceRoleKey } });
  assert.equal(response.status, 200, `realtime ${action}: ${await response.text()}`);
}

export function bootstrapForm(): BootstrapInitiated {
  const tag = randomBytes(5).toString("hex");
  return {
    name: `Rescue ${tag}`,
    subdomain: `r-${tag}`,
    contactEmail: `ops@${tag}.example.com`,
    admins: [{ email: `ada@${tag}.example.com`, firstName: "Ada" }],
  };
}

export interface RecordedBootstrap {
  readonly organizationId: string;
  readonly eventId: string;
  readonly workflowId: string;
}

/** Records `organization.bootstrap.initiated` exactly as the edge function does, without starting anything. */
export async function recordBootstrap(supabase: SupabaseClient): Promise<RecordedBootstrap> {
  const organizationId = randomUUID();
  const { data, error } = await supabase.rpc(
    "emit_domain_event",
    emitArgs(organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapForm(), { source: "test", correlation_id: `test-${organizationId}` }),
  );
  assert.equal(error, null, `emit_domain_event failed: ${error?.message}`);
  assert.equal(typeof data, "string");
  return { organizationId, eventId: data as string, workflowId: bootstrapWorkflowId(organizationId) };
}

/** The same with plain SQL (the seed plan's manual test), `count` of them in one statement each. */
export async function recordBootstrapsWithSql(dbUrl: string, count: number): Promise<RecordedBootstrap[]> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const recorded: RecordedBootstrap[] = [];
    for (let i = 0; i < count; i += 1) {
      const organizationId = randomUUID();
      const { rows } = await db.query<{ id: string }>(
        "select public.emit_domain_event($1::uuid, 'organization', 'organization.bootstrap.initiated', $2::jsonb, $3::jsonb) as id",
        [organizationId, JSON.stringify(bootstrapForm()), JSON.stringify({ source: "test-sql" })],
      );
      recorded.push({ organizationId, eventId: rows[0]!.id, workflowId: bootstrapWorkflowId(organizationId) });
    }
    return recorded;
  } finally {
    await db.end();
  }
}

export interface StartedRecord {
  readonly organizationId: string;
  readonly count: number;
  readonly startedBy: string | null;
  readonly runId: string | null;
}

/** Per organization: how many workflow_started events it has, and what the first one says. */
export async function workflowStartedRecords(dbUrl: string, organizationIds: readonly string[]): Promise<Map<string, StartedRecord>> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ stream_id: string; n: number; started_by: string | null; run_id: string | null }>(
      `select stream_id, count(*)::int as n,
              (array_agg(event_data ->> 'startedBy' order by stream_version))[1] as started_by,
              (array_agg(event_data ->> 'runId' order by stream_version))[1] as run_id
         from public.domain_events
        where stream_type = 'organization' and event_type = 'organization.bootstrap.workflow_started'
          and stream_id = any($1::uuid[])
        group by stream_id`,
      [organizationIds],
    );
    return new Map(rows.map((r) => [r.stream_id, { organizationId: r.stream_id, count: r.n, startedBy: r.started_by, runId: r.run_id }]));
  } finally {
    await db.end();
  }
}

const STARTED_BY_KEY = defineSearchAttributeKey("StartedBy", SearchAttributeType.KEYWORD);

/** The run as Temporal has it: id, status, and who its start request says started it (memo and search attribute). */
export async function describeRun(client: Client, workflowId: string) {
  const description = await client.workflow.getHandle(workflowId).describe();
  return {
    runId: description.runId,
    status: description.status.name,
    memoStartedBy: description.memo?.["startedBy"],
    searchStartedBy: description.typedSearchAttributes.get(STARTED_BY_KEY),
  };
}

export { eventually } from "./eventually.ts";

/** True when the workflow exists (any status). */
export async function workflowExists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === "WorkflowNotFoundError") return false;
    throw error;
  }
}

/**
 * Ends the runs a test started, so they do not keep running into the next suite's worker on the shared
 * task queue (already closed or never started is fine).
 */
export async function terminateRuns(client: Client, workflowIds: readonly string[]): Promise<void> {
  await Promise.all(workflowIds.map((id) => client.workflow.getHandle(id).terminate("test done").catch(() => undefined)));
}

export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete().catch((error: unknown) => {
    if ((error as { name?: string }).name !== "ScheduleNotFoundError") throw error;
  });
}
