/**
 * Benchmark 4 (and the second half of 6): a backlog of pending bootstraps — recorded while no
 * worker ran — drained by the worker's reconciler (its catch-up sweep after SUBSCRIBED), against the
 * seed plan's fallback, "poll domain_events every 5 seconds", given the same start call.
 *
 * The worker runs with its task queue set to one nobody else polls (IDLE_TASK_QUEUE): its reconciler
 * starts bootstrap workflows on the real bootstrap queue exactly as in production, but no worker
 * executes them, so the measurement is the starting alone — not 10,000 workflows' activities
 * competing for the same two cores.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { organizationBootstrapTrigger, refFromEvent, workflowIdOf, type TriggerEventRow } from "@org-bootstrap/shared/triggers/index.ts";
import { temporalStarter } from "../../../workflows/src/reconciler/starter.ts";
import { workflowStartedRecorder } from "../../../workflows/src/reconciler/record-started.ts";
import { createServiceClient } from "../../../workflows/src/worker/supabase-client.ts";
import { bootstrapStartOptions } from "../../../workflows/src/worker/start-options.ts";
import { historyFor, insertSyntheticHistory } from "../lib/synthetic-events.ts";
import { pendingCount } from "./lib/events.ts";
import { cpuPerOperation, cpuSnapshot, type ProcessGroup } from "./lib/process-cpu.ts";
import { benchForm, IDLE_TASK_QUEUE, type BenchSystem } from "./lib/system.ts";

export interface DrainResult {
  readonly backlog: number;
  /** Worker process spawned → every bootstrap has its workflow (includes bundling and connecting). */
  readonly totalSeconds: number;
  /** First start → last start, from the workflow_started events' commit times. */
  readonly drainSeconds: number;
  readonly startsPerSecond: number;
  /** Spawn → first workflow started (process start, bundling workflows, connecting, subscribing). */
  readonly startupSeconds: number;
  /** Set when the run was cut at its time cap: the times above are projected from the rate it reached. */
  readonly projectedFrom?: { readonly started: number; readonly seconds: number };
  /** CPU ms per start by process, worker spawn → drained (the worker's own startup included). */
  readonly cpuPerStart?: Partial<Record<ProcessGroup, number>>;
}

export interface BacklogResult {
  readonly sweep: readonly DrainResult[];
  readonly poller: DrainResult | undefined;
  /** Temporal's own start rate on this stack: the ceiling of any drain. */
  readonly temporalCeiling: { readonly startsPerSecond: number; readonly starts: number; readonly inFlight: number };
}

/** StartWorkflowExecution alone, as fast as Temporal takes it (16 in flight, like the sweep), nothing else. */
async function temporalCeiling(system: BenchSystem, starts: number, inFlight: number): Promise<BacklogResult["temporalCeiling"]> {
  let next = 0;
  const began = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < starts) {
      next += 1;
      const organizationId = randomUUID();
      await system.temporal.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions({ eventId: randomUUID(), organizationId }, "sweep"));
    }
  }));
  return { startsPerSecond: starts / ((performance.now() - began) / 1000), starts, inFlight };
}

async function recordBacklog(system: BenchSystem, size: number, tag: string): Promise<void> {
  const client = await system.db.connect();
  try {
    await insertSyntheticHistory(client, historyFor(size, size), tag, { commitEvery: 5_000 });
    await client.query("analyze public.domain_events, public.organizations_projection");
  } finally {
    client.release();
  }
  const pending = await pendingCount(system.db);
  if (pending !== size) throw new Error(`expected ${size} pending bootstraps, found ${pending}`);
}

async function waitUntilDrained(system: BenchSystem, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await pendingCount(system.db)) > 0) {
    if (Date.now() > deadline) throw new Error(`the backlog was not drained within ${timeoutMs / 1000} s (${await pendingCount(system.db)} left)`);
    await delay(100);
  }
}

/** First and last workflow_started commit of a tag's bootstraps (created_at is the writing transaction's start). */
async function startWindow(system: BenchSystem, tag: string): Promise<{ first: number; last: number; count: number }> {
  const { rows } = await system.db.query<{ first: Date; last: Date; n: string }>(
    `select min(s.created_at) as first, max(s.created_at) as last, count(*) as n
       from public.domain_events s
       join public.organizations_projection o on o.id = s.stream_id
      where s.event_type = 'organization.bootstrap.workflow_started' and o.subdomain like $1`,
    [`${tag}-%`],
  );
  return { first: rows[0]!.first.getTime(), last: rows[0]!.last.getTime(), count: Number(rows[0]!.n) };
}

/** Spot check beyond the event store: Temporal has the runs the workflow_started events name. */
async function checkSample(system: BenchSystem, tag: string, sample: number): Promise<void> {
  const { rows } = await system.db.query<{ workflow_id: string; run_id: string }>(
    `select bootstrap_workflow_id as workflow_id, bootstrap_run_id as run_id from public.organizations_projection
      where subdomain like $1 order by random() limit $2`,
    [`${tag}-%`, sample],
  );
  for (const row of rows) {
    const description = await system.temporal.workflow.getHandle(row.workflow_id).describe();
    if (description.runId !== row.run_id) throw new Error(`${row.workflow_id}: Temporal has run ${description.runId}, the event says ${row.run_id}`);
  }
}

async function drainWithWorker(system: BenchSystem, size: number, log: (line: string) => void): Promise<DrainResult> {
  const tag = `bk${size}-${Date.now().toString(36)}`;
  log(`… backlog of ${size.toLocaleString("en")}: recording it with no worker running`);
  await recordBacklog(system, size, tag);
  const cpuBefore = cpuSnapshot(system.stack.pid);
  const spawnedAt = Date.now();
  // The catch-up sweep after SUBSCRIBED does the work; the Schedule's sweep (grace 10 s) may join in.
  const worker = await system.startWorker({
    TEMPORAL_TASK_QUEUE: IDLE_TASK_QUEUE,
    ...(process.env.RECONCILE_CONCURRENCY ? { RECONCILE_CONCURRENCY: process.env.RECONCILE_CONCURRENCY } : {}),
  });
  try {
    await waitUntilDrained(system, 10 * 60_000);
    const doneAt = Date.now();
    const cpuPerStart = cpuPerOperation(cpuBefore, cpuSnapshot(system.stack.pid), size);
    const window = await startWindow(system, tag);
    if (window.count !== size) throw new Error(`${window.count} workflow_started events for ${size} bootstraps`);
    await checkSample(system, tag, 50);
    const drainSeconds = (window.last - window.first) / 1000;
    const result: DrainResult = {
      backlog: size,
      totalSeconds: (doneAt - spawnedAt) / 1000,
      drainSeconds,
      startsPerSecond: size / Math.max(drainSeconds, 0.001),
      startupSeconds: (window.first - spawnedAt) / 1000,
      cpuPerStart,
    };
    log(`  drained in ${result.drainSeconds.toFixed(1)} s (${result.startsPerSecond.toFixed(0)} starts/s) after ${result.startupSeconds.toFixed(1)} s of worker startup; ${result.totalSeconds.toFixed(1)} s in all`);
    return result;
  } finally {
    await worker.stop();
  }
}

/**
 * The seed plan's Option C, written as simply as it reads: every 5 s select the pending bootstraps,
 * then start them one after another with the reconciler's own start call and record each start.
 */
async function drainWithPoller(system: BenchSystem, size: number, maxSeconds: number, log: (line: string) => void): Promise<DrainResult> {
  const tag = `pl${size}-${Date.now().toString(36)}`;
  log(`… backlog of ${size.toLocaleString("en")} for the 5-second poller (cut after ${maxSeconds} s and projected, if it is not done by then)`);
  await recordBacklog(system, size, tag);
  const { env } = system.stack;
  const supabase = createServiceClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY);
  const starter = temporalStarter(system.temporal);
  const record = workflowStartedRecorder(supabase);
  const began = Date.now();
  const cutAt = began + maxSeconds * 1000;
  let started = 0;
  let cut = false;
  for (let tick = 0; !cut; tick += 1) {
    // Ticks at 0, 5, 10 s…; a tick still working when the next is due makes that one skip.
    await delay(Math.max(0, began + tick * 5_000 - Date.now()));
    if (Date.now() > began + (tick + 1) * 5_000) continue;
    const { rows } = await system.db.query<TriggerEventRow>("select * from public.pending_trigger_events(interval '0 seconds', 10000)");
    if (rows.length === 0) break;
    for (const row of rows) {
      if (Date.now() > cutAt) {
        cut = true;
        break;
      }
      const ref = refFromEvent(organizationBootstrapTrigger, row);
      const result = await starter.start(organizationBootstrapTrigger, ref, "sweep");
      if (result.status === "started") await record(organizationBootstrapTrigger, ref, { workflowId: workflowIdOf(organizationBootstrapTrigger, ref), runId: result.runId, startedBy: "sweep" });
      started += 1;
    }
  }
  const doneAt = Date.now();
  const window = await startWindow(system, tag);
  const measuredSeconds = (window.last - window.first) / 1000;
  const rate = window.count / Math.max(measuredSeconds, 0.001);
  const startupSeconds = (window.first - began) / 1000;
  const result: DrainResult = cut
    ? {
        backlog: size,
        drainSeconds: size / rate,
        startsPerSecond: rate,
        startupSeconds,
        totalSeconds: startupSeconds + size / rate,
        projectedFrom: { started, seconds: (doneAt - began) / 1000 },
      }
    : { backlog: size, totalSeconds: (doneAt - began) / 1000, drainSeconds: measuredSeconds, startsPerSecond: rate, startupSeconds };
  log(`  poller: ${cut ? `cut after ${started} starts; projected ` : ""}drain ${result.drainSeconds.toFixed(1)} s (${result.startsPerSecond.toFixed(0)} starts/s), first start after ${result.startupSeconds.toFixed(1)} s`);
  // What a cut leaves pending stays so: the poller runs last and the bench stack is discarded after it.
  return result;
}

export async function benchBacklog(
  system: BenchSystem,
  options: { sizes: readonly number[]; pollerSize: number | undefined; pollerMaxSeconds: number; log: (line: string) => void },
): Promise<BacklogResult> {
  options.log("… Temporal's own ceiling: 2,000 starts with @temporalio/client, 16 in flight");
  const ceiling = await temporalCeiling(system, 2_000, 16);
  options.log(`  ${ceiling.startsPerSecond.toFixed(0)} starts/s`);
  const sweep: DrainResult[] = [];
  for (const size of options.sizes) sweep.push(await drainWithWorker(system, size, options.log));
  const poller = options.pollerSize ? await drainWithPoller(system, options.pollerSize, options.pollerMaxSeconds, options.log) : undefined;
  return { sweep, poller, temporalCeiling: ceiling };
}
